#include "table/column_batch.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace billpipe::table {

void ColumnBatch::Start(const std::vector<ColumnSchema>* schema, size_t rows) {
  schema_ = schema;
  rows_ = rows;
  columns_.resize(schema ? schema->size() : 0);
  for (size_t c = 0; c < columns_.size(); ++c) columns_[c].type = (*schema)[c].type;
  lines_.assign(rows, 0);
  offsets_.assign(rows, 0);
  rejected_.clear();
}

ColumnBatchReader::ColumnBatchReader(std::unique_ptr<csv::CsvScanner> scanner, std::vector<ColumnSchema> schema)
    : scanner_(std::move(scanner)), schema_(std::move(schema)) {}

Result<std::unique_ptr<ColumnBatchReader>> ColumnBatchReader::Create(std::unique_ptr<csv::CsvScanner> scanner,
                                                                     std::vector<ColumnSchema> schema) {
  std::unique_ptr<ColumnBatchReader> reader(new ColumnBatchReader(std::move(scanner), std::move(schema)));
  const auto& header = reader->scanner_->header();
  for (const auto& column : reader->schema_) {
    // The first header of that name: duplicates are the naming layer's business.
    auto it = std::find(header.begin(), header.end(), column.name);
    reader->source_index_.push_back(it == header.end() ? -1 : static_cast<int>(it - header.begin()));
  }
  return reader;
}

void ColumnBatchReader::BadValue(size_t row, size_t c, std::string detail) {
  if (row_bad_[row]) return;  // one error per row: the first column in schema order
  row_bad_[row] = 1;
  csv::RowError e;
  e.kind = csv::RowErrorKind::kBadValue;
  e.source = scanner_->source_name();
  e.line = records_.line(row);
  e.offset = records_.offset(row);
  e.column = source_index_[c] + 1;
  e.column_name = schema_[c].name;
  e.detail = std::move(detail);
  const std::string_view raw = records_.raw(row);
  e.raw.assign(raw.substr(0, csv::RowError::kMaxRawBytes));
  e.raw_truncated = raw.size() > csv::RowError::kMaxRawBytes;
  value_errors_.push_back(std::move(e));
}

void ColumnBatchReader::ConvertColumn(size_t c, ColumnBatch& batch) {
  Column& col = batch.columns_[c];
  const size_t n = records_.num_rows();
  const int source = source_index_[c];
  col.type = schema_[c].type;
  col.present = source >= 0;
  col.null.resize(n);  // resize and memset: assign() is an out-of-line call, made per column per batch
  if (n > 0) std::memset(col.null.data(), source >= 0 ? 0 : 1, n);
  const bool text = col.type == ColumnType::kString || col.type == ColumnType::kOptionalString ||
                    col.type == ColumnType::kInterval;
  const bool decimal = col.type == ColumnType::kBigDecimal || col.type == ColumnType::kOptionalBigDecimal;
  const bool time = col.type == ColumnType::kDateTime || col.type == ColumnType::kInterval;
  if (source < 0) {
    if (text) {
      col.text_storage.assign(n, std::string_view());
      col.text = col.text_storage;
    }
    if (decimal) col.decimal.assign(n, Decimal());
    if (time) col.micros.assign(n, 0);
    if (col.type == ColumnType::kInterval) col.micros_end.assign(n, 0);
    return;
  }
  const std::span<const std::string_view> in = records_.column(static_cast<size_t>(source));
  if (text) col.text = in;  // no copy: the views stay those of the scanner's batch
  uint8_t* null = col.null.data();
  switch (col.type) {
    case ColumnType::kString:
      break;
    case ColumnType::kOptionalString:
      for (size_t r = 0; r < n; ++r) null[r] = in[r].empty();
      break;
    case ColumnType::kBigDecimal:
    case ColumnType::kOptionalBigDecimal: {
      col.decimal.resize(n);
      Decimal* out = col.decimal.data();
      for (size_t r = 0; r < n; ++r) {
        if (in[r].empty()) {
          null[r] = 1;
          out[r] = Decimal();
        } else if (!Decimal::TryParse(in[r], &out[r])) {
          BadValue(r, c, fmt::format("'{}' is not a decimal number of at most {} digits", in[r], Decimal::kMaxDigits));
        }
      }
      break;
    }
    case ColumnType::kDateTime: {
      col.micros.resize(n);
      TimestampMicros* out = col.micros.data();
      for (size_t r = 0; r < n; ++r) {
        if (in[r].empty()) {
          null[r] = 1;
          out[r] = 0;
        } else if (!TryParseTimestamp(in[r], &out[r])) {
          BadValue(r, c, fmt::format("'{}' is not a UTC timestamp like 2018-05-01T00:00:00Z", in[r]));
        }
      }
      break;
    }
    case ColumnType::kInterval: {
      col.micros.resize(n);
      col.micros_end.resize(n);
      for (size_t r = 0; r < n; ++r) {
        if (in[r].empty()) {
          null[r] = 1;
          col.micros[r] = col.micros_end[r] = 0;
        } else if (!TryParseInterval(in[r], &col.micros[r], &col.micros_end[r])) {
          BadValue(r, c,
                   fmt::format("'{}' is not an interval like 2018-05-01T00:00:00Z/2018-05-01T01:00:00Z", in[r]));
        }
      }
      break;
    }
  }
}

namespace {

template <typename T>
void Compact(std::vector<T>& v, const std::vector<uint8_t>& drop) {
  if (v.empty()) return;
  size_t out = 0;
  for (size_t r = 0; r < drop.size(); ++r) {
    if (!drop[r]) v[out++] = v[r];
  }
  v.resize(out);
}

}  // namespace

void ColumnBatchReader::DropRejectedRows(ColumnBatch& batch) {
  for (Column& col : batch.columns_) {
    // Vectors of other types may hold an earlier batch's values: only compact those of this batch.
    if (col.decimal.size() != row_bad_.size()) col.decimal.clear();
    if (col.micros.size() != row_bad_.size()) col.micros.clear();
    if (col.micros_end.size() != row_bad_.size()) col.micros_end.clear();
    Compact(col.null, row_bad_);
    if (!col.text.empty()) {
      col.text_storage.assign(col.text.begin(), col.text.end());
      Compact(col.text_storage, row_bad_);
      col.text = col.text_storage;
    }
    Compact(col.decimal, row_bad_);
    Compact(col.micros, row_bad_);
    Compact(col.micros_end, row_bad_);
  }
  Compact(batch.lines_, row_bad_);
  Compact(batch.offsets_, row_bad_);
  for (auto& e : value_errors_) batch.rejected_.push_back(std::move(e));
  std::stable_sort(batch.rejected_.begin(), batch.rejected_.end(),
                   [](const csv::RowError& a, const csv::RowError& b) { return a.line < b.line; });
}

Result<bool> ColumnBatchReader::NextBatch(ColumnBatch& batch) {
  if (failed_) return std::unexpected(*failed_);
  batch.schema_ = &schema_;
  batch.columns_.resize(schema_.size());
  batch.rows_ = 0;
  auto scanned = scanner_->NextBatch(records_);
  if (!scanned) {
    failed_ = scanned.error();
    return std::unexpected(std::move(scanned).error());
  }
  const bool more = *scanned;
  batch.rejected_ = records_.rejected();
  const size_t n = records_.num_rows();
  row_bad_.assign(n, 0);
  value_errors_.clear();
  for (size_t c = 0; c < schema_.size(); ++c) ConvertColumn(c, batch);
  batch.lines_.resize(n);
  batch.offsets_.resize(n);
  for (size_t r = 0; r < n; ++r) {
    batch.lines_[r] = records_.line(r);
    batch.offsets_[r] = records_.offset(r);
  }
  batch.rows_ = n;
  if (!value_errors_.empty()) {
    if (scanner_->policy() == csv::RowErrorPolicy::kFail) {
      // Hand out the rows before the first bad one; the error comes with the next call.
      auto first = std::min_element(value_errors_.begin(), value_errors_.end(),
                                    [](const csv::RowError& a, const csv::RowError& b) { return a.line < b.line; });
      failed_ = first->ToError();
      size_t good = 0;
      while (good < n && !row_bad_[good]) ++good;
      batch.rows_ = good;
      rows_read_ += static_cast<int64_t>(good);
      if (good > 0) return true;
      return std::unexpected(*failed_);
    }
    batch.rows_ = n - value_errors_.size();
    DropRejectedRows(batch);
  }
  rows_read_ += static_cast<int64_t>(batch.rows_);
  rows_rejected_ += static_cast<int64_t>(batch.rejected_.size());
  return more;
}

}  // namespace billpipe::table
