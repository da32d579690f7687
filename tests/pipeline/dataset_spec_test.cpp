#include "pipeline/dataset_spec.h"

#include <gtest/gtest.h>

namespace billpipe::pipeline {
namespace {

const Date kToday{2026, 11, 29};

Duration Range(std::string_view a, std::string_view b) { return Duration{*DateSpec::Parse(a), *DateSpec::Parse(b)}; }
Duration Single(std::string_view a) { return Duration{*DateSpec::Parse(a), std::nullopt}; }

TEST(DatasetSpecTest, ParsesFiltersAndUpdateMethods) {
  EXPECT_EQ(*ParseFilter("invoiced"), Filter::kInvoiced);
  EXPECT_EQ(ParseFilter("Invoiced").error().message,
            "Unknown filter 'Invoiced'. Choose one of: all, invoiced, estimated.");
  EXPECT_EQ(*ParseUpdateMethod("partition"), UpdateMethod::kPartition);
  EXPECT_EQ(ParseUpdateMethod("merge").error().message,
            "Unknown update method 'merge'. Choose one of: replace, append, partition.");
}

TEST(DatasetSpecTest, SingleSpecificDate) {
  auto w = ResolveWindow(Single("2026-02-28"), kToday);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->ToString(), "2026-02-28");
}

TEST(DatasetSpecTest, SingleRelativeDate) {
  EXPECT_EQ(ResolveWindow(Single("0d"), kToday)->ToString(), "2026-11-29");
  EXPECT_EQ(ResolveWindow(Single("29"), kToday)->ToString(), "2026-10-31");
}

TEST(DatasetSpecTest, RelativeRangeTenToFiveDaysBackIncludesBothEnds) {
  auto w = ResolveWindow(Range("10d", "5d"), kToday);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->ToString(), "2026-11-19 to 2026-11-24");
  EXPECT_TRUE(w->Contains(Date{2026, 11, 24}));
  EXPECT_FALSE(w->Contains(Date{2026, 11, 25}));
}

TEST(DatasetSpecTest, MixedRangeCrossesMonthAndYearEnds) {
  auto w = ResolveWindow(Range("2025-12-15", "0d"), kToday);
  ASSERT_TRUE(w);
  auto periods = PeriodsOverlapping(*w);
  ASSERT_EQ(periods.size(), 12u);
  EXPECT_EQ(periods.front().FolderName(), "20251201-20260101");
  EXPECT_EQ(periods.back().FolderName(), "20261101-20261201");
  EXPECT_EQ(WindowShare(*w, periods.front())->ToString(), "2025-12-15 to 2025-12-31");
  EXPECT_EQ(WindowShare(*w, periods.back())->ToString(), "2026-11-01 to 2026-11-29");
  EXPECT_EQ(WindowShare(*w, periods[1])->ToString(), "2026-01-01 to 2026-01-31");
}

TEST(DatasetSpecTest, WindowOnOneDayOverlapsOnePeriod) {
  auto w = ResolveWindow(Single("2024-02-29"), kToday);
  auto periods = PeriodsOverlapping(*w);
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].FolderName(), "20240201-20240301");
  EXPECT_FALSE(WindowShare(*w, BillingPeriod{Date{2024, 3, 1}, Date{2024, 4, 1}}));
}

TEST(DatasetSpecTest, MillisecondBoundsCoverWholeDays) {
  DateWindow w{Date{2019, 12, 1}, Date{2019, 12, 1}};
  EXPECT_EQ(w.BeginMillis(), 1575158400000);
  EXPECT_EQ(w.EndMillis(), 1575244800000);
}

TEST(DatasetSpecTest, StartAfterEndIsRefused) {
  auto w = ResolveWindow(Range("5d", "10d"), kToday);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(w.error().message,
            "The date range starts on 2026-11-24 (5d) after it ends on 2026-11-19 (10d). The start must be on or "
            "before the end: with days back, the start needs more days back than the end.");
  EXPECT_FALSE(ResolveWindow(Range("2026-02-01", "2026-01-31"), kToday));
}

TEST(DatasetSpecTest, BadDatesAreExplained) {
  EXPECT_EQ(DateSpec::Parse("2026-02-30").error().message,
            "'2026-02-30' is not a date. Give a calendar date as YYYY-MM-DD (e.g. 2024-01-31) or a number of "
            "days back as Nd (e.g. 10d).");
  EXPECT_FALSE(DateSpec::Parse("d"));
  EXPECT_FALSE(DateSpec::Parse("-3d"));
  EXPECT_EQ(DateSpec::Parse("99999d").error().message, "'99999d' days back is out of range: use 0 to 36500 days.");
}

TEST(DatasetSpecTest, EstimatedWarnings) {
  auto d = Range("30d", "0d");
  auto w = *ResolveWindow(d, kToday);
  EXPECT_TRUE(WindowWarnings(Filter::kEstimated, d, w, kToday).empty());
  EXPECT_TRUE(WindowWarnings(Filter::kAll, Range("2020-01-01", "0d"), w, kToday).empty());

  auto far = Range("90d", "0d");
  auto fw = *ResolveWindow(far, kToday);
  auto warnings = WindowWarnings(Filter::kEstimated, far, fw, kToday);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "The Estimated filter is used with a window that starts on 2026-08-31, more than two "
                         "months ago: months that old are usually invoiced, and their estimated lines are gone.");

  auto specific = Single("2026-11-20");
  auto sw = *ResolveWindow(specific, kToday);
  auto sp = WindowWarnings(Filter::kEstimated, specific, sw, kToday);
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_NE(sp[0].find("specific dates"), std::string::npos);
}

}  // namespace
}  // namespace billpipe::pipeline
