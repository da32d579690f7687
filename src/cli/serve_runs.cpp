// billpipe serve (the scheduler daemon) and billpipe runs [NAME] (the run history).
#include <csignal>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/runs.h"
#include "cli/catalog_common.h"
#include "cli/commands.h"
#include "sched/daemon.h"
#include "util/date.h"
#include "util/home.h"

namespace billpipe::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

ServeRunner& Runner() {
  static ServeRunner runner;
  return runner;
}

struct ServeFlags {
  std::string home;
  std::string dataset;
  int limit = 20;
  bool json = false;
  std::string poll = "30s";
};

}  // namespace

void SetServeRunner(ServeRunner runner) { Runner() = std::move(runner); }

void RegisterServeCommands(CLI::App& app, CliState& state) {
  auto f = std::make_shared<ServeFlags>();
  auto run = [&state](std::function<Status()> body) {
    Status s = body();
    state.exit_code = s ? kExitOk : ReportError(s.error());
  };

  auto* serve = app.add_subcommand("serve", "Run datasets on their schedules until SIGTERM or SIGINT");
  AddHomeOption(serve, &f->home);
  serve->add_option("--poll", f->poll, "Longest wait between checks (default 30s)");
  serve->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto poll, sched::ParseInterval(f->poll));
      sched::DaemonOptions options;
      options.home = DataHome(f->home);
      options.poll = poll;
      if (Runner()) {
        options.runner = [home = f->home](const catalog::DatasetDefinition& dataset, sched::Trigger trigger,
                                          int attempt, const std::atomic<bool>& stop) {
          return Runner()(dataset, trigger, attempt, stop, home);
        };
      }
      if (!options.runner) {
        options.runner = [](const catalog::DatasetDefinition&, sched::Trigger, int, const std::atomic<bool>&) {
          return sched::RunOutcome{Fail(ErrorCode::kUnsupported,
                                        "billpipe serve is not connected to the loader yet; run the dataset with "
                                        "'billpipe run'."),
                                   0, 0};
        };
      }
      struct sigaction action {};
      action.sa_handler = OnStopSignal;
      sigemptyset(&action.sa_mask);
      ::sigaction(SIGTERM, &action, nullptr);
      ::sigaction(SIGINT, &action, nullptr);
      BP_ASSIGN_OR_RETURN(auto daemon, sched::Daemon::Start(std::move(options)));
      std::cerr << fmt::format("billpipe serve: watching {} (pid {})\n", DataHome(f->home).string(), ::getpid());
      BP_RETURN_IF_ERROR(daemon->Loop(g_stop));
      std::cerr << "billpipe serve: stopped\n";
      return Ok();
    });
  });

  auto* runs = app.add_subcommand("runs", "Show the run history (all datasets, or one)");
  AddHomeOption(runs, &f->home);
  runs->add_option("name", f->dataset, "Dataset name");
  runs->add_option("--limit", f->limit, "How many runs (newest first; default 20)");
  runs->add_flag("--json", f->json, "Print JSON");
  runs->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto records, catalog::RunHistory(*cat).List(f->dataset, f->limit));
      if (f->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& r : records) {
          arr.push_back({{"id", r.id},
                         {"dataset", r.dataset},
                         {"trigger", std::string(sched::TriggerName(r.trigger))},
                         {"attempt", r.attempt},
                         {"started_at", FormatTimestamp(r.started_at)},
                         {"ended_at", r.ended_at ? nlohmann::json(FormatTimestamp(*r.ended_at)) : nlohmann::json()},
                         {"status", std::string(catalog::RunStatusName(r.status))},
                         {"periods", r.periods},
                         {"line_items", r.line_items},
                         {"error", r.error}});
        }
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
                                 r.dataset, sched::TriggerName(r.trigger), catalog::RunStatusName(r.status),
                                 r.periods, r.line_items, r.error);
      }
      return Ok();
    });
  });
}

}  // namespace billpipe::cli
