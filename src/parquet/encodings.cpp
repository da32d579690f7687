#include "parquet/encodings.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <cstring>

#include <fmt/format.h>

namespace billpipe::parquet {

int BitWidthOf(uint64_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

bool ReadUleb(std::string_view data, size_t* pos, uint64_t* value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= data.size()) return false;
    const auto b = static_cast<uint8_t>(data[(*pos)++]);
    if (shift == 63 && b > 1) return false;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *value = v;
      return true;
    }
  }
  return false;
}

namespace {

Error Bad(std::string_view encoding, std::string what) {
  return Error(ErrorCode::kBadData, fmt::format("{} data is corrupt: {}", encoding, what));
}

// Reads `count` values of `width` bits (≤ 64), LSB first, from data starting at bit 0.
// The caller has checked that data holds count * width bits.
template <typename T>
void UnpackBits(const uint8_t* data, int width, size_t count, T* out) {
  if (width == 0) {
    for (size_t i = 0; i < count; ++i) out[i] = 0;
    return;
  }
  size_t bit = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t v = 0;
    int got = 0;
    while (got < width) {
      const size_t byte = bit >> 3;
      const int offset = static_cast<int>(bit & 7);
      const int take = std::min(8 - offset, width - got);
      const uint64_t bits = (static_cast<uint64_t>(data[byte]) >> offset) & ((1u << take) - 1);
      v |= bits << got;
      got += take;
      bit += static_cast<size_t>(take);
    }
    out[i] = static_cast<T>(v);
  }
}

// UnpackBits for widths up to 32 into uint32_t, reading 8 bytes at a time (little-endian, as Parquet
// stores them) while `available` bytes allow. The caller has checked that data holds count * width bits.
void UnpackBits32(const uint8_t* data, size_t available, int width, size_t count, uint32_t* out) {
  static_assert(std::endian::native == std::endian::little);
  if (width == 0) {
    std::fill_n(out, count, 0u);
    return;
  }
  const uint64_t mask = (uint64_t{1} << width) - 1;
  size_t bit = 0, i = 0;
  for (; i < count && (bit >> 3) + 8 <= available; ++i, bit += static_cast<size_t>(width)) {
    uint64_t word;
    std::memcpy(&word, data + (bit >> 3), 8);
    out[i] = static_cast<uint32_t>((word >> (bit & 7)) & mask);
  }
  for (; i < count; ++i, bit += static_cast<size_t>(width)) {
    uint64_t word = 0;
    const size_t byte = bit >> 3;
    std::memcpy(&word, data + byte, std::min<size_t>(8, available - byte));
    out[i] = static_cast<uint32_t>((word >> (bit & 7)) & mask);
  }
}

}  // namespace

Status DecodeRleHybrid(std::string_view data, int bit_width, std::span<uint32_t> out) {
  RleHybridDecoder decoder(data, bit_width);
  return decoder.Next(out);
}

Status RleHybridDecoder::ReadHeader() {
  if (width_ < 0 || width_ > kMaxRleBitWidth) {
    return Fail(Bad("RLE", fmt::format("bit width {} is over {}", width_, kMaxRleBitWidth)));
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(data_.data());
  uint64_t header;
  if (!ReadUleb(data_, &pos_, &header)) {
    return Fail(Bad("RLE", fmt::format("the data ends after {} values", decoded_)));
  }
  if (header & 1) {
    const uint64_t groups = header >> 1;
    if (groups > data_.size() - pos_) {
      return Fail(Bad("RLE", fmt::format("a bit-packed run of {} groups runs past the end", groups)));
    }
    if (groups * static_cast<uint64_t>(width_) > data_.size() - pos_) {
      return Fail(Bad("RLE", fmt::format("a bit-packed run of {} values runs past the end", groups * 8)));
    }
    groups_left_ = groups;
    return Ok();
  }
  const uint64_t count = header >> 1;
  const size_t value_bytes = static_cast<size_t>((width_ + 7) / 8);
  if (value_bytes > data_.size() - pos_) return Fail(Bad("RLE", "a run's value runs past the end"));
  uint32_t value = 0;
  for (size_t b = 0; b < value_bytes; ++b) value |= static_cast<uint32_t>(bytes[pos_ + b]) << (8 * b);
  pos_ += value_bytes;
  if (width_ < 32 && (value >> width_) != 0) {
    return Fail(Bad("RLE", fmt::format("a run's value {} does not fit in {} bits", value, width_)));
  }
  if (count == 0) return Fail(Bad("RLE", "a run of zero values"));
  rle_left_ = count;
  rle_value_ = value;
  return Ok();
}

Status RleHybridDecoder::Next(std::span<uint32_t> out) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data_.data());
  size_t n = 0;
  while (n < out.size()) {
    const size_t want = out.size() - n;
    if (group_used_ < 8) {
      const size_t take = std::min<size_t>(8 - group_used_, want);
      std::copy_n(group_ + group_used_, take, out.data() + n);
      group_used_ += take;
      n += take;
    } else if (groups_left_ > 0) {
      const auto whole = static_cast<size_t>(std::min<uint64_t>(groups_left_, want / 8));
      if (whole > 0) {
        UnpackBits32(bytes + pos_, data_.size() - pos_, width_, whole * 8, out.data() + n);
        pos_ += whole * static_cast<size_t>(width_);
        groups_left_ -= whole;
        n += whole * 8;
      } else {  // fewer than 8 wanted: the group waits in group_
        UnpackBits32(bytes + pos_, data_.size() - pos_, width_, 8, group_);
        pos_ += static_cast<size_t>(width_);
        --groups_left_;
        group_used_ = 0;
      }
    } else if (rle_left_ > 0) {
      const auto take = static_cast<size_t>(std::min<uint64_t>(rle_left_, want));
      std::fill_n(out.data() + n, take, rle_value_);
      rle_left_ -= take;
      n += take;
    } else {
      decoded_ += n;
      out = out.subspan(n);
      n = 0;
      BP_RETURN_IF_ERROR(ReadHeader());
    }
  }
  decoded_ += n;
  return Ok();
}

Status RleHybridDecoder::Skim(size_t count, uint32_t max_value, size_t* equal) {
  *equal = 0;
  uint32_t buffer[256];
  while (count > 0) {
    if (group_used_ == 8 && groups_left_ == 0 && rle_left_ > 0) {
      const auto take = static_cast<size_t>(std::min<uint64_t>(rle_left_, count));
      if (rle_value_ > max_value) {
        return Fail(Bad("RLE", fmt::format("a value {} is above the maximum {}", rle_value_, max_value)));
      }
      if (rle_value_ == max_value) *equal += take;
      rle_left_ -= take;
      decoded_ += take;
      count -= take;
    } else if (group_used_ == 8 && groups_left_ == 0) {
      BP_RETURN_IF_ERROR(ReadHeader());
    } else {  // bit-packed values: decoded through the buffer
      const uint64_t packed = (group_used_ < 8 ? 8 - group_used_ : 0) + groups_left_ * 8;
      const auto take = static_cast<size_t>(std::min<uint64_t>({packed, count, std::size(buffer)}));
      BP_RETURN_IF_ERROR(Next(std::span<uint32_t>(buffer, take)));
      for (size_t i = 0; i < take; ++i) {
        if (buffer[i] > max_value) {
          return Fail(Bad("RLE", fmt::format("a value {} is above the maximum {}", buffer[i], max_value)));
        }
        *equal += buffer[i] == max_value;
      }
      count -= take;
    }
  }
  return Ok();
}

Status DecodeDeltaBinaryPacked(std::string_view data, size_t max_values, std::vector<int64_t>* out,
                               size_t* consumed) {
  constexpr std::string_view kName = "DELTA_BINARY_PACKED";
  size_t pos = 0;
  uint64_t block_size, miniblocks, total, first_zz;
  if (!ReadUleb(data, &pos, &block_size) || !ReadUleb(data, &pos, &miniblocks) || !ReadUleb(data, &pos, &total) ||
      !ReadUleb(data, &pos, &first_zz)) {
    return Fail(Bad(kName, "the header is truncated"));
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return Fail(Bad(kName, fmt::format("block size {} with {} miniblocks is not valid", block_size, miniblocks)));
  }
  if (total > max_values) {
    return Fail(Bad(kName, fmt::format("the header claims {} values where at most {} fit", total, max_values)));
  }
  const uint64_t per_mini = block_size / miniblocks;
  out->clear();
  out->reserve(static_cast<size_t>(total));
  uint64_t last = (first_zz >> 1) ^ (~(first_zz & 1) + 1);
  if (total > 0) out->push_back(static_cast<int64_t>(last));
  std::vector<uint64_t> unpacked(static_cast<size_t>(per_mini));
  while (out->size() < total) {
    uint64_t min_zz;
    if (!ReadUleb(data, &pos, &min_zz)) return Fail(Bad(kName, "a block header is truncated"));
    const uint64_t min_delta = (min_zz >> 1) ^ (~(min_zz & 1) + 1);
    if (miniblocks > data.size() - pos) return Fail(Bad(kName, "the bit widths run past the end"));
    const size_t widths_at = pos;
    pos += static_cast<size_t>(miniblocks);
    for (uint64_t m = 0; m < miniblocks && out->size() < total; ++m) {
      const int width = static_cast<uint8_t>(data[widths_at + m]);
      if (width > 64) return Fail(Bad(kName, fmt::format("bit width {} is over 64", width)));
      const uint64_t bytes = per_mini * static_cast<uint64_t>(width) / 8;
      if (bytes > data.size() - pos) return Fail(Bad(kName, "a miniblock runs past the end"));
      UnpackBits(reinterpret_cast<const uint8_t*>(data.data()) + pos, width, static_cast<size_t>(per_mini),
                 unpacked.data());
      pos += static_cast<size_t>(bytes);
      for (uint64_t i = 0; i < per_mini && out->size() < total; ++i) {
        last = last + min_delta + unpacked[static_cast<size_t>(i)];  // wraps, as the spec intends
        out->push_back(static_cast<int64_t>(last));
      }
    }
  }
  *consumed = pos;
  return Ok();
}

}  // namespace billpipe::parquet
