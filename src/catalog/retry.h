// What happens after a scheduled run fails: "never" retry, or "always" retry up to `attempts` more
// times, waiting `interval` before the first retry and twice as long before each next one (the doubling
// stops at six hours, or at the interval when that is longer). Retries apply to scheduled runs only: a manual run reports its failure at once.
//
// Text form (Parse / ToString round-trip): "never", or "always N every DURATION" with DURATION like
// "30s", "10m", "2h" — e.g. "always 3 every 10m" waits 10, 20 then 40 minutes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/status.h"

namespace billpipe::catalog {

inline constexpr int kMaxRetryAttempts = 10;
inline constexpr std::chrono::minutes kMinRetryInterval{1};
inline constexpr std::chrono::hours kMaxRetryInterval{24};
inline constexpr std::chrono::hours kMaxRetryDelay{6};  // the backoff stops doubling here

enum class Trigger { kSchedule, kRetry, kManual };
std::string_view TriggerName(Trigger trigger);  // "schedule" | "retry" | "manual"

struct RetryPolicy {
  bool always = false;                       // false: never retry
  int attempts = 3;                          // retries after the first failure
  std::chrono::milliseconds interval{std::chrono::minutes(10)};

  static Result<RetryPolicy> Parse(std::string_view text);
  std::string ToString() const;

  // The wait before retry number `retry` (1-based); nullopt when no such retry is allowed.
  std::optional<std::chrono::milliseconds> DelayBefore(int retry) const;
};

// When to retry a run that failed at `failed_at`. `retries_done` counts the retries already made
// (0 after the scheduled run itself failed). nullopt: no retry (manual run, "never", or attempts spent).
std::optional<SysTime> NextRetryAt(const RetryPolicy& policy, Trigger trigger, int retries_done, SysTime failed_at);

// "10m", "90s", "2h", "1d" → milliseconds; a bare number is minutes.
Result<std::chrono::milliseconds> ParseInterval(std::string_view text);
std::string FormatIntervalShort(std::chrono::milliseconds d);  // "10m", "90s", "2h"

}  // namespace billpipe::catalog
