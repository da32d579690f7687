#include "parquet/parquet_batch_source.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "table/timestamp.h"

namespace billpipe::parquet {
namespace {

using table::Column;
using table::ColumnType;
using table::Decimal;

constexpr int64_t kMicrosPerDay = 86'400'000'000;

bool IsText(ColumnType t) { return t == ColumnType::kString || t == ColumnType::kOptionalString; }
bool IsDecimal(ColumnType t) { return t == ColumnType::kBigDecimal || t == ColumnType::kOptionalBigDecimal; }

// Whether values of `kind` can become `type` (value by value; a value may still fail).
bool Converts(ValueKind kind, ColumnType type) {
  if (IsText(type)) return true;
  const bool text = kind == ValueKind::kString;
  if (IsDecimal(type)) return text || kind == ValueKind::kDecimal || kind == ValueKind::kInt64 || kind == ValueKind::kDouble;
  if (type == ColumnType::kDateTime) return text || kind == ValueKind::kTimestamp || kind == ValueKind::kDate;
  return text;  // kInterval
}

// The shortest text that reads back as d ("0.1", "1e-07", "2.5e+20"); d finite.
std::string_view ShortestDouble(double d, char (&buf)[32]) {
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

// "1969-12-31" for days since 1970-01-01.
void AppendDate(int64_t days, std::string& out) {
  std::string ts = table::FormatTimestamp(days * kMicrosPerDay);
  out.append(ts, 0, ts.find('T'));
}

class ParquetBatchSource final : public table::BatchSource {
 public:
  ParquetBatchSource(std::unique_ptr<FileReader> reader, std::vector<table::ColumnSchema> schema,
                     std::vector<int> position, std::string where, RowErrorPolicy policy)
      : reader_(std::move(reader)), schema_(std::move(schema)), position_(std::move(position)),
        where_(std::move(where)), policy_(policy), arena_(schema_.size()) {}

  const std::vector<table::ColumnSchema>& schema() const override { return schema_; }
  std::string Describe() const override { return where_; }

  Result<bool> NextBatch(table::ColumnBatch& batch) override {
    if (failed_) return std::unexpected(*failed_);
    if (schema_.empty()) {
      batch.Start(&schema_, 0);
      return false;
    }
    auto more = reader_->NextBatch(kParquetBatchRows, values_);
    if (!more) {
      failed_ = more.error();
      return std::unexpected(std::move(more).error());
    }
    if (!*more) {
      batch.Start(&schema_, 0);
      return false;
    }
    const size_t n = values_[0].size();
    batch.Start(&schema_, n);
    bad_.assign(n, 0);
    errors_.clear();
    for (size_t c = 0; c < schema_.size(); ++c) Convert(c, values_[c], batch.mutable_column(c), n);
    for (size_t r = 0; r < n; ++r) batch.set_position(r, rows_done_ + static_cast<int64_t>(r) + 1, 0);
    rows_done_ += static_cast<int64_t>(n);
    if (errors_.empty()) return true;
    std::stable_sort(errors_.begin(), errors_.end(), [](const RowError& a, const RowError& b) { return a.line < b.line; });
    if (policy_ == RowErrorPolicy::kFail) {
      // The rows before the first bad one, then the error.
      failed_ = errors_.front().ToError();
      const auto first_bad = static_cast<size_t>(errors_.front().line - (rows_done_ - static_cast<int64_t>(n)) - 1);
      if (first_bad == 0) return std::unexpected(*failed_);
      for (size_t r = first_bad; r < n; ++r) bad_[r] = 1;
      Drop(batch, n);
      return true;
    }
    Drop(batch, n);
    for (auto& e : errors_) batch.add_rejected(std::move(e));
    return true;
  }

 private:
  template <typename T>
  void Compact(std::vector<T>& v, size_t n) {
    if (v.size() != n) return;
    size_t out = 0;
    for (size_t r = 0; r < n; ++r) {
      if (!bad_[r]) v[out++] = v[r];
    }
    v.resize(out);
  }

  // Leaves out the rows marked in bad_.
  void Drop(table::ColumnBatch& batch, size_t n) {
    std::vector<int64_t> lines;
    for (size_t r = 0; r < n; ++r) {
      if (!bad_[r]) lines.push_back(batch.line(r));
    }
    for (size_t c = 0; c < schema_.size(); ++c) {
      Column& col = batch.mutable_column(c);
      Compact(col.null, n);
      if (col.text.size() == n) {
        Compact(col.text_storage, n);
        col.text = col.text_storage;
      }
      Compact(col.decimal, n);
      Compact(col.micros, n);
      Compact(col.micros_end, n);
    }
    batch.Start(&schema_, lines.size());
    for (size_t r = 0; r < lines.size(); ++r) batch.set_position(r, lines[r], 0);
  }

  void BadValue(size_t c, size_t r, std::string detail) {
    if (bad_[r]) return;  // one error per row: the first column in order
    bad_[r] = 1;
    RowError e;
    e.kind = RowErrorKind::kBadValue;
    e.source = where_;
    e.line = rows_done_ + static_cast<int64_t>(r) + 1;
    e.offset = 0;
    e.column = position_[c];
    e.column_name = schema_[c].name;
    e.detail = std::move(detail);
    errors_.push_back(std::move(e));
  }

  // The value's text for a text column, in arena_[c] (numbers, booleans, timestamps).
  void ConvertedTexts(size_t c, const ColumnValues& in, size_t n, Column& col) {
    std::string& arena = arena_[c];
    arena.clear();
    ends_.resize(n);
    char buf[32];
    for (size_t r = 0; r < n; ++r) {
      if (!in.is_null(r)) {
        switch (in.kind) {
          case ValueKind::kBoolean: arena += in.ints[r] ? "true" : "false"; break;
          case ValueKind::kInt64: arena += fmt::format("{}", in.ints[r]); break;
          case ValueKind::kDouble:
            if (std::isfinite(in.doubles[r])) {
              arena += ShortestDouble(in.doubles[r], buf);
            } else {
              arena += std::isnan(in.doubles[r]) ? "NaN" : (in.doubles[r] > 0 ? "Infinity" : "-Infinity");
            }
            break;
          case ValueKind::kDecimal: arena += in.decimals[r].ToString(); break;
          case ValueKind::kTimestamp: arena += table::FormatTimestamp(in.ints[r]); break;
          case ValueKind::kDate: AppendDate(in.ints[r], arena); break;
          case ValueKind::kString:
          case ValueKind::kMapJson: arena += in.text(r); break;
        }
      }
      ends_[r] = arena.size();
    }
    size_t begin = 0;
    for (size_t r = 0; r < n; ++r) {
      col.text_storage[r] = std::string_view(arena).substr(begin, ends_[r] - begin);
      begin = ends_[r];
    }
  }

  void Convert(size_t c, const ColumnValues& in, Column& col, size_t n) {
    col.type = schema_[c].type;
    col.present = true;
    col.null.assign(in.null.begin(), in.null.end());
    uint8_t* null = col.null.data();
    const bool text_in = in.kind == ValueKind::kString || in.kind == ValueKind::kMapJson;
    switch (col.type) {
      case ColumnType::kString:
      case ColumnType::kOptionalString: {
        col.text_storage.resize(n);
        if (text_in) {
          const char* bytes = in.bytes.data();
          uint64_t begin = 0;
          for (size_t r = 0; r < n; ++r) {
            col.text_storage[r] = std::string_view(bytes + begin, in.text_end[r] - begin);
            begin = in.text_end[r];
          }
        } else {
          ConvertedTexts(c, in, n, col);
        }
        if (col.type == ColumnType::kOptionalString) {
          for (size_t r = 0; r < n; ++r) null[r] |= col.text_storage[r].empty();
        }
        col.text = col.text_storage;
        break;
      }
      case ColumnType::kBigDecimal:
      case ColumnType::kOptionalBigDecimal: {
        col.decimal.resize(n);
        Decimal* out = col.decimal.data();
        switch (in.kind) {
          case ValueKind::kDecimal:
            std::copy(in.decimals.begin(), in.decimals.end(), out);
            break;
          case ValueKind::kInt64:
            for (size_t r = 0; r < n; ++r) out[r] = Decimal::FromUnscaled(in.ints[r], 0);
            break;
          case ValueKind::kDouble: {
            char buf[32];
            for (size_t r = 0; r < n; ++r) {
              out[r] = Decimal();
              if (null[r]) continue;
              const double d = in.doubles[r];
              if (!std::isfinite(d) || !Decimal::TryParse(ShortestDouble(d, buf), &out[r])) {
                BadValue(c, r, fmt::format("the double {} is not a decimal number of at most {} digits", d,
                                           Decimal::kMaxDigits));
              }
            }
            break;
          }
          default:  // kString
            for (size_t r = 0; r < n; ++r) {
              out[r] = Decimal();
              if (null[r]) continue;
              const std::string_view v = in.text(r);
              if (v.empty()) {
                null[r] = 1;
              } else if (!Decimal::TryParse(v, &out[r])) {
                BadValue(c, r, fmt::format("'{}' is not a decimal number of at most {} digits", v, Decimal::kMaxDigits));
              }
            }
        }
        break;
      }
      case ColumnType::kDateTime: {
        col.micros.resize(n);
        table::TimestampMicros* out = col.micros.data();
        switch (in.kind) {
          case ValueKind::kTimestamp:
            std::copy(in.ints.begin(), in.ints.end(), out);
            break;
          case ValueKind::kDate:
            for (size_t r = 0; r < n; ++r) out[r] = in.ints[r] * kMicrosPerDay;
            break;
          default:  // kString
            for (size_t r = 0; r < n; ++r) {
              out[r] = 0;
              if (null[r]) continue;
              const std::string_view v = in.text(r);
              if (v.empty()) {
                null[r] = 1;
              } else if (!table::TryParseTimestamp(v, &out[r])) {
                BadValue(c, r, fmt::format("'{}' is not a UTC timestamp like 2018-05-01T00:00:00Z", v));
              }
            }
        }
        break;
      }
      case ColumnType::kInterval: {
        col.text_storage.resize(n);
        col.micros.resize(n);
        col.micros_end.resize(n);
        for (size_t r = 0; r < n; ++r) {
          col.micros[r] = col.micros_end[r] = 0;
          col.text_storage[r] = null[r] ? std::string_view() : in.text(r);
          if (null[r]) continue;
          const std::string_view v = col.text_storage[r];
          if (v.empty()) {
            null[r] = 1;
          } else if (!table::TryParseInterval(v, &col.micros[r], &col.micros_end[r])) {
            BadValue(c, r, fmt::format("'{}' is not an interval like 2018-05-01T00:00:00Z/2018-05-01T01:00:00Z", v));
          }
        }
        col.text = col.text_storage;
        break;
      }
    }
  }

  std::unique_ptr<FileReader> reader_;
  std::vector<table::ColumnSchema> schema_;
  std::vector<int> position_;  // 1-based position of each column among the file's fields
  std::string where_;
  RowErrorPolicy policy_;
  std::vector<ColumnValues> values_;  // the current batch's values: text views point into them
  std::vector<std::string> arena_;    // per column: texts converted from other kinds
  std::vector<uint64_t> ends_;
  std::vector<uint8_t> bad_;
  std::vector<RowError> errors_;
  int64_t rows_done_ = 0;
  std::optional<Error> failed_;  // a read that failed keeps failing
};

}  // namespace

table::ColumnType DefaultColumnType(ValueKind kind) {
  switch (kind) {
    case ValueKind::kTimestamp:
    case ValueKind::kDate: return ColumnType::kDateTime;
    case ValueKind::kInt64:
    case ValueKind::kDouble:
    case ValueKind::kDecimal: return ColumnType::kBigDecimal;
    default: return ColumnType::kString;
  }
}

Result<std::unique_ptr<table::BatchSource>> OpenParquetBatchSource(std::unique_ptr<RandomAccessSource> file,
                                                                    const table::BatchSourceOptions& options,
                                                                    const ReaderOptions& reader_options) {
  std::string where = options.where.empty() ? file->Describe() : options.where;
  BP_ASSIGN_OR_RETURN(auto reader, FileReader::Open(std::move(file), reader_options));
  const std::vector<Field>& fields = reader->schema().fields;
  const size_t max_columns = table::MaxFileColumns(options.expected.size());
  if (fields.size() > max_columns) {
    return Fail(ErrorCode::kBadData,
                fmt::format("{} has {} columns, more than the {} its report version allows ({} listed, and {} more); "
                            "the file is refused unread",
                            where, fields.size(), max_columns, options.expected.size(), table::kExtraFileColumns));
  }
  std::unordered_map<std::string_view, ColumnType> type_of;
  for (const auto& c : options.expected) type_of.emplace(c.name, c.type);
  std::vector<table::ColumnSchema> schema;
  std::vector<int> position;
  std::vector<size_t> selected;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& field = fields[i];
    auto it = type_of.find(field.name);
    if (it == type_of.end()) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("{}: column {} '{}' of the file is not in the period's manifest. The report is "
                              "inconsistent; if AWS is rewriting it, run again later.",
                              where, i + 1, field.name));
    }
    if (field.unsupported.empty() && !Converts(field.kind, it->second)) {
      Error e(ErrorCode::kBadData, fmt::format("{}: column {} '{}' holds Parquet {} values, which cannot be the "
                                               "report's type {}",
                                               where, i + 1, field.name, ValueKindName(field.kind),
                                               table::ColumnTypeName(it->second)));
      e.column = field.name;
      return Fail(std::move(e));
    }
    schema.push_back(table::ColumnSchema{field.name, it->second});
    position.push_back(static_cast<int>(i + 1));
    selected.push_back(i);
  }
  BP_RETURN_IF_ERROR(reader->Select(std::move(selected)));
  return std::unique_ptr<table::BatchSource>(
      new ParquetBatchSource(std::move(reader), std::move(schema), std::move(position), std::move(where), options.policy));
}

}  // namespace billpipe::parquet
