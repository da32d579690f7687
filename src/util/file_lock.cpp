#include "util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <system_error>

#include <fmt/format.h>

#include "util/home.h"

namespace billpipe {

Result<std::unique_ptr<FileLock>> FileLock::TryAcquire(const std::filesystem::path& path, const std::string& holder,
                                                       const HeldMessage& held_message) {
  BP_RETURN_IF_ERROR(EnsurePrivateDir(path.parent_path()));
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, fmt::format("cannot open the lock file {}: {}", path.string(),
                                            std::system_category().message(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[512];
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    ::close(fd);
    std::string text = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return Fail(ErrorCode::kConflict, held_message(text));
  }
  std::string line = holder + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    return Fail(ErrorCode::kIo, fmt::format("cannot write the lock file {}", path.string()));
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() {
  if (::ftruncate(fd_, 0) != 0) {
    // Nothing to do: the lock itself goes with the descriptor.
  }
  ::close(fd_);
}

}  // namespace billpipe
