#include "s3/retry_policy.h"

#include <algorithm>
#include <charconv>

namespace billpipe::s3 {

RetryPolicy::RetryPolicy(RetryOptions options, Clock& clock)
    : options_(std::move(options)), clock_(clock), rng_(std::random_device{}()) {
  options_.max_attempts = std::max(1, options_.max_attempts);
}

double RetryPolicy::Random01() {
  if (options_.random01) return options_.random01();
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::chrono::milliseconds RetryPolicy::Backoff(int attempt, std::optional<std::chrono::milliseconds> retry_after) {
  using std::chrono::milliseconds;
  // base * 2^(attempt-1), computed without overflow: stop doubling once past the cap.
  int64_t ceiling = options_.base_delay.count();
  for (int i = 1; i < attempt && ceiling < options_.max_delay.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, options_.max_delay.count());
  auto wait = milliseconds(static_cast<int64_t>(Random01() * static_cast<double>(ceiling)));
  if (retry_after) wait = std::max(wait, std::min(*retry_after, options_.max_retry_after));
  return wait;
}

std::chrono::milliseconds RetryPolicy::Wait(int attempt, std::optional<std::chrono::milliseconds> retry_after) {
  auto wait = Backoff(attempt, retry_after);
  if (wait.count() > 0) clock_.SleepFor(wait);
  return wait;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::milliseconds(seconds * 1000);
}

}  // namespace billpipe::s3
