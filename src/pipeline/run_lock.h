// One run per dataset at a time, across processes: an exclusive lock on a file in the data directory,
// released by the kernel when the holder exits, however it exits (kill -9 included).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "util/file_lock.h"
#include "util/status.h"

namespace billpipe::pipeline {

class RunLock {
 public:
  // Takes the lock for dataset in lock_dir, recording `what` (e.g. "billpipe run, pid 123, started
  // 2026-11-29T08:00:00Z") in the file. Held: kConflict naming the holder.
  static Result<std::unique_ptr<RunLock>> Acquire(const std::filesystem::path& lock_dir,
                                                  const std::string& dataset, const std::string& what);
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  explicit RunLock(std::unique_ptr<FileLock> lock) : lock_(std::move(lock)) {}
  std::unique_ptr<FileLock> lock_;
};

}  // namespace billpipe::pipeline
