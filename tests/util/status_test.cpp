#include "util/status.h"

#include <gtest/gtest.h>

#include "util/byte_source.h"
#include "util/clock.h"

namespace billpipe {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Fail(ErrorCode::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  BP_ASSIGN_OR_RETURN(int h, Half(x));
  BP_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  BP_RETURN_IF_ERROR(Half(x));
  return Ok();
}

TEST(StatusTest, PropagatesErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_TRUE(CheckEven(4));
  EXPECT_FALSE(CheckEven(5));
}

TEST(StatusTest, ContextPrefixesMessage) {
  Error e(ErrorCode::kBadData, "bad gzip header");
  e.Context("reading s3://b/k");
  EXPECT_EQ(e.message, "reading s3://b/k: bad gzip header");
  EXPECT_EQ(ErrorCodeName(e.code), "bad_data");
}

TEST(ByteSourceTest, ReadAllHonoursLimit) {
  StringSource src(std::string(100, 'x'), "mem");
  auto all = ReadAll(src, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 100u);
  StringSource big(std::string(101, 'x'), "mem");
  auto err = ReadAll(big, 100);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message, "mem is larger than the 100 bytes expected");
}

TEST(FakeClockTest, SleepAdvancesWithoutWaiting) {
  FakeClock clock(SysTime(std::chrono::milliseconds(1000)));
  clock.SleepFor(std::chrono::milliseconds(250));
  EXPECT_EQ(clock.Now().time_since_epoch().count(), 1250);
  EXPECT_EQ(clock.TotalSlept().count(), 250);
}

}  // namespace
}  // namespace billpipe
