#include "codec/file_source.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace billpipe::codec {

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                fmt::format("cannot open {}: {}", path.string(), std::strerror(err)));
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, path.string()));
}

FileSource::~FileSource() { ::close(fd_); }

Result<size_t> FileSource::Read(std::span<char> out) {
  while (true) {
    const ssize_t n = ::read(fd_, out.data(), out.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    const int err = errno;
    return Fail(ErrorCode::kIo, fmt::format("cannot read {}: {}", path_, std::strerror(err)));
  }
}

}  // namespace billpipe::codec
