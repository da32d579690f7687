#include "pipeline/run_lock.h"

#include <fmt/format.h>

namespace billpipe::pipeline {

Result<std::unique_ptr<RunLock>> RunLock::Acquire(const std::filesystem::path& lock_dir, const std::string& dataset,
                                                  const std::string& what) {
  BP_ASSIGN_OR_RETURN(auto lock, FileLock::TryAcquire(lock_dir / (dataset + ".lock"), what,
                                                      [&](const std::string& holder) {
                                                        return fmt::format(
                                                            "Dataset '{}' is already being loaded ({}). Wait for that "
                                                            "run to finish, or stop it, and try again.",
                                                            dataset, holder.empty() ? "another process" : holder);
                                                      }));
  return std::unique_ptr<RunLock>(new RunLock(std::move(lock)));
}

}  // namespace billpipe::pipeline
