#include "pipeline/run_lock.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe::pipeline {
namespace {

TEST(RunLockTest, SecondRunIsRefusedNamingTheFirst) {
  billpipe::testing::TempDir dir;
  auto first = RunLock::Acquire(dir.path() / "locks", "costs", "billpipe run, pid 42, started 2026-11-29T08:00:00Z");
  ASSERT_TRUE(first) << first.error().message;
  auto second = RunLock::Acquire(dir.path() / "locks", "costs", "billpipe run, pid 43");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(second.error().message,
            "Dataset 'costs' is already being loaded (billpipe run, pid 42, started 2026-11-29T08:00:00Z). "
            "Wait for that run to finish, or stop it, and try again.");
  EXPECT_TRUE(RunLock::Acquire(dir.path() / "locks", "other", "x"));
  first->reset();
  EXPECT_TRUE(RunLock::Acquire(dir.path() / "locks", "costs", "billpipe run, pid 44"));
}

}  // namespace
}  // namespace billpipe::pipeline
