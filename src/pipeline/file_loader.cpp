#include "pipeline/file_loader.h"

#include <algorithm>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "cur/export_layout.h"
#include "parquet/parquet_batch_source.h"
#include "s3/object_random_access.h"
#include "table/column_batch.h"
#include "table/decimal.h"

namespace billpipe::pipeline {
namespace {

// Counts the compressed bytes read, for progress.
class CountingSource final : public ByteSource {
 public:
  CountingSource(std::unique_ptr<ByteSource> inner, ProgressCounters* progress)
      : inner_(std::move(inner)), progress_(progress) {}
  Result<size_t> Read(std::span<char> out) override {
    BP_ASSIGN_OR_RETURN(size_t n, inner_->Read(out));
    if (progress_) progress_->compressed_read += static_cast<int64_t>(n);
    return n;
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  ProgressCounters* progress_;
};

// Counts the bytes read at offsets, for progress.
class CountingRandomAccessSource final : public RandomAccessSource {
 public:
  CountingRandomAccessSource(std::unique_ptr<RandomAccessSource> inner, ProgressCounters* progress)
      : inner_(std::move(inner)), progress_(progress) {}
  uint64_t Size() const override { return inner_->Size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    BP_ASSIGN_OR_RETURN(size_t n, inner_->ReadAt(offset, out));
    if (progress_) progress_->compressed_read += static_cast<int64_t>(n);
    return n;
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<RandomAccessSource> inner_;
  ProgressCounters* progress_;
};

Error RowProblem(const std::string& source, const table::ColumnBatch& batch, size_t row, int column,
                 std::string detail) {
  RowError e;
  e.kind = RowErrorKind::kBadValue;
  e.source = source;
  e.line = batch.line(row);
  e.offset = batch.offset(row);
  e.column = column + 1;
  e.column_name = batch.schema(static_cast<size_t>(column)).name;
  e.detail = std::move(detail);
  return e.ToError();
}

// The positions of the role columns in a file's columns; -1 where the file has none.
struct RoleColumns {
  int usage_start = -1;
  int invoice_id = -1;
  int cost = -1;
  std::vector<int> json_objects;  // map columns the file has
};

RoleColumns FindRoles(const std::vector<table::ColumnSchema>& schema, const cur::ColumnRoles& roles) {
  RoleColumns found;
  for (size_t i = 0; i < schema.size(); ++i) {
    const std::string& name = schema[i].name;
    if (!roles.usage_start.empty() && name == roles.usage_start) found.usage_start = static_cast<int>(i);
    if (!roles.invoice_id.empty() && name == roles.invoice_id) found.invoice_id = static_cast<int>(i);
    if (!roles.cost.empty() && name == roles.cost) found.cost = static_cast<int>(i);
    if (std::find(roles.json_objects.begin(), roles.json_objects.end(), name) != roles.json_objects.end()) {
      found.json_objects.push_back(static_cast<int>(i));
    }
  }
  return found;
}

// Which rows of a batch pass the window and the filter (keep[r] = 1). A row without a usage start is a
// bad row. Counts the filtered and rejected rows; notes whether any row has an invoice id.
Status MarkKeptRows(const table::ColumnBatch& batch, const RoleColumns& roles, const PeriodShape& shape,
                    const std::string& source, BadRowPolicy bad_rows, std::vector<uint8_t>& keep, FileStats& stats) {
  const size_t rows = batch.num_rows();
  const int64_t begin_us = shape.share.BeginMillis() * 1000, end_us = shape.share.EndMillis() * 1000;
  const table::Column& start = batch.column(static_cast<size_t>(roles.usage_start));
  const table::Column* invoice = roles.invoice_id >= 0 ? &batch.column(static_cast<size_t>(roles.invoice_id)) : nullptr;
  keep.assign(rows, 1);
  for (size_t r = 0; r < rows; ++r) {
    if (start.is_null(r)) {
      if (bad_rows == BadRowPolicy::kFail) {
        return Fail(RowProblem(source, batch, r, roles.usage_start, "a line item without a usage start date"));
      }
      ++stats.rejected;
      keep[r] = 0;
      continue;
    }
    // A map column's value must be a JSON object (or empty), so SQL's JSON functions can read it.
    bool bad_map = false;
    for (int col : roles.json_objects) {
      const table::Column& m = batch.column(static_cast<size_t>(col));
      if (m.is_null(r)) continue;
      auto problem = cur::CheckMapValue(batch.schema(static_cast<size_t>(col)).name, m.text[r]);
      if (!problem) continue;
      if (bad_rows == BadRowPolicy::kFail) return Fail(RowProblem(source, batch, r, col, std::move(*problem)));
      bad_map = true;
      break;
    }
    if (bad_map) {
      ++stats.rejected;
      keep[r] = 0;
      continue;
    }
    bool invoiced = false;
    if (invoice) {
      std::string_view v = invoice->is_null(r) ? std::string_view() : invoice->text[r];
      invoiced = !v.empty() && v != "Estimated";  // the Detailed Billing Report's word for none
    }
    stats.saw_invoice |= invoiced;
    int64_t t = start.micros[r];
    bool in = t >= begin_us && t < end_us &&
              (shape.filter == Filter::kAll || (shape.filter == Filter::kInvoiced) == invoiced);
    if (!in) {
      keep[r] = 0;
      ++stats.filtered;
    }
  }
  return Ok();
}

// Adds the cost of the kept rows to total, exactly.
Status AddCost(const table::ColumnBatch& batch, int cost_col, const std::vector<uint8_t>& keep,
               const std::string& source, table::Decimal& total) {
  if (cost_col < 0) return Ok();
  const table::Column& c = batch.column(static_cast<size_t>(cost_col));
  const bool typed = !c.decimal.empty();
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    if (!keep[r] || c.is_null(r)) continue;
    table::Decimal v;
    if (typed) {
      v = c.decimal[r];
    } else if (!c.text[r].empty() && !table::Decimal::TryParse(c.text[r], &v)) {
      return Fail(RowProblem(source, batch, r, cost_col, "not a decimal number"));
    }
    BP_ASSIGN_OR_RETURN(total, table::Decimal::Add(total, v));
  }
  return Ok();
}

// Appends rows of a batch to an owned batch column by column (SparseBatch::BeginRows): a CUR row fills
// few of its hundreds of columns, and going row by row would visit every one of them. `rows` ascend.
struct AppendScratch {
  std::vector<uint32_t> kept;   // the rows of a batch that are loaded
  std::vector<uint32_t> cells;  // their non-null cells
  std::vector<uint8_t> live;    // per column: whether it has a value anywhere in the batch
};
void AppendRows(const table::ColumnBatch& batch, std::span<const uint32_t> rows, OwnedBatch& owned,
                AppendScratch& scratch) {
  const size_t n = rows.size(), batch_rows = batch.num_rows();
  const bool every_row = n == batch_rows;  // then rows[i] == i
  std::vector<uint32_t>& cells = scratch.cells;
  std::vector<uint8_t>& live = scratch.live;
  live.assign(batch.num_columns(), 0);
  cells.assign(n, 0);
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    const table::Column& col = batch.column(c);
    if (!col.present) continue;
    const uint8_t* null = col.null.data();
    if (std::memchr(null, 0, batch_rows) == nullptr) continue;  // NULL in every row
    live[c] = 1;
    if (every_row) {
      for (size_t i = 0; i < n; ++i) cells[i] += null[i] == 0;
    } else {
      for (size_t i = 0; i < n; ++i) cells[i] += null[rows[i]] == 0;
    }
  }
  owned.BeginRows(cells);
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    const table::Column& col = batch.column(c);
    if (!live[c]) {
      owned.MarkNull(c);
      continue;
    }
    bool any_null = false;
    // put(i, r) for each row i of `rows` (batch row r) that is not null in this column.
    auto each = [&](auto put) {
      for (size_t i = 0; i < rows.size(); ++i) {
        const size_t r = rows[i];
        if (col.is_null(r)) {
          any_null = true;
        } else {
          put(i, r);
        }
      }
    };
    switch (col.type) {
      case table::ColumnType::kDateTime:
        each([&](size_t i, size_t r) { owned.PutTimestamp(i, c, col.micros[r] / 1000); });
        break;
      case table::ColumnType::kBigDecimal:
      case table::ColumnType::kOptionalBigDecimal:
        each([&](size_t i, size_t r) {
          const table::Decimal& d = col.decimal[r];
          owned.PutDecimal(i, c, d.ToDouble(), table::Decimal::kMaxChars, [&](char* out) { return d.ToChars(out); });
        });
        break;
      default: each([&](size_t i, size_t r) { owned.PutText(i, c, col.text[r]); }); break;
    }
    if (any_null) owned.MarkNull(c);
  }
}

}  // namespace

void FileStats::Add(const FileStats& o) {
  read += o.read;
  loaded += o.loaded;
  filtered += o.filtered;
  rejected += o.rejected;
  saw_invoice |= o.saw_invoice;
  cost = AddDecimalText(cost, o.cost);
}

std::string AddDecimalText(std::string_view a, std::string_view b) {
  auto x = table::Decimal::Parse(a.empty() ? "0" : a), y = table::Decimal::Parse(b.empty() ? "0" : b);
  if (!x || !y) return "NaN";
  auto sum = table::Decimal::Add(*x, *y);
  return sum ? sum->ToString() : "NaN";
}

PeriodShape ShapeOf(const cur::PeriodVersion& version, Filter filter, const DateWindow& share,
                    std::unordered_map<std::string, std::string> dataset_names) {
  PeriodShape shape;
  shape.format = version.format;
  shape.compression = version.compression;
  shape.roles = version.roles;
  shape.dimensions = version.dimensions;
  shape.filter = filter;
  shape.share = share;
  shape.dataset_name = std::move(dataset_names);
  shape.transform = version.transform;
  const auto& file_columns = version.transform ? version.file_columns : version.columns;
  shape.columns.reserve(file_columns.size());
  for (const auto& c : file_columns) shape.columns.push_back(table::ColumnSchema{c.name, c.type});
  for (const auto& c : version.columns) shape.dataset_name.try_emplace(c.name, c.name);
  return shape;
}

namespace {

Result<std::unique_ptr<table::BatchSource>> OpenFormat(const FileTask& task, const PeriodShape& shape,
                                                      s3::ObjectStore& store, const table::BatchSourceOptions& options,
                                                      ProgressCounters* progress) {
  switch (shape.format) {
    case table::DataFormat::kCsv: {
      BP_ASSIGN_OR_RETURN(auto raw, store.Open(task.bucket, task.key));
      codec::DecoderOptions decoder_options;
      decoder_options.read_ahead = true;  // decompression and parsing of one file on two cores
      auto decoded = codec::OpenDecoder(std::make_unique<CountingSource>(std::move(raw), progress), shape.compression,
                                        decoder_options);
      return table::OpenCsvBatchSource(std::move(decoded), options);
    }
    case table::DataFormat::kParquet: {
      std::unique_ptr<RandomAccessSource> file;
      if (task.etag.empty()) {
        BP_ASSIGN_OR_RETURN(file, s3::ObjectRandomAccessSource::Open(store, task.bucket, task.key));
      } else {
        file = s3::ObjectRandomAccessSource::FromInfo(
            store, task.bucket, s3::ObjectInfo{task.key, static_cast<uint64_t>(task.size), task.etag, ""});
      }
      parquet::ReaderOptions reader_options;
      reader_options.max_row_group_bytes = kMaxParquetRowGroupBytes;
      return parquet::OpenParquetBatchSource(std::make_unique<CountingRandomAccessSource>(std::move(file), progress),
                                             options, reader_options);
    }
  }
  return Fail(ErrorCode::kInternal, fmt::format("{}: unknown data format", options.where));
}

}  // namespace

Result<std::unique_ptr<table::BatchSource>> OpenFileBatches(const FileTask& task, const PeriodShape& shape,
                                                            s3::ObjectStore& store, BadRowPolicy bad_rows,
                                                            ProgressCounters* progress) {
  table::BatchSourceOptions options;
  options.policy = bad_rows == BadRowPolicy::kSkip ? RowErrorPolicy::kSkip : RowErrorPolicy::kFail;
  options.expected = shape.columns;
  options.where = fmt::format("s3://{}/{}", task.bucket, task.key);
  BP_ASSIGN_OR_RETURN(auto source, OpenFormat(task, shape, store, options, progress));
  if (shape.transform) return shape.transform->Apply(std::move(source), options);
  return source;
}

Status ShapeBatches(table::BatchSource& source, const PeriodShape& shape, const FileTask& task,
                    const LoadTarget& target, FileStats& stats) {
  const std::vector<table::ColumnSchema>& schema = source.schema();
  if (schema.empty()) return Ok();  // AWS writes empty trailing files
  const std::string source_name = source.Describe();
  const RoleColumns roles = FindRoles(schema, shape.roles);
  const RollupColumns rollup_columns = FindRollupColumns(schema, shape.roles, shape.dimensions);
  if (roles.usage_start < 0) {
    return Fail(ErrorCode::kBadData,
                fmt::format("s3://{}/{} has no {} column, so the date window cannot be applied. Is this a Cost and "
                            "Usage Report?",
                            task.bucket, task.key, shape.roles.usage_start.empty() ? "usage start date" : shape.roles.usage_start));
  }
  // Every file column goes to its dataset column.
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(schema.size());
  for (const auto& c : schema) {
    auto it = shape.dataset_name.find(c.name);
    names->push_back(it == shape.dataset_name.end() ? c.name : it->second);
  }

  table::Decimal cost;
  table::ColumnBatch batch;
  std::vector<uint8_t> keep;
  AppendScratch scratch;
  std::vector<uint32_t>& kept = scratch.kept;
  auto owned = std::make_unique<OwnedBatch>(names->size());
  auto flush = [&]() -> Status {
    if (owned->rows() == 0) return Ok();
    const OwnedBatch::Size size = owned->size();
    if (target.out != nullptr) {
      owned->segment = task.segment;
      owned->column_names = names;
      if (!target.out->Push(std::move(*owned))) return Fail(ErrorCode::kCancelled, "the run was stopped");
    }
    owned = std::make_unique<OwnedBatch>(names->size(), size);
    return Ok();
  };
  while (true) {
    if (target.cancel && *target.cancel) return Fail(ErrorCode::kCancelled, "the run was stopped");
    BP_ASSIGN_OR_RETURN(bool more, source.NextBatch(batch));
    if (!more) break;
    stats.rejected += static_cast<int64_t>(batch.rejected().size());
    stats.read += static_cast<int64_t>(batch.num_rows());
    if (target.progress) target.progress->line_items += static_cast<int64_t>(batch.num_rows());
    BP_RETURN_IF_ERROR(MarkKeptRows(batch, roles, shape, source_name, target.bad_rows, keep, stats));
    BP_RETURN_IF_ERROR(AddCost(batch, roles.cost, keep, source_name, cost));
    // The rollup is summed here, on the decoding thread, not by the writer (docs/datacenter.md).
    if (target.out != nullptr) {
      Status rolled = stats.rollup.Add(batch, rollup_columns, keep);
      if (!rolled) {
        Error e = std::move(rolled).error();
        e.Context(source_name);
        return Fail(std::move(e));
      }
    }
    kept.clear();
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      if (keep[r]) kept.push_back(static_cast<uint32_t>(r));
    }
    stats.loaded += static_cast<int64_t>(kept.size());
    if (target.out == nullptr) continue;
    for (size_t from = 0; from < kept.size();) {
      const size_t n = std::min(kept.size() - from, kBatchRows - owned->rows());
      AppendRows(batch, std::span<const uint32_t>(kept).subspan(from, n), *owned, scratch);
      from += n;
      if (owned->rows() >= kBatchRows) BP_RETURN_IF_ERROR(flush());
    }
  }
  BP_RETURN_IF_ERROR(flush());
  stats.cost = cost.ToString();
  return Ok();
}

Status LoadFile(const FileTask& task, const PeriodShape& shape, s3::ObjectStore& store, const LoadTarget& target,
                FileStats& stats) {
  BP_ASSIGN_OR_RETURN(auto source, OpenFileBatches(task, shape, store, target.bad_rows, target.progress));
  return ShapeBatches(*source, shape, task, target, stats);
}

}  // namespace billpipe::pipeline
