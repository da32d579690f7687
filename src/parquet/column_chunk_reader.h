// Reads one leaf column's chunk of one row group, page by page: levels and values, one page decoded at a
// time. Internal to parquet/ (file_reader.h is the public face).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/column_values.h"
#include "parquet/encodings.h"
#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "util/status.h"

namespace billpipe::parquet {

struct PageLimits {
  uint32_t max_page_bytes = 64u << 20;   // uncompressed size of one page
  uint32_t max_page_values = 1u << 21;   // levels (rows or map entries) of one page
  bool verify_crc = true;
};

class ColumnChunkReader {
 public:
  // `chunk` holds the column chunk's bytes (dictionary page first, if any) and must outlive the reader.
  ColumnChunkReader(const LeafColumn& leaf, const ColumnMetaData& meta, std::string_view chunk, PageLimits limits);

  // Whether a level is available (loading the next page when the current one is used up); false at the
  // chunk's end.
  Result<bool> HasLevel();
  // For the level HasLevel found: its definition and repetition level and whether it carries a value.
  int def() const { return max_def_ == 0 ? 0 : static_cast<int>(def_[level_ - window_begin_]); }
  int rep() const { return max_rep_ == 0 ? 0 : static_cast<int>(rep_[level_ - window_begin_]); }
  bool has_value() const { return def() == max_def_; }
  // Appends the current value to out (has_value() must be true).
  void AppendValue(ColumnValues& out) const;
  std::string_view CurrentText() const;
  void Advance() {
    if (has_value()) ++value_;
    ++level_;
  }

  int64_t values_read() const { return levels_done_; }

  // For a column without repetition (max_rep 0): appends the next n rows (NULL where not defined) to out,
  // page by page, each page's run in one loop typed by out.kind. *done is how many were appended: fewer
  // than n only at the chunk's end.
  Status ReadFlat(size_t n, ColumnValues& out, size_t* done);

 private:
  void AppendRun(size_t k, ColumnValues& out);  // k levels of the current page, within the window
  Status FillLevels();              // the window of levels from level_ on
  Status FillIndices(size_t need);  // dictionary indices of values value_ .. value_ + need (at least)
  Status LoadPage();  // the next data page (after any dictionary page); at the end sets at_end_
  Status ReadDictionary(const PageHeader& header, std::string_view body);
  Status DecodeDataPage(const PageHeader& header, std::string_view body);
  Status DecodeValues(Encoding encoding, std::string_view data, size_t count, ColumnValues& out);
  Status DecodePlain(std::string_view data, size_t count, ColumnValues& out);
  Status AddBytes(std::string_view v, ColumnValues& out);
  Status AddInt64(int64_t v, ColumnValues& out);
  Status AddInt96(const uint8_t* p, ColumnValues& out);

  const LeafColumn& leaf_;
  const ColumnMetaData& meta_;
  std::string_view chunk_;
  PageLimits limits_;
  int max_def_, max_rep_;
  size_t pos_ = 0;
  bool at_end_ = false;
  int64_t levels_done_ = 0;  // levels of pages loaded before the current one, plus the current's

  bool have_dictionary_ = false;
  std::string dictionary_buffer_;
  ColumnValues dictionary_;

  std::string page_buffer_;
  // A page's levels and dictionary indices are decoded a window at a time, so that memory stays bounded
  // by the page's bytes however many values it holds.
  static constexpr size_t kWindow = 4096;
  RleHybridDecoder def_decoder_, rep_decoder_, index_decoder_;
  std::vector<uint32_t> def_, rep_;            // levels [window_begin_, window_end_) of the page
  size_t window_begin_ = 0, window_end_ = 0;
  size_t levels_ = 0, level_ = 0;  // levels in the page, current level
  bool dictionary_encoded_ = false;
  size_t present_ = 0;                         // values in the page (levels at the maximum definition)
  std::vector<uint32_t> indices_;              // dictionary indices of values [index_begin_, index_end_)
  size_t index_begin_ = 0, index_end_ = 0;
  ColumnValues values_;  // the page's non-null values (when not dictionary encoded)
  size_t value_ = 0;
  std::vector<int64_t> scratch_ints_;
};

}  // namespace billpipe::parquet
