// billpipe serve (the scheduler daemon) and billpipe runs [NAME] (the run history).
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/live_runs.h"
#include "app/runs.h"
#include "catalog/runs.h"
#include "cli/catalog_common.h"
#include "cli/commands.h"
#include "sched/daemon.h"
#include "sched/daemon_log.h"
#include "sched/failure_notifier.h"
#include "server/http_server.h"
#include "util/date.h"
#include "util/home.h"

namespace billpipe::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

struct ServeFlags {
  std::string home;
  std::string dataset;
  int limit = 20;
  bool json = false;
  std::string poll = "30s";
  int max_concurrent = sched::kDefaultMaxConcurrentRuns;
  std::string log_format = "text";
  std::string log_file;
  std::string on_failure_command;
  std::string on_failure_webhook;
  std::string on_failure_webhook_file;  // the URL in a file (0600): not in `ps` for the daemon's life
  std::string on_failure_webhook_env;   // the URL in an environment variable
  bool http = false;                    // --http given: serve the Data Center
  std::string http_address;             // empty: server::kDefaultHttpAddress
  std::string token_file;
};

// The failure webhook's URL from one of its three forms. The file and environment forms keep a URL
// that holds a token out of the process list.
Result<std::string> WebhookUrl(const ServeFlags& f) {
  int given = !f.on_failure_webhook.empty() + !f.on_failure_webhook_file.empty() + !f.on_failure_webhook_env.empty();
  if (given > 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "Give the failure webhook once: --on-failure-webhook URL, --on-failure-webhook-file FILE or "
                "--on-failure-webhook-env VAR.");
  }
  if (!f.on_failure_webhook_env.empty()) {
    const char* v = std::getenv(f.on_failure_webhook_env.c_str());
    if (v == nullptr || *v == '\0') {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The environment variable {} (from --on-failure-webhook-env) is not set or empty.",
                              f.on_failure_webhook_env));
    }
    return std::string(v);
  }
  if (!f.on_failure_webhook_file.empty()) {
    std::ifstream in(f.on_failure_webhook_file);
    std::string url;
    if (!in || !std::getline(in, url)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Cannot read the failure webhook URL from {} (--on-failure-webhook-file): the file is "
                              "missing, unreadable or empty.",
                              f.on_failure_webhook_file));
    }
    while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
    if (url.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The file {} (--on-failure-webhook-file) holds no URL on its first line.",
                              f.on_failure_webhook_file));
    }
    return url;
  }
  return f.on_failure_webhook;
}

// Test hook (docs/testing.md): BILLPIPE_TEST_TIME_SCALE=N runs the daemon's clock N times faster than
// real time from its start, so process tests see retries minutes apart within seconds.
class ScaledClock final : public Clock {
 public:
  explicit ScaledClock(int64_t scale) : scale_(scale), start_(Clock::System().Now()) {}
  SysTime Now() override {
    auto real = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - steady_start_);
    return start_ + real * scale_;
  }
  void SleepFor(std::chrono::milliseconds d) override {
    std::this_thread::sleep_for(std::max<std::chrono::milliseconds>(d / scale_, std::chrono::milliseconds(1)));
  }

 private:
  int64_t scale_;
  SysTime start_;
  std::chrono::steady_clock::time_point steady_start_ = std::chrono::steady_clock::now();
};

// Closes the log file (if one was opened) at the end of serve.
struct LogFile {
  std::FILE* file = nullptr;
  ~LogFile() {
    if (file != nullptr && file != stderr) std::fclose(file);
  }
};

Status Serve(const ServeFlags& f) {
  BP_ASSIGN_OR_RETURN(auto poll, catalog::ParseInterval(f.poll));
  BP_ASSIGN_OR_RETURN(auto format, sched::ParseLogFormat(f.log_format));
  BP_ASSIGN_OR_RETURN(std::string webhook_url, WebhookUrl(f));
  // The Data Center's address and token are checked before anything starts.
  server::ServerOptions http;
  if (f.http) {
    BP_ASSIGN_OR_RETURN(http.address,
                        server::ParseListenAddress(f.http_address.empty() ? server::kDefaultHttpAddress : f.http_address));
    BP_ASSIGN_OR_RETURN(http.token, server::ReadToken(f.token_file));
    if (!http.address.loopback() && http.token.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Refusing to serve the Data Center on {} without a token: anyone who can reach it could "
                              "read and change the catalog. Give --token-file FILE or set BILLPIPE_TOKEN, or listen on "
                              "127.0.0.1.",
                              http.address.host));
    }
  } else if (!f.token_file.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--token-file is for the Data Center: give --http ADDR:PORT too.");
  }
  // A core dump of the daemon would hold decrypted secrets.
  BP_RETURN_IF_ERROR(sched::DisableCoreDumps());
  LogFile log_file{stderr};
  if (!f.log_file.empty()) {
    int fd = ::open(f.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || (log_file.file = ::fdopen(fd, "a")) == nullptr) {
      if (fd >= 0) ::close(fd);
      return Fail(ErrorCode::kIo, fmt::format("Cannot open the log file {}: {}", f.log_file, std::strerror(errno)));
    }
  }
  sched::EventLog log(format, log_file.file);
  std::unique_ptr<ScaledClock> scaled;
  if (const char* scale = std::getenv("BILLPIPE_TEST_TIME_SCALE"); scale != nullptr && std::atoll(scale) > 1) {
    scaled = std::make_unique<ScaledClock>(std::atoll(scale));
  }
  Clock& clock = scaled ? static_cast<Clock&>(*scaled) : Clock::System();

  sched::FailureNotifierOptions notice;
  notice.command = f.on_failure_command;
  notice.webhook_url = std::move(webhook_url);
  notice.on_error = [&log, &clock](const std::string& error) {
    sched::DaemonEvent e;
    e.kind = sched::DaemonEvent::Kind::kNotifyFailed;
    e.at = clock.Now();
    e.error = error;
    log.Write(e);
  };
  sched::FailureNotifier notifier(std::move(notice));

  sched::DaemonOptions options;
  options.home = DataHome(f.home);
  options.clock = &clock;
  options.poll = poll;
  options.max_concurrent = f.max_concurrent;
  options.on_event = [&log](const sched::DaemonEvent& e) { log.Write(e); };
  if (notifier.enabled()) options.on_final_failure = [&notifier](const std::string& json) { notifier.Notify(json); };
  app::LiveRuns live_runs;
  options.runner = f.http ? app::MakeDaemonRunner(options.home, &live_runs) : app::MakeDaemonRunner(options.home);
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  action.sa_flags = SA_RESTART;  // a signal must not fail a worker's system call with EINTR
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  http.home = options.home;
  BP_ASSIGN_OR_RETURN(auto daemon, sched::Daemon::Start(std::move(options)));
  std::unique_ptr<server::HttpServer> web;
  if (f.http) {
    http.daemon = daemon.get();
    http.runs = &live_runs;
    BP_ASSIGN_OR_RETURN(web, server::HttpServer::Start(std::move(http)));
    // The one line a person (or a script) needs: where the Data Center is.
    std::fprintf(stderr, "billpipe Data Center: %s\n", web->url().c_str());
  }
  Status loop = daemon->Loop(g_stop);
  if (web) web->Stop();
  notifier.Wait();  // notices in flight end within their timeouts
  return loop;
}

}  // namespace

void RegisterServeCommands(CLI::App& app, CliState& state) {
  auto f = std::make_shared<ServeFlags>();
  auto run = [&state](std::function<Status()> body) {
    Status s = body();
    state.exit_code = s ? kExitOk : ReportError(s.error());
  };

  auto* serve = app.add_subcommand("serve", "Run datasets on their schedules until SIGTERM or SIGINT");
  AddHomeOption(serve, &f->home);
  serve->add_option("--poll", f->poll, "Longest wait between checks (default 30s)");
  serve->add_option("--max-concurrent", f->max_concurrent, "Runs at once, of different datasets")
      ->capture_default_str()
      ->check(CLI::Range(1, sched::kMaxConcurrentRunsLimit));
  serve->add_option("--log-format", f->log_format, "text | json (one JSON object per line)")->capture_default_str();
  serve->add_option("--log-file", f->log_file, "Append the log to this file (default: standard error)");
  serve->add_option("--on-failure-command", f->on_failure_command,
                    "After a failure with no retry left: run this with /bin/sh, the run summary JSON on stdin "
                    "and in BILLPIPE_RUN_JSON");
  serve->add_option("--on-failure-webhook", f->on_failure_webhook,
                    "After a failure with no retry left: POST the run summary JSON to this URL (visible in ps: "
                    "prefer the -file or -env form when it holds a token)");
  serve->add_option("--on-failure-webhook-file", f->on_failure_webhook_file,
                    "The webhook URL from the first line of this file");
  serve->add_option("--on-failure-webhook-env", f->on_failure_webhook_env,
                    "The webhook URL from this environment variable");
  serve->add_option("--http", f->http_address,
                    "Serve the Data Center (web UI and JSON API) on ADDR:PORT (default 127.0.0.1:8080)")
      ->expected(0, 1);
  serve->add_option("--token-file", f->token_file,
                    "The Data Center's access token, from the first line of this file (or BILLPIPE_TOKEN); required "
                    "off loopback");
  serve->callback([f, serve, run] {
    f->http = serve->count("--http") > 0;
    run([&]() -> Status { return Serve(*f); });
  });

  auto* runs = app.add_subcommand("runs", "Show the run history (all datasets, or one)");
  AddHomeOption(runs, &f->home);
  runs->add_option("name", f->dataset, "Dataset name");
  runs->add_option("--limit", f->limit, "How many runs (newest first; default 20)");
  runs->add_flag("--json", f->json, "Print JSON");
  runs->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto records, app::ListRuns(*cat, f->dataset, f->limit));
      if (f->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& r : records) arr.push_back(app::RunRecordJson(r));
        std::cout << arr.dump(2) << "\n";
        return Ok();
      }
      if (records.empty()) {
        std::cout << (f->dataset.empty() ? std::string("No runs yet.\n")
                                         : fmt::format("No runs of '{}' yet.\n", f->dataset));
        return Ok();
      }
      std::cout << fmt::format("{:<24}  {:<20}  {:<8}  {:<9}  {:>7}  {:>10}  {}\n", "STARTED", "DATASET", "TRIGGER",
                               "STATUS", "PERIODS", "LINE ITEMS", "ERROR");
      for (const auto& r : records) {
        std::cout << fmt::format("{:<24}  {:<20}  {:<8}  {:<9}  {:>7}  {:>10}  {}\n", FormatTimestamp(r.started_at),
                                 r.dataset, catalog::TriggerName(r.trigger), catalog::RunStatusName(r.status),
                                 r.periods, r.line_items, r.error);
      }
      return Ok();
    });
  });
}

}  // namespace billpipe::cli
