// Runs a ByteSource on its own thread, a few buffers ahead of the reader.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/byte_source.h"

namespace billpipe::codec {

// A ByteSource that reads `inner` on a background thread into `buffers` buffers of `buffer_size`
// bytes, so that decompression (inside `inner`) and parsing (the reader) use two cores. Memory is
// bounded: buffers × buffer_size. The bytes, the end and the errors are exactly those of `inner`, in
// order; Describe() is inner's. The destructor stops the thread and waits for a Read of `inner` in
// progress to return. The reader side is not thread-safe (one reader), like any ByteSource.
class ReadAheadSource final : public ByteSource {
 public:
  static constexpr size_t kDefaultBufferSize = 1 << 20;
  static constexpr size_t kDefaultBuffers = 4;

  explicit ReadAheadSource(std::unique_ptr<ByteSource> inner, size_t buffer_size = kDefaultBufferSize,
                           size_t buffers = kDefaultBuffers);
  ~ReadAheadSource() override;

  Result<size_t> Read(std::span<char> out) override;
  std::string Describe() const override { return name_; }

 private:
  struct Chunk {
    std::vector<char> data;
    size_t size = 0;
  };
  void Run();

  std::unique_ptr<ByteSource> inner_;
  const std::string name_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> free_;    // guarded by mu_
  std::deque<std::unique_ptr<Chunk>> filled_;  // guarded by mu_; a chunk of size 0 is the end
  std::optional<Error> error_;                 // guarded by mu_; after the filled chunks
  bool stop_ = false;                          // guarded by mu_

  // Reader side only.
  std::unique_ptr<Chunk> current_;
  size_t current_pos_ = 0;
  bool done_ = false;
  std::optional<Error> reader_error_;

  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace billpipe::codec
