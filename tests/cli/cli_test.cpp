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

namespace billpipe::testing {
namespace {

// Issue 11 k: a secret given to a command that does not take it is not printed back in the parse error.
TEST(CliTest, ParseErrorsDoNotEchoSecrets) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"dataset", "list", "--secret-access-key", secret},
        std::vector<std::string>{"runs", "--aws-secret-access-key=" + secret},
        std::vector<std::string>{"status", "--session-token", secret, "--table", "x"},
        std::vector<std::string>{"serve", "--webhook-token", secret}}) {
    auto r = RunBillpipe(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_FALSE(r.err.empty()) << args[0];
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    // Masked, not dropped: the error still says what. (status takes the value as its dataset name.)
    if (args[0] != "status") {
      EXPECT_NE(r.err.find("***"), std::string::npos) << r.err;
    }
  }
}

// Issue 11 p: the help shows the true default of --max-concurrent.
TEST(CliTest, ServeHelpShowsTheMaxConcurrentDefault) {
  auto r = RunBillpipe({"help", "serve"});
  EXPECT_EQ(r.exit_code, 0);
  auto at = r.out.find("--max-concurrent");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_NE(line.find("]=2"), std::string::npos) << line;  // "INT:INT in [1 - 64]=2"
  EXPECT_EQ(line.find("default 1"), std::string::npos) << line;
}

}  // namespace
}  // namespace billpipe::testing
