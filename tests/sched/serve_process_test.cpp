// billpipe serve as a process against the S3 double (through the fault proxy): a schedule that fires
// and loads exact totals, a run that fails twice and succeeds on retry, a failure after the last retry
// that calls the command and the webhook, a manual run that fails and does not retry, SIGTERM during a
// load (rolled back, finished by the next start), one daemon per data directory; and the secret never
// appears in an output, a log or a file of the data directory.
//
// The daemon's clock runs 3600 times faster (BILLPIPE_TEST_TIME_SCALE): an hour is a second, a
// one-minute retry 17 ms.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_fixture.h"
#include "cur_upload.h"
#include "sqlite_query.h"
#include "one_request_server.h"
#include "s3/client.h"
#include "sched/failure_notifier.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using pipeline::testing::CurFixture;
using pipeline::testing::Line;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kMasterKey(64, 'a');

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::vector<Line> Days(int month, int from, int to, const std::string& cost) {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    out.push_back(Line{fmt::format("2026-{:02d}-{:02d}T00:00:00Z", month, d), cost, "", "AmazonS3", ""});
  }
  return out;
}

// Waits (bounded) until the daemon wrote its pid into the lock file.
bool WaitForLock(const std::filesystem::path& home, pid_t pid) {
  for (int i = 0; i < 400; ++i) {
    std::ifstream in(home / "serve.lock");
    std::string line;
    if (std::getline(in, line) && line == std::to_string(pid)) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// Waits (bounded) for the process to exit; returns its exit status, or -1 if it did not exit.
int WaitForExit(pid_t pid, seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

// Polls until pred() holds (bounded: 60 s, for slow sanitizer builds); false if it never did.
bool WaitUntil(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

class ServeS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = S3TestServer::Start().release();
    proxy_ = FaultProxy::Start(server_->endpoint()).release();
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete server_;
  }
  void SetUp() override { proxy_->Clear(); }
  void TearDown() override {
    for (pid_t pid : daemons_) {
      if (::kill(pid, 0) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    proxy_->Clear();
    // The secret is in no output, no log and no file of the data directory.
    for (const auto& o : outputs_) EXPECT_EQ(o.find(kTestSecretKey), std::string::npos) << o;
    for (const auto& e : std::filesystem::recursive_directory_iterator(tmp_.path())) {
      if (!e.is_regular_file()) continue;
      EXPECT_EQ(ReadFile(e.path()).find(kTestSecretKey), std::string::npos) << e.path();
    }
  }

  std::filesystem::path home() const { return tmp_.path() / "home"; }
  std::filesystem::path log() const { return tmp_.path() / "serve.log"; }
  std::vector<std::string> Env() const {
    return {"BILLPIPE_HOME=" + home().string(), "BILLPIPE_MASTER_KEY=" + kMasterKey,
            std::string("TEST_SECRET=") + kTestSecretKey, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
            "AWS_PROFILE=", "BILLPIPE_TEST_TIME_SCALE=3600"};
  }
  CommandResult Run(const std::vector<std::string>& args) {
    auto r = RunBillpipe(args, Env());
    outputs_.push_back(r.out + r.err);
    return r;
  }

  // Writes a CUR layout locally and uploads every file to the S3 double (not through the proxy).
  void Upload(const std::function<void(CurFixture&)>& write) {
    UploadCurLayout(S3UploadOptions(server_->endpoint()), "billing", write);
  }

  // The account (through the fault proxy) and a dataset of report `report`, November 2026.
  void Setup(const std::string& report, const std::string& schedule, const std::string& retry,
             bool start_later = false) {
    auto account = Run({"account", "add", "--name", "main", "--access-key-id", kTestAccessKey, "--secret-env",
                        "TEST_SECRET", "--endpoint", proxy_->endpoint(), "--no-test"});
    ASSERT_EQ(account.exit_code, 0) << account.err;
    std::vector<std::string> args = {"dataset", "create", report, "--account", "main", "--bucket", "billing",
                                     "--prefix", "cur", "--report", report, "--start", "2026-10-01", "--end",
                                     "2026-11-30", "--schedule", schedule, "--retry", retry};
    if (start_later) {
      args.push_back("--start-later");
      args.push_back("2030-01-01 00:00");
    }
    auto created = Run(args);
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }

  pid_t Serve(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"serve", "--poll", "1s", "--log-format", "json", "--log-file", log().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_t pid = SpawnBillpipe(args, Env(), tmp_.path() / "serve.out");
    daemons_.push_back(pid);
    EXPECT_TRUE(WaitForLock(home(), pid)) << "serve's output: " << ReadFile(tmp_.path() / "serve.out");
    return pid;
  }
  void Stop(pid_t pid) {
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    EXPECT_EQ(WaitForExit(pid, seconds(30)), 0) << ReadFile(tmp_.path() / "serve.out");
  }

  // The run history of a dataset, oldest first: "trigger #attempt status line_items error".
  std::vector<std::string> History(const std::string& dataset) {
    auto r = Run({"runs", dataset, "--json", "--limit", "100"});
    std::vector<std::string> out;
    if (r.exit_code != 0) return {"runs failed: " + r.err};
    auto j = nlohmann::json::parse(r.out);
    for (auto it = j.rbegin(); it != j.rend(); ++it) {
      std::string line = fmt::format("{} #{} {} {}", (*it)["trigger"].get<std::string>(), (*it)["attempt"].get<int>(),
                                     (*it)["status"].get<std::string>(), (*it)["line_items"].get<int64_t>());
      if (!(*it)["error"].get<std::string>().empty()) line += " " + (*it)["error"].get<std::string>();
      out.push_back(line);
    }
    return out;
  }
  bool HasRuns(const std::string& dataset, size_t n, const std::string& last_status) {
    auto h = History(dataset);
    return h.size() >= n && h[n - 1].find(" " + last_status) != std::string::npos;
  }
  // The daemon's JSON log lines of one event kind, each as JSON.
  std::vector<nlohmann::json> LogEvents(const std::string& event) {
    std::vector<nlohmann::json> out;
    std::istringstream in(ReadFile(log()));
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      if (j["event"] == event) out.push_back(j);
    }
    return out;
  }
  std::filesystem::path Db() const { return home() / "billpipe.db"; }

  static S3TestServer* server_;
  static FaultProxy* proxy_;
  TempDir tmp_;
  std::vector<pid_t> daemons_;
  std::vector<std::string> outputs_;
};
S3TestServer* ServeS3Test::server_ = nullptr;
FaultProxy* ServeS3Test::proxy_ = nullptr;

TEST_F(ServeS3Test, ScheduleFiresAndLoadsExactTotals) {
  Upload([](CurFixture& f) {
    f.WritePeriod(2026, 10, "a1", {Days(10, 1, 31, "0.1000000000"), Days(10, 1, 31, "0.2000000000")}, false, false,
                  "hourly");
    f.WritePeriod(2026, 11, "b1", {Days(11, 1, 28, "1.0000000001")}, false, false, "hourly");
  });
  Setup("hourly", "every 1 hours", "never");
  pid_t pid = Serve();
  ASSERT_TRUE(WaitUntil([&] { return HasRuns("hourly", 1, "succeeded"); })) << ReadFile(log());
  Stop(pid);
  auto h = History("hourly");
  EXPECT_EQ(h[0], "schedule #1 succeeded 90");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM hourly"), "90");
  EXPECT_EQ(QueryOne(Db(), "SELECT printf('%.10f', sum(line_item_unblended_cost)) FROM hourly"), "37.3000000028");
  // The log: one line per event, as JSON.
  auto starts = LogEvents("daemon_start");
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0]["home"], home().string());
  EXPECT_EQ(starts[0]["pid"], pid);
  EXPECT_EQ(starts[0]["max_concurrent"], 2);  // the default
  auto ends = LogEvents("run_end");
  ASSERT_GE(ends.size(), 1u);
  EXPECT_EQ(ends[0]["dataset"], "hourly");
  EXPECT_EQ(ends[0]["trigger"], "schedule");
  EXPECT_EQ(ends[0]["status"], "succeeded");
  EXPECT_EQ(ends[0]["periods"], 2);
  EXPECT_EQ(ends[0]["line_items"], 90);
  EXPECT_EQ(LogEvents("daemon_stop").size(), 1u);
}

TEST_F(ServeS3Test, FailsTwiceThenSucceedsOnRetry) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "f1", {Days(11, 1, 10, "0.5")}, false, false, "flaky"); });
  Setup("flaky", "every day at 06:00", "always 3 every 1m", /*start_later=*/true);
  // The report's manifest is refused twice (AccessDenied is not retried by the S3 client).
  proxy_->SetFaults(R"([{"action":"denied","method":"GET","path":"/billing/cur/flaky/","times":2}])");
  pid_t pid = Serve();
  ASSERT_TRUE(WaitUntil([&] { return HasRuns("flaky", 3, "succeeded"); })) << ReadFile(log());
  Stop(pid);
  auto h = History("flaky");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].substr(0, 20), "schedule #1 failed 0");
  EXPECT_NE(h[0].find("AccessDenied"), std::string::npos) << h[0];
  EXPECT_EQ(h[1].substr(0, 17), "retry #2 failed 0");
  EXPECT_EQ(h[2], "retry #3 succeeded 10");
  EXPECT_EQ(QueryOne(Db(), "SELECT printf('%.1f', sum(line_item_unblended_cost)) FROM flaky"), "5.0");
  auto ends = LogEvents("run_end");
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_TRUE(ends[0].contains("next_retry_at"));
  EXPECT_FALSE(ends[2].contains("next_retry_at"));
}

TEST_F(ServeS3Test, FailureAfterTheLastRetryCallsTheCommandAndTheWebhook) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "d1", {Days(11, 1, 3, "1")}, false, false, "doomed"); });
  Setup("doomed", "every day at 06:00", "always 1 every 1m", /*start_later=*/true);
  proxy_->SetFaults(R"([{"action":"denied","method":"GET","path":"/billing/cur/doomed/","times":2}])");
  OneRequestServer hook(200);
  auto stdin_file = tmp_.path() / "notice-stdin.json", env_file = tmp_.path() / "notice-env.json";
  pid_t pid = Serve({"--on-failure-command",
                     fmt::format("cat > '{}.tmp' && printf '%s' \"$BILLPIPE_RUN_JSON\" > '{}' && mv '{}.tmp' '{}'",
                                 stdin_file.string(), env_file.string(), stdin_file.string(), stdin_file.string()),
                     "--on-failure-webhook", fmt::format("http://127.0.0.1:{}/hook?token=t0k3n", hook.port())});
  ASSERT_TRUE(WaitUntil([&] { return std::filesystem::exists(stdin_file) && !hook.request().empty(); }))
      << ReadFile(log());
  Stop(pid);
  EXPECT_EQ(History("doomed").size(), 2u);
  auto notice = nlohmann::json::parse(ReadFile(stdin_file));
  EXPECT_EQ(notice["dataset"], "doomed");
  EXPECT_EQ(notice["trigger"], "retry");
  EXPECT_EQ(notice["attempt"], 2);
  EXPECT_EQ(notice["status"], "failed");
  EXPECT_NE(notice["error"].get<std::string>().find("AccessDenied"), std::string::npos) << notice;
  EXPECT_EQ(ReadFile(env_file), ReadFile(stdin_file));
  std::string req = hook.request();
  EXPECT_EQ(req.substr(0, req.find("\r\n")), "POST /hook?token=t0k3n HTTP/1.1");
  EXPECT_EQ(req.substr(req.find("\r\n\r\n") + 4), ReadFile(stdin_file));
  EXPECT_TRUE(LogEvents("notify_failed").empty());
}

// Issue 11 e, k, l: the webhook URL (with its token) comes from a file, so it is not on the daemon's
// command line; the failure command gets no master key; the daemon cannot dump core.
TEST_F(ServeS3Test, WebhookFromAFileCommandWithoutTheKeyAndNoCoreDumps) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "h1", {Days(11, 1, 2, "1")}, false, false, "hidden"); });
  Setup("hidden", "every day at 06:00", "never", /*start_later=*/true);
  proxy_->SetFaults(R"([{"action":"denied","method":"GET","path":"/billing/cur/hidden/","times":1}])");
  OneRequestServer hook(200);
  auto url_file = tmp_.path() / "webhook.url";
  {
    std::ofstream out(url_file);
    out << fmt::format("http://127.0.0.1:{}/hook?token=t0k3n\n", hook.port());
  }
  auto env_file = tmp_.path() / "notice-env.txt";
  pid_t pid = Serve({"--on-failure-webhook-file", url_file.string(), "--on-failure-command",
                     fmt::format("env > '{}.tmp' && mv '{}.tmp' '{}'", env_file.string(), env_file.string(),
                                 env_file.string())});
  std::string cmdline = ReadFile(fmt::format("/proc/{}/cmdline", pid));
  EXPECT_FALSE(cmdline.empty());
  EXPECT_EQ(cmdline.find("t0k3n"), std::string::npos) << cmdline;
  std::string limits = ReadFile(fmt::format("/proc/{}/limits", pid));
  EXPECT_NE(limits.find("Max core file size        0                    0"), std::string::npos) << limits;
  ASSERT_TRUE(WaitUntil([&] { return std::filesystem::exists(env_file) && !hook.request().empty(); }))
      << ReadFile(log());
  Stop(pid);
  std::string req = hook.request();
  EXPECT_EQ(req.substr(0, req.find("\r\n")), "POST /hook?token=t0k3n HTTP/1.1");
  std::string env = ReadFile(env_file);
  EXPECT_NE(env.find("BILLPIPE_RUN_JSON="), std::string::npos) << env;
  EXPECT_EQ(env.find("BILLPIPE_MASTER_KEY"), std::string::npos) << env;
  EXPECT_EQ(env.find(kMasterKey), std::string::npos);
  EXPECT_TRUE(LogEvents("notify_failed").empty());
  std::filesystem::remove(env_file);  // it holds the test's TEST_SECRET variable (TearDown looks for it)
}

TEST_F(ServeS3Test, AWebhookThatCannotBeReachedIsLogged) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "u1", {Days(11, 1, 2, "1")}, false, false, "unlucky"); });
  Setup("unlucky", "every day at 06:00", "never", /*start_later=*/true);
  proxy_->SetFaults(R"([{"action":"denied","method":"GET","path":"/billing/cur/unlucky/","times":1}])");
  int closed_port = 0;
  {
    OneRequestServer gone(200);  // a port that was free a moment ago; nothing listens there any more
    closed_port = gone.port();
    (void)sched::PostNoticeWebhook(fmt::format("http://127.0.0.1:{}/", closed_port), "{}", milliseconds(2'000));
  }
  pid_t pid = Serve({"--on-failure-webhook", fmt::format("http://127.0.0.1:{}/hook?token=t0k3n", closed_port)});
  ASSERT_TRUE(WaitUntil([&] { return !LogEvents("notify_failed").empty(); })) << ReadFile(log());
  Stop(pid);
  auto failed = LogEvents("notify_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["error"], fmt::format("the failure webhook http://127.0.0.1:{} could not be reached: "
                                            "Couldn't connect to server", closed_port));
  EXPECT_EQ(ReadFile(log()).find("t0k3n"), std::string::npos);
  EXPECT_EQ(History("unlucky").size(), 1u);
}

TEST_F(ServeS3Test, ManualRunFailsAndDoesNotRetry) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "m1", {Days(11, 1, 4, "1")}, false, false, "by_hand"); });
  Setup("by_hand", "manual", "always 3 every 1m");
  pid_t pid = Serve();
  proxy_->SetFaults(R"([{"action":"denied","method":"GET","path":"/billing/cur/by_hand/","times":1}])");
  auto r = Run({"run", "by_hand"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("AccessDenied"), std::string::npos) << r.err;
  // Three scaled hours pass (three seconds): a retry would have come after one minute.
  std::this_thread::sleep_for(seconds(3));
  Stop(pid);
  auto h = History("by_hand");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].substr(0, 18), "manual #1 failed 0");
  EXPECT_TRUE(LogEvents("run_start").empty());
  // Run by hand again, it loads.
  auto again = Run({"run", "by_hand"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(History("by_hand").back(), "manual #1 succeeded 4");
}

TEST_F(ServeS3Test, SigtermDuringALoadRollsBackAndTheNextStartFinishesIt) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 10, "o1", {Days(10, 1, 31, "0.25")}, false, false, "big"); });
  Setup("big", "every day at 06:00", "never", /*start_later=*/true);
  auto first = Run({"run", "big"});  // version 1: October
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Upload([](CurFixture& f) {
    f.WritePeriod(2026, 11, "n1", {Days(11, 1, 30, "1.5"), Days(11, 1, 30, "2.5")}, false, false, "big");
  });
  const std::string held = "/billing/cur/big/20261101-20261201/n1/big-2.csv.gz";
  proxy_->SetFaults(fmt::format(R"([{{"action":"delay","method":"GET","path":"{}","delay_ms":4000}}])", held));
  pid_t pid = Serve();
  // The run is loading November: its second file is held by the proxy.
  ASSERT_TRUE(WaitUntil([&] { return proxy_->LogJson().find(held) != std::string::npos; }));
  auto t0 = std::chrono::steady_clock::now();
  Stop(pid);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(30));
  auto h = History("big");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1], "schedule #1 cancelled 0 the run was stopped; the dataset is unchanged");
  // Unchanged: October only, version 1.
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM big"), "31");
  EXPECT_EQ(QueryOne(Db(), "SELECT printf('%.2f', sum(line_item_unblended_cost)) FROM big"), "7.75");
  // The next start runs it again at once and finishes it.
  proxy_->Clear();
  pid_t again = Serve();
  ASSERT_TRUE(WaitUntil([&] { return HasRuns("big", 3, "succeeded"); })) << ReadFile(log());
  Stop(again);
  EXPECT_EQ(History("big")[2], "schedule #1 succeeded 60");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM big"), "91");
  EXPECT_EQ(QueryOne(Db(), "SELECT printf('%.2f', sum(line_item_unblended_cost)) FROM big"), "127.75");
}

TEST_F(ServeS3Test, SecondDaemonIsRefusedAndSigtermStopsTheFirst) {
  pid_t pid = Serve();
  auto second = Run({"serve"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.err, "billpipe: Another billpipe serve is running for " + home().string() + " (pid " +
                            std::to_string(pid) + "). Stop it first, or use another --home.\n");
  Stop(pid);
  // The lock went with it: a new daemon starts, and SIGINT stops it too.
  pid_t again = Serve();
  ASSERT_EQ(::kill(again, SIGINT), 0);
  EXPECT_EQ(WaitForExit(again, seconds(30)), 0);
  EXPECT_EQ(LogEvents("daemon_start").size(), 2u);
  EXPECT_EQ(LogEvents("daemon_stop").size(), 2u);
}

TEST_F(ServeS3Test, BadLogOptionsAreRefused) {
  auto format = Run({"serve", "--log-format", "xml"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_EQ(format.err, "billpipe: Unknown log format 'xml'. Choose text or json.\n");
  auto file = Run({"serve", "--log-file", (tmp_.path() / "no" / "such" / "dir.log").string()});
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_EQ(file.err, "billpipe: Cannot open the log file " + (tmp_.path() / "no/such/dir.log").string() +
                          ": No such file or directory\n");
}

TEST(RunsCommandTest, EmptyHistory) {
  TempDir tmp;
  auto r = RunBillpipe({"runs", "--home", (tmp.path() / "h").string()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "No runs yet.\n");
  auto one = RunBillpipe({"runs", "costs", "--home", (tmp.path() / "h").string()});
  EXPECT_EQ(one.out, "No runs of 'costs' yet.\n");
}

}  // namespace
}  // namespace billpipe::testing
