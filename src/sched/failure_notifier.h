// What the daemon does after a run fails with no retry left: run a command and/or POST to a webhook,
// with the run summary (sched::RunSummaryJson) as the payload. Both happen on a thread of their own,
// bounded by timeouts, so the daemon never waits on them; a failure is reported to `on_error` (the
// daemon logs it), never retried.
//
//   command: run as `/bin/sh -c COMMAND` in its own process group, the JSON on standard input and in
//            the environment variable BILLPIPE_RUN_JSON (up to 64 KiB); standard output and error go to /dev/null.
//            Exit status 0 is success; past the timeout (15 s) the group is killed (SIGKILL).
//   webhook: HTTP POST of the JSON (Content-Type: application/json) over the HTTP transport
//            (s3/http_client.h); a 2xx answer is success; a total timeout of 10 s.
// Errors name the target without its path or query (a webhook URL often carries a token):
// "the failure webhook http://127.0.0.1:8080 could not be reached: Couldn't connect to server".
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "s3/http_client.h"
#include "util/status.h"

namespace billpipe::sched {

// Together under the 30 seconds a stopping daemon has: it waits for a notice in flight.
inline constexpr std::chrono::seconds kNoticeCommandTimeout{15};
inline constexpr std::chrono::seconds kNoticeWebhookTimeout{10};
inline constexpr const char* kRunJsonEnv = "BILLPIPE_RUN_JSON";
// Linux refuses an environment string over 128 KiB (MAX_ARG_STRLEN); a larger summary goes on stdin only.
inline constexpr size_t kRunJsonEnvMaxBytes = 64 * 1024;

// Runs the command to its end (or the timeout). Blocking. Started with posix_spawn (never fork in this
// threaded process) and an environment built beforehand: the daemon's without BILLPIPE_MASTER_KEY,
// plus BILLPIPE_RUN_JSON.
Status RunNoticeCommand(const std::string& command, const std::string& json, std::chrono::milliseconds timeout);
// Posts the JSON and reads the answer (or times out), over `transport` (null: a libcurl client with
// `timeout` as its connect and total timeout; s3/http_client.h). Blocking.
Status PostNoticeWebhook(const std::string& url, const std::string& json, std::chrono::milliseconds timeout,
                         s3::HttpTransport* transport = nullptr);

struct FailureNotifierOptions {
  std::string command;      // empty: none
  std::string webhook_url;  // empty: none
  std::chrono::milliseconds command_timeout = kNoticeCommandTimeout;
  std::chrono::milliseconds webhook_timeout = kNoticeWebhookTimeout;
  // Called on the notifier's thread with each failure's message; must be thread-safe.
  std::function<void(const std::string& error)> on_error;
};

class FailureNotifier {
 public:
  explicit FailureNotifier(FailureNotifierOptions options) : options_(std::move(options)) {}
  // Waits for notices in flight (each bounded by its timeouts).
  ~FailureNotifier();
  FailureNotifier(const FailureNotifier&) = delete;
  FailureNotifier& operator=(const FailureNotifier&) = delete;

  bool enabled() const { return !options_.command.empty() || !options_.webhook_url.empty(); }
  // Starts sending one notice (command, then webhook) and returns at once. Threads of notices already
  // sent are joined here, so they do not pile up in a long-running daemon.
  void Notify(std::string json);
  // Waits until every notice started so far is done.
  void Wait();

 private:
  FailureNotifierOptions options_;
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mu_;
  std::vector<Job> jobs_;
};

}  // namespace billpipe::sched
