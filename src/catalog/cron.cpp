#include "catalog/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace billpipe::catalog {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] is the value min + i; nullptr when none
  int name_count;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day of month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day of week", 0, 7, kDayNames, 7},
}};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int> ParseValue(std::string_view text, const FieldSpec& f) {
  std::string lower = Lower(text);
  for (int i = 0; i < f.name_count; ++i) {
    if (lower == f.names[i]) return f.min + i;
  }
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

Result<std::vector<bool>> ParseField(std::string_view text, const FieldSpec& f, int index) {
  auto bad = [&](std::string_view why) {
    std::string allowed = fmt::format("values {} to {}", f.min, f.max);
    if (f.names == kMonthNames) allowed += " or jan to dec";
    if (f.names == kDayNames) allowed += " (0 and 7 are Sunday) or sun to sat";
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The cron field {} ({}) '{}' is not valid: {}. It takes *, {}, ranges A-B, steps */S "
                            "or A-B/S, and comma lists.",
                            index + 1, f.name, text, why, allowed));
  };
  std::vector<bool> set(static_cast<size_t>(f.max + 1), false);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) return bad("an empty item");
    int step = 1;
    bool stepped = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      auto s = ParseValue(item.substr(slash + 1), FieldSpec{f.name, 1, f.max, nullptr, 0});
      if (!s || *s < 1 || *s > f.max - f.min + 1) return bad(fmt::format("the step '{}' is not 1 to {}", item.substr(slash + 1), f.max - f.min + 1));
      step = *s;
      stepped = true;
      item = item.substr(0, slash);
    }
    int lo = 0, hi = 0;
    if (item == "*") {
      lo = f.min;
      hi = f.max;
    } else if (size_t dash = item.find('-'); dash != std::string_view::npos) {
      auto a = ParseValue(item.substr(0, dash), f);
      auto b = ParseValue(item.substr(dash + 1), f);
      if (!a || !b) return bad(fmt::format("'{}' is not a range of two values", item));
      lo = *a;
      hi = *b;
      if (f.names == kDayNames && hi == 0 && lo > 0) hi = 7;  // "sat-sun": Sunday at the end of a week
      if (lo > hi) return bad(fmt::format("the range {} starts after it ends", item));
    } else {
      auto a = ParseValue(item, f);
      if (!a) return bad(fmt::format("'{}' is not a value", item));
      lo = *a;
      hi = stepped ? f.max : *a;
    }
    if (lo < f.min || hi > f.max) return bad(fmt::format("{} is out of range", lo < f.min ? lo : hi));
    for (int v = lo; v <= hi; v += step) set[static_cast<size_t>(v)] = true;
  }
  return set;
}

}  // namespace

Result<CronExpr> CronExpr::Parse(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The cron expression '{}' has {} field{}; it needs five: minute hour day-of-month month "
                            "day-of-week (e.g. '0 6 * * 1-5').",
                            text, fields.size(), fields.size() == 1 ? "" : "s"));
  }
  CronExpr e;
  for (size_t f = 0; f < 5; ++f) {
    BP_ASSIGN_OR_RETURN(auto set, ParseField(fields[f], kFields[f], static_cast<int>(f)));
    for (size_t v = 0; v < set.size(); ++v) {
      if (!set[v]) continue;
      switch (f) {
        case 0: e.minutes.set(v); break;
        case 1: e.hours.set(v); break;
        case 2: e.days_of_month.set(v); break;
        case 3: e.months.set(v); break;
        case 4: e.days_of_week.set(v % 7); break;
      }
    }
    if (!e.text.empty()) e.text += ' ';
    e.text += fields[f];
  }
  e.dom_restricted = fields[2][0] != '*';
  e.dow_restricted = fields[4][0] != '*';
  return e;
}

bool CronExpr::MatchesDay(int month, int day, int weekday) const {
  if (!months.test(static_cast<size_t>(month))) return false;
  bool dom = days_of_month.test(static_cast<size_t>(day));
  bool dow = days_of_week.test(static_cast<size_t>(weekday));
  if (dom_restricted && dow_restricted) return dom || dow;
  return dom && dow;
}

}  // namespace billpipe::catalog
