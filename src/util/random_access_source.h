// Random-access byte sources: a file or object of known size read at any offset. Formats that read a
// footer first (Parquet) read through this; forward streams (gzip, CSV) use ByteSource.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "util/status.h"

namespace billpipe {

// Read contract: ReadAt(offset, out) reads up to out.size() bytes starting at `offset` and returns how
// many it wrote. Fewer than asked only at the end of the source (offset + n == Size()); a read at or
// past the end returns 0. Errors are not final: a later ReadAt may be tried. Size() is fixed for the
// source's life; an object that changes under a reader is an error of ReadAt (kConflict), never bytes
// of two versions. Implementations say whether they are thread-safe; not copyable.
class RandomAccessSource {
 public:
  RandomAccessSource() = default;
  RandomAccessSource(const RandomAccessSource&) = delete;
  RandomAccessSource& operator=(const RandomAccessSource&) = delete;
  virtual ~RandomAccessSource() = default;

  virtual uint64_t Size() const = 0;
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) = 0;

  // Where the bytes come from, for error messages: "s3://bucket/key" or a path.
  virtual std::string Describe() const = 0;
};

// Reads exactly out.size() bytes at offset: a range reaching past Size() is kBadData ("... ends at byte
// N but <source> has M bytes"), naming `what` (e.g. "the Parquet footer").
Status ReadExactlyAt(RandomAccessSource& source, uint64_t offset, std::span<char> out, std::string_view what);

// A local file read with pread. Thread-safe. The size is taken when it is opened.
class LocalFileRandomAccessSource final : public RandomAccessSource {
 public:
  // kNotFound when the file does not exist, kIo on other failures, kInvalidArgument for a directory.
  static Result<std::unique_ptr<LocalFileRandomAccessSource>> Open(const std::string& path);
  ~LocalFileRandomAccessSource() override;

  uint64_t Size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override;
  std::string Describe() const override { return path_; }

 private:
  LocalFileRandomAccessSource(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

// A RandomAccessSource over bytes it owns. For tests and fuzzing.
class StringRandomAccessSource final : public RandomAccessSource {
 public:
  explicit StringRandomAccessSource(std::string data, std::string name = "memory")
      : data_(std::move(data)), name_(std::move(name)) {}
  uint64_t Size() const override { return data_.size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override;
  std::string Describe() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
};

}  // namespace billpipe
