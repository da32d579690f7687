// The failure notice: a command fed the run summary JSON, and a webhook POST to a tiny HTTP server
// on 127.0.0.1 run by the test.
#include "sched/failure_notifier.h"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "one_request_server.h"
#include "test_support.h"

namespace billpipe::sched {
namespace {

using billpipe::testing::OneRequestServer;
using billpipe::testing::TempDir;
using std::chrono::milliseconds;

constexpr const char* kJson = R"({"run_id":3,"dataset":"daily","error":"it's \"bad\" $HOME `x`"})";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(NoticeCommandTest, GetsTheJsonOnStdinAndInTheEnvironment) {
  TempDir tmp;
  auto in = tmp.path() / "stdin.json", env = tmp.path() / "env.json";
  auto cmd = fmt::format("cat > '{}'; printf '%s' \"$BILLPIPE_RUN_JSON\" > '{}'", in.string(), env.string());
  ASSERT_TRUE(RunNoticeCommand(cmd, kJson, milliseconds(10'000)));
  EXPECT_EQ(ReadFile(in), kJson);
  EXPECT_EQ(ReadFile(env), kJson);
}

// Issue 11 e: the command does not get the master key (it opens every stored secret); it is started with
// posix_spawn and an environment built for it.
TEST(NoticeCommandTest, TheEnvironmentHasNoMasterKey) {
  TempDir tmp;
  ::setenv("BILLPIPE_MASTER_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
  ::setenv("BILLPIPE_TEST_KEPT", "kept", 1);
  auto out = tmp.path() / "env.txt";
  Status run = RunNoticeCommand(fmt::format("env > '{}'", out.string()), kJson, milliseconds(10'000));
  ::unsetenv("BILLPIPE_MASTER_KEY");
  ::unsetenv("BILLPIPE_TEST_KEPT");
  ASSERT_TRUE(run) << run.error().message;
  std::string env = ReadFile(out);
  EXPECT_EQ(env.find("BILLPIPE_MASTER_KEY"), std::string::npos) << env;
  EXPECT_EQ(env.find("00112233445566778899aabbccddeeff"), std::string::npos);
  EXPECT_NE(env.find("BILLPIPE_TEST_KEPT=kept\n"), std::string::npos) << env;  // the rest is passed on
  EXPECT_NE(env.find(std::string("BILLPIPE_RUN_JSON=") + kJson + "\n"), std::string::npos) << env;
}

TEST(NoticeCommandTest, FailuresSayWhat) {
  auto exit3 = RunNoticeCommand("exit 3", kJson, milliseconds(10'000));
  ASSERT_FALSE(exit3);
  EXPECT_EQ(exit3.error().message, "the failure command exited with status 3");
  auto slow = RunNoticeCommand("sleep 30", kJson, milliseconds(200));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().message, "the failure command did not finish within 200 ms and was killed");
  // A command that does not read its input does not end the caller with SIGPIPE.
  // (A summary too big for the environment goes on stdin only.)
  std::string big(1 << 20, 'x');
  auto unread = RunNoticeCommand("exec 0<&-; test -z \"$BILLPIPE_RUN_JSON\"", big, milliseconds(10'000));
  EXPECT_TRUE(unread) << unread.error().message;
}

TEST(NoticeWebhookTest, PostsTheJson) {
  OneRequestServer server(204);
  auto url = fmt::format("http://127.0.0.1:{}/hooks/billpipe?token=s3cr3t", server.port());
  ASSERT_TRUE(PostNoticeWebhook(url, kJson, milliseconds(10'000)));
  std::string req = server.request();
  EXPECT_EQ(req.substr(0, req.find("\r\n")), "POST /hooks/billpipe?token=s3cr3t HTTP/1.1");
  EXPECT_NE(req.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << req;
  EXPECT_EQ(req.substr(req.find("\r\n\r\n") + 4), kJson);
}

TEST(NoticeWebhookTest, FailuresNameTheHostButNotThePath) {
  {
    OneRequestServer server(500);
    auto url = fmt::format("http://127.0.0.1:{}/hooks/billpipe?token=s3cr3t", server.port());
    auto r = PostNoticeWebhook(url, kJson, milliseconds(10'000));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, fmt::format("the failure webhook http://127.0.0.1:{} answered HTTP 500", server.port()));
  }
  {
    OneRequestServer silent(200, /*answer=*/false);
    auto url = fmt::format("http://user:pw@127.0.0.1:{}/x?token=s3cr3t", silent.port());
    auto r = PostNoticeWebhook(url, kJson, milliseconds(300));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, fmt::format("the failure webhook http://127.0.0.1:{} could not be reached: Timeout "
                                             "was reached", silent.port()));
  }
  int closed_port = 0;
  {
    OneRequestServer gone(200);
    closed_port = gone.port();
    // Connect once so its thread ends, then it closes.
    (void)PostNoticeWebhook(fmt::format("http://127.0.0.1:{}/", closed_port), "{}", milliseconds(2'000));
  }
  auto r = PostNoticeWebhook(fmt::format("http://127.0.0.1:{}/", closed_port), kJson, milliseconds(2'000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, fmt::format("the failure webhook http://127.0.0.1:{} could not be reached: Couldn't "
                                           "connect to server", closed_port));
}

TEST(FailureNotifierTest, RunsTheCommandThenTheWebhookAndReportsEachFailure) {
  TempDir tmp;
  OneRequestServer server(204);
  std::mutex mu;
  std::vector<std::string> errors;
  FailureNotifierOptions options;
  options.command = fmt::format("cat > '{}'; exit 7", (tmp.path() / "in.json").string());
  options.webhook_url = fmt::format("http://127.0.0.1:{}/hook", server.port());
  options.on_error = [&](const std::string& e) {
    std::lock_guard lock(mu);
    errors.push_back(e);
  };
  FailureNotifier notifier(options);
  ASSERT_TRUE(notifier.enabled());
  notifier.Notify(kJson);
  notifier.Wait();
  EXPECT_EQ(ReadFile(tmp.path() / "in.json"), kJson);
  std::string req = server.request();
  EXPECT_EQ(req.substr(req.find("\r\n\r\n") + 4), kJson);
  EXPECT_EQ(errors, (std::vector<std::string>{"the failure command exited with status 7"}));
  EXPECT_FALSE(FailureNotifier(FailureNotifierOptions{}).enabled());
}

}  // namespace
}  // namespace billpipe::sched
