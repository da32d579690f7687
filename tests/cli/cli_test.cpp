#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe::testing {
namespace {

TEST(CliTest, VersionPrintsVersion) {
  auto r = RunBillpipe({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("billpipe ") + BILLPIPE_VERSION + "\n");
}

TEST(CliTest, HelpListsCommandsAndExitCodes) {
  auto r = RunBillpipe({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("help"), std::string::npos);
  EXPECT_NE(r.out.find("Exit status: 0 success, 1 the job failed, 2 usage error."), std::string::npos);
}

TEST(CliTest, HelpCommandExplainsOneCommand) {
  auto r = RunBillpipe({"help", "help"});
  EXPECT_EQ(r.exit_code, 2);  // 'help' is not a command one asks help on
  auto unknown = RunBillpipe({"help", "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "billpipe: no command 'frobnicate'. Run 'billpipe --help' for the list.\n");
}

TEST(CliTest, HelpWithoutTopicDescribesBillpipe) {
  auto r = RunBillpipe({"help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("billpipe pulls AWS Cost and Usage Reports"), std::string::npos);
}

TEST(CliTest, UnknownOptionIsUsageError) {
  auto r = RunBillpipe({"--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(CliTest, NoCommandPrintsHelpAndUsageExit) {
  auto r = RunBillpipe({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("billpipe pulls AWS Cost and Usage Reports"), std::string::npos);
}

}  // namespace
}  // namespace billpipe::testing
