// A dataset's Details and update method, as the user gives them (CLI flags now, the catalog later),
// and the date window they resolve to on a given day.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cur/billing_period.h"
#include "sink/sink.h"
#include "util/date.h"
#include "util/status.h"

namespace billpipe::pipeline {

// Which lines of the report to keep (sink/sink.h): kAll every line; kInvoiced the lines whose invoice id
// column (cur::ColumnRoles::invoice_id, bill/InvoiceId in legacy CUR) is not empty; kEstimated the others
// (the Detailed Billing Report's literal "Estimated" counts as empty).
using sink::Filter;
using sink::FilterName;
using sink::ParseFilter;

enum class UpdateMethod {
  kReplace,    // the dataset holds exactly the window's lines from the newest versions
  kAppend,     // adds the run's lines; refuses a period version that is already there
  kPartition,  // replaces only the periods whose version changed; keeps the rest
};
Result<UpdateMethod> ParseUpdateMethod(std::string_view text);  // "replace" | "append" | "partition"
std::string_view UpdateMethodName(UpdateMethod method);

// The columns a dataset has (docs/exports.md, "FOCUS from any report").
enum class OutputSchema {
  kCur,    // the report's own columns (legacy CUR's Athena names, a CUR 2.0 or FOCUS export's own names)
  kFocus,  // FOCUS 1.2 columns from any report (pipeline/schema_step.h); a FOCUS export's own columns
};
Result<OutputSchema> ParseOutputSchema(std::string_view text);  // "cur" | "focus"
std::string_view OutputSchemaName(OutputSchema schema);

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

// Inclusive UTC dates; billing periods (cur/billing_period.h: one type each in billpipe).
using cur::BillingPeriod;
using cur::DateWindow;
using cur::PeriodsOverlapping;
using cur::WindowShare;

// Resolves a duration on the day `today`; a start after the end is refused (kInvalidArgument).
Result<DateWindow> ResolveWindow(const Duration& duration, Date today);

// The warnings a user should see before a run (never errors): Estimated with specific dates, or
// with a window that reaches back more than two months.
std::vector<std::string> WindowWarnings(Filter filter, const Duration& duration, const DateWindow& window,
                                        Date today);

}  // namespace billpipe::pipeline
