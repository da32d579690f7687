// Retries live here and nowhere else: which failures are worth another attempt, how long to wait
// (capped exponential backoff with full jitter, at least what Retry-After asks), and how many attempts
// in all. Waiting goes through the injected Clock, so tests with a FakeClock do not sleep.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <random>

#include "util/clock.h"
#include "util/status.h"

namespace billpipe::s3 {

struct RetryOptions {
  int max_attempts = 5;                                // attempts in all, the first included (>= 1)
  std::chrono::milliseconds base_delay{200};           // ceiling of the first backoff
  std::chrono::milliseconds max_delay{20'000};         // no backoff ceiling grows past this
  std::chrono::milliseconds max_retry_after{60'000};   // a larger Retry-After is cut to this
  // Uniform random number in [0, 1) for the jitter. Empty: a seeded std::mt19937_64. Tests pass a
  // fixed function to get exact delays.
  std::function<double()> random01;
};

class RetryPolicy {
 public:
  RetryPolicy(RetryOptions options, Clock& clock);

  // Whether an error may go away on its own: ErrorCode::kRetryable (5xx, SlowDown, RequestTimeout,
  // InternalError, resets, truncated bodies, timeouts). Never 400, 403 or 404 (kAuth, kPermission,
  // kNotFound, kInvalidArgument ...).
  static bool IsRetryable(const Error& error) { return error.code == ErrorCode::kRetryable; }

  // Whether another attempt may follow attempt number `attempt` (1-based) that failed with error.
  bool ShouldRetry(const Error& error, int attempt) const {
    return IsRetryable(error) && attempt < options_.max_attempts;
  }

  // The wait before attempt number attempt+1: uniform in [0, min(max_delay, base_delay * 2^(attempt-1))]
  // ("full jitter"), but at least retry_after (capped by max_retry_after) when the server sent one.
  std::chrono::milliseconds Backoff(int attempt, std::optional<std::chrono::milliseconds> retry_after);

  // Sleeps Backoff(attempt, retry_after) on the clock and returns how long.
  std::chrono::milliseconds Wait(int attempt, std::optional<std::chrono::milliseconds> retry_after);

  int max_attempts() const { return options_.max_attempts; }
  Clock& clock() const { return clock_; }

 private:
  double Random01();

  RetryOptions options_;
  Clock& clock_;
  std::mutex mu_;  // guards rng_
  std::mt19937_64 rng_;
};

// Parses a Retry-After header value: delta seconds ("3") only; an HTTP date or garbage gives nullopt.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

}  // namespace billpipe::s3
