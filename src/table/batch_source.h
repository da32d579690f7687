// The batch source seam: one data file, decoded into typed column batches. Every file format (CSV now,
// Parquet next) is one implementation; the loader (pipeline/file_loader.h) sees only this interface and
// picks the implementation by the report version's data format (cur/report_reader.h).
//
// To add a format: implement BatchSource (filling ColumnBatch through its public filling methods,
// column_batch.h), give it an Open... function here or beside it, and add its DataFormat to
// pipeline/file_loader.cpp's OpenBatchSource. docs/architecture.md, "Batch sources".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "table/column_batch.h"
#include "table/column_type.h"
#include "util/byte_source.h"
#include "util/row_error.h"
#include "util/status.h"

namespace billpipe::table {

// How a report's data files are encoded (before stream compression, codec/decoder.h).
enum class DataFormat : uint8_t { kCsv, kParquet };
std::string_view DataFormatName(DataFormat format);  // "CSV", "Parquet"

// A file may have at most this many columns: SQLite's largest column limit (SQLITE_MAX_COLUMN cannot be
// set above 32767), more than any report has. Bounds memory before any column name is kept.
inline constexpr size_t kMaxFileColumns = 32767;
// Columns a file may have beyond the ones its report version lists, before it is refused unread.
inline constexpr size_t kExtraFileColumns = 16;

// Yields a file's rows as typed column batches. Not thread-safe; one file per source.
class BatchSource {
 public:
  BatchSource() = default;
  BatchSource(const BatchSource&) = delete;
  BatchSource& operator=(const BatchSource&) = delete;
  virtual ~BatchSource() = default;

  // The batches' columns, in order: the file's columns, typed as BatchSourceOptions::expected says.
  // Empty: the file has no columns and no rows (AWS writes empty trailing files).
  virtual const std::vector<ColumnSchema>& schema() const = 0;

  // Fills batch with the next rows: false, with an empty batch, at the end. The batch's views stay valid
  // until the next call. Bad rows follow the policy the source was opened with: kFail hands out the rows
  // before the first bad one, then fails with its RowError (kBadData) and keeps failing; kSkip leaves them
  // out and lists them in batch.rejected().
  virtual Result<bool> NextBatch(ColumnBatch& batch) = 0;

  // For messages: where the rows come from, e.g. "gzip(s3://bucket/key)".
  virtual std::string Describe() const = 0;
};

struct BatchSourceOptions {
  RowErrorPolicy policy = RowErrorPolicy::kFail;
  // The columns the report version says its files have, by exact name, with their types. A file column
  // not among them is refused (kBadData naming it); a file with more than
  // min(expected.size() + kExtraFileColumns, kMaxFileColumns) columns is refused before their names
  // are kept.
  std::vector<ColumnSchema> expected;
  // Where the file is, for messages ("s3://bucket/key").
  std::string where;
};

// The largest number of columns a file of a version listing `expected` columns may have.
size_t MaxFileColumns(size_t expected);

// CSV (csv/csv_scanner.h) with a header row, over a decompressed stream. The header is read here.
Result<std::unique_ptr<BatchSource>> OpenCsvBatchSource(std::unique_ptr<ByteSource> stream,
                                                         const BatchSourceOptions& options);

}  // namespace billpipe::table
