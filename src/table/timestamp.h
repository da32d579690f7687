// UTC timestamps as CUR writes them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::table {

// Microseconds since 1970-01-01T00:00:00Z (negative before). UTC only; no leap seconds.
using TimestampMicros = int64_t;

// Parses the forms seen in CUR files and manifests' DateTime columns:
//   2018-05-01T00:00:00Z         (lineItem/UsageStartDate)
//   2018-04-24T00:34:01.000Z     (reservation times: 1 to 6 fraction digits)
//   2018-05-01T00:00Z            (no seconds)
// Year 0001–9999; month, day (leap years included), hour 00–23, minute and second 00–59 checked.
// Anything else, including other time zones, is refused.
bool TryParseTimestamp(std::string_view text, TimestampMicros* out);
// TryParseTimestamp with the reason on failure (kBadData).
Result<TimestampMicros> ParseTimestamp(std::string_view text);

// An Interval (identity/TimeInterval): two timestamps joined by '/', e.g.
// "2018-05-01T00:00:00Z/2018-05-01T01:00:00Z". The end may not be before the start.
bool TryParseInterval(std::string_view text, TimestampMicros* start, TimestampMicros* end);

// "2018-05-01T00:00:00Z"; with ".mmm" or ".uuuuuu" when the fraction is not zero.
std::string FormatTimestamp(TimestampMicros micros);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12, day 1–31; not checked).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace billpipe::table
