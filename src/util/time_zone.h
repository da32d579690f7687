// IANA time zones ("Europe/Paris", "America/New_York") from the system's tz database: the TZif files of
// /usr/share/zoneinfo (RFC 8536), read here because GCC 12's libstdc++ has no std::chrono::tzdb. A zone
// is its list of transitions (UTC instant → offset) plus, for instants after the last one, the POSIX TZ
// rule of the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3"), so daylight saving is right in any year.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.h"
#include "util/status.h"

namespace billpipe {

inline constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo";

class TimeZone {
 public:
  // UTC (offset 0, no transitions).
  static TimeZone Utc();
  // Loads `name` (an IANA name; "UTC" needs no file). A name that is not a zone of the database is
  // kInvalidArgument naming examples; names with "..", a leading "/" or other than letters, digits,
  // '/', '_', '-', '+' are refused before any file is read.
  static Result<TimeZone> Load(std::string_view name, const std::filesystem::path& zoneinfo = kZoneInfoDir);

  const std::string& name() const { return name_; }
  bool utc() const { return name_ == "UTC"; }

  // The zone's offset from UTC at an instant (local = UTC + offset).
  std::chrono::seconds OffsetAt(SysTime t) const;
  // The UTC instant of a local wall-clock time (seconds since 1970-01-01 00:00 local). A time skipped by
  // a change to summer time (02:30 on the night clocks go from 02:00 to 03:00) is taken as the same
  // length after the change (03:30); a time that happens twice (the night clocks go back) is the first.
  SysTime FromLocal(int64_t local_seconds) const;

 private:
  struct Rule;  // the POSIX TZ footer
  std::string name_ = "UTC";
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_;      // offsets_[i] holds from transitions_[i] on
  int32_t initial_offset_ = 0;        // before the first transition
  std::shared_ptr<const Rule> rule_;  // after the last transition; null: the last offset holds
  int32_t RuleOffset(int64_t utc_seconds) const;
};

}  // namespace billpipe
