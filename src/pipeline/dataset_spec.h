// A dataset's Details and update method, as the user gives them (CLI flags now, the catalog later),
// and the date window they resolve to on a given day.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/date.h"
#include "util/status.h"

namespace billpipe::pipeline {

// Which lines of the report to keep.
enum class Filter {
  kAll,        // every line
  kInvoiced,   // bill/InvoiceId not empty
  kEstimated,  // bill/InvoiceId empty (or the Detailed Billing Report's literal "Estimated")
};
Result<Filter> ParseFilter(std::string_view text);  // "all" | "invoiced" | "estimated"
std::string_view FilterName(Filter filter);

enum class UpdateMethod {
  kReplace,    // the dataset holds exactly the window's lines from the newest versions
  kAppend,     // adds the run's lines; refuses a period version that is already there
  kPartition,  // replaces only the periods whose version changed; keeps the rest
};
Result<UpdateMethod> ParseUpdateMethod(std::string_view text);  // "replace" | "append" | "partition"
std::string_view UpdateMethodName(UpdateMethod method);

// One end of a duration: a calendar date, or N days before the run's date.
struct DateSpec {
  std::optional<Date> date;  // specific
  int days_back = 0;         // relative, when date is empty

  // "2024-01-31" (specific) or "10d" / "10" (10 days back).
  static Result<DateSpec> Parse(std::string_view text);
  bool relative() const { return !date.has_value(); }
  Date Resolve(Date today) const { return date ? *date : today.AddDays(-days_back); }
  std::string ToString() const;  // as Parse reads it
};

// A single date, or a range whose ends are each specific or relative. Both ends are included.
struct Duration {
  DateSpec start;
  std::optional<DateSpec> end;  // empty: a single date
};

// Inclusive UTC dates.
struct DateWindow {
  Date start;
  Date end;
  bool Contains(Date d) const { return start <= d && d <= end; }
  // Millisecond bounds [begin, end) of the window, for timestamps.
  int64_t BeginMillis() const { return start.Days() * 86400000; }
  int64_t EndMillis() const { return (end.Days() + 1) * 86400000; }
  std::string ToString() const;  // "2024-01-01 to 2024-01-31" or "2024-01-05"
};

// Resolves a duration on the day `today`; a start after the end is refused (kInvalidArgument).
Result<DateWindow> ResolveWindow(const Duration& duration, Date today);

// The warnings a user should see before a run (never errors): Estimated with specific dates, or
// with a window that reaches back more than two months.
std::vector<std::string> WindowWarnings(Filter filter, const Duration& duration, const DateWindow& window,
                                        Date today);

// A billing period [first day of a month, first day of the next).
struct BillingPeriod {
  Date start;  // first of the month
  Date end;    // first of the next month (exclusive)
  std::string ToString() const;  // "20191201-20200101", AWS's folder name
};

// The billing periods the window overlaps, oldest first.
std::vector<BillingPeriod> PeriodsOverlapping(const DateWindow& window);

// The window's share of a period (inclusive dates); nullopt when they do not overlap.
std::optional<DateWindow> WindowShare(const DateWindow& window, const BillingPeriod& period);

}  // namespace billpipe::pipeline
