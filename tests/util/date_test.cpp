#include "util/date.h"
#include "util/date_time.h"

#include <gtest/gtest.h>

namespace billpipe {
namespace {

TEST(DateTest, ParsesRealDatesOnly) {
  EXPECT_EQ(Date::Parse("2024-02-29"), (Date{2024, 2, 29}));
  EXPECT_FALSE(Date::Parse("2023-02-29"));
  EXPECT_FALSE(Date::Parse("2100-02-29"));
  EXPECT_TRUE(Date::Parse("2000-02-29"));
  EXPECT_FALSE(Date::Parse("2019-13-01"));
  EXPECT_FALSE(Date::Parse("2019-1-01"));
  EXPECT_FALSE(Date::Parse("2019-01-0x"));
}

TEST(DateTest, DayArithmeticCrossesMonthsAndYears) {
  EXPECT_EQ((Date{1970, 1, 1}.Days()), 0);
  EXPECT_EQ((Date{2019, 12, 31}.AddDays(1)), (Date{2020, 1, 1}));
  EXPECT_EQ((Date{2024, 3, 1}.AddDays(-1)), (Date{2024, 2, 29}));
  EXPECT_EQ((Date{2019, 12, 15}.FirstOfNextMonth()), (Date{2020, 1, 1}));
  EXPECT_EQ((Date{1969, 12, 31}.Days()), -1);
  EXPECT_EQ(Date::FromDays(-1), (Date{1969, 12, 31}));
  EXPECT_EQ((Date{2019, 5, 1}.ToCompact()), "20190501");
}

TEST(DateTest, TodayIsTheUtcDate) {
  FakeClock clock(SysTime(std::chrono::milliseconds(1575158399999)));  // 2019-11-30T23:59:59.999Z
  EXPECT_EQ(Date::Today(clock).ToString(), "2019-11-30");
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(Date::Today(clock).ToString(), "2019-12-01");
}

TEST(DateTest, FormatsTimestamps) {
  EXPECT_EQ(FormatTimestamp(int64_t{1575158400000}), "2019-12-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(int64_t{1575158400250}), "2019-12-01T00:00:00.250Z");
  EXPECT_EQ(FormatTimestamp(int64_t{-1000}), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatTimestamp(int64_t{253402300799999}), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(DaysFromCivil(10000, 1, 1) * 86400000 + 5), "10000-01-01T00:00:00.005Z");
  EXPECT_EQ(FormatTimestamp(int64_t{-62135596800000}), "0001-01-01T00:00:00Z");
  char buf[kTimestampTextMax];
  EXPECT_EQ(std::string_view(buf, FormatTimestampTo(1575158400250, buf)), "2019-12-01T00:00:00.250Z");
}

}  // namespace
}  // namespace billpipe

namespace billpipe {
namespace {

TEST(DateTimeTest, UtcDateTimesAreReadWithASpaceOrATAndOptionalSeconds) {
  const SysTime six = SysTime(std::chrono::milliseconds(1764568800000));  // 2025-12-01T06:00:00Z
  EXPECT_EQ(TryParseUtcDateTime("2025-12-01 06:00"), six);
  EXPECT_EQ(TryParseUtcDateTime("2025-12-01T06:00:00Z"), six);
  EXPECT_EQ(TryParseUtcDateTime("2025-12-01T06:00:07"), six + std::chrono::seconds(7));
  for (std::string_view bad : {"", "2025-12-01", "2025-12-01 6:00", "2025-12-01 24:00", "2025-12-01 06:60",
                               "2025-02-30 06:00", "2025-12-01 06:00:60", "2025-12-01 06:00:0", "2025-12-01x06:00"}) {
    EXPECT_EQ(TryParseUtcDateTime(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace billpipe
