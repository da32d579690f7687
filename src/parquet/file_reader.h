// Reads a Parquet file through a RandomAccessSource: the footer first (one ranged read of the file's
// tail, a second only when the footer is larger than that), then one row group at a time, fetching only
// the column chunks of the selected columns (adjacent chunks in one read), decoding page by page into
// batches of typed values (ColumnValues). See docs/parquet.md for what is supported.
//
// Memory is bounded by ReaderOptions: the selected column chunks of one row group (compressed) plus one
// decompressed page and one dictionary per column, plus the caller's batch. A row group whose selected
// chunks exceed max_row_group_bytes is an error that says so (kUnsupported), never an allocation of
// whatever the footer claims. Every size and offset in the footer is checked against the file before it
// is used. Errors name the file, and where it applies the column and row group.
//
// Not thread-safe; one reader per file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "parquet/column_chunk_reader.h"
#include "parquet/column_values.h"
#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "util/random_access_source.h"
#include "util/status.h"

namespace billpipe::parquet {

struct ReaderOptions {
  uint64_t max_row_group_bytes = 512ull << 20;  // selected compressed column chunks of one row group
  uint32_t max_footer_bytes = 64u << 20;        // the footer (FileMetaData), compressed by nobody
  uint32_t tail_read_bytes = 64u << 10;         // first read from the end: footer and length in one request
  uint64_t coalesce_gap_bytes = 1u << 20;       // chunks at most this far apart are fetched in one read
  PageLimits pages;
};

class FileReader {
 public:
  // Reads and checks the footer. kBadData when the file is not Parquet or its footer is corrupt,
  // kUnsupported for encrypted files.
  static Result<std::unique_ptr<FileReader>> Open(std::unique_ptr<RandomAccessSource> source,
                                                  const ReaderOptions& options = {});
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  const FileMetaData& metadata() const { return metadata_; }
  const Schema& schema() const { return schema_; }
  int64_t num_rows() const { return metadata_.num_rows; }
  const RandomAccessSource& source() const { return *source_; }

  // The top-level field named `name` (exact match), if the file has it.
  std::optional<size_t> FindField(std::string_view name) const;

  // Chooses the fields (indexes into schema().fields) NextBatch reads, in output order, and starts over
  // at the first row group. kUnsupported naming the file, column and feature when one cannot be read.
  Status Select(std::vector<size_t> fields);

  // Fills `columns` (resized to the selected fields, each cleared first) with the next rows, at most
  // max_rows. Returns false, with empty columns, after the last row.
  Result<bool> NextBatch(size_t max_rows, std::vector<ColumnValues>& columns);

 private:
  FileReader(std::unique_ptr<RandomAccessSource> source, const ReaderOptions& options)
      : source_(std::move(source)), options_(options) {}
  Status ReadFooter();
  Status LoadRowGroup(size_t group);
  Status FinishRowGroup();
  Status ReadRows(size_t field, size_t n, ColumnValues& out);
  Status ReadMapRows(const Field& field, size_t n, ColumnValues& out);
  Error InColumn(Error error, const Field& field) const;

  std::unique_ptr<RandomAccessSource> source_;
  ReaderOptions options_;
  FileMetaData metadata_;
  Schema schema_;
  uint64_t data_end_ = 0;  // where the column data ends (the footer starts)

  std::vector<size_t> selected_;
  size_t next_group_ = 0;
  bool in_group_ = false;
  int64_t group_rows_left_ = 0;
  int64_t group_rows_ = 0;
  std::vector<std::string> buffers_;  // the fetched ranges of the current row group
  std::vector<std::unique_ptr<ColumnChunkReader>> leaf_readers_;  // by leaf index; null when not selected
  std::string json_;  // scratch for one map value
};

}  // namespace billpipe::parquet
