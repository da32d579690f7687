#include "sched/daemon.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/datasets.h"
#include "catalog/runs.h"
#include "util/date.h"
#include "util/escape.h"
#include "util/home.h"

namespace billpipe::sched {
namespace {

using std::chrono::milliseconds;

int64_t ToMillis(SysTime t) { return t.time_since_epoch().count(); }
SysTime FromMillis(int64_t ms) { return SysTime(milliseconds(ms)); }

struct DueRow {
  int64_t id = 0;
  std::string name;
  int retries_done = 0;
  std::optional<SysTime> retry_at;
};

std::string Iso(SysTime t) { return FormatTimestamp(ToMillis(t)); }

}  // namespace

std::string_view DaemonEventName(DaemonEvent::Kind kind) {
  switch (kind) {
    case DaemonEvent::Kind::kDaemonStart: return "daemon_start";
    case DaemonEvent::Kind::kDaemonStop: return "daemon_stop";
    case DaemonEvent::Kind::kRunStart: return "run_start";
    case DaemonEvent::Kind::kRunEnd: return "run_end";
    case DaemonEvent::Kind::kNotifyFailed: return "notify_failed";
    case DaemonEvent::Kind::kCatalogBusy: return "catalog_busy";
  }
  return "run_end";
}

std::string RunSummaryJson(const DaemonEvent& e, SysTime started_at) {
  nlohmann::ordered_json j;
  j["run_id"] = e.run_id;
  j["dataset"] = e.dataset;
  j["trigger"] = std::string(catalog::TriggerName(e.trigger));
  j["attempt"] = e.attempt;
  j["status"] = std::string(catalog::RunStatusName(e.status));
  j["started_at"] = Iso(started_at);
  j["ended_at"] = Iso(e.at);
  j["duration_ms"] = e.duration.count();
  j["periods"] = e.periods;
  j["line_items"] = e.line_items;
  j["error"] = ShownMessage(e.error);  // the webhook and the command get it: escaped and bounded
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::unique_ptr<ServeLock>> ServeLock::Acquire(const std::filesystem::path& home) {
  BP_ASSIGN_OR_RETURN(auto lock, FileLock::TryAcquire(home / kServeLockFileName, std::to_string(::getpid()),
                                                      [&](const std::string& pid) {
                                                        return fmt::format(
                                                            "Another billpipe serve is running for {}{}. Stop it "
                                                            "first, or use another --home.",
                                                            home.string(),
                                                            pid.empty() ? "" : fmt::format(" (pid {})", pid));
                                                      }));
  return std::unique_ptr<ServeLock>(new ServeLock(std::move(lock)));
}

Status DisableCoreDumps() {
  struct rlimit none {};
  if (::setrlimit(RLIMIT_CORE, &none) != 0 || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Fail(ErrorCode::kInternal, fmt::format("cannot turn off core dumps: {}", std::strerror(errno)));
  }
  return Ok();
}

Result<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  if (!options.runner) return Fail(ErrorCode::kInternal, "the daemon needs a dataset runner");
  if (options.max_concurrent < 1 || options.max_concurrent > kMaxConcurrentRunsLimit) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The number of runs at once must be 1 to {}, not {}.", kMaxConcurrentRunsLimit,
                            options.max_concurrent));
  }
  std::unique_ptr<Daemon> d(new Daemon());
  d->clock_ = options.clock ? options.clock : &Clock::System();
  BP_ASSIGN_OR_RETURN(d->lock_, ServeLock::Acquire(options.home));
  BP_ASSIGN_OR_RETURN(d->catalog_, catalog::Catalog::Open(options.home, *d->clock_));
  BP_RETURN_IF_ERROR(catalog::RunHistory(*d->catalog_).CancelStaleRuns("billpipe stopped during the run"));
  d->options_ = std::move(options);
  return d;
}

Daemon::~Daemon() {
  for (auto& [id, a] : active_) {
    if (a->thread.joinable()) a->thread.join();
  }
}

void Daemon::Emit(const DaemonEvent& event) {
  if (options_.on_event) options_.on_event(event);
}

size_t Daemon::ActiveCount() {
  std::lock_guard lock(mu_);
  return active_.size();
}

std::vector<std::string> Daemon::Running() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, a] : active_) out.push_back(a->dataset);
  return out;
}

void Daemon::RequestRun(std::string dataset) {
  std::lock_guard lock(mu_);
  requested_.push_back(std::move(dataset));
  woken_ = true;  // the loop ticks at once rather than after its sleep
  ended_cv_.notify_all();
}

Status Daemon::StoreRetry(int64_t dataset_id, int retries_done, std::optional<SysTime> at) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_->db().Prepare("UPDATE datasets SET retries_done = ?, retry_at = ? WHERE id = ?"));
  stmt->BindInt(1, retries_done);
  if (at) stmt->BindInt(2, ToMillis(*at)); else stmt->BindNull(2);
  stmt->BindInt(3, dataset_id);
  return stmt->Run();
}

Status Daemon::Launch(const catalog::DatasetDefinition& def, catalog::Trigger trigger, int attempt, int retries_done,
                      const std::atomic<bool>& stop, const std::function<Status()>& before) {
  int64_t run_id = 0;
  BP_RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    if (before) BP_RETURN_IF_ERROR(before());
    BP_ASSIGN_OR_RETURN(run_id, catalog::RunHistory(*catalog_).Start(def.name, trigger, attempt));
    return Ok();
  }));
  auto active = std::make_unique<Active>();
  active->run_id = run_id;
  active->dataset = def.name;
  active->trigger = trigger;
  active->attempt = attempt;
  active->retries_done = retries_done;
  active->started_at = clock_->Now();
  DaemonEvent e;
  e.kind = DaemonEvent::Kind::kRunStart;
  e.at = active->started_at;
  e.run_id = run_id;
  e.dataset = def.name;
  e.trigger = trigger;
  e.attempt = attempt;
  Emit(e);
  Active* raw = active.get();
  std::lock_guard lock(mu_);
  // The worker takes its own copy of the definition; it writes only raw->outcome, under mu_.
  raw->thread = std::thread([this, raw, def, trigger, attempt, &stop] {
    RunOutcome outcome = options_.runner(def, trigger, attempt, stop);
    std::lock_guard done(mu_);
    raw->outcome = std::move(outcome);
    ended_ = true;
    ended_cv_.notify_all();
  });
  active_[def.id] = std::move(active);
  return Ok();
}

Status Daemon::RecordEnd(int64_t dataset_id, const Active& a, DaemonEvent& e) {
  catalog::DatasetStore datasets(*catalog_);
  catalog::RunHistory history(*catalog_);
  const RunOutcome& outcome = *a.outcome;
  SysTime now = clock_->Now();
  e = DaemonEvent{};
  e.kind = DaemonEvent::Kind::kRunEnd;
  e.at = now;
  e.run_id = a.run_id;
  e.dataset = a.dataset;
  e.trigger = a.trigger;
  e.attempt = a.attempt;
  e.duration = std::chrono::duration_cast<milliseconds>(now - a.started_at);
  if (outcome.status) {
    e.status = catalog::RunStatus::kSucceeded;
    e.periods = outcome.periods;
    e.line_items = outcome.line_items;
    BP_RETURN_IF_ERROR(history.Finish(a.run_id, e.status, e.periods, e.line_items, ""));
    if (a.trigger != catalog::Trigger::kManual) BP_RETURN_IF_ERROR(StoreRetry(dataset_id, 0, std::nullopt));
    return Ok();
  }
  const Error& error = outcome.status.error();
  e.error = error.message;
  if (error.code == ErrorCode::kCancelled) {
    // Stopped mid-run (the run rolled back): due again at once, so the next start finishes it.
    e.status = catalog::RunStatus::kCancelled;
    BP_RETURN_IF_ERROR(history.Finish(a.run_id, e.status, 0, 0, error.message));
    if (a.trigger == catalog::Trigger::kSchedule) BP_RETURN_IF_ERROR(datasets.SetNextRun(dataset_id, now));
    if (a.trigger == catalog::Trigger::kRetry) BP_RETURN_IF_ERROR(StoreRetry(dataset_id, a.retries_done, now));
    return Ok();
  }
  e.status = catalog::RunStatus::kFailed;
  e.periods = outcome.periods;
  e.line_items = outcome.line_items;
  BP_RETURN_IF_ERROR(history.Finish(a.run_id, e.status, e.periods, e.line_items, error.message));
  if (a.trigger == catalog::Trigger::kManual) return Ok();  // a manual run reports its failure at once
  auto def = datasets.Get(a.dataset);
  int retries_so_far = a.trigger == catalog::Trigger::kRetry ? a.retries_done + 1 : 0;
  e.next_retry_at = def ? catalog::NextRetryAt(def->retry, a.trigger, retries_so_far, now) : std::nullopt;
  BP_RETURN_IF_ERROR(e.next_retry_at ? StoreRetry(dataset_id, retries_so_far, e.next_retry_at)
                                     : StoreRetry(dataset_id, 0, std::nullopt));
  e.final_failure = !e.next_retry_at;
  return Ok();
}

Status Daemon::CollectEnded() {
  std::vector<std::pair<int64_t, Active*>> ended;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, a] : active_) {
      if (a->outcome) ended.emplace_back(id, a.get());
    }
    ended_ = false;
  }
  for (auto& [dataset_id, a] : ended) {
    if (a->thread.joinable()) a->thread.join();
    // One transaction per run: a busy catalog leaves the run in active_, its outcome kept, so a later
    // collection records it (never a history row left 'running', never a notice sent twice).
    DaemonEvent e;
    Status recorded = catalog_->InTransaction([&]() -> Status { return RecordEnd(dataset_id, *a, e); });
    if (!recorded) {
      std::lock_guard lock(mu_);
      ended_ = true;  // still to record: waiters must not wait for another run to end
      return recorded;
    }
    SysTime started_at = a->started_at;
    {
      std::lock_guard lock(mu_);
      active_.erase(dataset_id);
    }
    Emit(e);
    if (e.final_failure && options_.on_final_failure) options_.on_final_failure(RunSummaryJson(e, started_at));
  }
  return Ok();
}

Result<int> Daemon::Tick(const std::atomic<bool>& stop) {
  BP_RETURN_IF_ERROR(CollectEnded());
  if (stop.load()) return 0;
  const size_t limit = static_cast<size_t>(options_.max_concurrent);
  catalog::DatasetStore datasets(*catalog_);
  int started = 0;
  auto running = [&](int64_t dataset_id) {
    std::lock_guard lock(mu_);
    return active_.count(dataset_id) > 0;
  };

  // Manual requests first, in the order asked; one for a running dataset waits for its run to end.
  std::deque<std::string> requests;
  {
    std::lock_guard lock(mu_);
    requests.swap(requested_);
    woken_ = false;
  }
  std::deque<std::string> waiting;
  for (auto& name : requests) {
    auto def = datasets.Get(name);
    if (!def) continue;  // unknown or deleted: nothing to run
    if (ActiveCount() >= limit || running(def->id)) {
      waiting.push_back(std::move(name));
      continue;
    }
    BP_RETURN_IF_ERROR(Launch(*def, catalog::Trigger::kManual, 1, 0, stop));
    ++started;
  }
  if (!waiting.empty()) {
    std::lock_guard lock(mu_);
    requested_.insert(requested_.begin(), waiting.begin(), waiting.end());
  }

  // Retries and scheduled runs, the most overdue first.
  auto& db = catalog_->db();
  BP_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT id, name, retries_done, retry_at FROM datasets "
                                             "WHERE paused = 0 AND account_id IS NOT NULL "
                                             "ORDER BY coalesce(min(next_run_at, retry_at), next_run_at, retry_at), name"));
  std::vector<DueRow> rows;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    DueRow r;
    r.id = query->ColumnInt(0);
    r.name = query->ColumnText(1);
    r.retries_done = static_cast<int>(query->ColumnInt(2));
    if (!query->ColumnIsNull(3)) r.retry_at = FromMillis(query->ColumnInt(3));
    rows.push_back(std::move(r));
  }
  for (const auto& row : rows) {
    if (stop.load() || ActiveCount() >= limit) break;  // the rest stay due
    if (running(row.id)) continue;                       // one run per dataset at a time
    auto def = datasets.Get(row.name);
    if (!def) continue;  // deleted meanwhile
    SysTime now = clock_->Now();
    if (row.retry_at && *row.retry_at <= now) {
      // retry_at stays set while the retry runs, so a daemon killed meanwhile retries again on its next start.
      BP_RETURN_IF_ERROR(Launch(*def, catalog::Trigger::kRetry, row.retries_done + 2, row.retries_done, stop));
      ++started;
      continue;
    }
    catalog::CatchUp c = catalog::CatchUpAt(def->schedule, def->next_run_at, now);
    if (!c.run_now) continue;
    // The next slot, the end of older retries (a new scheduled run ends them) and the run's start are
    // stored together: a busy catalog leaves the dataset due, to start at the next tick.
    BP_RETURN_IF_ERROR(Launch(*def, catalog::Trigger::kSchedule, 1, 0, stop, [&]() -> Status {
      BP_RETURN_IF_ERROR(datasets.SetNextRun(def->id, c.next_run));
      return StoreRetry(def->id, 0, std::nullopt);
    }));
    ++started;
  }
  return started;
}

Status Daemon::AwaitRunEnd() {
  {
    std::unique_lock lock(mu_);
    ended_cv_.wait(lock, [this] { return ended_ || active_.empty(); });
  }
  return CollectEnded();
}

Status Daemon::AwaitIdle() {
  while (ActiveCount() > 0) BP_RETURN_IF_ERROR(AwaitRunEnd());
  return Ok();
}

void Daemon::BackOff(const Error& busy, milliseconds& backoff, const std::atomic<bool>* stop) {
  DaemonEvent e;
  e.kind = DaemonEvent::Kind::kCatalogBusy;
  e.at = clock_->Now();
  e.home = options_.home.string();
  e.error = busy.message;
  e.retry_in = backoff;
  Emit(e);
  for (milliseconds slept{0}; slept < backoff && !(stop != nullptr && stop->load()); slept += options_.sleep_step) {
    clock_->SleepFor(std::min(options_.sleep_step, backoff - slept));
  }
  backoff = std::min<milliseconds>(backoff * 2, std::max(options_.poll, options_.busy_backoff));
}

Result<std::optional<SysTime>> Daemon::NextDue() {
  std::string running;  // their due times are taken care of when their runs end
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, a] : active_) running += fmt::format("{}{}", running.empty() ? "" : ",", id);
  }
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_->db().Prepare(fmt::format(
                                     "SELECT min(coalesce(min(next_run_at, retry_at), next_run_at, retry_at)) "
                                     "FROM datasets WHERE paused = 0 AND account_id IS NOT NULL{}",
                                     running.empty() ? "" : " AND id NOT IN (" + running + ")")));
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row || stmt->ColumnIsNull(0)) return std::optional<SysTime>();
  return std::optional<SysTime>(FromMillis(stmt->ColumnInt(0)));
}

Status Daemon::Loop(const std::atomic<bool>& stop) {
  DaemonEvent start;
  start.kind = DaemonEvent::Kind::kDaemonStart;
  start.at = clock_->Now();
  start.home = options_.home.string();
  start.pid = ::getpid();
  start.max_concurrent = options_.max_concurrent;
  Emit(start);
  Status status = Ok();
  milliseconds backoff = options_.busy_backoff;
  while (!stop.load()) {
    auto ticked = Tick(stop);
    auto next = ticked ? NextDue() : Result<std::optional<SysTime>>(Fail(ticked.error()));
    if (!next) {
      if (next.error().code == ErrorCode::kConflict) {  // another process holds the catalog's write lock
        BackOff(next.error(), backoff, &stop);
        continue;
      }
      status = Fail(std::move(next).error());
      break;
    }
    backoff = options_.busy_backoff;
    SysTime now = clock_->Now();
    SysTime until = now + options_.poll;
    if (*next) until = std::clamp(**next, now, until);
    // Something due that this tick could not start (deleted meanwhile): look again after a step, not at once.
    if (until <= now && *ticked == 0) until = now + options_.sleep_step;
    const bool full = ActiveCount() >= static_cast<size_t>(options_.max_concurrent);
    for (;;) {
      if (stop.load()) break;
      std::unique_lock lock(mu_);
      if (ended_ || woken_) break;
      now = clock_->Now();
      if (!active_.empty()) {
        // Runs in progress: wait in real time for one to end (or for the next due time, if a slot is
        // free). The clock is not slept on, so a test's clock moves only with its runs.
        if (!full && now >= until) break;
        ended_cv_.wait_for(lock, options_.sleep_step);
        continue;
      }
      if (now >= until) break;
      lock.unlock();
      clock_->SleepFor(std::min<milliseconds>(options_.sleep_step, until - now));
    }
  }
  // Stopping: runs in progress see `stop`, roll back and end; record them, waiting out a busy catalog.
  Status idle = AwaitIdle();
  for (int tries = 0; !idle && idle.error().code == ErrorCode::kConflict && tries < kMaxBusyRetriesWhenStopping;
       ++tries) {
    BackOff(idle.error(), backoff, nullptr);
    idle = AwaitIdle();
  }
  if (status && !idle) status = idle;
  DaemonEvent end;
  end.kind = DaemonEvent::Kind::kDaemonStop;
  end.at = clock_->Now();
  end.home = options_.home.string();
  end.pid = ::getpid();
  end.error = status ? "" : status.error().message;
  Emit(end);
  return status;
}

}  // namespace billpipe::sched
