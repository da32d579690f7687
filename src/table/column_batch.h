// Typed column batches: what leaves the decode layers for the shape and load layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "csv/csv_scanner.h"
#include "table/column_type.h"
#include "table/decimal.h"
#include "table/timestamp.h"
#include "util/row_error.h"

namespace billpipe::table {

// One column of a batch: num_rows values of one type. Only the vectors of its type are filled:
//   kString, kOptionalString → text
//   kDateTime                → micros
//   kBigDecimal, kOptionalBigDecimal → decimal
//   kInterval                → text (as written), micros (start) and micros_end
// null[r] is 1 where row r has no value (then the value slot holds an empty view / 0). Text views point
// into the batch source's buffers (or text_storage): valid until the source's next NextBatch call.
struct Column {
  ColumnType type = ColumnType::kString;
  bool present = true;  // false: the file has no such header; every row is NULL
  std::vector<uint8_t> null;
  std::span<const std::string_view> text;  // views of the scanner's batch, or of text_storage
  std::vector<Decimal> decimal;
  std::vector<TimestampMicros> micros;
  std::vector<TimestampMicros> micros_end;

  bool is_null(size_t row) const { return null[row] != 0; }

  // Views a batch source may keep here and point `text` at (SetText), when the column's texts are not
  // one contiguous run of views in its own buffers. The texts they view must stay valid as `text` does.
  std::vector<std::string_view> text_storage;
  void SetText(std::vector<std::string_view> values) {
    text_storage = std::move(values);
    text = text_storage;
  }
};

// Rows [0, num_rows()) as columns in schema order, read by ColumnBatchReader. Reused across calls.
class ColumnBatch {
 public:
  size_t num_rows() const { return rows_; }
  size_t num_columns() const { return columns_.size(); }
  const ColumnSchema& schema(size_t column) const { return (*schema_)[column]; }
  const Column& column(size_t column) const { return columns_[column]; }
  // Where row r starts in the decompressed stream (1-based line, byte offset).
  int64_t line(size_t row) const { return lines_[row]; }
  int64_t offset(size_t row) const { return offsets_[row]; }
  // Rows left out of this batch under RowErrorPolicy::kSkip (bad rows or bad values), in stream order.
  const std::vector<RowError>& rejected() const { return rejected_; }

  // Filling a batch, for batch sources (table/batch_source.h). Start sets the schema (which must outlive
  // the batch's use), `rows` rows, one column per schema entry, every position 0 and no rejected row;
  // then the source fills each mutable_column(c) (type, `null` sized rows, and the vectors of its type
  // sized rows, see Column), the positions (set_position) and the rows it left out (add_rejected).
  void Start(const std::vector<ColumnSchema>* schema, size_t rows);
  Column& mutable_column(size_t column) { return columns_[column]; }
  void set_position(size_t row, int64_t line, int64_t offset) {
    lines_[row] = line;
    offsets_[row] = offset;
  }
  void add_rejected(RowError error) { rejected_.push_back(std::move(error)); }

 private:
  friend class ColumnBatchReader;
  const std::vector<ColumnSchema>* schema_ = nullptr;
  size_t rows_ = 0;
  std::vector<Column> columns_;
  std::vector<int64_t> lines_;
  std::vector<int64_t> offsets_;
  std::vector<RowError> rejected_;
};

// Reads typed column batches from a CSV scanner. Schema columns are found in the header by exact
// name; a schema column the file lacks is all NULL (Column::present false); header columns not in the
// schema are not converted. A value that does not parse as its column's type is a RowError of kind
// kBadValue (with the column's 1-based position in the file and its name), handled by the scanner's
// policy (CsvOptions::policy) like a bad CSV row: kFail stops with the first bad row's error (the rows before it
// are handed out first, as CsvScanner does), kSkip drops the row and
// reports it in ColumnBatch::rejected(). Not thread-safe.
class ColumnBatchReader {
 public:
  static Result<std::unique_ptr<ColumnBatchReader>> Create(std::unique_ptr<csv::CsvScanner> scanner,
                                                           std::vector<ColumnSchema> schema);
  ColumnBatchReader(const ColumnBatchReader&) = delete;
  ColumnBatchReader& operator=(const ColumnBatchReader&) = delete;

  const std::vector<ColumnSchema>& schema() const { return schema_; }
  const csv::CsvScanner& scanner() const { return *scanner_; }

  // Fills `batch` with the next rows. Returns false, with an empty batch, at the end of the stream.
  Result<bool> NextBatch(ColumnBatch& batch);

  // Rows handed out / rejected so far (bad CSV rows and bad values together).
  int64_t rows_read() const { return rows_read_; }
  int64_t rows_rejected() const { return rows_rejected_; }

 private:
  ColumnBatchReader(std::unique_ptr<csv::CsvScanner> scanner, std::vector<ColumnSchema> schema);
  void ConvertColumn(size_t c, ColumnBatch& batch);
  void BadValue(size_t row, size_t c, std::string detail);
  void DropRejectedRows(ColumnBatch& batch);

  std::unique_ptr<csv::CsvScanner> scanner_;
  std::vector<ColumnSchema> schema_;
  std::vector<int> source_index_;  // header position of each schema column, -1 when absent
  csv::RecordBatch records_;
  // Per batch: the first bad value of each row (row index → error), rows in order.
  std::vector<uint8_t> row_bad_;
  std::vector<csv::RowError> value_errors_;
  int64_t rows_read_ = 0;
  int64_t rows_rejected_ = 0;
  std::optional<Error> failed_;  // a read that failed keeps failing
};

}  // namespace billpipe::table
