// Test helpers: build gzip and ZIP bytes with zlib, byte for byte under the test's control.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "codec/inflater.h"
#include "util/byte_source.h"

namespace billpipe::testing {

// The inflate implementations of this build: ISA-L (when built with it) and zlib.
inline std::vector<codec::InflateBackend> InflateBackends() {
  std::vector<codec::InflateBackend> backends;
  if (codec::IsalAvailable()) backends.push_back(codec::InflateBackend::kIsal);
  backends.push_back(codec::InflateBackend::kZlib);
  return backends;
}

// deflate with zlib; window_bits 31 = gzip member, -15 = raw deflate.
inline std::string Deflate(std::string_view data, int window_bits, int level = 6) {
  z_stream z{};
  deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
inline std::string Gzip(std::string_view data, int level = 6) { return Deflate(data, 31, level); }
inline uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

// Text that compresses but not trivially: numbered CSV-like lines.
inline std::string SampleText(size_t lines, int seed = 1) {
  std::string s;
  uint32_t x = static_cast<uint32_t>(seed) * 2654435761u;
  for (size_t i = 0; i < lines; ++i) {
    x = x * 1664525u + 1013904223u;
    s += std::to_string(i) + ",item-" + std::to_string(x % 1000) + "," + std::to_string(x >> 7) + ".0000000000\n";
  }
  return s;
}

inline void PutLe16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>(v >> 8);
}
inline void PutLe32(std::string& s, uint32_t v) {
  PutLe16(s, static_cast<uint16_t>(v & 0xffff));
  PutLe16(s, static_cast<uint16_t>(v >> 16));
}
inline void PutLe64(std::string& s, uint64_t v) {
  PutLe32(s, static_cast<uint32_t>(v));
  PutLe32(s, static_cast<uint32_t>(v >> 32));
}

struct ZipEntry {
  std::string name;
  std::string data;
  uint16_t method = 8;              // 0 stored, 8 deflate, anything else written as-is (stored bytes)
  bool descriptor = false;          // sizes and CRC after the data (flag bit 3)
  bool descriptor_signature = true;
  bool zip64 = false;               // ZIP64 extra field in the local header, 8-byte descriptor sizes
  uint16_t extra_flags = 0;
  uint32_t crc_delta = 0;           // added to the recorded CRC (to corrupt it)
};

// A ZIP archive: local headers + data (+ descriptors), then a central directory and its end record.
inline std::string BuildZip(const std::vector<ZipEntry>& entries) {
  std::string out;
  std::string central;
  for (const auto& e : entries) {
    const std::string body = e.method == 8 ? Deflate(e.data, -15) : e.data;
    const uint32_t crc = Crc32(e.data) + e.crc_delta;
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const uint16_t flags = static_cast<uint16_t>((e.descriptor ? 8 : 0) | e.extra_flags);
    std::string extra;
    if (e.zip64) {
      PutLe16(extra, 0x0001);
      PutLe16(extra, 16);
      PutLe64(extra, e.descriptor ? 0 : e.data.size());
      PutLe64(extra, e.descriptor ? 0 : body.size());
    }
    PutLe32(out, 0x04034b50);
    PutLe16(out, e.zip64 ? 45 : 20);
    PutLe16(out, flags);
    PutLe16(out, e.method);
    PutLe16(out, 0);   // time
    PutLe16(out, 0x21);  // date
    PutLe32(out, e.descriptor ? 0 : crc);
    PutLe32(out, e.zip64 ? 0xFFFFFFFF : (e.descriptor ? 0 : static_cast<uint32_t>(body.size())));
    PutLe32(out, e.zip64 ? 0xFFFFFFFF : (e.descriptor ? 0 : static_cast<uint32_t>(e.data.size())));
    PutLe16(out, static_cast<uint16_t>(e.name.size()));
    PutLe16(out, static_cast<uint16_t>(extra.size()));
    out += e.name;
    out += extra;
    out += body;
    if (e.descriptor) {
      if (e.descriptor_signature) PutLe32(out, 0x08074b50);
      PutLe32(out, crc);
      if (e.zip64) {
        PutLe64(out, body.size());
        PutLe64(out, e.data.size());
      } else {
        PutLe32(out, static_cast<uint32_t>(body.size()));
        PutLe32(out, static_cast<uint32_t>(e.data.size()));
      }
    }
    PutLe32(central, 0x02014b50);
    PutLe16(central, 20);
    PutLe16(central, 20);
    PutLe16(central, flags);
    PutLe16(central, e.method);
    PutLe16(central, 0);
    PutLe16(central, 0x21);
    PutLe32(central, crc);
    PutLe32(central, static_cast<uint32_t>(body.size()));
    PutLe32(central, static_cast<uint32_t>(e.data.size()));
    PutLe16(central, static_cast<uint16_t>(e.name.size()));
    PutLe16(central, 0);
    PutLe16(central, 0);
    PutLe16(central, 0);
    PutLe16(central, 0);
    PutLe32(central, 0);
    PutLe32(central, offset);
    central += e.name;
  }
  const uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  PutLe32(out, 0x06054b50);
  PutLe16(out, 0);
  PutLe16(out, 0);
  PutLe16(out, static_cast<uint16_t>(entries.size()));
  PutLe16(out, static_cast<uint16_t>(entries.size()));
  PutLe32(out, static_cast<uint32_t>(central.size()));
  PutLe32(out, central_offset);
  PutLe16(out, 0);
  return out;
}

// Hands out at most `chunk` bytes per Read: exercises every buffer boundary.
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::string data, size_t chunk, std::string name = "chunked")
      : data_(std::move(data)), chunk_(chunk), name_(std::move(name)) {}
  Result<size_t> Read(std::span<char> out) override {
    size_t n = std::min({out.size(), chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, out.data());
    pos_ += n;
    return n;
  }
  std::string Describe() const override { return name_; }

 private:
  std::string data_;
  size_t chunk_;
  std::string name_;
  size_t pos_ = 0;
};

// Fails with the given error after `good` bytes.
class FailingSource final : public ByteSource {
 public:
  FailingSource(std::string data, Error error) : data_(std::move(data)), error_(std::move(error)) {}
  Result<size_t> Read(std::span<char> out) override {
    if (pos_ == data_.size()) return std::unexpected(error_);
    size_t n = std::min(out.size(), data_.size() - pos_);
    std::copy_n(data_.data() + pos_, n, out.data());
    pos_ += n;
    return n;
  }
  std::string Describe() const override { return "failing"; }

 private:
  std::string data_;
  Error error_;
  size_t pos_ = 0;
};

// Reads everything with reads of `read_size` bytes.
inline Result<std::string> Drain(ByteSource& source, size_t read_size = 1 << 16) {
  std::string out;
  std::string buf(read_size, '\0');
  while (true) {
    auto n = source.Read(std::span<char>(buf.data(), buf.size()));
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

}  // namespace billpipe::testing
