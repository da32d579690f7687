#include "catalog/retry.h"

#include <gtest/gtest.h>

namespace billpipe::catalog {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

TEST(RetryPolicyTest, ParsesAndRoundTrips) {
  EXPECT_EQ(RetryPolicy::Parse("never")->ToString(), "never");
  EXPECT_EQ(RetryPolicy::Parse("always")->ToString(), "always 3 every 10m");
  EXPECT_EQ(RetryPolicy::Parse("Always 5 every 2h")->ToString(), "always 5 every 2h");
  EXPECT_EQ(RetryPolicy::Parse("always 2 every 90s")->ToString(), "always 2 every 90s");
}

TEST(RetryPolicyTest, RefusesWhatIsOutOfRange) {
  const std::string allowed =
      ". Write 'never', or 'always N every INTERVAL' with N 1 to 10 and INTERVAL 1m to 24h (e.g. 'always 3 every 10m').";
  EXPECT_EQ(RetryPolicy::Parse("always 11 every 10m").error().message,
            "The retry 'always 11 every 10m' is not valid: '11' attempts" + allowed);
  EXPECT_EQ(RetryPolicy::Parse("always 3 every 30s").error().message,
            "The retry 'always 3 every 30s' is not valid: the interval 30s is out of range" + allowed);
  EXPECT_EQ(RetryPolicy::Parse("sometimes").error().message,
            "The retry 'sometimes' is not valid: it starts with 'never' or 'always'" + allowed);
  EXPECT_EQ(RetryPolicy::Parse("always 3 every soon").error().message,
            "The retry 'always 3 every soon' is not valid: 'soon' is not an interval" + allowed);
}

TEST(RetryPolicyTest, BacksOffByDoublingUpToSixHours) {
  auto p = *RetryPolicy::Parse("always 6 every 1h");
  EXPECT_EQ(p.DelayBefore(1), milliseconds(hours(1)));
  EXPECT_EQ(p.DelayBefore(2), milliseconds(hours(2)));
  EXPECT_EQ(p.DelayBefore(3), milliseconds(hours(4)));
  EXPECT_EQ(p.DelayBefore(4), milliseconds(hours(6)));
  EXPECT_EQ(p.DelayBefore(6), milliseconds(hours(6)));
  EXPECT_EQ(p.DelayBefore(7), std::nullopt);
  auto long_interval = *RetryPolicy::Parse("always 2 every 12h");
  EXPECT_EQ(long_interval.DelayBefore(2), milliseconds(hours(12)));
}

TEST(RetryPolicyTest, OnlyScheduledRunsRetry) {
  auto p = *RetryPolicy::Parse("always 2 every 10m");
  SysTime failed(milliseconds(1'000'000));
  EXPECT_EQ(NextRetryAt(p, Trigger::kSchedule, 0, failed), failed + minutes(10));
  EXPECT_EQ(NextRetryAt(p, Trigger::kRetry, 1, failed), failed + minutes(20));
  EXPECT_EQ(NextRetryAt(p, Trigger::kRetry, 2, failed), std::nullopt);
  EXPECT_EQ(NextRetryAt(p, Trigger::kManual, 0, failed), std::nullopt);
  EXPECT_EQ(NextRetryAt(*RetryPolicy::Parse("never"), Trigger::kSchedule, 0, failed), std::nullopt);
}

}  // namespace
}  // namespace billpipe::catalog
