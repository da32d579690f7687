// Pull-based byte streams, stacked: S3 object -> gzip -> CSV records.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "util/status.h"

namespace billpipe {

// Read contract: Read fills up to out.size() bytes and returns how many it wrote. 0 means the end of
// the stream (and every later call returns 0 too); a short read is not the end. An error is final
// for the stream. Not thread-safe; one reader at a time. Not copyable.
class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;

  virtual Result<size_t> Read(std::span<char> out) = 0;

  // Where the bytes come from, for error messages: "s3://bucket/key", a path, "gzip(s3://b/k)".
  virtual std::string Describe() const = 0;
};

// A ByteSource over a string it owns. For tests and small payloads.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data, std::string name = "memory")
      : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(std::span<char> out) override;
  std::string Describe() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
  size_t pos_ = 0;
};

// Reads a whole source into a string, refusing more than max_bytes (kBadData).
Result<std::string> ReadAll(ByteSource& source, size_t max_bytes);

}  // namespace billpipe
