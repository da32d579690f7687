#include "codec/input_buffer.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace billpipe::codec {

InputBuffer::InputBuffer(std::unique_ptr<ByteSource> inner, size_t capacity)
    : inner_(std::move(inner)), buffer_(capacity + kKeepBack) {}

// Moves the unconsumed bytes and the kKeepBack consumed bytes before them to the front.
void InputBuffer::Compact() {
  const size_t keep = std::min(begin_, kKeepBack);
  const size_t from = begin_ - keep;
  if (from == 0) return;
  std::memmove(buffer_.data(), buffer_.data() + from, end_ - from);
  begin_ -= from;
  end_ -= from;
}

Result<bool> InputBuffer::Refill() {
  if (size() > 0) return true;
  Compact();
  while (!eof_) {
    auto free = std::span<char>(reinterpret_cast<char*>(buffer_.data()) + end_, buffer_.size() - end_);
    BP_ASSIGN_OR_RETURN(size_t n, inner_->Read(free));
    if (n == 0) {
      eof_ = true;
      break;
    }
    end_ += n;
    return true;
  }
  return false;
}

Result<bool> InputBuffer::Ensure(size_t n) {
  if (size() >= n) return true;
  Compact();
  while (end_ - begin_ < n && !eof_) {
    auto free = std::span<char>(reinterpret_cast<char*>(buffer_.data()) + end_, buffer_.size() - end_);
    BP_ASSIGN_OR_RETURN(size_t got, inner_->Read(free));
    if (got == 0) eof_ = true;
    end_ += got;
  }
  return end_ - begin_ >= n;
}

}  // namespace billpipe::codec
