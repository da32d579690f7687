#include "sched/failure_notifier.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "catalog/secret_box.h"
#include "util/byte_source.h"

namespace billpipe::sched {
namespace {

using std::chrono::milliseconds;

// scheme://host[:port] of a URL: what an error may show of it.
std::string UrlOrigin(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return "(not a URL)";
  auto end = url.find_first_of("/?#", scheme + 3);
  std::string origin = url.substr(0, end);
  auto at = origin.find('@', scheme + 3);  // user:password@host
  if (at != std::string::npos) origin = origin.substr(0, scheme + 3) + origin.substr(at + 1);
  return origin;
}

// Writes all of data to fd; false on an error (EPIPE when the reader is gone).
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

// The command's environment: the daemon's, without the master key (it opens every stored secret) and
// with the run's JSON. Built before the command starts: nothing is allocated between fork and exec.
std::vector<std::string> NoticeEnvironment(const std::string& json) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name == catalog::kMasterKeyEnv || name == kRunJsonEnv) continue;
    env.emplace_back(entry);
  }
  if (json.size() <= kRunJsonEnvMaxBytes) env.push_back(fmt::format("{}={}", kRunJsonEnv, json));
  return env;
}

Status RunNoticeCommand(const std::string& command, const std::string& json, milliseconds timeout) {
  auto failed_to_start = [](int err) {
    return Fail(ErrorCode::kIo, fmt::format("the failure command could not start: {}", std::strerror(err)));
  };
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return failed_to_start(errno);
  std::vector<std::string> env = NoticeEnvironment(json);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  // posix_spawn, not fork: this process has threads, and a forked child that allocates (setenv) can
  // hang on a lock another thread held. The child gets its own process group (killed whole at the
  // timeout), no blocked signals, the JSON on stdin, /dev/null for stdout and stderr.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  if (rc != 0) {
    ::close(in[1]);
    return failed_to_start(rc);
  }
  // A command that does not read its input closes the pipe: that is EPIPE here, not a SIGPIPE that
  // would end the daemon. SIGPIPE is blocked on this thread and a pending one is taken back.
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  if (!WriteAll(in[1], json) && errno == EPIPE) {
    struct timespec zero {};
    ::sigtimedwait(&pipe_set, nullptr, &zero);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(in[1]);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Fail(ErrorCode::kIo, "the failure command could not be waited for");
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Fail(ErrorCode::kRetryable,
                  fmt::format("the failure command did not finish within {} and was killed",
                              timeout.count() % 1000 == 0 ? fmt::format("{} s", timeout.count() / 1000)
                                                          : fmt::format("{} ms", timeout.count())));
    }
    std::this_thread::sleep_for(milliseconds(20));  // a side thread: real time, nothing waits on it
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ok();
  if (WIFEXITED(status)) {
    return Fail(ErrorCode::kIo, fmt::format("the failure command exited with status {}", WEXITSTATUS(status)));
  }
  return Fail(ErrorCode::kIo, fmt::format("the failure command was ended by signal {}", WTERMSIG(status)));
}

Status PostNoticeWebhook(const std::string& url, const std::string& json, milliseconds timeout,
                         s3::HttpTransport* transport) {
  std::unique_ptr<s3::HttpTransport> own;
  if (transport == nullptr) {
    s3::TransportOptions options;
    options.connect_timeout = timeout;
    options.total_timeout = timeout;
    own = std::make_unique<s3::HttpClient>(std::move(options));
    transport = own.get();
  }
  StringSource body(json, "the run summary");
  s3::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = &body;
  request.body_size = json.size();
  auto answer = transport->Perform(request, {}, [](std::string_view) { return true; });
  if (!answer) {
    const s3::TransportFailure& f = answer.error();
    return Fail(f.curl_code == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kRetryable : ErrorCode::kIo,
                fmt::format("the failure webhook {} could not be reached: {}", UrlOrigin(url),
                            f.reason.empty() ? f.message : f.reason));
  }
  if (answer->status < 200 || answer->status > 299) {
    return Fail(ErrorCode::kIo,
                fmt::format("the failure webhook {} answered HTTP {}", UrlOrigin(url), answer->status));
  }
  return Ok();
}

FailureNotifier::~FailureNotifier() { Wait(); }

void FailureNotifier::Notify(std::string json) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread thread([this, json = std::move(json), done] {
    auto report = [this](const Status& s) {
      if (!s && options_.on_error) options_.on_error(s.error().message);
    };
    if (!options_.command.empty()) report(RunNoticeCommand(options_.command, json, options_.command_timeout));
    if (!options_.webhook_url.empty()) report(PostNoticeWebhook(options_.webhook_url, json, options_.webhook_timeout));
    done->store(true);
  });
  jobs_.push_back(Job{std::move(thread), std::move(done)});
}

void FailureNotifier::Wait() {
  std::vector<Job> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& j : jobs) j.thread.join();
}

}  // namespace billpipe::sched
