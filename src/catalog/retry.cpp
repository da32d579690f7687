#include "catalog/retry.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace billpipe::catalog {

using std::chrono::milliseconds;

std::string_view TriggerName(Trigger trigger) {
  switch (trigger) {
    case Trigger::kSchedule: return "schedule";
    case Trigger::kRetry: return "retry";
    case Trigger::kManual: return "manual";
  }
  return "manual";
}

Result<milliseconds> ParseInterval(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not an interval: write a number and a unit, e.g. 30s, 10m, 2h or 1d.", text));
  };
  if (text.empty()) return bad();
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 0 || n > 1'000'000) return bad();
  std::string_view unit = text.substr(static_cast<size_t>(p - text.data()));
  if (unit.empty() || unit == "m") return milliseconds(n * 60'000);
  if (unit == "s") return milliseconds(n * 1000);
  if (unit == "h") return milliseconds(n * 3'600'000);
  if (unit == "d") return milliseconds(n * 86'400'000);
  return bad();
}

std::string FormatIntervalShort(milliseconds d) {
  int64_t ms = d.count();
  if (ms % 86'400'000 == 0) return fmt::format("{}d", ms / 86'400'000);
  if (ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  return fmt::format("{}s", ms / 1000);
}

Result<RetryPolicy> RetryPolicy::Parse(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!cur.empty()) words.push_back(cur);
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The retry '{}' is not valid: {}. Write 'never', or 'always N every INTERVAL' with N "
                            "1 to {} and INTERVAL 1m to 24h (e.g. 'always 3 every 10m').",
                            text, why, kMaxRetryAttempts));
  };
  RetryPolicy p;
  if (words.size() == 1 && words[0] == "never") return p;
  if (words.empty() || words[0] != "always") return bad("it starts with 'never' or 'always'");
  p.always = true;
  if (words.size() == 1) return p;
  if (words.size() != 4 || words[2] != "every") return bad("'always' takes a number of attempts and an interval");
  int n = 0;
  auto [ptr, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), n);
  if (ec != std::errc() || ptr != words[1].data() + words[1].size() || n < 1 || n > kMaxRetryAttempts) {
    return bad(fmt::format("'{}' attempts", words[1]));
  }
  auto interval = ParseInterval(words[3]);
  if (!interval) return bad(fmt::format("'{}' is not an interval", words[3]));
  if (*interval < kMinRetryInterval || *interval > kMaxRetryInterval) {
    return bad(fmt::format("the interval {} is out of range", words[3]));
  }
  p.attempts = n;
  p.interval = *interval;
  return p;
}

std::string RetryPolicy::ToString() const {
  if (!always) return "never";
  return fmt::format("always {} every {}", attempts, FormatIntervalShort(interval));
}

std::optional<milliseconds> RetryPolicy::DelayBefore(int retry) const {
  if (!always || retry < 1 || retry > attempts) return std::nullopt;
  milliseconds delay = interval;
  for (int i = 1; i < retry && delay < kMaxRetryDelay; ++i) delay *= 2;
  return std::max<milliseconds>(interval, std::min<milliseconds>(delay, kMaxRetryDelay));
}

std::optional<SysTime> NextRetryAt(const RetryPolicy& policy, Trigger trigger, int retries_done, SysTime failed_at) {
  if (trigger == Trigger::kManual) return std::nullopt;
  auto delay = policy.DelayBefore(retries_done + 1);
  if (!delay) return std::nullopt;
  return failed_at + *delay;
}

}  // namespace billpipe::catalog
