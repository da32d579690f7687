#include "sched/daemon.h"

#include <cstdlib>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalog/accounts.h"
#include "catalog/datasets.h"
#include "catalog/runs.h"
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
  Trigger trigger;
  int attempt;
  std::string at;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(catalog::kMasterKeyEnv);
    DaemonOptions options;
    options.home = tmp_.path();
    options.clock = &clock_;
    options.poll = minutes(1);
    options.runner = [this](const catalog::DatasetDefinition& d, Trigger t, int attempt, const std::atomic<bool>&) {
      calls_.push_back({d.name, t, attempt, FormatTimestamp(clock_.Now())});
      clock_.Advance(minutes(1));  // a run takes a minute
      RunOutcome out;
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
    catalog::AccountInput in;
    in.name = "prod";
    in.profile = "billing";
    ASSERT_TRUE(catalog::AccountStore(daemon_->catalog()).Add(in));
  }
  void Create(const std::string& name, const std::string& schedule, const std::string& retry = "never") {
    catalog::DatasetDefinition d;
    d.name = name;
    d.account = "prod";
    d.bucket = "billing";
    d.report_name = "daily";
    d.duration.start = *pipeline::DateSpec::Parse("1d");
    d.schedule = *Schedule::Parse(schedule);
    d.retry = *RetryPolicy::Parse(retry);
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
                                TriggerName(it->trigger), it->attempt, catalog::RunStatusName(it->status)));
    }
    return out;
  }
  TempDir tmp_;
  FakeClock clock_{SysTime(milliseconds(kStart))};
  std::unique_ptr<Daemon> daemon_;
  std::vector<Call> calls_;
  int failures_left_ = 0;
  int stop_after_ = -1;
  std::atomic<bool> stop_{false};
};

TEST_F(DaemonTest, ScheduleFiresAtItsTime) {
  Create("daily", "every day at 06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  SetNow("2026-11-30T05:59");
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  SetNow("2026-11-30T06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
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
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
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
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  EXPECT_TRUE(History().empty());
}

TEST_F(DaemonTest, SecondDaemonForTheSameHomeIsRefused) {
  DaemonOptions options;
  options.home = tmp_.path();
  options.clock = &clock_;
  options.runner = [](const catalog::DatasetDefinition&, Trigger, int, const std::atomic<bool>&) {
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
  d.schedule = *Schedule::Parse("every day at 06:00");
  d.schedule.start_at = SysTime(milliseconds(kStart)) + hours(24 * 7);
  ASSERT_TRUE(catalog::DatasetStore(daemon_->catalog()).Create(d));
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  SetNow("2026-12-05T06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 0);
  SetNow("2026-12-07T06:00");
  EXPECT_EQ(*daemon_->Tick(stop_), 1);
  EXPECT_EQ(History(), (std::vector<std::string>{"2026-11-29T08:00:00Z later schedule #1 succeeded",
                                                 "2026-12-07T06:00:00Z later schedule #1 succeeded"}));
}

}  // namespace
}  // namespace billpipe::sched
