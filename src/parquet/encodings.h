// Parquet's value and level encodings (Encodings.md of apache/parquet-format), over bytes in memory.
// Every decoder checks its input's bounds and returns kBadData naming the encoding on bad input; none
// allocates more than its output, whose size the caller bounds.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace billpipe::parquet {

// The largest bit width of levels and dictionary indices (Encodings.md: at most 32).
constexpr int kMaxRleBitWidth = 32;

// Bits needed for values 0..max_value.
int BitWidthOf(uint64_t max_value);

// The RLE / bit-packed hybrid: decodes exactly out.size() values of `bit_width` bits (0..32) from data.
// kBadData when the data ends first or a bit width is out of range.
Status DecodeRleHybrid(std::string_view data, int bit_width, std::span<uint32_t> out);

// The same, a part at a time: a page's levels and dictionary indices are read in windows of a few
// thousand, so that memory does not grow with the number of values in a page. Copyable (a copy resumes
// from the same place).
class RleHybridDecoder {
 public:
  RleHybridDecoder() = default;
  RleHybridDecoder(std::string_view data, int bit_width) : data_(data), width_(bit_width) {}
  // The next out.size() values.
  Status Next(std::span<uint32_t> out);
  // Passes over the next `count` values, checking that each is at most max_value; *equal is how many
  // equal it. Runs of one value are counted, not written out.
  Status Skim(size_t count, uint32_t max_value, size_t* equal);

 private:
  Status ReadHeader();  // the next run, when the current one is used up
  std::string_view data_;
  int width_ = 0;
  size_t pos_ = 0;
  uint64_t decoded_ = 0;        // values handed out so far
  uint64_t rle_left_ = 0;       // values left in the current RLE run
  uint32_t rle_value_ = 0;
  uint64_t groups_left_ = 0;    // groups of 8 left in the current bit-packed run
  uint32_t group_[8] = {};      // a group of which only some values were handed out
  size_t group_used_ = 8;
};

// DELTA_BINARY_PACKED: decodes the whole stream at the start of data into out (int32 values are
// decoded as int64 and narrowed by the caller). *consumed is the stream's length in bytes (the
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY data follows it). `max_values` bounds the header's
// value count.
Status DecodeDeltaBinaryPacked(std::string_view data, size_t max_values, std::vector<int64_t>* out,
                               size_t* consumed);

// An unsigned LEB128 varint (as used in these encodings); false when it runs past the end or 64 bits.
bool ReadUleb(std::string_view data, size_t* pos, uint64_t* value);

}  // namespace billpipe::parquet
