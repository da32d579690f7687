// Runs: POST /api/datasets/{name}/runs asks the daemon for a run (202 with its run id), GET
// /api/runs/{id} (state, live progress, and at the end the per-period summary), GET /api/runs (the
// history), GET /api/runs/{id}/events (a Server-Sent Events stream of progress until the run ends).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "app/datasets.h"
#include "app/live_runs.h"
#include "app/runs.h"
#include "catalog/runs.h"
#include "server/routes.h"

namespace billpipe::server {
namespace {

using std::chrono::milliseconds;

// How long POST .../runs waits for the daemon to start the run before it answers "queued".
constexpr milliseconds kStartWait{10'000};
constexpr milliseconds kStartPoll{50};
// How often a progress stream sends an event.
constexpr milliseconds kStreamInterval{250};
// After a run ended, how long a stream waits for the daemon to record it before it sends the end.
constexpr int kRecordWaitSteps = 40;
constexpr int kMaxRunsListed = 500;

int64_t NewestRunId(catalog::Catalog& cat, const std::string& dataset) {
  auto runs = app::ListRuns(cat, dataset, 1);
  return runs && !runs->empty() ? runs->front().id : 0;
}

// A run as the API shows it: the history's record, "state", "progress" (while this process ran it)
// and "summary" (the per-period summary, once ended, while this process keeps it).
nlohmann::json RunJson(const catalog::RunRecord& record, const std::optional<app::LiveRunView>& live) {
  nlohmann::json j = app::RunRecordJson(record);
  std::string state(catalog::RunStatusName(record.status));
  if (live && live->ended && record.status == catalog::RunStatus::kRunning) {
    state = live->error.empty() ? "succeeded" : "failed";  // ended; the daemon is recording it
    if (!live->error.empty()) j["error"] = live->error;
  }
  j["state"] = state;
  j["progress"] = live ? app::ProgressJson(*live) : nlohmann::json();
  j["summary"] = live && live->summary ? app::RunSummaryObject(*live->summary) : nlohmann::json();
  return j;
}

Result<int64_t> RunIdParam(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a run id.", text.substr(0, 40)));
  }
  return std::stoll(text);
}

std::string Event(std::string_view name, const nlohmann::json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", name, data.dump());
}

}  // namespace

void AddRunRoutes(httplib::Server& http, Context& ctx) {
  http.Post(R"(/api/datasets/([^/]+)/runs)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto def = app::GetDataset(**cat, req.matches[1]);
    if (!def) return SendError(res, def.error());
    if (auto live = ctx.options.runs->Running(def->name)) {
      nlohmann::json j = {{"error", fmt::format("Dataset '{}' is running already (run {}).", def->name, live->run_id)},
                          {"code", "conflict"},
                          {"run_id", live->run_id}};
      return SendJson(res, 409, j);
    }
    int64_t before = NewestRunId(**cat, def->name);
    ctx.options.daemon->RequestRun(def->name);
    auto deadline = std::chrono::steady_clock::now() + kStartWait;
    while (std::chrono::steady_clock::now() < deadline && !ctx.stopping) {
      int64_t newest = NewestRunId(**cat, def->name);
      if (newest > before) {
        return SendJson(res, 202, nlohmann::json{{"run_id", newest}, {"dataset", def->name}, {"state", "running"}});
      }
      std::this_thread::sleep_for(kStartPoll);
    }
    // Every run slot is busy: the daemon starts it when one frees.
    SendJson(res, 202, nlohmann::json{{"run_id", nullptr}, {"dataset", def->name}, {"state", "queued"}});
  });

  http.Get("/api/runs", [&ctx](const httplib::Request& req, httplib::Response& res) {
    int limit = req.has_param("limit") ? std::atoi(req.get_param_value("limit").c_str()) : 50;
    limit = std::clamp(limit, 1, kMaxRunsListed);
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto runs = app::ListRuns(**cat, req.get_param_value("dataset"), limit);
    if (!runs) return SendError(res, runs.error());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *runs) out.push_back(RunJson(r, ctx.options.runs->Find(r.id)));
    SendJson(res, 200, out);
  });

  http.Get(R"(/api/runs/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto id = RunIdParam(req.matches[1]);
    if (!id) return SendError(res, id.error());
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto record = catalog::RunHistory(**cat).Get(*id);
    if (!record) return SendError(res, record.error());
    SendJson(res, 200, RunJson(*record, ctx.options.runs->Find(*id)));
  });

  // event: progress (ProgressJson) every kStreamInterval while the run runs; then one event: end with the
  // run (RunJson), and the stream ends.
  http.Get(R"(/api/runs/([^/]+)/events)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto id = RunIdParam(req.matches[1]);
    if (!id) return SendError(res, id.error());
    {
      auto cat = OpenRequestCatalog(ctx);
      if (!cat) return SendError(res, cat.error());
      if (auto record = catalog::RunHistory(**cat).Get(*id); !record) return SendError(res, record.error());
    }
    int64_t run_id = *id;
    res.status = 200;
    res.set_chunked_content_provider("text/event-stream", [&ctx, run_id](size_t, httplib::DataSink& sink) {
      auto send = [&sink](const std::string& text) { return sink.write(text.data(), text.size()); };
      if (ctx.stopping) {
        sink.done();
        return true;
      }
      auto live = ctx.options.runs->Find(run_id);
      if (live && !live->ended) {
        if (!send(Event("progress", app::ProgressJson(*live)))) return false;
        std::this_thread::sleep_for(kStreamInterval);
        return true;
      }
      // Ended (or run by another process): the record, once the daemon wrote the run's end.
      auto cat = OpenRequestCatalog(ctx);
      if (!cat) {
        send(Event("end", nlohmann::json{{"error", cat.error().message}, {"code", "io"}}));
        sink.done();
        return true;
      }
      catalog::RunHistory history(**cat);
      auto record = history.Get(run_id);
      for (int i = 0; live && record && record->status == catalog::RunStatus::kRunning && i < kRecordWaitSteps &&
                      !ctx.stopping;
           ++i) {
        std::this_thread::sleep_for(milliseconds(50));
        record = history.Get(run_id);
      }
      if (!record) {
        send(Event("end", nlohmann::json{{"error", record.error().message}, {"code", "not_found"}}));
      } else if (!live && record->status == catalog::RunStatus::kRunning) {
        // Running but not in this process's board (started before the stream could see it): wait.
        if (!send(": waiting\n\n")) return false;
        std::this_thread::sleep_for(kStreamInterval);
        return true;
      } else {
        send(Event("end", RunJson(*record, live)));
      }
      sink.done();
      return true;
    });
  });
}

}  // namespace billpipe::server
