#include "pipeline/version_plan.h"

#include <gtest/gtest.h>

namespace billpipe::pipeline {
namespace {

using sink::Segment;
using sink::SegmentKey;

SegmentKey K(std::string period, std::string version, std::string end = "") {
  return SegmentKey{period, version, period, end.empty() ? period : end, Filter::kAll};
}
Segment S(int64_t id, SegmentKey key, std::string status = "estimated") {
  Segment s;
  s.id = id;
  s.key = std::move(key);
  s.finality = *sink::ParseFinality(status);
  return s;
}

const Date kToday{2026, 11, 29};

TEST(VersionPlanTest, ReplaceReusesUnchangedPeriodsAndDropsTheRest) {
  std::vector<Segment> current = {S(1, K("2026-09-01", "a")), S(2, K("2026-10-01", "b")), S(3, K("2026-11-01", "c"))};
  auto plan = PlanVersion(UpdateMethod::kReplace, current, {K("2026-10-01", "b"), K("2026-11-01", "d")}, 0, kToday);
  EXPECT_EQ(plan.keep, (std::vector<int64_t>{2}));
  EXPECT_EQ(plan.drop, (std::vector<int64_t>{1, 3}));
  ASSERT_EQ(plan.load.size(), 1u);
  EXPECT_EQ(plan.load[0], K("2026-11-01", "d"));
  EXPECT_EQ(plan.unchanged.size(), 1u);
}

TEST(VersionPlanTest, ReplaceReloadsWhenTheWindowShareChanged) {
  std::vector<Segment> current = {S(1, K("2026-11-01", "c", "2026-11-27"))};
  auto plan = PlanVersion(UpdateMethod::kReplace, current, {K("2026-11-01", "c", "2026-11-28")}, 0, kToday);
  EXPECT_TRUE(plan.keep.empty());
  EXPECT_EQ(plan.load.size(), 1u);
  EXPECT_EQ(plan.drop, (std::vector<int64_t>{1}));
}

TEST(VersionPlanTest, NothingNewMeansNothingToLoad) {
  std::vector<Segment> current = {S(1, K("2026-10-01", "b")), S(2, K("2026-11-01", "c"))};
  auto plan = PlanVersion(UpdateMethod::kReplace, current, {K("2026-10-01", "b"), K("2026-11-01", "c")}, 0, kToday);
  EXPECT_TRUE(plan.load.empty());
  EXPECT_EQ(plan.keep, (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(plan.drop.empty());
}

TEST(VersionPlanTest, PartitionKeepsPeriodsOutsideTheWindowWithinRetention) {
  std::vector<Segment> current = {S(1, K("2026-01-01", "x")), S(2, K("2026-08-01", "a")),
                                  S(3, K("2026-11-01", "c"))};
  auto plan = PlanVersion(UpdateMethod::kPartition, current, {K("2026-11-01", "d")}, 6, kToday);
  EXPECT_EQ(plan.keep, (std::vector<int64_t>{2}));       // August is within six months of November
  EXPECT_EQ(plan.drop, (std::vector<int64_t>{1, 3}));    // January is past retention; November replaced
  ASSERT_EQ(plan.load.size(), 1u);
  auto all = PlanVersion(UpdateMethod::kPartition, current, {K("2026-11-01", "d")}, 0, kToday);
  EXPECT_EQ(all.keep, (std::vector<int64_t>{1, 2}));
}

TEST(VersionPlanTest, AppendNeverAddsAPeriodVersionTwice) {
  std::vector<Segment> current = {S(1, K("2026-10-01", "b")), S(2, K("2026-11-01", "c"))};
  auto plan = PlanVersion(UpdateMethod::kAppend, current, {K("2026-10-01", "b", "2026-10-31"), K("2026-11-01", "d")}, 0,
                          kToday);
  EXPECT_EQ(plan.keep, (std::vector<int64_t>{1, 2}));
  ASSERT_EQ(plan.already_appended.size(), 1u);
  EXPECT_EQ(plan.already_appended[0].billing_period, "2026-10-01");
  ASSERT_EQ(plan.load.size(), 1u);
  EXPECT_EQ(plan.load[0].version_key, "d");
}

TEST(VersionPlanTest, StatusFollowsInvoicesAndRestatements) {
  EXPECT_EQ(sink::FinalityName(PeriodStatus(false, std::nullopt)), "estimated");
  EXPECT_EQ(sink::FinalityName(PeriodStatus(true, std::nullopt)), "final");
  EXPECT_EQ(sink::FinalityName(PeriodStatus(true, S(1, K("2026-10-01", "b"), "estimated"))), "final");
  EXPECT_EQ(sink::FinalityName(PeriodStatus(true, S(1, K("2026-10-01", "b"), "final"))), "restated");
  EXPECT_EQ(sink::FinalityName(PeriodStatus(true, S(1, K("2026-10-01", "b"), "restated"))), "restated");
}

}  // namespace
}  // namespace billpipe::pipeline
