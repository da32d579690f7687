// A ByteSource over a local file.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "util/byte_source.h"

namespace billpipe::codec {

// Reads a local file front to back. Describe() is the path. Open fails with kNotFound when the file
// does not exist, kIo otherwise.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::filesystem::path& path);
  ~FileSource() override;

  Result<size_t> Read(std::span<char> out) override;
  std::string Describe() const override { return path_; }

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace billpipe::codec
