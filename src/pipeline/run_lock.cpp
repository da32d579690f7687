#include "pipeline/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <system_error>

#include <fmt/format.h>

#include "util/home.h"

namespace billpipe::pipeline {

Result<std::unique_ptr<RunLock>> RunLock::Acquire(const std::filesystem::path& lock_dir, const std::string& dataset,
                                                  const std::string& what) {
  BP_RETURN_IF_ERROR(EnsurePrivateDir(lock_dir));
  auto path = lock_dir / (dataset + ".lock");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, fmt::format("cannot open the lock file {}: {}", path.string(),
                                            std::system_category().message(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "another process";
    while (!holder.empty() && holder.back() == '\n') holder.pop_back();
    close(fd);
    return Fail(ErrorCode::kConflict,
                fmt::format("Dataset '{}' is already being loaded ({}). Wait for that run to finish, or stop it, "
                            "and try again.", dataset, holder));
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, what.data(), what.size(), 0) < 0) {
    // The lock is held; the description is only for messages.
  }
  return std::unique_ptr<RunLock>(new RunLock(fd));
}

RunLock::~RunLock() {
  flock(fd_, LOCK_UN);
  close(fd_);
}

}  // namespace billpipe::pipeline
