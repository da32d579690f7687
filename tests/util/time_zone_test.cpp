#include "util/time_zone.h"

#include <gtest/gtest.h>

#include "util/date.h"

namespace billpipe {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

SysTime Utc(const char* iso) {  // "2026-03-29T00:59:59"
  std::string s(iso);
  Date d = *Date::Parse(s.substr(0, 10));
  int64_t secs = d.Days() * 86'400 + std::stoi(s.substr(11, 2)) * 3600 + std::stoi(s.substr(14, 2)) * 60 +
                 std::stoi(s.substr(17, 2));
  return SysTime(std::chrono::milliseconds(secs * 1000));
}
int64_t Local(const char* iso) { return Utc(iso).time_since_epoch().count() / 1000; }

TEST(TimeZoneTest, ParisChangesAtOneUtcOnTheLastSundays) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris) << paris.error().message;
  EXPECT_EQ(paris->OffsetAt(Utc("2026-03-29T00:59:59")), hours(1));
  EXPECT_EQ(paris->OffsetAt(Utc("2026-03-29T01:00:00")), hours(2));
  EXPECT_EQ(paris->OffsetAt(Utc("2026-10-25T00:59:59")), hours(2));
  EXPECT_EQ(paris->OffsetAt(Utc("2026-10-25T01:00:00")), hours(1));
  // Beyond the file's transitions (2037), the POSIX rule of its footer: 2050-03-27 is the last Sunday.
  EXPECT_EQ(paris->OffsetAt(Utc("2050-03-27T00:59:59")), hours(1));
  EXPECT_EQ(paris->OffsetAt(Utc("2050-03-27T01:00:00")), hours(2));
  EXPECT_EQ(paris->OffsetAt(Utc("2050-10-30T01:00:00")), hours(1));
  EXPECT_EQ(paris->OffsetAt(Utc("1900-01-01T00:00:00")), seconds(561));  // Paris mean time (LMT)
}

TEST(TimeZoneTest, LocalTimesAcrossTheChanges) {
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny) << ny.error().message;
  // An ordinary time: 06:00 EST is 11:00 UTC, 06:00 EDT is 10:00 UTC.
  EXPECT_EQ(ny->FromLocal(Local("2026-01-15T06:00:00")), Utc("2026-01-15T11:00:00"));
  EXPECT_EQ(ny->FromLocal(Local("2026-07-15T06:00:00")), Utc("2026-07-15T10:00:00"));
  // 2026-03-08 02:30 does not exist (02:00 → 03:00): it is taken as 03:30 EDT.
  EXPECT_EQ(ny->FromLocal(Local("2026-03-08T02:30:00")), Utc("2026-03-08T07:30:00"));
  // 2026-11-01 01:30 happens twice: the first, EDT.
  EXPECT_EQ(ny->FromLocal(Local("2026-11-01T01:30:00")), Utc("2026-11-01T05:30:00"));
  // Southern hemisphere: Sydney is on summer time in January (+11) and not in July (+10).
  auto sydney = TimeZone::Load("Australia/Sydney");
  ASSERT_TRUE(sydney) << sydney.error().message;
  EXPECT_EQ(sydney->OffsetAt(Utc("2045-01-15T00:00:00")), hours(11));
  EXPECT_EQ(sydney->OffsetAt(Utc("2045-07-15T00:00:00")), hours(10));
}

TEST(TimeZoneTest, UnknownAndUnsafeNamesAreRefused) {
  EXPECT_TRUE(TimeZone::Load("UTC")->utc());
  auto mars = TimeZone::Load("Mars/Olympus_Mons");
  ASSERT_FALSE(mars);
  EXPECT_EQ(mars.error().message,
            "'Mars/Olympus_Mons' is not a time zone of the tz database (/usr/share/zoneinfo): give an IANA name such "
            "as Europe/Paris, America/New_York or UTC.");
  for (const char* bad : {"../../etc/passwd", "/etc/localtime", "Europe/Paris;rm", ""}) {
    auto r = TimeZone::Load(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(TimeZone::Load("Europe"));  // a folder, not a zone
}

}  // namespace
}  // namespace billpipe
