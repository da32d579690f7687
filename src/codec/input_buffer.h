// A refillable input window over a ByteSource, shared by the decompressors: they need to look at a
// few header bytes at a time and to hand large contiguous runs of compressed bytes to the inflater.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "util/byte_source.h"
#include "util/status.h"

namespace billpipe::codec {

// Owns the inner source. Bytes in [data(), data() + size()) are read but not consumed yet;
// offset() is the stream offset of data()[0], i.e. how many bytes of the inner source were
// consumed. Not copyable; one reader at a time.
class InputBuffer {
 public:
  InputBuffer(std::unique_ptr<ByteSource> inner, size_t capacity);

  const uint8_t* data() const { return buffer_.data() + begin_; }
  size_t size() const { return end_ - begin_; }
  int64_t offset() const { return offset_; }
  bool eof() const { return eof_; }
  ByteSource& inner() { return *inner_; }
  const ByteSource& inner() const { return *inner_; }

  void Consume(size_t n) {
    begin_ += n;
    offset_ += static_cast<int64_t>(n);
  }

  // Gives back the last n consumed bytes (n <= kKeepBack): an inflater that read ahead past the end of
  // its stream returns them. The last kKeepBack consumed bytes are always still in the buffer.
  bool Unconsume(size_t n) {
    if (n > begin_) return false;
    begin_ -= n;
    offset_ -= static_cast<int64_t>(n);
    return true;
  }
  static constexpr size_t kKeepBack = 16;

  // Reads more bytes from the inner source when the window is empty. Returns false at the end of
  // the inner source (and then leaves the window empty).
  Result<bool> Refill();

  // Makes at least n bytes available (n <= capacity), reading as needed. Returns false when the
  // inner source ends first; the bytes that were there stay available.
  Result<bool> Ensure(size_t n);

 private:
  void Compact();

  std::unique_ptr<ByteSource> inner_;
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  int64_t offset_ = 0;
  bool eof_ = false;
};

}  // namespace billpipe::codec
