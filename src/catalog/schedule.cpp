#include "catalog/schedule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "util/date.h"

namespace billpipe::catalog {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kMsPerDay = 86'400'000;
constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kSearchDays = 366 * 8 + 1;  // a Feb-29 cron fires once in four years (eight around 2100)
constexpr int kSimulatedRuns = 1000;

constexpr const char* kDayShort[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr const char* kDayLong[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }
int Weekday(int64_t day) { return static_cast<int>(FloorMod(day + 4, 7)); }  // 1970-01-01 was a Thursday
int64_t WeekIndex(int64_t day) { return FloorDiv(day + 3, 7); }              // weeks start on Monday
int64_t MonthIndex(const Date& d) { return int64_t{d.year} * 12 + d.month - 1; }
int DaysInMonth(const Date& d) { return static_cast<int>(d.FirstOfNextMonth().Days() - d.FirstOfMonth().Days()); }

int64_t DayOf(SysTime t) { return FloorDiv(t.time_since_epoch().count(), kMsPerDay); }

bool DayMatches(const Schedule& s, int64_t day) {
  using K = Schedule::Kind;
  Date date = Date::FromDays(day);
  int wd = Weekday(day);
  int64_t anchor_day = DayOf(s.zone.utc() ? s.anchor : s.anchor + s.zone.OffsetAt(s.anchor));
  switch (s.kind) {
    case K::kManual: return false;
    case K::kHours: return true;
    case K::kDays: return FloorMod(day - anchor_day, s.every) == 0;
    case K::kWeekdays: return wd >= 1 && wd <= 5;
    case K::kWeeks:
      return s.weekdays.test(static_cast<size_t>(wd)) && FloorMod(WeekIndex(day) - WeekIndex(anchor_day), s.every) == 0;
    case K::kMonthDay:
    case K::kMonthNthWeekday: {
      if (FloorMod(MonthIndex(date) - MonthIndex(Date::FromDays(anchor_day)), s.every) != 0) return false;
      int dim = DaysInMonth(date);
      if (s.kind == K::kMonthDay) return date.day == std::min(s.month_day, dim);
      if (wd != s.nth_weekday) return false;
      for (int nth : s.nths) {
        if (nth == -1 ? date.day + 7 > dim : (date.day - 1) / 7 + 1 == nth) return true;
      }
      return false;
    }
    case K::kCron: return s.cron.MatchesDay(date.month, date.day, wd);
  }
  return false;
}

// Minutes of the day the schedule runs at, ascending.
std::vector<int> MinutesOfDay(const Schedule& s) {
  std::vector<int> out;
  if (s.kind == Schedule::Kind::kHours) {
    for (int h = s.from_hour; h < s.to_hour; h += s.every) out.push_back(h * 60 + s.minute);
  } else if (s.kind == Schedule::Kind::kCron) {
    for (int h = 0; h < 24; ++h) {
      if (!s.cron.hours.test(static_cast<size_t>(h))) continue;
      for (int m = 0; m < 60; ++m) {
        if (s.cron.minutes.test(static_cast<size_t>(m))) out.push_back(h * 60 + m);
      }
    }
  } else {
    out.push_back(s.hour * 60 + s.minute);
  }
  return out;
}

// ---- parsing ----

Error Invalid(std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("The schedule '{}' is not valid: {}. Examples: 'manual', 'every 6 hours', "
                           "'every 2 hours at :30 between 8 and 18', 'every day at 06:00', 'every weekday at 06:00', "
                           "'every 2 weeks on mon,thu at 06:00', 'every month on day 31 at 06:00', "
                           "'every month on the 2nd,4th sun at 06:00', 'cron 0 6 * * 1-5'; times in UTC unless the schedule ends "
                           "with a time zone: 'every day at 06:00 in Europe/Paris'.",
                           text, why));
}

std::optional<int> ToInt(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> WeekdayByName(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (name == kDayShort[i] || name == kDayLong[i] || name == std::string(kDayLong[i]) + "s") return i;
  }
  return std::nullopt;
}

std::optional<int> Ordinal(std::string_view s) {
  static constexpr std::pair<const char*, int> kOrdinals[] = {
      {"1st", 1}, {"first", 1}, {"2nd", 2}, {"second", 2}, {"3rd", 3}, {"third", 3},
      {"4th", 4}, {"fourth", 4}, {"5th", 5}, {"fifth", 5}, {"last", -1}};
  for (auto [name, v] : kOrdinals) {
    if (s == name) return v;
  }
  return std::nullopt;
}

// Splits on spaces and commas; commas and the word "and" separate list items and are dropped.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool IsKeyword(std::string_view w) { return w == "at" || w == "between" || w == "on"; }

}  // namespace

namespace {

// The schedule without its "in ZONE" suffix.
Result<Schedule> ParseRules(std::string_view text) {
  using K = Schedule::Kind;
  Schedule s;
  auto words = Words(text);
  if (words.empty()) return Fail(Invalid(text, "it is empty"));
  if (words[0] == "manual") {
    if (words.size() != 1) return Fail(Invalid(text, "'manual' takes nothing after it"));
    return s;
  }
  if (words[0] == "cron") {
    std::string_view rest = text.substr(text.find_first_not_of(" \t"));
    rest.remove_prefix(4);
    BP_ASSIGN_OR_RETURN(s.cron, CronExpr::Parse(rest));
    s.kind = K::kCron;
    return s;
  }
  if (words[0] != "every") return Fail(Invalid(text, "it starts with 'manual', 'every' or 'cron'"));
  size_t i = 1;
  bool explicit_every = false;
  if (i < words.size()) {
    if (auto n = ToInt(words[i])) {
      s.every = *n;
      explicit_every = true;
      ++i;
    }
  }
  if (i >= words.size()) return Fail(Invalid(text, "say what it repeats: hours, days, weekday, weeks or months"));
  std::string unit = words[i++];
  int max_every = 0;
  if (unit == "hour" || unit == "hours") {
    s.kind = K::kHours;
    max_every = 23;
  } else if (unit == "day" || unit == "days") {
    s.kind = K::kDays;
    max_every = 365;
  } else if (unit == "weekday" || unit == "weekdays") {
    s.kind = K::kWeekdays;
    max_every = 1;
    if (explicit_every) return Fail(Invalid(text, "'every weekday' takes no number"));
  } else if (unit == "week" || unit == "weeks") {
    s.kind = K::kWeeks;
    max_every = 52;
  } else if (unit == "month" || unit == "months") {
    s.kind = K::kMonthDay;
    max_every = 12;
  } else {
    return Fail(Invalid(text, fmt::format("'{}' is not hours, days, weekday, weeks or months", unit)));
  }
  if (s.every < 1 || s.every > max_every) {
    return Fail(Invalid(text, fmt::format("every {} {}: the number is 1 to {}", s.every, unit, max_every)));
  }
  bool has_on = false;
  while (i < words.size()) {
    std::string kw = words[i++];
    if (kw == "at") {
      if (i >= words.size()) return Fail(Invalid(text, "'at' needs a time"));
      std::string t = words[i++];
      size_t colon = t.find(':');
      std::optional<int> h = colon == std::string::npos ? std::nullopt
                                                        : (colon == 0 ? std::optional<int>(0) : ToInt(t.substr(0, colon)));
      std::optional<int> m = colon == std::string::npos ? std::nullopt : ToInt(t.substr(colon + 1));
      if (s.kind == K::kHours && colon != 0) {
        return Fail(Invalid(text, fmt::format("'at {}': an hourly schedule takes the minute past the hour, as ':MM'", t)));
      }
      if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59 || t.size() - colon != 3) {
        return Fail(Invalid(text, fmt::format("'at {}' is not a time HH:MM (00:00 to 23:59, UTC)", t)));
      }
      s.hour = *h;
      s.minute = *m;
    } else if (kw == "between") {
      if (s.kind != K::kHours) return Fail(Invalid(text, "'between' is only for hourly schedules"));
      if (i + 3 > words.size() || words[i + 1] != "and") {
        return Fail(Invalid(text, "'between' takes two hours: 'between 8 and 18'"));
      }
      auto a = ToInt(words[i]), b = ToInt(words[i + 2]);
      i += 3;
      if (!a || !b || *a < 0 || *b > 24 || *a >= *b) {
        return Fail(Invalid(text, "'between A and B' takes hours 0 to 24 with A before B (B is not included)"));
      }
      s.from_hour = *a;
      s.to_hour = *b;
    } else if (kw == "on") {
      has_on = true;
      if (s.kind == K::kWeeks) {
        while (i < words.size() && !IsKeyword(words[i])) {
          if (words[i] == "and") {
            ++i;
            continue;
          }
          auto d = WeekdayByName(words[i]);
          if (!d) return Fail(Invalid(text, fmt::format("'{}' is not a day of the week (mon..sun)", words[i])));
          s.weekdays.set(static_cast<size_t>(*d));
          ++i;
        }
        if (s.weekdays.none()) return Fail(Invalid(text, "'on' needs days of the week, e.g. 'on mon,thu'"));
      } else if (s.kind == K::kMonthDay) {
        if (i < words.size() && words[i] == "day") {
          auto d = i + 1 < words.size() ? ToInt(words[i + 1]) : std::nullopt;
          if (!d || *d < 1 || *d > 31) return Fail(Invalid(text, "'on day D' takes a day of the month 1 to 31"));
          s.month_day = *d;
          i += 2;
        } else if (i < words.size() && words[i] == "the") {
          ++i;
          s.kind = K::kMonthNthWeekday;
          std::optional<int> weekday;
          while (i < words.size() && !IsKeyword(words[i])) {
            const auto& w = words[i++];
            if (w == "and") continue;
            if (auto n = Ordinal(w)) {
              if (weekday) return Fail(Invalid(text, "the day of the week comes after the ordinals"));
              if (std::find(s.nths.begin(), s.nths.end(), *n) == s.nths.end()) s.nths.push_back(*n);
            } else if (auto d = WeekdayByName(w)) {
              if (weekday) return Fail(Invalid(text, "give one day of the week"));
              weekday = *d;
            } else {
              return Fail(Invalid(text, fmt::format("'{}' is neither 1st..5th/last nor a day of the week", w)));
            }
          }
          if (s.nths.empty() || !weekday) {
            return Fail(Invalid(text, "'on the' takes ordinals and a day of the week, e.g. 'on the 2nd,4th sun'"));
          }
          s.nth_weekday = *weekday;
          std::sort(s.nths.begin(), s.nths.end(), [](int a, int b) { return (a < 0 ? 6 : a) < (b < 0 ? 6 : b); });
        } else {
          return Fail(Invalid(text, "a monthly schedule runs 'on day D' or 'on the 2nd,4th sun'"));
        }
      } else {
        return Fail(Invalid(text, "'on' is only for weekly and monthly schedules"));
      }
    } else {
      return Fail(Invalid(text, fmt::format("'{}' is not understood here (expected at, between or on)", kw)));
    }
  }
  if ((s.kind == K::kWeeks || s.kind == K::kMonthDay) && !has_on) {
    return Fail(Invalid(text, s.kind == K::kWeeks ? "a weekly schedule needs its days: 'on mon,thu'"
                                                  : "a monthly schedule needs its day: 'on day 1' or 'on the 1st mon'"));
  }
  return s;
}

}  // namespace

Result<Schedule> Schedule::Parse(std::string_view text) {
  // "... in ZONE": the last word is the zone, the word before it "in" (any case).
  std::string_view body = text;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.remove_suffix(1);
  std::string zone_name;
  size_t last = body.find_last_of(" \t");
  if (last != std::string_view::npos) {
    std::string_view before = body.substr(0, last);
    while (!before.empty() && std::isspace(static_cast<unsigned char>(before.back()))) before.remove_suffix(1);
    if (before.size() > 3 && std::isspace(static_cast<unsigned char>(before[before.size() - 3])) &&
        std::tolower(static_cast<unsigned char>(before[before.size() - 2])) == 'i' &&
        std::tolower(static_cast<unsigned char>(before[before.size() - 1])) == 'n') {
      zone_name = std::string(body.substr(last + 1));
      body = before.substr(0, before.size() - 2);
    }
  }
  BP_ASSIGN_OR_RETURN(Schedule s, ParseRules(body));
  if (!zone_name.empty() && !s.manual()) {
    auto zone = TimeZone::Load(zone_name);
    if (!zone) {
      std::string why = zone.error().message;
      if (!why.empty() && why.back() == '.') why.pop_back();
      return Fail(Invalid(text, why));
    }
    s.zone = std::move(*zone);
  }
  return s;
}

std::string Schedule::ToString() const {
  std::string rules = RulesToString();
  return zone.utc() || manual() ? rules : rules + " in " + zone.name();
}

std::string Schedule::RulesToString() const {
  using K = Kind;
  auto at = [&] { return fmt::format(" at {:02}:{:02}", hour, minute); };
  auto every_unit = [&](const char* unit) {
    return every == 1 ? fmt::format("every {}", unit) : fmt::format("every {} {}s", every, unit);
  };
  switch (kind) {
    case K::kManual: return "manual";
    case K::kCron: return "cron " + cron.text;
    case K::kHours: {
      std::string out = every_unit("hour");
      if (minute != 0) out += fmt::format(" at :{:02}", minute);
      if (from_hour != 0 || to_hour != 24) out += fmt::format(" between {} and {}", from_hour, to_hour);
      return out;
    }
    case K::kDays: return every_unit("day") + at();
    case K::kWeekdays: return "every weekday" + at();
    case K::kWeeks: {
      std::string days;
      for (int d : {1, 2, 3, 4, 5, 6, 0}) {
        if (!weekdays.test(static_cast<size_t>(d))) continue;
        if (!days.empty()) days += ',';
        days += kDayShort[d];
      }
      return every_unit("week") + " on " + days + at();
    }
    case K::kMonthDay: return every_unit("month") + fmt::format(" on day {}", month_day) + at();
    case K::kMonthNthWeekday: {
      std::string list;
      for (int n : nths) {
        if (!list.empty()) list += ',';
        static constexpr const char* kNames[] = {"", "1st", "2nd", "3rd", "4th", "5th"};
        list += n < 0 ? "last" : kNames[n];
      }
      return every_unit("month") + " on the " + list + " " + kDayShort[nth_weekday] + at();
    }
  }
  return "manual";
}

std::optional<SysTime> NextRun(const Schedule& s, SysTime after) {
  if (s.manual()) return std::nullopt;
  int64_t from = after.time_since_epoch().count();
  if (s.start_at) from = std::max(from, s.start_at->time_since_epoch().count() - 1);
  auto minutes = MinutesOfDay(s);
  // Days and times are the zone's (local); each candidate is turned into its UTC instant.
  const bool utc = s.zone.utc();
  auto local_ms = [&](int64_t utc_ms) {
    return utc ? utc_ms : utc_ms + s.zone.OffsetAt(SysTime(milliseconds(utc_ms))).count() * 1000;
  };
  auto to_utc = [&](int64_t local) {
    return utc ? local : s.zone.FromLocal(FloorDiv(local, 1000)).time_since_epoch().count() + FloorMod(local, 1000);
  };
  int64_t first_day = FloorDiv(local_ms(from), kMsPerDay) - (utc ? 0 : 1);
  for (int64_t day = first_day; day <= first_day + kSearchDays; ++day) {
    if (!DayMatches(s, day)) continue;
    for (int m : minutes) {
      int64_t t = to_utc(day * kMsPerDay + m * kMsPerMinute);
      if (t > from) return SysTime(milliseconds(t));
    }
  }
  return std::nullopt;
}

std::optional<SysTime> FirstRun(const Schedule& s, SysTime now) {
  if (s.manual()) return std::nullopt;
  if (s.start_at && *s.start_at > now) return now;
  return NextRun(s, now);
}

CatchUp CatchUpAt(const Schedule& s, std::optional<SysTime> next_run_at, SysTime now) {
  CatchUp out;
  if (s.manual()) return out;
  out.run_now = next_run_at.has_value() && *next_run_at <= now;
  out.next_run = out.run_now || !next_run_at ? NextRun(s, now) : next_run_at;
  return out;
}

std::optional<milliseconds> ShortestInterval(const Schedule& s) {
  if (s.manual()) return std::nullopt;
  SysTime from = std::max(s.anchor, s.start_at.value_or(s.anchor));
  auto prev = NextRun(s, from);
  if (!prev) return std::nullopt;
  SysTime horizon = *prev + milliseconds(kSearchDays * kMsPerDay);
  std::optional<milliseconds> shortest;
  for (int i = 0; i < kSimulatedRuns; ++i) {
    auto next = NextRun(s, *prev);
    if (!next || *next > horizon) break;
    milliseconds gap = *next - *prev;
    if (!shortest || gap < *shortest) shortest = gap;
    prev = next;
  }
  return shortest.value_or(milliseconds(kSearchDays * kMsPerDay));
}

Result<std::vector<std::string>> Validate(const Schedule& s) {
  std::vector<std::string> warnings;
  if (s.manual()) return warnings;
  SysTime from = std::max(s.anchor, s.start_at.value_or(s.anchor));
  if (!NextRun(s, from)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The schedule '{}' never runs (no matching day in eight years). Check the day of month "
                            "and month fields.",
                            s.ToString()));
  }
  auto shortest = ShortestInterval(s);
  if (shortest && *shortest < kMinimumInterval) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The schedule '{}' runs every {} at its most frequent; the shortest interval allowed "
                            "is 15 minutes.",
                            s.ToString(), FormatInterval(*shortest)));
  }
  // In a zone with daylight saving a daily schedule has one 23-hour day a year: not "more often".
  const milliseconds dst_slack = s.zone.utc() ? milliseconds(0) : milliseconds(std::chrono::hours(1));
  if (shortest && *shortest + dst_slack < kWarnInterval) {
    warnings.push_back(fmt::format("The schedule '{}' runs more often than once a day (every {} at its most "
                                   "frequent). AWS updates the report a few times a day at most, so many runs will "
                                   "find nothing new.",
                                   s.ToString(), FormatInterval(*shortest)));
  }
  return warnings;
}

std::string FormatInterval(milliseconds d) {
  int64_t ms = d.count();
  auto unit = [](int64_t n, const char* name) { return fmt::format("{} {}{}", n, name, n == 1 ? "" : "s"); };
  if (ms % kMsPerDay == 0) return unit(ms / kMsPerDay, "day");
  if (ms % 3'600'000 == 0) return unit(ms / 3'600'000, "hour");
  if (ms % kMsPerMinute == 0) return unit(ms / kMsPerMinute, "minute");
  if (ms % 1000 == 0) return unit(ms / 1000, "second");
  return unit(ms, "millisecond");
}

std::string FormatUtcAndLocal(SysTime t) {
  int64_t ms = t.time_since_epoch().count();
  int64_t day = FloorDiv(ms, kMsPerDay);
  int64_t minute_of_day = FloorMod(ms, kMsPerDay) / kMsPerMinute;
  std::string out = fmt::format("{} {:02}:{:02} UTC", Date::FromDays(day).ToString(), minute_of_day / 60,
                                minute_of_day % 60);
  std::time_t secs = static_cast<std::time_t>(FloorDiv(ms, 1000));
  std::tm local{};
  if (localtime_r(&secs, &local) == nullptr || local.tm_gmtoff == 0) return out;
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &local);
  std::string local_text = buf;
  // Only the time when the local date is the same day.
  if (local_text.substr(0, 10) == Date::FromDays(day).ToString()) local_text = local_text.substr(11);
  return fmt::format("{} ({} {})", out, local_text, local.tm_zone ? local.tm_zone : "local");
}

}  // namespace billpipe::catalog
