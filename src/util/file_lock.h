// An exclusive lock on a file, held for the object's life, across processes: flock, so the kernel
// releases it when the holder exits, however it exits (kill -9 included). The file holds a line saying
// who holds the lock ("billpipe run, pid 123, started ...", or a pid), read back for the message a
// second taker gets. Used by the per-dataset run locks (pipeline/run_lock.h) and the daemon's lock
// (sched/daemon.h).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "util/status.h"

namespace billpipe {

class FileLock {
 public:
  // Says why the lock cannot be had, given what the file says of its holder ("" when it says nothing).
  using HeldMessage = std::function<std::string(const std::string& holder)>;

  // Creates `path` (mode 0600) in its folder if missing — the folder is created 0700 when missing —
  // and takes the lock without waiting, writing `holder` into the file. Held by another: kConflict with
  // held_message(what the file says, up to 512 bytes, trailing newlines and spaces removed).
  static Result<std::unique_ptr<FileLock>> TryAcquire(const std::filesystem::path& path, const std::string& holder,
                                                      const HeldMessage& held_message);
  // Empties the file (it no longer names a holder) and releases the lock.
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace billpipe
