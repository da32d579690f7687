#include "cur/billing_period.h"

#include <algorithm>

#include <fmt/format.h>

namespace billpipe::cur {
namespace {

using namespace std::chrono;

// Reads exactly text.size() decimal digits; nullopt if any is not a digit.
std::optional<int> Digits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<sys_days> ParseCompactDate(std::string_view text) {  // "YYYYMMDD"
  if (text.size() != 8) return std::nullopt;
  auto y = Digits(text.substr(0, 4)), m = Digits(text.substr(4, 2)), d = Digits(text.substr(6, 2));
  if (!y || !m || !d) return std::nullopt;
  year_month_day ymd{year{*y}, month{static_cast<unsigned>(*m)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::string Compact(sys_days day) {
  year_month_day ymd{day};
  return fmt::format("{:04d}{:02d}{:02d}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

}  // namespace

DateWindow::DateWindow(sys_days first, sys_days last)
    : start(Date::FromDays(first.time_since_epoch().count())), end(Date::FromDays(last.time_since_epoch().count())) {}

std::string DateWindow::ToString() const {
  return start == end ? start.ToString() : fmt::format("{} to {}", start.ToString(), end.ToString());
}

BillingPeriod::BillingPeriod(Date first, Date end_exclusive)
    : start(sys_days(days(first.Days()))), end(sys_days(days(end_exclusive.Days()))) {}

Date BillingPeriod::FirstDay() const { return Date::FromDays(start.time_since_epoch().count()); }
Date BillingPeriod::EndDay() const { return Date::FromDays(end.time_since_epoch().count()); }

bool BillingPeriod::Overlaps(const DateWindow& window) const {
  return window.start.Days() < end.time_since_epoch().count() &&
         window.end.Days() >= start.time_since_epoch().count();
}

Status CheckPeriodCount(const DateWindow& window) {
  const int64_t months = (int64_t{window.end.year} - window.start.year) * 12 + (window.end.month - window.start.month) + 1;
  if (months > static_cast<int64_t>(kMaxPeriodsInWindow)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The window {} spans {} billing periods; one run reads at most {} ({} years). Choose a "
                            "later start date.",
                            window.ToString(), months, kMaxPeriodsInWindow, kMaxPeriodsInWindow / 12));
  }
  return Ok();
}

std::vector<BillingPeriod> PeriodsOverlapping(const DateWindow& window) {
  std::vector<BillingPeriod> out;
  for (Date p = window.start.FirstOfMonth(); p <= window.end; p = p.FirstOfNextMonth()) {
    out.emplace_back(p, p.FirstOfNextMonth());
  }
  return out;
}

std::optional<DateWindow> WindowShare(const DateWindow& window, const BillingPeriod& period) {
  Date start = std::max(window.start, period.FirstDay());
  Date end = std::min(window.end, period.EndDay().AddDays(-1));
  if (end < start) return std::nullopt;
  return DateWindow{start, end};
}

std::string BillingPeriod::FolderName() const { return Compact(start) + "-" + Compact(end); }

std::string BillingPeriod::Label() const {
  year_month_day ymd{start};
  if (ymd.day() != day{1}) return FolderName();
  return fmt::format("{:04d}-{:02d}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
}

std::optional<BillingPeriod> ParsePeriodFolder(std::string_view name) {
  if (name.size() != 17 || name[8] != '-') return std::nullopt;
  auto start = ParseCompactDate(name.substr(0, 8));
  auto end = ParseCompactDate(name.substr(9, 8));
  if (!start || !end || *start >= *end) return std::nullopt;
  return BillingPeriod{*start, *end};
}

Result<SysTime> ParseManifestTime(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kBadData,
                fmt::format("\"{}\" is not a time like 20180501T000000.000Z", text));
  };
  // YYYYMMDDTHHMMSS[.mmm]Z
  if ((text.size() != 16 && text.size() != 20) || text[8] != 'T' || text.back() != 'Z') return bad();
  auto date = ParseCompactDate(text.substr(0, 8));
  auto h = Digits(text.substr(9, 2)), mi = Digits(text.substr(11, 2)), s = Digits(text.substr(13, 2));
  if (!date || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return bad();
  int ms = 0;
  if (text.size() == 20) {
    auto frac = Digits(text.substr(16, 3));
    if (text[15] != '.' || !frac) return bad();
    ms = *frac;
  }
  return SysTime{*date} + hours{*h} + minutes{*mi} + seconds{*s} + milliseconds{ms};
}

std::string FormatIsoTime(SysTime time) {
  auto day = floor<days>(time);
  year_month_day ymd{day};
  hh_mm_ss hms{time - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::string FormatDate(sys_days day) {
  year_month_day ymd{day};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::optional<sys_days> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  std::string compact = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) +
                        std::string(text.substr(8, 2));
  return ParseCompactDate(compact);
}

}  // namespace billpipe::cur
