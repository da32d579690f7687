// Billing periods and the time formats Cost and Usage Reports use. All times are UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/status.h"

namespace billpipe::cur {

// One billing period: [start, end), both the first day of a month in every report seen, e.g. the folder
// "20180501-20180601" is May 2018.
struct BillingPeriod {
  std::chrono::sys_days start;
  std::chrono::sys_days end;  // exclusive

  // The period folder's name: "20180501-20180601".
  std::string FolderName() const;
  // "2018-05" for a period starting on the first of a month, else the folder name.
  std::string Label() const;
  // Whether the inclusive day range [first, last] has a day in this period.
  bool Overlaps(std::chrono::sys_days first, std::chrono::sys_days last) const {
    return first < end && last >= start;
  }

  friend bool operator==(const BillingPeriod&, const BillingPeriod&) = default;
  friend auto operator<=>(const BillingPeriod&, const BillingPeriod&) = default;
};

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
