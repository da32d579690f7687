// Rows in ClickHouse's Native format (columnar: per column its name, its type and all its values), the
// cheapest input format for the server to read: it copies the values instead of parsing text. What the
// ClickHouse sink sends: billing_period Date, version_key String, _segment UInt64, then the batch's columns
// as Nullable(String), Nullable(Decimal(38, 10)) or Nullable(DateTime('UTC')). Checked against 18.16.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sink/sink.h"
#include "util/status.h"

namespace billpipe::sink {

class NativeBlock {
 public:
  // The data columns (after the three fixed ones), by name and kind.
  void Reset(const std::vector<std::string>& names, const std::vector<ColumnKind>& kinds);
  size_t rows() const { return rows_; }
  // Bytes gathered so far (NULLs not yet padded in are not counted).
  size_t bytes() const { return bytes_; }

  // A row: the segment's fixed values, then the values of some data columns (any order; the others NULL).
  void StartRow(uint16_t days_since_1970, std::string_view version_key, uint64_t segment);
  // Decimal text as Decimal(38, 10) holds it: refused (kBadData) when it has more than 10 places that are
  // not zeros, more than 28 integer digits, or is not a plain decimal.
  Status SetDecimal(size_t column, std::string_view text, std::string_view column_name);
  // Text into a String column (only those).
  void SetText(size_t column, std::string_view text);
  // Seconds since 1970; refused outside DateTime's range (1970 to 2105).
  Status SetTimestamp(size_t column, int64_t millis, std::string_view column_name);
  void EndRow() { ++rows_; }

  // Appends the block and clears its rows (the columns stay).
  void AppendTo(std::string& out);

 private:
  struct Column {
    std::string name;
    ColumnKind kind = ColumnKind::kText;
    std::string nulls;  // one byte per row: 1 NULL
    std::string data;
  };
  void Fill(Column& c);  // NULLs up to the current row

  std::vector<Column> columns_;
  std::string dates_, versions_, segments_;
  size_t rows_ = 0, bytes_ = 0;
};

}  // namespace billpipe::sink
