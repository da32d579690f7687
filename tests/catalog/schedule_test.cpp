#include "catalog/schedule.h"

#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

#include "util/date.h"

namespace billpipe::catalog {
namespace {

using std::chrono::milliseconds;

// "2024-02-28 06:30" (UTC) → a time; seconds and milliseconds may follow as ":SS.mmm".
SysTime T(std::string_view text) {
  auto date = Date::Parse(text.substr(0, 10));
  EXPECT_TRUE(date) << text;
  int h = std::stoi(std::string(text.substr(11, 2))), m = std::stoi(std::string(text.substr(14, 2)));
  int64_t ms = date->Days() * 86'400'000 + (h * 60 + m) * 60'000;
  if (text.size() > 16) ms += static_cast<int64_t>(std::stod(std::string(text.substr(17))) * 1000);
  return SysTime(milliseconds(ms));
}

Schedule P(std::string_view text) {
  auto s = Schedule::Parse(text);
  EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message);
  return s ? *s : Schedule{};
}

std::string Next(const Schedule& s, std::string_view after) {
  auto n = NextRun(s, T(after));
  return n ? FormatTimestamp(*n) : "never";
}

// The next `count` runs after `after`, as timestamps.
std::vector<std::string> Runs(const Schedule& s, std::string_view after, int count) {
  std::vector<std::string> out;
  SysTime t = T(after);
  for (int i = 0; i < count; ++i) {
    auto n = NextRun(s, t);
    if (!n) break;
    out.push_back(FormatTimestamp(*n));
    t = *n;
  }
  return out;
}

TEST(ScheduleParseTest, RoundTripsEveryForm) {
  for (const char* text :
       {"manual", "every hour", "every 6 hours", "every 2 hours at :30 between 8 and 18", "every day at 06:00",
        "every 3 days at 23:59", "every weekday at 06:00", "every week on mon,thu at 06:00",
        "every 2 weeks on tue,sun at 00:00", "every month on day 31 at 06:00", "every 3 months on day 1 at 12:00",
        "every month on the 2nd,4th sun at 06:00", "every month on the 1st,last fri at 09:15",
        "cron 0 6 * * 1-5", "cron */15 0-6/2 1,15 jan-mar mon-fri"}) {
    EXPECT_EQ(P(text).ToString(), text);
  }
}

TEST(ScheduleParseTest, AcceptsWordsAndCase) {
  EXPECT_EQ(P("Every Day").ToString(), "every day at 00:00");
  EXPECT_EQ(P("every month on the second and fourth Sunday at 6:00").ToString(),
            "every month on the 2nd,4th sun at 06:00");
  EXPECT_EQ(P("every 1 week on Monday, Thursday").ToString(), "every week on mon,thu at 00:00");
}

TEST(ScheduleParseTest, ErrorsSayWhatIsWrongAndWhatIsAllowed) {
  const std::string examples =
      ". Examples: 'manual', 'every 6 hours', 'every 2 hours at :30 between 8 and 18', 'every day at 06:00', "
      "'every weekday at 06:00', 'every 2 weeks on mon,thu at 06:00', 'every month on day 31 at 06:00', "
      "'every month on the 2nd,4th sun at 06:00', 'cron 0 6 * * 1-5'; times in UTC unless the schedule ends with a "
      "time zone: 'every day at 06:00 in Europe/Paris'.";
  auto e = [](std::string_view text) { return Schedule::Parse(text).error().message; };
  EXPECT_EQ(e("every 25 hours"), "The schedule 'every 25 hours' is not valid: every 25 hours: the number is 1 to 23" + examples);
  EXPECT_EQ(e("every day at 24:00"),
            "The schedule 'every day at 24:00' is not valid: 'at 24:00' is not a time HH:MM (00:00 to 23:59, UTC)" + examples);
  EXPECT_EQ(e("every hour between 18 and 8"),
            "The schedule 'every hour between 18 and 8' is not valid: 'between A and B' takes hours 0 to 24 with A "
            "before B (B is not included)" + examples);
  EXPECT_EQ(e("every week"), "The schedule 'every week' is not valid: a weekly schedule needs its days: 'on mon,thu'" + examples);
  EXPECT_EQ(e("every month on day 32"),
            "The schedule 'every month on day 32' is not valid: 'on day D' takes a day of the month 1 to 31" + examples);
  EXPECT_EQ(e("every fortnight"),
            "The schedule 'every fortnight' is not valid: 'fortnight' is not hours, days, weekday, weeks or months" + examples);
  EXPECT_EQ(e("sometimes"), "The schedule 'sometimes' is not valid: it starts with 'manual', 'every' or 'cron'" + examples);
  EXPECT_EQ(e("every 2 weekdays"), "The schedule 'every 2 weekdays' is not valid: 'every weekday' takes no number" + examples);
  EXPECT_EQ(Schedule::Parse("every 0 days").error().code, ErrorCode::kInvalidArgument);
}

TEST(NextRunTest, ManualNeverRuns) {
  EXPECT_EQ(Next(P("manual"), "2024-01-01 00:00"), "never");
  EXPECT_FALSE(FirstRun(P("manual"), T("2024-01-01 00:00")));
}

TEST(NextRunTest, IsStrictlyAfterToTheMillisecond) {
  auto s = P("every day at 06:00");
  EXPECT_EQ(Next(s, "2024-03-10 05:59:59.999"), "2024-03-10T06:00:00Z");
  EXPECT_EQ(Next(s, "2024-03-10 06:00"), "2024-03-11T06:00:00Z");
  EXPECT_EQ(Next(s, "2024-03-10 06:00:00.001"), "2024-03-11T06:00:00Z");
}

TEST(NextRunTest, EveryNHoursRestartsEachDay) {
  EXPECT_EQ(Runs(P("every 5 hours"), "2024-01-01 20:00", 3),
            (std::vector<std::string>{"2024-01-02T00:00:00Z", "2024-01-02T05:00:00Z", "2024-01-02T10:00:00Z"}));
  EXPECT_EQ(Runs(P("every 6 hours at :15"), "2024-01-01 00:15", 4),
            (std::vector<std::string>{"2024-01-01T06:15:00Z", "2024-01-01T12:15:00Z", "2024-01-01T18:15:00Z",
                                      "2024-01-02T00:15:00Z"}));
}

TEST(NextRunTest, HourlyWindowExcludesEndHour) {
  auto s = P("every 2 hours between 8 and 14");
  EXPECT_EQ(Runs(s, "2024-01-01 07:59", 4),
            (std::vector<std::string>{"2024-01-01T08:00:00Z", "2024-01-01T10:00:00Z", "2024-01-01T12:00:00Z",
                                      "2024-01-02T08:00:00Z"}));
  auto last_hour = P("every hour between 22 and 24");
  EXPECT_EQ(Runs(last_hour, "2024-12-31 21:00", 3),
            (std::vector<std::string>{"2024-12-31T22:00:00Z", "2024-12-31T23:00:00Z", "2025-01-01T22:00:00Z"}));
}

TEST(NextRunTest, EveryNDaysCountsFromTheAnchor) {
  auto s = P("every 3 days at 06:00");
  s.anchor = T("2024-02-27 10:00");
  EXPECT_EQ(Runs(s, "2024-02-27 10:00", 3),
            (std::vector<std::string>{"2024-03-01T06:00:00Z", "2024-03-04T06:00:00Z", "2024-03-07T06:00:00Z"}));
  s.anchor = T("2023-02-27 10:00");  // no leap day: one day later in March
  EXPECT_EQ(Next(s, "2023-02-27 10:00"), "2023-03-02T06:00:00Z");
}

TEST(NextRunTest, EveryWeekdaySkipsTheWeekend) {
  EXPECT_EQ(Runs(P("every weekday at 06:00"), "2024-03-07 07:00", 3),  // a Thursday
            (std::vector<std::string>{"2024-03-08T06:00:00Z", "2024-03-11T06:00:00Z", "2024-03-12T06:00:00Z"}));
}

TEST(NextRunTest, EveryNWeeksOnChosenDays) {
  auto s = P("every 2 weeks on mon,fri at 06:00");
  s.anchor = T("2024-03-06 12:00");  // a Wednesday: its week (from Monday 4 March) is week 0
  EXPECT_EQ(Runs(s, "2024-03-06 12:00", 4),
            (std::vector<std::string>{"2024-03-08T06:00:00Z", "2024-03-18T06:00:00Z", "2024-03-22T06:00:00Z",
                                      "2024-04-01T06:00:00Z"}));
  auto sunday = P("every week on sun at 23:00");
  EXPECT_EQ(Next(sunday, "2024-03-06 12:00"), "2024-03-10T23:00:00Z");
}

TEST(NextRunTest, MonthDayIsClampedToShortMonths) {
  auto s = P("every month on day 31 at 06:00");
  EXPECT_EQ(Runs(s, "2024-01-31 06:00", 4),
            (std::vector<std::string>{"2024-02-29T06:00:00Z", "2024-03-31T06:00:00Z", "2024-04-30T06:00:00Z",
                                      "2024-05-31T06:00:00Z"}));
  EXPECT_EQ(Next(s, "2023-01-31 06:00"), "2023-02-28T06:00:00Z");
  auto day30 = P("every month on day 30 at 00:00");
  EXPECT_EQ(Next(day30, "2100-02-01 00:00"), "2100-02-28T00:00:00Z");  // 2100 is not a leap year
}

TEST(NextRunTest, EveryNMonthsCountsFromTheAnchorMonth) {
  auto s = P("every 3 months on day 1 at 00:00");
  s.anchor = T("2024-11-15 00:00");
  EXPECT_EQ(Runs(s, "2024-11-15 00:00", 3),
            (std::vector<std::string>{"2025-02-01T00:00:00Z", "2025-05-01T00:00:00Z", "2025-08-01T00:00:00Z"}));
}

TEST(NextRunTest, NthWeekdaysOfTheMonth) {
  auto s = P("every month on the 2nd,4th sun at 06:00");
  EXPECT_EQ(Runs(s, "2024-03-01 00:00", 4),
            (std::vector<std::string>{"2024-03-10T06:00:00Z", "2024-03-24T06:00:00Z", "2024-04-14T06:00:00Z",
                                      "2024-04-28T06:00:00Z"}));
  auto last = P("every month on the last fri at 09:00");
  EXPECT_EQ(Runs(last, "2024-02-01 00:00", 2),
            (std::vector<std::string>{"2024-02-23T09:00:00Z", "2024-03-29T09:00:00Z"}));
  auto fifth = P("every month on the 5th thu at 00:00");  // Feb 2024 has a 5th Thursday (29th)
  EXPECT_EQ(Runs(fifth, "2024-02-01 00:00", 2),
            (std::vector<std::string>{"2024-02-29T00:00:00Z", "2024-05-30T00:00:00Z"}));
}

TEST(NextRunTest, CronMinuteAndHourFields) {
  EXPECT_EQ(Runs(P("cron */20 9-10 * * *"), "2024-01-01 09:30", 4),
            (std::vector<std::string>{"2024-01-01T09:40:00Z", "2024-01-01T10:00:00Z", "2024-01-01T10:20:00Z",
                                      "2024-01-01T10:40:00Z"}));
  EXPECT_EQ(Runs(P("cron 5,50 0-12/6 * * *"), "2024-01-01 00:06", 4),
            (std::vector<std::string>{"2024-01-01T00:50:00Z", "2024-01-01T06:05:00Z", "2024-01-01T06:50:00Z",
                                      "2024-01-01T12:05:00Z"}));
  EXPECT_EQ(Next(P("cron 30/15 23 * * *"), "2024-01-01 23:40"), "2024-01-01T23:45:00Z");
}

TEST(NextRunTest, CronDayOfMonthMonthAndDayOfWeekFields) {
  EXPECT_EQ(Next(P("cron 0 0 29 2 *"), "2024-03-01 00:00"), "2028-02-29T00:00:00Z");  // leap days only
  EXPECT_EQ(Runs(P("cron 0 6 1 jan,jul *"), "2024-01-01 06:00", 2),
            (std::vector<std::string>{"2024-07-01T06:00:00Z", "2025-01-01T06:00:00Z"}));
  EXPECT_EQ(Runs(P("cron 0 6 * * sat-sun"), "2024-03-07 00:00", 3),
            (std::vector<std::string>{"2024-03-09T06:00:00Z", "2024-03-10T06:00:00Z", "2024-03-16T06:00:00Z"}));
  EXPECT_EQ(Next(P("cron 0 6 * * 7"), "2024-03-07 00:00"), "2024-03-10T06:00:00Z");  // 7 is Sunday
  // Both day fields restricted: either matches (the 13th, or a Friday).
  EXPECT_EQ(Runs(P("cron 0 0 13 * fri"), "2024-09-10 00:00", 3),
            (std::vector<std::string>{"2024-09-13T00:00:00Z", "2024-09-20T00:00:00Z", "2024-09-27T00:00:00Z"}));
  EXPECT_EQ(Next(P("cron 0 0 13 * fri"), "2024-10-11 00:00"), "2024-10-13T00:00:00Z");
}

TEST(CronTest, ErrorsNameTheFieldAndItsRange) {
  auto e = [](std::string_view text) { return Schedule::Parse(text).error().message; };
  EXPECT_EQ(e("cron 0 6 * *"),
            "The cron expression ' 0 6 * *' has 4 fields; it needs five: minute hour day-of-month month day-of-week "
            "(e.g. '0 6 * * 1-5').");
  EXPECT_EQ(e("cron 60 * * * *"),
            "The cron field 1 (minute) '60' is not valid: 60 is out of range. It takes *, values 0 to 59, ranges A-B, "
            "steps */S or A-B/S, and comma lists.");
  EXPECT_EQ(e("cron 0 5-2 * * *"),
            "The cron field 2 (hour) '5-2' is not valid: the range 5-2 starts after it ends. It takes *, values 0 to "
            "23, ranges A-B, steps */S or A-B/S, and comma lists.");
  EXPECT_EQ(e("cron 0 0 0 * *"),
            "The cron field 3 (day of month) '0' is not valid: 0 is out of range. It takes *, values 1 to 31, ranges "
            "A-B, steps */S or A-B/S, and comma lists.");
  EXPECT_EQ(e("cron 0 0 * foo *"),
            "The cron field 4 (month) 'foo' is not valid: 'foo' is not a value. It takes *, values 1 to 12 or jan to "
            "dec, ranges A-B, steps */S or A-B/S, and comma lists.");
  EXPECT_EQ(e("cron 0 0 * * 8"),
            "The cron field 5 (day of week) '8' is not valid: 8 is out of range. It takes *, values 0 to 7 (0 and 7 "
            "are Sunday) or sun to sat, ranges A-B, steps */S or A-B/S, and comma lists.");
  EXPECT_EQ(e("cron 0 0 * * 1,,2"),
            "The cron field 5 (day of week) '1,,2' is not valid: an empty item. It takes *, values 0 to 7 (0 and 7 "
            "are Sunday) or sun to sat, ranges A-B, steps */S or A-B/S, and comma lists.");
}

TEST(StartLaterTest, RunsOnceNowThenFollowsTheScheduleFromTheStart) {
  auto s = P("every day at 06:00");
  s.start_at = T("2024-03-15 06:00");
  SysTime now = T("2024-03-01 12:34");
  EXPECT_EQ(FirstRun(s, now), now);
  EXPECT_EQ(Next(s, "2024-03-01 12:34"), "2024-03-15T06:00:00Z");
  EXPECT_EQ(Next(s, "2024-03-15 05:00"), "2024-03-15T06:00:00Z");
  EXPECT_EQ(Next(s, "2024-03-15 06:00"), "2024-03-16T06:00:00Z");
  // A start time in the past changes nothing.
  EXPECT_EQ(FirstRun(s, T("2024-04-01 00:00")), T("2024-04-02 00:00") - std::chrono::hours(18));
  auto plain = P("every day at 06:00");
  EXPECT_EQ(FirstRun(plain, now), T("2024-03-02 06:00"));
}

TEST(CatchUpTest, OverdueAfterDowntimeRunsOnceAndSkipsMissedSlots) {
  auto s = P("every 6 hours");
  auto c = CatchUpAt(s, T("2024-03-01 06:00"), T("2024-03-03 13:00"));  // eight slots missed
  EXPECT_TRUE(c.run_now);
  EXPECT_EQ(c.next_run, T("2024-03-03 18:00"));
  auto early = CatchUpAt(s, T("2024-03-03 18:00"), T("2024-03-03 13:00"));
  EXPECT_FALSE(early.run_now);
  EXPECT_EQ(early.next_run, T("2024-03-03 18:00"));
  auto unset = CatchUpAt(s, std::nullopt, T("2024-03-03 13:00"));
  EXPECT_FALSE(unset.run_now);
  EXPECT_EQ(unset.next_run, T("2024-03-03 18:00"));
}

TEST(ValidateTest, RefusesUnderFifteenMinutesAndWarnsUnderADay) {
  auto fast = Validate(P("cron */5 * * * *"));
  ASSERT_FALSE(fast);
  EXPECT_EQ(fast.error().message,
            "The schedule 'cron */5 * * * *' runs every 5 minutes at its most frequent; the shortest interval allowed "
            "is 15 minutes.");
  auto ok15 = Validate(P("cron */15 * * * *"));
  ASSERT_TRUE(ok15);
  auto hourly = Validate(P("every 6 hours"));
  ASSERT_TRUE(hourly);
  EXPECT_EQ(*hourly, (std::vector<std::string>{
                         "The schedule 'every 6 hours' runs more often than once a day (every 6 hours at its most "
                         "frequent). AWS updates the report a few times a day at most, so many runs will find nothing "
                         "new."}));
  EXPECT_TRUE(Validate(P("every day at 06:00"))->empty());
  EXPECT_TRUE(Validate(P("every weekday at 06:00"))->empty());
  EXPECT_TRUE(Validate(P("manual"))->empty());
  auto never = Validate(P("cron 0 0 30 2 *"));
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().message,
            "The schedule 'cron 0 0 30 2 *' never runs (no matching day in eight years). Check the day of month and "
            "month fields.");
}

TEST(FormatTest, UtcWithLocalTimeBeside) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", "UTC0", 1);
  ::tzset();
  EXPECT_EQ(FormatUtcAndLocal(T("2024-03-01 06:00")), "2024-03-01 06:00 UTC");
  ::setenv("TZ", "CET-1", 1);
  ::tzset();
  EXPECT_EQ(FormatUtcAndLocal(T("2024-03-01 06:00")), "2024-03-01 06:00 UTC (07:00 CET)");
  EXPECT_EQ(FormatUtcAndLocal(T("2024-03-01 23:30")), "2024-03-01 23:30 UTC (2024-03-02 00:30 CET)");
  if (old) ::setenv("TZ", saved.c_str(), 1); else ::unsetenv("TZ");
  ::tzset();
  EXPECT_EQ(FormatInterval(milliseconds(90'000)), "90 seconds");
  EXPECT_EQ(FormatInterval(std::chrono::hours(24)), "1 day");
}

}  // namespace
namespace {

std::string Fmt(std::optional<SysTime> t) { return t ? FormatTimestamp(*t) : "none"; }

// Issue 11 p: a schedule in a time zone runs at the zone's wall-clock time, across daylight saving.
TEST(ScheduleZoneTest, DailyInParisFollowsSummerTime) {
  auto s = Schedule::Parse("every day at 06:00 in Europe/Paris");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->ToString(), "every day at 06:00 in Europe/Paris");
  EXPECT_EQ(Schedule::Parse(s->ToString())->ToString(), s->ToString());  // round trip
  s->anchor = T("2026-03-01T00:00");
  // 06:00 in Paris is 05:00 UTC in winter and 04:00 UTC in summer (from 2026-03-29).
  EXPECT_EQ(Fmt(NextRun(*s, T("2026-03-27T12:00"))), "2026-03-28T05:00:00Z");
  EXPECT_EQ(Fmt(NextRun(*s, T("2026-03-28T05:00"))), "2026-03-29T04:00:00Z");
  EXPECT_EQ(Fmt(NextRun(*s, T("2026-10-24T04:00"))), "2026-10-25T05:00:00Z");
  auto warnings = Validate(*s);  // daily: no warning, 23- and 25-hour days are fine
  ASSERT_TRUE(warnings) << warnings.error().message;
  EXPECT_EQ(warnings->size(), 0u) << (warnings->empty() ? "" : warnings->front());
}

TEST(ScheduleZoneTest, SkippedAndRepeatedHoursRunOnce) {
  auto s = Schedule::Parse("every day at 02:30 IN America/New_York");
  ASSERT_TRUE(s) << s.error().message;
  s->anchor = T("2026-03-01T00:00");
  // 2026-03-08: clocks go from 02:00 to 03:00; 02:30 runs as 03:30 EDT (07:30 UTC).
  EXPECT_EQ(Fmt(NextRun(*s, T("2026-03-07T12:00"))), "2026-03-08T07:30:00Z");
  EXPECT_EQ(Fmt(NextRun(*s, T("2026-03-08T07:30"))), "2026-03-09T06:30:00Z");
  auto hourly = Schedule::Parse("every hour at :30 in America/New_York");
  ASSERT_TRUE(hourly);
  hourly->anchor = T("2026-10-01T00:00");
  // 2026-11-01: 01:30 happens twice (EDT 05:30 UTC, EST 06:30 UTC); the hour list runs 01:30 once, then 02:30 EST.
  EXPECT_EQ(Fmt(NextRun(*hourly, T("2026-11-01T05:00"))), "2026-11-01T05:30:00Z");
  EXPECT_EQ(Fmt(NextRun(*hourly, T("2026-11-01T05:30"))), "2026-11-01T07:30:00Z");
}

TEST(ScheduleZoneTest, UnknownZoneIsRefused) {
  auto s = Schedule::Parse("every day at 06:00 in Mars/Base");
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().message.starts_with(
      "The schedule 'every day at 06:00 in Mars/Base' is not valid: 'Mars/Base' is not a time zone of the tz "
      "database (/usr/share/zoneinfo): give an IANA name such as Europe/Paris, America/New_York or UTC. Examples:"))
      << s.error().message;
  EXPECT_EQ(Schedule::Parse("every day at 06:00")->ToString(), "every day at 06:00");  // UTC: no suffix
}

}  // namespace
}  // namespace billpipe::catalog
