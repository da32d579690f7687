// Billing periods and the time formats Cost and Usage Reports use. All times are UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "util/clock.h"
#include "util/date.h"
#include "util/status.h"

namespace billpipe::cur {

// Days from start to end, both included, UTC: a dataset's date window, or its share of one period.
// The one window type of billpipe (pipeline/ uses it too).
struct DateWindow {
  Date start;
  Date end;  // inclusive

  DateWindow() = default;
  DateWindow(Date first, Date last) : start(first), end(last) {}
  DateWindow(std::chrono::sys_days first, std::chrono::sys_days last);

  bool Contains(Date d) const { return start <= d && d <= end; }
  // Millisecond bounds [begin, end) of the window, for timestamps.
  int64_t BeginMillis() const { return start.Days() * 86400000; }
  int64_t EndMillis() const { return (end.Days() + 1) * 86400000; }
  std::string ToString() const;  // "2024-01-01 to 2024-01-31" or "2024-01-05"
  friend bool operator==(const DateWindow&, const DateWindow&) = default;
};

// One billing period: [start, end), both the first day of a month in every report seen, e.g. the folder
// "20180501-20180601" is May 2018. The one billing period type of billpipe.
struct BillingPeriod {
  std::chrono::sys_days start;
  std::chrono::sys_days end;  // exclusive

  BillingPeriod() = default;
  BillingPeriod(std::chrono::sys_days first, std::chrono::sys_days end_exclusive)
      : start(first), end(end_exclusive) {}
  BillingPeriod(Date first, Date end_exclusive);

  // The first day, and the day after the last, as dates.
  Date FirstDay() const;
  Date EndDay() const;

  // The period folder's name: "20180501-20180601".
  std::string FolderName() const;
  // "2018-05" for a period starting on the first of a month, else the folder name.
  std::string Label() const;
  // Whether the inclusive day range [first, last] has a day in this period.
  bool Overlaps(std::chrono::sys_days first, std::chrono::sys_days last) const {
    return first < end && last >= start;
  }
  bool Overlaps(const DateWindow& window) const;

  friend bool operator==(const BillingPeriod&, const BillingPeriod&) = default;
  friend auto operator<=>(const BillingPeriod&, const BillingPeriod&) = default;
};

// At most this many billing periods in one window (50 years of months): every period costs a listing
// and a manifest read, so a window from year 0 is refused before any request.
inline constexpr size_t kMaxPeriodsInWindow = 600;

// The calendar-month billing periods the window overlaps, oldest first.
std::vector<BillingPeriod> PeriodsOverlapping(const DateWindow& window);
// kInvalidArgument naming the window and the limit when it overlaps more than kMaxPeriodsInWindow
// periods (readers check this before planning).
Status CheckPeriodCount(const DateWindow& window);

// The window's share of a period (inclusive dates); nullopt when they do not overlap.
std::optional<DateWindow> WindowShare(const DateWindow& window, const BillingPeriod& period);

// Parses a period folder name "YYYYMMDD-YYYYMMDD" (valid dates, start before end); nullopt otherwise.
std::optional<BillingPeriod> ParsePeriodFolder(std::string_view name);

// Parses a manifest time "20180501T000000.000Z" (or without the milliseconds, "20180501T000000Z") as UTC.
// kBadData naming the text when it is anything else.
Result<SysTime> ParseManifestTime(std::string_view text);

// "2018-05-01T00:00:00.000Z".
std::string FormatIsoTime(SysTime time);
// "2018-05-01".
std::string FormatDate(std::chrono::sys_days day);
// Parses "YYYY-MM-DD" (a valid calendar date); nullopt otherwise.
std::optional<std::chrono::sys_days> ParseDate(std::string_view text);

}  // namespace billpipe::cur
