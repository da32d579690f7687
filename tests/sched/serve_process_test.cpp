// billpipe serve as a process: one per data directory, and SIGTERM stops it cleanly.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe::testing {
namespace {

// Starts `billpipe serve --home home` with its output to /dev/null; returns its pid.
pid_t StartServe(const std::filesystem::path& home) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    std::string bin = BillpipeBinary().string(), h = home.string();
    ::execl(bin.c_str(), bin.c_str(), "serve", "--home", h.c_str(), "--poll", "1s", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits (bounded) until the daemon wrote its pid into the lock file.
bool WaitForLock(const std::filesystem::path& home, pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(home / "serve.lock");
    std::string line;
    if (std::getline(in, line) && line == std::to_string(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Waits (bounded) for the process to exit; returns its exit status, or -1 if it did not exit.
int WaitForExit(pid_t pid, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

TEST(ServeProcessTest, SecondDaemonIsRefusedAndSigtermStopsTheFirst) {
  TempDir tmp;
  auto home = tmp.path() / "home";
  pid_t pid = StartServe(home);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForLock(home, pid));
  auto second = RunBillpipe({"serve", "--home", home.string()});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.err, "billpipe: Another billpipe serve is running for " + home.string() + " (pid " +
                            std::to_string(pid) + "). Stop it first, or use another --home.\n");
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitForExit(pid, std::chrono::seconds(30)), 0);
  // The lock went with it: a new daemon starts.
  pid_t again = StartServe(home);
  ASSERT_TRUE(WaitForLock(home, again));
  ASSERT_EQ(::kill(again, SIGINT), 0);
  EXPECT_EQ(WaitForExit(again, std::chrono::seconds(30)), 0);
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
