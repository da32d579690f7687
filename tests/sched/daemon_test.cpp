#include "sched/daemon.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "catalog/accounts.h"
#include "catalog/datasets.h"
#include "catalog/runs.h"
#include "sched/daemon_log.h"
#include "test_support.h"
#include "util/date.h"

namespace billpipe::sched {
namespace {

using billpipe::testing::TempDir;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr int64_t kStart = 1'795'939'200'000;  // 2026-11-29T08:00:00Z

struct Call {
  std::string dataset;
  catalog::Trigger trigger;
  int attempt;
  std::string at;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(catalog::kMasterKeyEnv);
    StartDaemon(1);
    catalog::AccountInput in;
    in.name = "prod";
    in.profile = "billing";
    ASSERT_TRUE(catalog::AccountStore(daemon_->catalog()).Add(in));
  }
  // (Re)starts the daemon with a limit of runs at once.
  void StartDaemon(int max_concurrent) {
    daemon_.reset();
    DaemonOptions options;
    options.home = tmp_.path();
    options.clock = &clock_;
    options.poll = minutes(1);
    options.max_concurrent = max_concurrent;
    options.on_event = [this](const DaemonEvent& e) { events_.push_back(FormatEventText(e)); };
    options.on_final_failure = [this](const std::string& json) { notices_.push_back(json); };
    options.runner = [this](const catalog::DatasetDefinition& d, catalog::Trigger t, int attempt, const std::atomic<bool>&) {
      {
        std::unique_lock lock(mu_);
        calls_.push_back({d.name, t, attempt, FormatTimestamp(clock_.Now())});
        if (blocking_) {
          running_now_.insert(d.name);
          max_running_ = std::max(max_running_, running_now_.size());
          changed_.notify_all();
          changed_.wait(lock, [&] { return released_.count(d.name) > 0; });
          released_.erase(d.name);
          running_now_.erase(d.name);
        }
      }
      if (!blocking_) clock_.Advance(minutes(1));  // a run takes a minute
      RunOutcome out;
      std::lock_guard lock(mu_);
      if (failures_left_ > 0) {
        --failures_left_;
        out.status = Fail(ErrorCode::kRetryable, "S3 answered 503 SlowDown");
      } else {
        out.periods = 2;
        out.line_items = 100;
      }
      if (static_cast<int>(calls_.size()) == stop_after_) stop_.store(true);
      return out;
    };
    auto d = Daemon::Start(std::move(options));
    ASSERT_TRUE(d) << d.error().message;
    daemon_ = std::move(*d);
  }
  // Ticks and waits for the runs it started to end; returns how many it started.
  int TickAll() {
    auto started = daemon_->Tick(stop_);
    EXPECT_TRUE(started) << started.error().message;
    EXPECT_TRUE(daemon_->AwaitIdle());
    return started ? *started : -1;
  }
  // Blocking runner: waits until `names` are all running.
  void WaitRunning(std::set<std::string> names) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] {
      return std::includes(running_now_.begin(), running_now_.end(), names.begin(), names.end());
    });
  }
  void Release(const std::string& name) {
    std::lock_guard lock(mu_);
    released_.insert(name);
    changed_.notify_all();
  }
  void Create(const std::string& name, const std::string& schedule, const std::string& retry = "never") {
    catalog::DatasetDefinition d;
    d.name = name;
    d.account = "prod";
    d.bucket = "billing";
    d.report_name = "daily";
    d.duration.start = *pipeline::DateSpec::Parse("1d");
    d.schedule = *catalog::Schedule::Parse(schedule);
    d.retry = *catalog::RetryPolicy::Parse(retry);
    auto saved = catalog::DatasetStore(daemon_->catalog()).Create(d);
    ASSERT_TRUE(saved) << saved.error().message;
  }
  void SetNow(std::string_view iso) {
    // "2026-11-30T06:00"
    auto date = Date::Parse(iso.substr(0, 10));
    int h = std::stoi(std::string(iso.substr(11, 2))), m = std::stoi(std::string(iso.substr(14, 2)));
    clock_.Set(SysTime(milliseconds(date->Days() * 86'400'000 + (h * 60 + m) * 60'000)));
  }
  std::vector<std::string> History() {
    auto runs = catalog::RunHistory(daemon_->catalog()).List("", 100);
    std::vector<std::string> out;
    for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
      out.push_back(fmt::format("{} {} {} #{} {}", FormatTimestamp(it->started_at), it->dataset,
                                catalog::TriggerName(it->trigger), it->attempt, catalog::RunStatusName(it->status)));
    }
    return out;
  }
  void TearDown() override {
    if (blocking_) {
      std::lock_guard lock(mu_);
      for (const auto& c : calls_) released_.insert(c.dataset);
      changed_.notify_all();
    }
    daemon_.reset();
  }

  TempDir tmp_;
  FakeClock clock_{SysTime(milliseconds(kStart))};
  std::unique_ptr<Daemon> daemon_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool blocking_ = false;
  std::set<std::string> running_now_, released_;
  size_t max_running_ = 0;
  std::vector<std::string> events_;
  std::vector<std::string> notices_;
  std::vector<Call> calls_;
  int failures_left_ = 0;
  int stop_after_ = -1;
  std::atomic<bool> stop_{false};
};

// Another process holding the catalog's write lock (BEGIN IMMEDIATE on its own connection).
class CatalogWriter {
 public:
  explicit CatalogWriter(const std::filesystem::path& file) {
    EXPECT_EQ(sqlite3_open(file.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void Release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }
  ~CatalogWriter() { Release(); }

 private:
  sqlite3* db_ = nullptr;
};

// Issue 11 c: a run whose end cannot be written (the catalog is busy) is kept and recorded later; its
// history row never stays 'running'.
TEST_F(DaemonTest, RunEndIsRecordedOnceTheBusyCatalogFreesUp) {
  blocking_ = true;
  ASSERT_TRUE(daemon_->catalog().db().Exec("PRAGMA busy_timeout = 50"));
  Create("daily", "every day at 06:00");
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  WaitRunning({"daily"});
  CatalogWriter other(tmp_.path() / catalog::kCatalogFileName);
  Release("daily");
  auto busy = daemon_->AwaitRunEnd();
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kConflict);
  EXPECT_EQ(daemon_->Running(), (std::vector<std::string>{"daily"}));  // kept until recorded
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 running"}));
  other.Release();
  ASSERT_TRUE(daemon_->AwaitIdle());
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 succeeded"}));
  EXPECT_EQ(events_.back(), "2026-11-30T06:00:00Z run_end run=1 dataset=daily trigger=schedule attempt=1 "
                            "status=succeeded periods=2 line_items=100 duration_ms=0");
}

// Issue 11 c: the loop logs a busy catalog, backs off and goes on; it does not end.
TEST_F(DaemonTest, LoopWaitsOutABusyCatalog) {
  ASSERT_TRUE(daemon_->catalog().db().Exec("PRAGMA busy_timeout = 50"));
  Create("daily", "every day at 06:00");
  SetNow("2026-11-30T06:00");
  std::atomic<int> busy_events{0};
  daemon_.reset();  // this test's own daemon: a runner that does not block, events counted
  DaemonOptions options;
  options.home = tmp_.path();
  options.clock = &clock_;
  options.poll = minutes(1);
  options.busy_backoff = milliseconds(1'000);
  options.sleep_step = milliseconds(10);
  options.on_event = [&](const DaemonEvent& e) {
    if (e.kind == DaemonEvent::Kind::kCatalogBusy) ++busy_events;
    if (e.kind == DaemonEvent::Kind::kRunEnd) stop_.store(true);
  };
  options.runner = [](const catalog::DatasetDefinition&, catalog::Trigger, int, const std::atomic<bool>&) {
    return RunOutcome{Ok(), 1, 7};
  };
  auto started = Daemon::Start(std::move(options));
  ASSERT_TRUE(started) << started.error().message;  // reading and the stale-run check need no write lock
  daemon_ = std::move(*started);
  ASSERT_TRUE(daemon_->catalog().db().Exec("PRAGMA busy_timeout = 50"));
  auto other = std::make_unique<CatalogWriter>(tmp_.path() / catalog::kCatalogFileName);
  std::thread loop([&] { EXPECT_TRUE(daemon_->Loop(stop_)); });
  while (busy_events.load() < 2) std::this_thread::sleep_for(milliseconds(5));
  other->Release();
  loop.join();
  EXPECT_GE(busy_events.load(), 2);
  auto runs = catalog::RunHistory(daemon_->catalog()).List("", 10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);  // started once the lock was free (the clock moved with the backoff)
  EXPECT_EQ((*runs)[0].status, catalog::RunStatus::kSucceeded);
  EXPECT_EQ((*runs)[0].line_items, 7);
}

TEST_F(DaemonTest, ScheduleFiresAtItsTime) {
  Create("daily", "every day at 06:00");
  EXPECT_EQ(TickAll(), 0);
  SetNow("2026-11-30T05:59");
  EXPECT_EQ(TickAll(), 0);
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(TickAll(), 1);
  EXPECT_EQ(TickAll(), 0);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 succeeded"}));
  auto d = catalog::DatasetStore(daemon_->catalog()).Get("daily");
  EXPECT_EQ(FormatTimestamp(*d->next_run_at), "2026-12-01T06:00:00Z");
}

TEST_F(DaemonTest, FailsTwiceThenSucceedsOnRetry) {
  Create("daily", "every day at 06:00", "always 3 every 10m");
  failures_left_ = 2;
  stop_after_ = 3;
  SetNow("2026-11-30T06:00");
  ASSERT_TRUE(daemon_->Loop(stop_));
  // The first failure ends at 06:01: retry 10 minutes later; the second at 06:12: 20 minutes later.
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 failed",
                                                 "2026-11-30T06:11:00Z daily retry #2 failed",
                                                 "2026-11-30T06:32:00Z daily retry #3 succeeded"}));
  auto runs = catalog::RunHistory(daemon_->catalog()).List("daily", 1);
  EXPECT_EQ((*runs)[0].line_items, 100);
  auto failed = catalog::RunHistory(daemon_->catalog()).List("daily", 3);
  EXPECT_EQ((*failed)[2].error, "S3 answered 503 SlowDown");
  EXPECT_EQ(events_, (std::vector<std::string>{
                         fmt::format("2026-11-30T06:00:00Z daemon_start home={} pid={} max_concurrent=1",
                                     tmp_.path().string(), ::getpid()),
                         "2026-11-30T06:00:00Z run_start run=1 dataset=daily trigger=schedule attempt=1",
                         "2026-11-30T06:01:00Z run_end run=1 dataset=daily trigger=schedule attempt=1 status=failed "
                         "periods=0 line_items=0 duration_ms=60000 error=\"S3 answered 503 SlowDown\" "
                         "next_retry_at=2026-11-30T06:11:00Z",
                         "2026-11-30T06:11:00Z run_start run=2 dataset=daily trigger=retry attempt=2",
                         "2026-11-30T06:12:00Z run_end run=2 dataset=daily trigger=retry attempt=2 status=failed "
                         "periods=0 line_items=0 duration_ms=60000 error=\"S3 answered 503 SlowDown\" "
                         "next_retry_at=2026-11-30T06:32:00Z",
                         "2026-11-30T06:32:00Z run_start run=3 dataset=daily trigger=retry attempt=3",
                         "2026-11-30T06:33:00Z run_end run=3 dataset=daily trigger=retry attempt=3 status=succeeded "
                         "periods=2 line_items=100 duration_ms=60000",
                         fmt::format("2026-11-30T06:33:00Z daemon_stop home={} pid={}", tmp_.path().string(),
                                     ::getpid())}));
  EXPECT_TRUE(notices_.empty());  // the last attempt succeeded: no failure notice
}

TEST_F(DaemonTest, FailureAfterTheLastRetryCallsTheNotifierOnce) {
  Create("daily", "every day at 06:00", "always 2 every 10m");
  failures_left_ = 3;
  stop_after_ = 3;
  SetNow("2026-11-30T06:00");
  ASSERT_TRUE(daemon_->Loop(stop_));
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 failed",
                                                 "2026-11-30T06:11:00Z daily retry #2 failed",
                                                 "2026-11-30T06:32:00Z daily retry #3 failed"}));
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0], R"({"run_id":3,"dataset":"daily","trigger":"retry","attempt":3,"status":"failed",)"
                         R"("started_at":"2026-11-30T06:32:00Z","ended_at":"2026-11-30T06:33:00Z","duration_ms":60000,)"
                         R"("periods":0,"line_items":0,"error":"S3 answered 503 SlowDown"})");
  EXPECT_EQ(events_[events_.size() - 2],
            "2026-11-30T06:33:00Z run_end run=3 dataset=daily trigger=retry attempt=3 status=failed periods=0 "
            "line_items=0 duration_ms=60000 error=\"S3 answered 503 SlowDown\" final_failure=true");
  auto d = catalog::DatasetStore(daemon_->catalog()).Get("daily");
  EXPECT_EQ(FormatTimestamp(*d->next_run_at), "2026-12-01T06:00:00Z");  // back to the schedule
}

TEST_F(DaemonTest, NeverRetryFailureNotifiesAtOnce) {
  Create("daily", "every day at 06:00", "never");
  failures_left_ = 1;
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(TickAll(), 1);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_NE(notices_[0].find(R"("trigger":"schedule","attempt":1,"status":"failed")"), std::string::npos)
      << notices_[0];
}

TEST_F(DaemonTest, NeverRetryWaitsForTheNextSlot) {
  Create("daily", "every day at 06:00", "never");
  failures_left_ = 1;
  stop_after_ = 2;
  SetNow("2026-11-30T06:00");
  ASSERT_TRUE(daemon_->Loop(stop_));
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 failed",
                                                 "2026-12-01T06:00:00Z daily schedule #1 succeeded"}));
}

TEST_F(DaemonTest, OverdueAfterDowntimeRunsOnce) {
  Create("hourly", "every 6 hours");
  SetNow("2026-12-03T13:30");  // eleven slots missed
  EXPECT_EQ(TickAll(), 1);
  EXPECT_EQ(TickAll(), 0);
  auto d = catalog::DatasetStore(daemon_->catalog()).Get("hourly");
  EXPECT_EQ(FormatTimestamp(*d->next_run_at), "2026-12-03T18:00:00Z");
}

TEST_F(DaemonTest, ManualAndPausedDatasetsDoNotRun) {
  Create("by_hand", "manual");
  Create("paused", "every day at 06:00");
  auto store = catalog::DatasetStore(daemon_->catalog());
  auto p = *store.Get("paused");
  p.paused = true;
  ASSERT_TRUE(store.Update("paused", p));
  SetNow("2027-01-01T00:00");
  EXPECT_EQ(TickAll(), 0);
  EXPECT_TRUE(History().empty());
}

TEST_F(DaemonTest, SecondDaemonForTheSameHomeIsRefused) {
  DaemonOptions options;
  options.home = tmp_.path();
  options.clock = &clock_;
  options.runner = [](const catalog::DatasetDefinition&, catalog::Trigger, int, const std::atomic<bool>&) {
    return RunOutcome{};
  };
  auto second = Daemon::Start(std::move(options));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(second.error().message, fmt::format("Another billpipe serve is running for {} (pid {}). Stop it first, "
                                                "or use another --home.",
                                                tmp_.path().string(), ::getpid()));
}

TEST_F(DaemonTest, StartLaterRunsOnceNowThenFromTheStart) {
  catalog::DatasetDefinition d;
  d.name = "later";
  d.account = "prod";
  d.bucket = "billing";
  d.report_name = "daily";
  d.duration.start = *pipeline::DateSpec::Parse("1d");
  d.schedule = *catalog::Schedule::Parse("every day at 06:00");
  d.schedule.start_at = SysTime(milliseconds(kStart)) + hours(24 * 7);
  ASSERT_TRUE(catalog::DatasetStore(daemon_->catalog()).Create(d));
  EXPECT_EQ(TickAll(), 1);
  SetNow("2026-12-05T06:00");
  EXPECT_EQ(TickAll(), 0);
  SetNow("2026-12-07T06:00");
  EXPECT_EQ(TickAll(), 1);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-29T08:00:00Z later schedule #1 succeeded",
                                                 "2026-12-07T06:00:00Z later schedule #1 succeeded"}));
}

TEST_F(DaemonTest, DueDatasetsBeyondTheLimitWait) {
  StartDaemon(2);
  blocking_ = true;
  Create("alpha", "every day at 06:00");
  Create("bravo", "every day at 06:00");
  Create("charlie", "every day at 06:00");
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 2);
  WaitRunning({"alpha", "bravo"});
  EXPECT_EQ(daemon_->Running(), (std::vector<std::string>{"alpha", "bravo"}));  // by dataset id
  EXPECT_EQ(*daemon_->Tick(stop_), 0);  // full: charlie stays due
  auto c = catalog::DatasetStore(daemon_->catalog()).Get("charlie");
  EXPECT_EQ(FormatTimestamp(*c->next_run_at), "2026-11-30T06:00:00Z");
  clock_.Advance(minutes(5));
  Release("bravo");
  ASSERT_TRUE(daemon_->AwaitRunEnd());
  EXPECT_EQ(*daemon_->Tick(stop_), 1);  // bravo's slot goes to charlie
  WaitRunning({"alpha", "charlie"});
  Release("alpha");
  Release("charlie");
  ASSERT_TRUE(daemon_->AwaitIdle());
  EXPECT_EQ(max_running_, 2u);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z alpha schedule #1 succeeded",
                                                 "2026-11-30T06:00:00Z bravo schedule #1 succeeded",
                                                 "2026-11-30T06:05:00Z charlie schedule #1 succeeded"}));
}

TEST_F(DaemonTest, NeverTwoRunsOfOneDatasetAtOnce) {
  StartDaemon(3);
  blocking_ = true;
  Create("hourly", "every 1 hours");
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  WaitRunning({"hourly"});
  SetNow("2026-11-30T08:30");  // two more slots passed while it runs
  daemon_->RequestRun("hourly");
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  Release("hourly");
  ASSERT_TRUE(daemon_->AwaitRunEnd());
  // Now one at a time: the manual request first, then the overdue schedule once.
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  WaitRunning({"hourly"});
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  Release("hourly");
  ASSERT_TRUE(daemon_->AwaitRunEnd());
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  WaitRunning({"hourly"});
  Release("hourly");
  ASSERT_TRUE(daemon_->AwaitIdle());
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  EXPECT_EQ(max_running_, 1u);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z hourly schedule #1 succeeded",
                                                 "2026-11-30T08:30:00Z hourly manual #1 succeeded",
                                                 "2026-11-30T08:30:00Z hourly schedule #1 succeeded"}));
  auto d = catalog::DatasetStore(daemon_->catalog()).Get("hourly");
  EXPECT_EQ(FormatTimestamp(*d->next_run_at), "2026-11-30T09:00:00Z");
}

TEST_F(DaemonTest, ARetryCutShortByAKilledDaemonRunsAgainOnTheNextStart) {
  Create("daily", "every day at 06:00", "always 3 every 10m");
  failures_left_ = 1;
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(TickAll(), 1);  // fails at 06:01: retry at 06:11
  blocking_ = true;
  SetNow("2026-11-30T06:11");
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  WaitRunning({"daily"});
  Release("daily");
  daemon_.reset();  // gone without recording the retry's end, as if killed
  blocking_ = false;
  StartDaemon(1);
  SetNow("2026-11-30T06:20");
  EXPECT_EQ(TickAll(), 1);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-30T06:00:00Z daily schedule #1 failed",
                                                 "2026-11-30T06:11:00Z daily retry #2 cancelled",
                                                 "2026-11-30T06:20:00Z daily retry #2 succeeded"}));
}

TEST_F(DaemonTest, ManualRunInTheDaemonFailsWithoutRetryOrNotice) {
  Create("daily", "every day at 06:00", "always 3 every 10m");
  failures_left_ = 1;
  daemon_->RequestRun("daily");
  daemon_->RequestRun("no_such_dataset");
  EXPECT_EQ(TickAll(), 1);
  EXPECT_EQ(TickAll(), 0);
  SetNow("2026-11-29T09:00");
  EXPECT_EQ(TickAll(), 0);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-29T08:00:00Z daily manual #1 failed"}));
  EXPECT_TRUE(notices_.empty());
}

TEST(DaemonLogTest, JsonLinesAndQuoting) {
  DaemonEvent e;
  e.kind = DaemonEvent::Kind::kRunEnd;
  e.at = SysTime(milliseconds(kStart));
  e.run_id = 4;
  e.dataset = "daily";
  e.trigger = catalog::Trigger::kManual;
  e.status = catalog::RunStatus::kCancelled;
  e.duration = milliseconds(1234);
  e.error = "the run was stopped; the dataset is unchanged";
  EXPECT_EQ(FormatEventJson(e),
            R"({"time":"2026-11-29T08:00:00Z","event":"run_end","run_id":4,"dataset":"daily","trigger":"manual",)"
            R"("attempt":1,"status":"cancelled","periods":0,"line_items":0,"duration_ms":1234,)"
            R"("error":"the run was stopped; the dataset is unchanged"})");
  // Issue 11 f: an error is escaped before it is logged (control characters, invalid UTF-8), then
  // quoted with JSON escapes where it needs quotes.
  e.error = "bad \"row\"\nline 2 \xff \x1b[2J";
  EXPECT_EQ(FormatEventText(e),
            "2026-11-29T08:00:00Z run_end run=4 dataset=daily trigger=manual attempt=1 status=cancelled periods=0 "
            "line_items=0 duration_ms=1234 error=\"bad \\\"row\\\"\\\\nline 2 \\\\xff \\\\x1b[2J\"");
  DaemonEvent n;
  n.kind = DaemonEvent::Kind::kNotifyFailed;
  n.at = SysTime(milliseconds(kStart));
  n.error = "the failure command exited with status 3";
  EXPECT_EQ(FormatEventJson(n), R"({"time":"2026-11-29T08:00:00Z","event":"notify_failed",)"
                                R"("error":"the failure command exited with status 3"})");
  EXPECT_EQ(ParseLogFormat("xml").error().message, "Unknown log format 'xml'. Choose text or json.");
}

TEST_F(DaemonTest, MaxConcurrentOutOfRangeIsRefused) {
  daemon_.reset();
  DaemonOptions options;
  options.home = tmp_.path();
  options.clock = &clock_;
  options.max_concurrent = 0;
  options.runner = [](const catalog::DatasetDefinition&, catalog::Trigger, int, const std::atomic<bool>&) {
    return RunOutcome{};
  };
  auto d = Daemon::Start(std::move(options));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(d.error().message, "The number of runs at once must be 1 to 64, not 0.");
}

}  // namespace
}  // namespace billpipe::sched
