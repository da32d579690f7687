// The scheduler daemon behind `billpipe serve`: one per data directory (a lock file), a loop on an
// injected clock that starts due datasets on worker threads (at most `max_concurrent` at once, never
// two runs of one dataset), retries failed scheduled runs, records every run in the history, reports
// each event (DaemonEvent) and, after a failure with no retry left, hands the run's summary to a
// notifier. It stops on request (SIGTERM/SIGINT set the stop flag): no new run starts, runs in
// progress are asked to stop (they roll back) and are waited for.
//
// Threads: Start, Tick, Await*, Loop and catalog() belong to one thread (the loop's). Only the runner
// runs on worker threads, so the catalog is never shared between threads. RequestRun may be called
// from any thread: it is how another part of the process (the web UI's HTTP server) asks for a run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "catalog/runs.h"
#include "catalog/retry.h"
#include "util/clock.h"
#include "util/file_lock.h"
#include "util/status.h"

namespace billpipe::sched {

inline constexpr const char* kServeLockFileName = "serve.lock";

// Two runs at once by default (`serve --help` shows it). Every catalog dataset loads into the data
// directory's one SQLite file, so runs overlap in downloading and decoding while their writes take
// turns on the file's write lock.
inline constexpr int kDefaultMaxConcurrentRuns = 2;
inline constexpr int kMaxConcurrentRunsLimit = 64;
// While stopping, how often the daemon tries again to record the end of its runs in a busy catalog.
inline constexpr int kMaxBusyRetriesWhenStopping = 10;

struct RunOutcome {
  Status status;                 // failed runs carry their error
  int64_t periods = 0;
  int64_t line_items = 0;
};

// Runs one dataset to the end (commit or roll back). Called on a worker thread, at most once at a time
// per dataset. Must return promptly once `stop` is set.
using DatasetRunner = std::function<RunOutcome(const catalog::DatasetDefinition& dataset, catalog::Trigger trigger,
                                               int attempt, const std::atomic<bool>& stop)>;

// What the daemon reports: its start and stop, each run's start and end. Never holds a secret (run
// errors never do).
struct DaemonEvent {
  enum class Kind { kDaemonStart, kDaemonStop, kRunStart, kRunEnd, kNotifyFailed, kCatalogBusy };
  Kind kind = Kind::kRunStart;
  SysTime at;
  // kDaemonStart: where, which process, the limit.
  std::string home;
  int64_t pid = 0;
  int max_concurrent = 0;
  // Runs.
  int64_t run_id = 0;
  std::string dataset;
  catalog::Trigger trigger = catalog::Trigger::kSchedule;
  int attempt = 1;
  // kRunEnd.
  catalog::RunStatus status = catalog::RunStatus::kRunning;
  int64_t periods = 0;
  int64_t line_items = 0;
  std::chrono::milliseconds duration{0};
  std::string error;                     // kRunEnd: the run's error; kNotifyFailed: why the notice failed;
                                         // kCatalogBusy: the catalog's error
  std::chrono::milliseconds retry_in{0};  // kCatalogBusy: the wait before the daemon tries again
  std::optional<SysTime> next_retry_at;  // kRunEnd of a failed run that will be retried
  bool final_failure = false;            // kRunEnd: failed with no retry left (the notifier is called)
};
std::string_view DaemonEventName(DaemonEvent::Kind kind);  // "daemon_start", "run_end", ...

// The run summary handed to the failure notifier, as one JSON object:
// {"run_id","dataset","trigger","attempt","status","started_at","ended_at","duration_ms","periods",
//  "line_items","error"} (times as 2026-11-30T06:00:00Z).
std::string RunSummaryJson(const DaemonEvent& run_end, SysTime started_at);

struct DaemonOptions {
  std::filesystem::path home;
  Clock* clock = nullptr;                        // null: Clock::System()
  DatasetRunner runner;                          // required
  int max_concurrent = kDefaultMaxConcurrentRuns;  // 1 to kMaxConcurrentRunsLimit
  std::chrono::milliseconds poll{30'000};        // the longest sleep between checks
  std::chrono::milliseconds sleep_step{500};     // sleeps are cut in steps so a stop or a run's end is seen quickly
  // Called on the loop thread for each event; must not block for long. Optional.
  std::function<void(const DaemonEvent&)> on_event;
  // Called on the loop thread after a scheduled or retry run failed with no retry left, with
  // RunSummaryJson. Must not block for long (hand slow work to another thread). Optional.
  std::function<void(const std::string& summary_json)> on_final_failure;
  // While another process holds the catalog's write lock (SQLite answers busy after its timeout, a
  // kConflict), the daemon waits this long, doubling up to `poll`, and tries again: a busy catalog is
  // transient, never a reason to stop.
  std::chrono::milliseconds busy_backoff{1'000};
};

// An exclusive lock on `home`/serve.lock held for the object's life (flock: released if the process
// dies). A second holder gets kConflict: "Another billpipe serve is running for HOME (pid N). ..."
class ServeLock {
 public:
  static Result<std::unique_ptr<ServeLock>> Acquire(const std::filesystem::path& home);
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  explicit ServeLock(std::unique_ptr<FileLock> lock) : lock_(std::move(lock)) {}
  std::unique_ptr<FileLock> lock_;
};

// Turns off core dumps of this process (RLIMIT_CORE 0 and PR_SET_DUMPABLE 0): a daemon's core would
// hold decrypted secrets. `billpipe serve` calls it before starting the daemon.
Status DisableCoreDumps();

class Daemon {
 public:
  // Takes the lock, opens the catalog and marks runs a dead process left 'running' as cancelled.
  static Result<std::unique_ptr<Daemon>> Start(DaemonOptions options);
  // Waits for runs in progress (their outcome is not recorded: call Loop, or AwaitIdle, to record it).
  // The `stop` flag given to Tick is read by those runs: it must outlive them.
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Records the runs that ended, then starts runs that are due at the clock's now — requested manual
  // runs first, then retries and scheduled runs, most overdue first (an overdue dataset once) — while
  // fewer than max_concurrent run and the dataset is not running already. Due datasets beyond the
  // limit stay due and start when a slot frees. Returns how many runs were started.
  Result<int> Tick(const std::atomic<bool>& stop);
  // Waits (real time) until a run in progress ends, then records every ended run. Returns at once
  // when none is in progress. A run whose end cannot be recorded (the catalog is busy) stays in
  // progress, its outcome kept, and is recorded by a later call.
  Status AwaitRunEnd();
  // Waits until no run is in progress, recording each as it ends.
  Status AwaitIdle();
  // Ticks until stop is set, sleeping on the clock until the next due time (at most `poll`) or until a
  // run ends; then waits for the runs in progress (they see `stop`) and records them. A busy catalog
  // (kConflict) is reported as a kCatalogBusy event and retried after a backoff, also while stopping
  // (up to kMaxBusyRetriesWhenStopping times); other catalog errors end the loop (its runs joined).
  Status Loop(const std::atomic<bool>& stop);

  // Asks for a manual run of `dataset` at the next tick (thread-safe), and wakes the loop so that the
  // tick comes at once (within a sleep step). It does not retry on failure. A dataset already running
  // runs again after that run ends.
  void RequestRun(std::string dataset);

  // Datasets running now, by name (thread-safe).
  std::vector<std::string> Running();

  catalog::Catalog& catalog() { return *catalog_; }

 private:
  struct Active {
    int64_t run_id = 0;
    std::string dataset;
    catalog::Trigger trigger = catalog::Trigger::kSchedule;
    int attempt = 1;
    int retries_done = 0;  // retries made before this run (retry runs)
    SysTime started_at;
    std::thread thread;
    std::optional<RunOutcome> outcome;  // set by the worker when the run ends
  };

  Daemon() = default;
  Result<std::optional<SysTime>> NextDue();
  // Records the run's start (after `before`, in the same catalog transaction), then starts its worker.
  Status Launch(const catalog::DatasetDefinition& def, catalog::Trigger trigger, int attempt, int retries_done,
                const std::atomic<bool>& stop, const std::function<Status()>& before = {});
  Status CollectEnded();
  // Records one ended run in the catalog (one transaction); fills the run_end event.
  Status RecordEnd(int64_t dataset_id, const Active& run, DaemonEvent& e);
  // Reports a busy catalog and sleeps on the clock for the backoff, which it doubles (up to poll).
  void BackOff(const Error& busy, std::chrono::milliseconds& backoff, const std::atomic<bool>* stop);
  Status StoreRetry(int64_t dataset_id, int retries_done, std::optional<SysTime> at);
  void Emit(const DaemonEvent& event);
  size_t ActiveCount();

  DaemonOptions options_;
  Clock* clock_ = nullptr;
  std::unique_ptr<ServeLock> lock_;
  std::unique_ptr<catalog::Catalog> catalog_;

  std::mutex mu_;  // guards active_ (its outcomes), requested_, ended_
  std::condition_variable ended_cv_;
  std::map<int64_t, std::unique_ptr<Active>> active_;  // by dataset id
  std::deque<std::string> requested_;
  bool ended_ = false;  // a run ended since the last collection
  bool woken_ = false;  // a run was requested since the last tick
};

}  // namespace billpipe::sched
