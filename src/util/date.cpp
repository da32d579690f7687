#include "util/date.h"

#include <algorithm>

#include <fmt/format.h>

namespace billpipe {
namespace {

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

int Digits(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

// Howard Hinnant's days_from_civil (public domain algorithm); its inverse civil_from_days is Date::FromDays.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<Date> Date::Parse(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = Digits(s.substr(0, 4)), m = Digits(s.substr(5, 2)), d = Digits(s.substr(8, 2));
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return Date{y, m, d};
}

Date Date::FromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

Date Date::Today(Clock& clock) {
  auto ms = clock.Now().time_since_epoch().count();
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  return FromDays(days);
}

int64_t Date::Days() const {
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

Date Date::FirstOfNextMonth() const { return month == 12 ? Date{year + 1, 1, 1} : Date{year, month + 1, 1}; }

std::string Date::ToString() const { return fmt::format("{:04}-{:02}-{:02}", year, month, day); }
std::string Date::ToCompact() const { return fmt::format("{:04}{:02}{:02}", year, month, day); }

size_t FormatTimestampTo(int64_t ms, char* out) {
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int64_t rem = ms - days * 86400000;
  Date d = Date::FromDays(days);
  int64_t secs = rem / 1000, milli = rem % 1000;
  if (d.year < 0 || d.year > 9999) {  // not written by AWS; the general path
    auto r = milli == 0 ? fmt::format_to_n(out, kTimestampTextMax, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year,
                                           d.month, d.day, secs / 3600, secs / 60 % 60, secs % 60)
                        : fmt::format_to_n(out, kTimestampTextMax, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                                           d.year, d.month, d.day, secs / 3600, secs / 60 % 60, secs % 60, milli);
    return std::min(r.size, kTimestampTextMax);
  }
  auto put = [&out](int64_t v, int digits, char after) {
    for (int i = digits - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
    out[digits] = after;
    out += digits + 1;
  };
  char* start = out;
  put(d.year, 4, '-');
  put(d.month, 2, '-');
  put(d.day, 2, 'T');
  put(secs / 3600, 2, ':');
  put(secs / 60 % 60, 2, ':');
  if (milli == 0) {
    put(secs % 60, 2, 'Z');
  } else {
    put(secs % 60, 2, '.');
    put(milli, 3, 'Z');
  }
  return static_cast<size_t>(out - start);
}

std::string FormatTimestamp(int64_t ms) {
  char buf[kTimestampTextMax];
  return std::string(buf, FormatTimestampTo(ms, buf));
}

std::string FormatTimestamp(SysTime t) { return FormatTimestamp(t.time_since_epoch().count()); }

}  // namespace billpipe
