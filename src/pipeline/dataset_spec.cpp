#include "pipeline/dataset_spec.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace billpipe::pipeline {

Result<UpdateMethod> ParseUpdateMethod(std::string_view text) {
  if (text == "replace") return UpdateMethod::kReplace;
  if (text == "append") return UpdateMethod::kAppend;
  if (text == "partition") return UpdateMethod::kPartition;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Unknown update method '{}'. Choose one of: replace, append, partition.", text));
}

std::string_view UpdateMethodName(UpdateMethod method) {
  switch (method) {
    case UpdateMethod::kReplace: return "replace";
    case UpdateMethod::kAppend: return "append";
    case UpdateMethod::kPartition: return "partition";
  }
  return "replace";
}

Result<OutputSchema> ParseOutputSchema(std::string_view text) {
  if (text == "cur") return OutputSchema::kCur;
  if (text == "focus") return OutputSchema::kFocus;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Unknown schema '{}'. Choose one of: cur (the report's own columns), focus (FOCUS 1.2 "
                          "columns from any report).",
                          text));
}

std::string_view OutputSchemaName(OutputSchema schema) { return schema == OutputSchema::kFocus ? "focus" : "cur"; }

Result<DateSpec> DateSpec::Parse(std::string_view text) {
  constexpr int kMaxDaysBack = 36500;
  std::string_view digits = text;
  if (!digits.empty() && digits.back() == 'd') digits.remove_suffix(1);
  int n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (!digits.empty() && ec == std::errc() && ptr == digits.data() + digits.size()) {
    if (n < 0 || n > kMaxDaysBack) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' days back is out of range: use 0 to {} days.", text, kMaxDaysBack));
    }
    return DateSpec{std::nullopt, n};
  }
  if (auto d = Date::Parse(text)) return DateSpec{*d, 0};
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("'{}' is not a date. Give a calendar date as YYYY-MM-DD (e.g. 2024-01-31) or a "
                          "number of days back as Nd (e.g. 10d).", text));
}

std::string DateSpec::ToString() const { return date ? date->ToString() : fmt::format("{}d", days_back); }

Result<DateWindow> ResolveWindow(const Duration& duration, Date today) {
  Date start = duration.start.Resolve(today);
  Date end = duration.end ? duration.end->Resolve(today) : start;
  if (end < start) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The date range starts on {} ({}) after it ends on {} ({}). The start must be on or "
                            "before the end: with days back, the start needs more days back than the end.",
                            start.ToString(), duration.start.ToString(), end.ToString(),
                            duration.end->ToString()));
  }
  return DateWindow{start, end};
}

std::vector<std::string> WindowWarnings(Filter filter, const Duration& duration, const DateWindow& window,
                                        Date today) {
  std::vector<std::string> out;
  if (filter != Filter::kEstimated) return out;
  bool specific = !duration.start.relative() || (duration.end && !duration.end->relative());
  if (specific) {
    out.push_back("The Estimated filter is used with specific dates: estimated lines exist only for months "
                  "that are not invoiced yet, so once these months are invoiced the dataset will be empty. "
                  "Days back keep the window on open months.");
  }
  // Two calendar months before today, clamped to the month's last day.
  int y = today.year, m = today.month - 2;
  if (m < 1) m += 12, --y;
  Date month_start{y, m, 1};
  Date two_back = std::min(Date{y, m, today.day}, month_start.FirstOfNextMonth().AddDays(-1));
  if (window.start < two_back) {
    out.push_back(fmt::format("The Estimated filter is used with a window that starts on {}, more than two months "
                              "ago: months that old are usually invoiced, and their estimated lines are gone.",
                              window.start.ToString()));
  }
  return out;
}

}  // namespace billpipe::pipeline
