// RetryPolicy decisions and backoff, with an injected clock and a fixed "random" number.
#include "s3/retry_policy.h"

#include <gtest/gtest.h>

namespace billpipe::s3 {
namespace {

using std::chrono::milliseconds;

RetryOptions Fixed(double r) {
  RetryOptions o;
  o.max_attempts = 4;
  o.base_delay = milliseconds(100);
  o.max_delay = milliseconds(1000);
  o.random01 = [r] { return r; };
  return o;
}

Error E(ErrorCode code) { return Error(code, "x"); }

TEST(RetryPolicy, RetriesOnlyRetryableErrorsUpToMaxAttempts) {
  FakeClock clock(SysTime{});
  RetryPolicy p(Fixed(0.5), clock);
  EXPECT_TRUE(p.ShouldRetry(E(ErrorCode::kRetryable), 1));
  EXPECT_TRUE(p.ShouldRetry(E(ErrorCode::kRetryable), 3));
  EXPECT_FALSE(p.ShouldRetry(E(ErrorCode::kRetryable), 4));  // 4 attempts in all
  for (ErrorCode never : {ErrorCode::kAuth, ErrorCode::kPermission, ErrorCode::kNotFound,
                          ErrorCode::kInvalidArgument, ErrorCode::kConflict, ErrorCode::kBadData}) {
    EXPECT_FALSE(p.ShouldRetry(E(never), 1)) << ErrorCodeName(never);
  }
}

TEST(RetryPolicy, CappedExponentialCeilingWithFullJitter) {
  FakeClock clock(SysTime{});
  RetryPolicy top(Fixed(0.999999), clock);
  EXPECT_EQ(top.Backoff(1, std::nullopt), milliseconds(99));
  EXPECT_EQ(top.Backoff(2, std::nullopt), milliseconds(199));
  EXPECT_EQ(top.Backoff(3, std::nullopt), milliseconds(399));
  EXPECT_EQ(top.Backoff(4, std::nullopt), milliseconds(799));
  EXPECT_EQ(top.Backoff(5, std::nullopt), milliseconds(999));   // capped at max_delay
  EXPECT_EQ(top.Backoff(60, std::nullopt), milliseconds(999));  // no overflow however many attempts
  RetryPolicy half(Fixed(0.5), clock);
  EXPECT_EQ(half.Backoff(3, std::nullopt), milliseconds(200));
  RetryPolicy zero(Fixed(0.0), clock);
  EXPECT_EQ(zero.Backoff(3, std::nullopt), milliseconds(0));
}

TEST(RetryPolicy, RetryAfterIsAFloorAndIsCapped) {
  FakeClock clock(SysTime{});
  RetryPolicy p(Fixed(0.5), clock);
  EXPECT_EQ(p.Backoff(1, milliseconds(3000)), milliseconds(3000));
  EXPECT_EQ(p.Backoff(4, milliseconds(10)), milliseconds(400));  // jittered wait already longer
  EXPECT_EQ(p.Backoff(1, milliseconds(3'600'000)), milliseconds(60'000));
}

TEST(RetryPolicy, WaitSleepsOnTheInjectedClock) {
  FakeClock clock(SysTime{});
  RetryPolicy p(Fixed(0.5), clock);
  EXPECT_EQ(p.Wait(1, std::nullopt), milliseconds(50));
  EXPECT_EQ(p.Wait(2, std::nullopt), milliseconds(100));
  EXPECT_EQ(p.Wait(2, milliseconds(2000)), milliseconds(2000));
  EXPECT_EQ(clock.TotalSlept(), milliseconds(2150));
  EXPECT_EQ(clock.Now(), SysTime{} + milliseconds(2150));
}

TEST(RetryPolicy, DefaultJitterStaysWithinTheCeiling) {
  FakeClock clock(SysTime{});
  RetryOptions o;
  o.base_delay = milliseconds(100);
  o.max_delay = milliseconds(400);
  RetryPolicy p(o, clock);
  for (int i = 0; i < 200; ++i) {
    auto d = p.Backoff(3, std::nullopt);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 400);
  }
}

TEST(RetryPolicy, ParsesRetryAfterSeconds) {
  EXPECT_EQ(ParseRetryAfter("3"), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter(" 0 "), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
}

}  // namespace
}  // namespace billpipe::s3
