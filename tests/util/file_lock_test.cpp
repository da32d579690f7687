#include "util/file_lock.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe {
namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FileLock::HeldMessage Says() {
  return [](const std::string& holder) { return "held by [" + holder + "]"; };
}

TEST(FileLockTest, SecondTakerIsToldWhoHoldsItUntilItIsReleased) {
  testing::TempDir dir;
  auto path = dir.path() / "locks" / "x.lock";
  auto first = FileLock::TryAcquire(path, "billpipe run, pid 7", Says());
  ASSERT_TRUE(first) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(path.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(Slurp(path), "billpipe run, pid 7\n");

  auto second = FileLock::TryAcquire(path, "other", Says());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(second.error().message, "held by [billpipe run, pid 7]");
  EXPECT_EQ(Slurp(path), "billpipe run, pid 7\n");  // the loser does not overwrite the holder's line

  first->reset();
  EXPECT_EQ(Slurp(path), "");
  auto third = FileLock::TryAcquire(path, "third", Says());
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(Slurp(path), "third\n");
}

}  // namespace
}  // namespace billpipe
