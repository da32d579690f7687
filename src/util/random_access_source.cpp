#include "util/random_access_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace billpipe {

Status ReadExactlyAt(RandomAccessSource& source, uint64_t offset, std::span<char> out, std::string_view what) {
  const uint64_t size = source.Size();
  if (offset > size || out.size() > size - offset) {
    return Fail(ErrorCode::kBadData,
                fmt::format("{} (bytes {} to {}) lies outside {}, which has {} bytes", what, offset,
                            offset + out.size(), source.Describe(), size));
  }
  size_t done = 0;
  while (done < out.size()) {
    BP_ASSIGN_OR_RETURN(size_t n, source.ReadAt(offset + done, out.subspan(done)));
    if (n == 0) {
      return Fail(ErrorCode::kConflict, fmt::format("{} became shorter while {} was read", source.Describe(), what));
    }
    done += n;
  }
  return Ok();
}

Result<std::unique_ptr<LocalFileRandomAccessSource>> LocalFileRandomAccessSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                fmt::format("cannot open {}: {}", path, std::strerror(err)));
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(ErrorCode::kIo, fmt::format("cannot stat {}: {}", path, std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, fmt::format("{} is not a regular file", path));
  }
  return std::unique_ptr<LocalFileRandomAccessSource>(
      new LocalFileRandomAccessSource(fd, static_cast<uint64_t>(st.st_size), path));
}

LocalFileRandomAccessSource::~LocalFileRandomAccessSource() { ::close(fd_); }

Result<size_t> LocalFileRandomAccessSource::ReadAt(uint64_t offset, std::span<char> out) {
  if (offset >= size_ || out.empty()) return size_t{0};
  const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), size_ - offset));
  while (true) {
    ssize_t n = ::pread(fd_, out.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, fmt::format("reading {} at byte {}: {}", path_, offset, std::strerror(errno)));
    }
    return static_cast<size_t>(n);
  }
}

Result<size_t> StringRandomAccessSource::ReadAt(uint64_t offset, std::span<char> out) {
  if (offset >= data_.size()) return size_t{0};
  const size_t n = std::min<size_t>(out.size(), data_.size() - static_cast<size_t>(offset));
  std::memcpy(out.data(), data_.data() + offset, n);
  return n;
}

}  // namespace billpipe
