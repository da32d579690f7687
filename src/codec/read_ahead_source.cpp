#include "codec/read_ahead_source.h"

#include <algorithm>
#include <cstring>

namespace billpipe::codec {

ReadAheadSource::ReadAheadSource(std::unique_ptr<ByteSource> inner, size_t buffer_size, size_t buffers)
    : inner_(std::move(inner)), name_(inner_->Describe()) {
  buffers = std::max<size_t>(buffers, 2);
  buffer_size = std::max<size_t>(buffer_size, 4096);
  for (size_t i = 0; i < buffers; ++i) {
    auto chunk = std::make_unique<Chunk>();
    chunk->data.resize(buffer_size);
    free_.push_back(std::move(chunk));
  }
  thread_ = std::thread([this] { Run(); });
}

ReadAheadSource::~ReadAheadSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAheadSource::Run() {
  while (true) {
    std::unique_ptr<Chunk> chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
      if (stop_) return;
      chunk = std::move(free_.front());
      free_.pop_front();
    }
    // Fill the whole chunk: fewer hand-offs between the threads.
    chunk->size = 0;
    std::optional<Error> error;
    bool end = false;
    while (chunk->size < chunk->data.size()) {
      auto n = inner_->Read(std::span<char>(chunk->data.data() + chunk->size, chunk->data.size() - chunk->size));
      if (!n) {
        error = std::move(n).error();
        break;
      }
      if (*n == 0) {
        end = true;
        break;
      }
      chunk->size += *n;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      const bool last = error.has_value() || end;
      if (chunk->size > 0) filled_.push_back(std::move(chunk));
      if (error) error_ = std::move(error);
      if (end) {
        auto marker = std::make_unique<Chunk>();  // size 0: the end
        filled_.push_back(std::move(marker));
      }
      if (last) {
        cv_.notify_all();
        return;
      }
    }
    cv_.notify_all();
  }
}

Result<size_t> ReadAheadSource::Read(std::span<char> out) {
  if (reader_error_) return std::unexpected(*reader_error_);
  if (done_ || out.empty()) return 0;
  if (!current_) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !filled_.empty() || error_.has_value(); });
    if (filled_.empty()) {
      reader_error_ = *error_;
      return std::unexpected(*reader_error_);
    }
    current_ = std::move(filled_.front());
    filled_.pop_front();
    current_pos_ = 0;
    if (current_->size == 0) {
      done_ = true;
      return 0;
    }
  }
  const size_t n = std::min(out.size(), current_->size - current_pos_);
  std::memcpy(out.data(), current_->data.data() + current_pos_, n);
  current_pos_ += n;
  if (current_pos_ == current_->size) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(std::move(current_));
    }
    cv_.notify_all();
  }
  return n;
}

}  // namespace billpipe::codec
