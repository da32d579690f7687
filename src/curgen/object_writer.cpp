#include "curgen/object_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

namespace billpipe::curgen {
namespace {

namespace fs = std::filesystem;

std::unexpected<Error> IoError(std::string_view what, const std::string& where, int err) {
  return Fail(ErrorCode::kIo, fmt::format("{} {}: {}", what, where, std::strerror(err)));
}

// Writes all of bytes to fd, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view bytes, const std::string& where) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", where, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

class FileOutput final : public ObjectOutput {
 public:
  FileOutput(int fd, fs::path partial, fs::path final_path)
      : fd_(fd), partial_(std::move(partial)), final_(std::move(final_path)) {}
  ~FileOutput() override {
    if (fd_ >= 0) {
      ::close(fd_);
      std::error_code ec;
      fs::remove(partial_, ec);
    }
  }
  Status Write(std::string_view bytes) override {
    BP_RETURN_IF_ERROR(WriteAll(fd_, bytes, partial_.string()));
    size_ += bytes.size();
    return Ok();
  }
  Result<uint64_t> Close() override {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      int err = errno;
      std::error_code ec;
      fs::remove(partial_, ec);
      return IoError("cannot write", partial_.string(), err);
    }
    std::error_code ec;
    fs::rename(partial_, final_, ec);
    if (ec) {
      fs::remove(partial_, ec);
      return Fail(ErrorCode::kIo, fmt::format("cannot rename {} to {}: {}", partial_.string(),
                                              final_.string(), ec.message()));
    }
    return size_;
  }

 private:
  int fd_;
  fs::path partial_;
  fs::path final_;
  uint64_t size_ = 0;
};

// Reads an open file from its start; owns the descriptor.
class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FdSource() override { ::close(fd_); }
  Result<size_t> Read(std::span<char> out) override {
    for (;;) {
      ssize_t n = ::read(fd_, out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return IoError("cannot read spool file for", name_, errno);
    }
  }
  std::string Describe() const override { return name_; }

 private:
  int fd_;
  std::string name_;
};

class SpooledUpload final : public ObjectOutput {
 public:
  SpooledUpload(s3::ObjectStore& store, std::string bucket, std::string key, int fd)
      : store_(store), bucket_(std::move(bucket)), key_(std::move(key)), fd_(fd) {}
  ~SpooledUpload() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Write(std::string_view bytes) override {
    BP_RETURN_IF_ERROR(WriteAll(fd_, bytes, "the spool file of s3://" + bucket_ + "/" + key_));
    size_ += bytes.size();
    return Ok();
  }
  Result<uint64_t> Close() override {
    if (::lseek(fd_, 0, SEEK_SET) != 0) return IoError("cannot rewind spool file for", key_, errno);
    FdSource body(fd_, "s3://" + bucket_ + "/" + key_);
    fd_ = -1;  // owned by body now
    BP_RETURN_IF_ERROR(store_.Put(bucket_, key_, body, size_));
    return size_;
  }

 private:
  s3::ObjectStore& store_;
  std::string bucket_;
  std::string key_;
  int fd_;
  uint64_t size_ = 0;
};

}  // namespace

Result<std::unique_ptr<ObjectOutput>> DirectoryObjectWriter::Create(const std::string& key) {
  if (key.empty() || key.front() == '/' || key.find("..") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("object key '{}' cannot be a file name", key));
  }
  fs::path final_path = root_ / key;
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) {
    return Fail(ErrorCode::kIo, fmt::format("cannot create folder {}: {}", final_path.parent_path().string(),
                                            ec.message()));
  }
  fs::path partial = final_path;
  partial += ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create", partial.string(), errno);
  return std::make_unique<FileOutput>(fd, std::move(partial), std::move(final_path));
}

Result<std::unique_ptr<ObjectOutput>> ObjectStoreWriter::Create(const std::string& key) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/billpipe-curgen-XXXXXX";
  int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot create a spool file in", templ, errno);
  ::unlink(templ.c_str());
  return std::make_unique<SpooledUpload>(store_, bucket_, key, fd);
}

}  // namespace billpipe::curgen
