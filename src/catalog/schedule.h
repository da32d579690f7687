// When a dataset runs by itself. Schedules are in UTC unless they name an IANA time zone; NextRun is a
// pure function of the schedule and a time, so the daemon and the tests (with FakeClock) agree to the
// millisecond.
//
// The text form (Parse / ToString round-trip; words are case-insensitive, times are HH:MM in the
// schedule's zone), optionally followed by "in ZONE" (e.g. "every day at 06:00 in Europe/Paris"; the
// zone's name as the tz database spells it; default UTC):
//   manual                                         runs only when asked
//   every [N] hour[s] [at :MM] [between H and H]   hours H0, H0+N, ... of each day; end hour excluded
//   every [N] day[s] [at HH:MM]
//   every weekday [at HH:MM]                       Monday to Friday
//   every [N] week[s] on mon,thu [at HH:MM]        weeks start on Monday
//   every [N] month[s] on day D [at HH:MM]         D = 1..31; a short month runs on its last day
//   every [N] month[s] on the 2nd,4th sun [at HH:MM]   1st..5th or last; a month without a 5th skips
//   cron M H DOM MON DOW                           see cron.h
// "every N days/weeks/months" count from the schedule's anchor: its start-later time when it has one,
// else the time the dataset was created.
// In a zone with daylight saving, a time the clocks skip (02:30 on the night they go from 02:00 to
// 03:00) runs as long after the change (03:30); a time that happens twice runs once, the first time.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cron.h"
#include "util/clock.h"
#include "util/time_zone.h"
#include "util/status.h"

namespace billpipe::catalog {

inline constexpr std::chrono::minutes kMinimumInterval{15};  // refused below: the floor
inline constexpr std::chrono::hours kWarnInterval{24};       // warned below: AWS updates the CUR a few times a day

struct Schedule {
  enum class Kind { kManual, kHours, kDays, kWeekdays, kWeeks, kMonthDay, kMonthNthWeekday, kCron };
  Kind kind = Kind::kManual;
  int every = 1;                   // N of "every N hours/days/weeks/months"
  int hour = 0;                    // time of day (in `zone`), not for kHours / kCron
  int minute = 0;                  // also the minute past the hour for kHours
  int from_hour = 0;               // kHours: runs in hours [from_hour, to_hour)
  int to_hour = 24;
  std::bitset<7> weekdays;         // kWeeks: bit 0 = Sunday
  int month_day = 1;               // kMonthDay: 1..31
  std::vector<int> nths;           // kMonthNthWeekday: 1..5, or -1 for "last"; ascending, last at the end
  int nth_weekday = 0;             // kMonthNthWeekday: 0 = Sunday
  CronExpr cron;                   // kCron
  TimeZone zone = TimeZone::Utc();  // the zone the days and times are in

  // Start later: the schedule is followed from this time on (the dataset also runs once at creation).
  std::optional<SysTime> start_at;
  // What "every N days/weeks/months" count from; see the file comment.
  SysTime anchor{};

  // Loads the zone from the system's tz database (util/time_zone.h); an unknown zone is an error.
  static Result<Schedule> Parse(std::string_view text);
  std::string ToString() const;  // the text form (with " in ZONE" unless UTC), without start_at
  bool manual() const { return kind == Kind::kManual; }

 private:
  std::string RulesToString() const;  // the text form without the zone
};

// The first run strictly after `after`, at or after start_at; nullopt for manual (or a schedule
// that never fires within eight years, which Validate refuses).
std::optional<SysTime> NextRun(const Schedule& schedule, SysTime after);

// The first scheduled run of a new (or newly scheduled) dataset at `now`: now itself when the schedule
// starts later ("run once now, then follow the schedule"), else NextRun(now).
std::optional<SysTime> FirstRun(const Schedule& schedule, SysTime now);

// After downtime an overdue dataset runs once, not once per missed slot.
struct CatchUp {
  bool run_now = false;             // next_run_at has passed
  std::optional<SysTime> next_run;  // the slot after now (what to store once the run starts)
};
CatchUp CatchUpAt(const Schedule& schedule, std::optional<SysTime> next_run_at, SysTime now);

// The shortest gap between two runs (over the next 1000 runs or eight years), nullopt for manual.
std::optional<std::chrono::milliseconds> ShortestInterval(const Schedule& schedule);

// Refuses (kInvalidArgument) a schedule under 15 minutes or one that never runs; returns the warnings
// the user should see (more often than once a day).
Result<std::vector<std::string>> Validate(const Schedule& schedule);

// "2026-11-30 06:00 UTC (07:00 CET)": a time in UTC with the local time (TZ) beside it when it differs.
std::string FormatUtcAndLocal(SysTime t);
// "10 minutes", "6 hours", "1 day", "90 seconds".
std::string FormatInterval(std::chrono::milliseconds d);

}  // namespace billpipe::catalog
