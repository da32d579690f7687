// Five-field cron expressions, in UTC: minute hour day-of-month month day-of-week.
//
// Each field is `*` or a comma list of items; an item is a value, a range `A-B`, or either with a step
// (`*/S`, `A-B/S`, `A/S` = from A to the field's end). Months take names jan..dec, days of the week
// sun..sat (0 and 7 are both Sunday); names are case-insensitive and work in ranges (`mon-fri`).
// As in Vixie cron, when both day-of-month and day-of-week are restricted (neither starts with `*`),
// a day matches when either matches.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::catalog {

struct CronExpr {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 1..31
  std::bitset<13> months;         // bit 1..12
  std::bitset<7> days_of_week;    // bit 0 = Sunday
  bool dom_restricted = false;
  bool dow_restricted = false;
  std::string text;               // as given, whitespace normalised

  // Errors (kInvalidArgument) name the field, the text and the values allowed.
  static Result<CronExpr> Parse(std::string_view text);

  // Whether the day (year, month 1..12, day 1..31, weekday 0 = Sunday) is one the expression runs on.
  bool MatchesDay(int month, int day, int weekday) const;
};

}  // namespace billpipe::catalog
