// Calendar dates and UTC timestamps. billpipe's time is UTC throughout.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace billpipe {

// A proleptic Gregorian calendar date.
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31

  static std::optional<Date> Parse(std::string_view yyyy_mm_dd);  // "2019-12-31"; nullopt if not a real date
  static Date FromDays(int64_t days_since_epoch);
  static Date Today(Clock& clock);  // in UTC

  int64_t Days() const;  // days since 1970-01-01
  Date AddDays(int64_t n) const { return FromDays(Days() + n); }
  Date FirstOfMonth() const { return Date{year, month, 1}; }
  Date FirstOfNextMonth() const;
  std::string ToString() const;     // "2019-12-31"
  std::string ToCompact() const;    // "20191231"
  auto operator<=>(const Date&) const = default;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// "2019-12-01T00:00:00Z", or with milliseconds "2019-12-01T00:00:00.250Z" when they are not zero.
std::string FormatTimestamp(int64_t millis_since_epoch);
// The same into out (at least kTimestampTextMax bytes), without allocating; returns the length.
inline constexpr size_t kTimestampTextMax = 40;
size_t FormatTimestampTo(int64_t millis_since_epoch, char* out);
std::string FormatTimestamp(SysTime t);

}  // namespace billpipe
