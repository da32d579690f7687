// The scheduler daemon behind `billpipe serve`: one per data directory (a lock file), a loop on an
// injected clock that runs due datasets, retries failed scheduled runs, records every run in the
// history, and stops between runs on request (SIGTERM/SIGINT set the stop flag).
//
// Running a dataset is a hook (DatasetRunner) so the loader plugs in here and tests inject outcomes.
// Runs are sequential in this skeleton (one at a time, so one per dataset); a concurrency limit and
// the HTTP server of the web UI can share the same process through the same hook.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "sched/retry.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::sched {

inline constexpr const char* kServeLockFileName = "serve.lock";

struct RunOutcome {
  Status status;                 // failed runs carry their error
  int64_t periods = 0;
  int64_t line_items = 0;
};

// Runs one dataset to the end (commit or roll back). Must return promptly once `stop` is set.
using DatasetRunner = std::function<RunOutcome(const catalog::DatasetDefinition& dataset, Trigger trigger,
                                               int attempt, const std::atomic<bool>& stop)>;

struct DaemonOptions {
  std::filesystem::path home;
  Clock* clock = nullptr;                        // null: Clock::System()
  DatasetRunner runner;                          // required
  std::chrono::milliseconds poll{30'000};        // the longest sleep between checks
  std::chrono::milliseconds sleep_step{500};     // sleeps are cut in steps so a stop is seen quickly
};

// An exclusive lock on `home`/serve.lock held for the object's life (flock: released if the process
// dies). A second holder gets kConflict: "Another billpipe serve is running for HOME (pid N). ..."
class ServeLock {
 public:
  static Result<std::unique_ptr<ServeLock>> Acquire(const std::filesystem::path& home);
  ~ServeLock();
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_;
};

class Daemon {
 public:
  // Takes the lock, opens the catalog and marks runs a dead process left 'running' as cancelled.
  static Result<std::unique_ptr<Daemon>> Start(DaemonOptions options);

  // Runs every dataset that is due at the clock's now (overdue ones once) and any retry that is due.
  // Returns how many runs were made.
  Result<int> Tick(const std::atomic<bool>& stop);
  // Ticks until stop is set, sleeping on the clock until the next due time (at most `poll`).
  Status Loop(const std::atomic<bool>& stop);

  catalog::Catalog& catalog() { return *catalog_; }

 private:
  Daemon() = default;
  Result<std::optional<SysTime>> NextDue();

  DaemonOptions options_;
  Clock* clock_ = nullptr;
  std::unique_ptr<ServeLock> lock_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace billpipe::sched
