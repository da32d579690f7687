#include "sched/failure_notifier.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

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

size_t DiscardBody(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

Status RunNoticeCommand(const std::string& command, const std::string& json, milliseconds timeout) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    return Fail(ErrorCode::kIo, fmt::format("the failure command could not start: {}", std::strerror(errno)));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in[0]);
    ::close(in[1]);
    return Fail(ErrorCode::kIo, fmt::format("the failure command could not start: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in[0], STDIN_FILENO);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    }
    if (json.size() <= kRunJsonEnvMaxBytes) ::setenv(kRunJsonEnv, json.c_str(), 1);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
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

Status PostNoticeWebhook(const std::string& url, const std::string& json, milliseconds timeout) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Fail(ErrorCode::kInternal, "libcurl could not start");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"), &curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &DiscardBody);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return Fail(rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kRetryable : ErrorCode::kIo,
                fmt::format("the failure webhook {} could not be reached: {}", UrlOrigin(url),
                            curl_easy_strerror(rc)));
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code > 299) {
    return Fail(ErrorCode::kIo, fmt::format("the failure webhook {} answered HTTP {}", UrlOrigin(url), code));
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
