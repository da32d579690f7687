// The reader's typed output: one column's values for a run of rows. The narrow interface between the
// Parquet decoder and whatever consumes it (see column_batch_adapter.h for table::ColumnBatch).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/decimal.h"

namespace billpipe::parquet {

// What a column's values are, after Parquet's logical types are applied.
enum class ValueKind {
  kBoolean,    // ints: 0 or 1
  kInt64,      // ints (INT32, INT64, signed and unsigned up to 32 bits)
  kDouble,     // doubles (FLOAT widened exactly)
  kString,     // text (BYTE_ARRAY: STRING, ENUM, JSON or unannotated), bytes as stored
  kDecimal,    // decimals, at the column's scale
  kTimestamp,  // ints: microseconds since 1970-01-01 UTC; nanos: 0..999 nanoseconds past that microsecond
  kDate,       // ints: days since 1970-01-01
  kMapJson,    // text: a MAP<string,string> as a JSON object, entries in file order, e.g. {"a":"1","b":null}
};

std::string_view ValueKindName(ValueKind kind);

// size() rows. null[r] is 1 where row r is NULL; its slots in the typed vectors hold zero / empty.
// Only the vectors of `kind` are filled (see ValueKind).
struct ColumnValues {
  ValueKind kind = ValueKind::kString;
  std::vector<uint8_t> null;
  std::vector<int64_t> ints;
  std::vector<int32_t> nanos;
  std::vector<double> doubles;
  std::vector<table::Decimal> decimals;
  std::string bytes;               // text values back to back
  std::vector<uint64_t> text_end;  // value r is bytes[text_end[r-1], text_end[r])

  size_t size() const { return null.size(); }
  bool is_null(size_t r) const { return null[r] != 0; }
  std::string_view text(size_t r) const {
    const uint64_t begin = r == 0 ? 0 : text_end[r - 1];
    return std::string_view(bytes).substr(begin, text_end[r] - begin);
  }
  void Clear();
  // Appends a NULL row.
  void AppendNull();
  // Appends row r of `from` (of the same kind).
  void AppendFrom(const ColumnValues& from, size_t r);
  void AppendText(std::string_view text) {
    null.push_back(0);
    bytes.append(text);
    text_end.push_back(bytes.size());
  }
};

}  // namespace billpipe::parquet
