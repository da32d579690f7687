#include "sched/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "catalog/datasets.h"
#include "catalog/runs.h"
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

}  // namespace

Result<std::unique_ptr<ServeLock>> ServeLock::Acquire(const std::filesystem::path& home) {
  BP_RETURN_IF_ERROR(EnsurePrivateDir(home));
  auto path = home / kServeLockFileName;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, fmt::format("cannot open the lock file {}: {}", path.string(),
                                            std::system_category().message(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Fail(ErrorCode::kConflict,
                fmt::format("Another billpipe serve is running for {}{}. Stop it first, or use another --home.",
                            home.string(), pid.empty() ? "" : fmt::format(" (pid {})", pid)));
  }
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    ::close(fd);
    return Fail(ErrorCode::kIo, fmt::format("cannot write the lock file {}", path.string()));
  }
  return std::unique_ptr<ServeLock>(new ServeLock(fd));
}

ServeLock::~ServeLock() {
  if (::ftruncate(fd_, 0) != 0) {
    // Nothing to do: the lock itself goes with the descriptor.
  }
  ::close(fd_);
}

Result<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  if (!options.runner) return Fail(ErrorCode::kInternal, "the daemon needs a dataset runner");
  std::unique_ptr<Daemon> d(new Daemon());
  d->clock_ = options.clock ? options.clock : &Clock::System();
  BP_ASSIGN_OR_RETURN(d->lock_, ServeLock::Acquire(options.home));
  BP_ASSIGN_OR_RETURN(d->catalog_, catalog::Catalog::Open(options.home, *d->clock_));
  BP_RETURN_IF_ERROR(catalog::RunHistory(*d->catalog_).CancelStaleRuns("billpipe stopped during the run"));
  d->options_ = std::move(options);
  return d;
}

Result<int> Daemon::Tick(const std::atomic<bool>& stop) {
  auto& db = catalog_->db();
  BP_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT id, name, retries_done, retry_at FROM datasets "
                                             "WHERE paused = 0 AND account_id IS NOT NULL ORDER BY name"));
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
  catalog::DatasetStore datasets(*catalog_);
  catalog::RunHistory history(*catalog_);
  BP_ASSIGN_OR_RETURN(auto set_retry, db.Prepare("UPDATE datasets SET retries_done = ?, retry_at = ? WHERE id = ?"));
  auto store_retry = [&](int64_t id, int done, std::optional<SysTime> at) -> Status {
    set_retry->BindInt(1, done);
    if (at) set_retry->BindInt(2, ToMillis(*at)); else set_retry->BindNull(2);
    set_retry->BindInt(3, id);
    Status s = set_retry->Run();
    set_retry->Reset();
    return s;
  };
  int runs = 0;
  for (const auto& row : rows) {
    if (stop.load()) break;
    auto def = datasets.Get(row.name);
    if (!def) continue;  // deleted meanwhile
    SysTime now = clock_->Now();
    Trigger trigger;
    int attempt = 1;
    if (row.retry_at && *row.retry_at <= now) {
      trigger = Trigger::kRetry;
      attempt = row.retries_done + 2;
    } else {
      CatchUp c = CatchUpAt(def->schedule, def->next_run_at, now);
      if (!c.run_now) continue;
      trigger = Trigger::kSchedule;
      BP_RETURN_IF_ERROR(datasets.SetNextRun(def->id, c.next_run));
      BP_RETURN_IF_ERROR(store_retry(def->id, 0, std::nullopt));  // a new scheduled run ends older retries
    }
    BP_ASSIGN_OR_RETURN(int64_t run_id, history.Start(def->name, trigger, attempt));
    RunOutcome outcome = options_.runner(*def, trigger, attempt, stop);
    ++runs;
    if (outcome.status) {
      BP_RETURN_IF_ERROR(history.Finish(run_id, catalog::RunStatus::kSucceeded, outcome.periods, outcome.line_items, ""));
      BP_RETURN_IF_ERROR(store_retry(def->id, 0, std::nullopt));
      continue;
    }
    const Error& error = outcome.status.error();
    if (error.code == ErrorCode::kCancelled) {
      // Stopped mid-run (the run rolled back): due again at once, so the next start finishes it.
      BP_RETURN_IF_ERROR(history.Finish(run_id, catalog::RunStatus::kCancelled, 0, 0, error.message));
      if (trigger == Trigger::kSchedule) BP_RETURN_IF_ERROR(datasets.SetNextRun(def->id, now));
      continue;
    }
    BP_RETURN_IF_ERROR(history.Finish(run_id, catalog::RunStatus::kFailed, outcome.periods, outcome.line_items,
                                      error.message));
    int retries_so_far = trigger == Trigger::kRetry ? row.retries_done + 1 : 0;
    auto next = NextRetryAt(def->retry, trigger, retries_so_far, clock_->Now());
    BP_RETURN_IF_ERROR(next ? store_retry(def->id, retries_so_far, next) : store_retry(def->id, 0, std::nullopt));
  }
  return runs;
}

Result<std::optional<SysTime>> Daemon::NextDue() {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_->db().Prepare(
                                     "SELECT min(coalesce(min(next_run_at, retry_at), next_run_at, retry_at)) "
                                     "FROM datasets WHERE paused = 0 AND account_id IS NOT NULL"));
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row || stmt->ColumnIsNull(0)) return std::optional<SysTime>();
  return std::optional<SysTime>(FromMillis(stmt->ColumnInt(0)));
}

Status Daemon::Loop(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    BP_RETURN_IF_ERROR(Tick(stop));
    BP_ASSIGN_OR_RETURN(auto next, NextDue());
    SysTime now = clock_->Now();
    SysTime until = now + options_.poll;
    if (next) until = std::clamp(*next, now, until);
    while (!stop.load() && clock_->Now() < until) {
      clock_->SleepFor(std::min<milliseconds>(options_.sleep_step, until - clock_->Now()));
    }
  }
  return Ok();
}

}  // namespace billpipe::sched
