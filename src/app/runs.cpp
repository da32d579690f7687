#include "app/runs.h"

#include <fmt/format.h>

#include "app/datasets.h"
#include "app/live_runs.h"
#include "catalog/datasets.h"
#include "s3/client.h"
#include "sink/open_sink.h"
#include "util/date.h"

namespace billpipe::app {
namespace {

// A preview reads the start of one file: a small read-ahead keeps what is fetched and thrown away small.
constexpr size_t kPreviewStreamBuffer = 1u << 20;

std::filesystem::path LockDir(const std::filesystem::path& home) { return home / "locks"; }

pipeline::RunEnvironment Environment(s3::ObjectStore& store, sink::Sink& sink, const std::filesystem::path& home,
                                     const RunHooks& hooks) {
  return pipeline::RunEnvironment{store, sink, Clock::System(), LockDir(home), hooks.progress, hooks.warn,
                                  hooks.checkpoint, hooks.stop};
}

// Runs a catalog dataset, without recording it.
Result<pipeline::RunSummary> RunJob(const std::filesystem::path& home, const std::string& name,
                                    const RunHooks& hooks) {
  BP_ASSIGN_OR_RETURN(auto catalog, OpenCatalog(home));
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(*catalog, name));
  catalog.reset();  // a run can be long: it does not keep the catalog open
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  BP_ASSIGN_OR_RETURN(auto sink, OpenDatasetSink(job.destination));
  pipeline::RunEnvironment env = Environment(*store, *sink, home, hooks);
  return pipeline::RunDataset(job.request, env);
}

}  // namespace

Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const std::filesystem::path& home) {
  return catalog::Catalog::Open(home, Clock::System());
}

Result<pipeline::RunSummary> RunCatalogDataset(const std::filesystem::path& home, const std::string& name,
                                               const RunHooks& hooks) {
  // A catalog dataset run by hand goes into the run history with trigger "manual" (it never retries).
  std::unique_ptr<catalog::Catalog> recorder;
  int64_t run_id = 0;
  if (auto cat = OpenCatalog(home); cat && catalog::DatasetStore(**cat).Get(name)) {
    if (auto id = catalog::RunHistory(**cat).Start(name, catalog::Trigger::kManual, 1)) {
      recorder = std::move(*cat);
      run_id = *id;
    }
  }
  auto summary = RunJob(home, name, hooks);
  if (recorder) {
    catalog::RunHistory history(*recorder);
    Status s = summary ? history.Finish(run_id, catalog::RunStatus::kSucceeded,
                                        static_cast<int64_t>(summary->periods.size()), summary->line_items_loaded, "")
                       : history.Finish(run_id,
                                        summary.error().code == ErrorCode::kCancelled ? catalog::RunStatus::kCancelled
                                                                                      : catalog::RunStatus::kFailed,
                                        0, 0, summary.error().message);
    (void)s;  // best effort
  }
  return summary;
}

Result<pipeline::RunSummary> RunDatasetByDetails(const pipeline::RunRequest& request, const StoreSettings& settings,
                                                 const std::string& destination, const std::filesystem::path& home,
                                                 const RunHooks& hooks) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(request.dataset));
  // The destination is checked before the credentials are looked for: a refused destination is the
  // first thing to fix, and its message is the same with or without AWS keys.
  BP_RETURN_IF_ERROR(sink::ValidateDestination(destination));
  BP_ASSIGN_OR_RETURN(auto store, OpenStore(settings));
  BP_ASSIGN_OR_RETURN(auto sink, sink::OpenSink(destination));
  pipeline::RunEnvironment env = Environment(*store, *sink, home, hooks);
  return pipeline::RunDataset(request, env);
}

sched::DatasetRunner MakeDaemonRunner(std::filesystem::path home) {
  return [home = std::move(home)](const catalog::DatasetDefinition& dataset, catalog::Trigger, int,
                                  const std::atomic<bool>& stop) {
    sched::RunOutcome outcome;
    RunHooks hooks;
    hooks.stop = &stop;
    auto summary = RunJob(home, dataset.name, hooks);
    if (!summary) {
      outcome.status = Fail(std::move(summary).error());
      return outcome;
    }
    outcome.periods = static_cast<int64_t>(summary->periods.size());
    outcome.line_items = summary->line_items_loaded;
    return outcome;
  };
}

sched::DatasetRunner MakeDaemonRunner(std::filesystem::path home, LiveRuns* board) {
  return [home = std::move(home), board](const catalog::DatasetDefinition& dataset, catalog::Trigger, int,
                                         const std::atomic<bool>& stop) {
    // The daemon recorded the run's start before it called the runner: its newest run, still running.
    int64_t run_id = 0;
    if (auto cat = OpenCatalog(home)) {
      if (auto runs = catalog::RunHistory(**cat).List(dataset.name, 1);
          runs && !runs->empty() && runs->front().status == catalog::RunStatus::kRunning) {
        run_id = runs->front().id;
      }
    }
    auto entry = board->Begin(run_id, dataset.name);
    sched::RunOutcome outcome;
    RunHooks hooks;
    hooks.stop = &stop;
    hooks.progress = LiveRuns::Counters(entry);
    auto summary = RunJob(home, dataset.name, hooks);
    board->End(entry, summary);
    if (!summary) {
      outcome.status = Fail(std::move(summary).error());
      return outcome;
    }
    outcome.periods = static_cast<int64_t>(summary->periods.size());
    outcome.line_items = summary->line_items_loaded;
    return outcome;
  };
}

Result<std::vector<catalog::RunRecord>> ListRuns(catalog::Catalog& catalog, const std::string& dataset, int limit) {
  return catalog::RunHistory(catalog).List(dataset, limit);
}

nlohmann::json RunRecordJson(const catalog::RunRecord& r) {
  return {{"id", r.id},
          {"dataset", r.dataset},
          {"trigger", std::string(catalog::TriggerName(r.trigger))},
          {"attempt", r.attempt},
          {"started_at", FormatTimestamp(r.started_at)},
          {"ended_at", r.ended_at ? nlohmann::json(FormatTimestamp(*r.ended_at)) : nlohmann::json()},
          {"status", std::string(catalog::RunStatusName(r.status))},
          {"periods", r.periods},
          {"line_items", r.line_items},
          {"error", r.error}};
}

Result<DatasetStatus> GetDatasetStatus(const std::string& destination, const std::string& dataset,
                                       const std::string& password) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(dataset));
  BP_ASSIGN_OR_RETURN(auto sink, sink::OpenSink(destination, Clock::System(), password));
  DatasetStatus status;
  status.dataset = dataset;
  status.destination = sink->Describe();
  BP_ASSIGN_OR_RETURN(status.state, sink->ReadState(dataset));
  BP_ASSIGN_OR_RETURN(status.versions, sink->ListVersions(dataset));
  return status;
}

nlohmann::ordered_json DatasetStatusJson(const DatasetStatus& status) {
  nlohmann::ordered_json j;
  const auto& state = status.state;
  j["dataset"] = status.dataset;
  j["destination"] = status.destination;
  j["version"] = state.current ? state.current->version : 0;
  auto& periods = j["periods"] = nlohmann::ordered_json::array();
  for (const auto& s : state.current_segments) {
    periods.push_back({{"billing_period", s.key.billing_period}, {"version_key", s.key.version_key},
                       {"status", std::string(sink::FinalityName(s.finality))}, {"line_items", s.line_items}, {"unblended_cost", s.total},
                       {"window_start", s.key.window_start}, {"window_end", s.key.window_end},
                       {"filter", std::string(sink::FilterName(s.key.filter))}, {"loaded_at", s.loaded_at}});
  }
  auto& vs = j["versions"] = nlohmann::ordered_json::array();
  for (const auto& v : status.versions) vs.push_back({{"version", v.version}, {"created_at", v.created_at}, {"note", v.note}});
  return j;
}

Result<int64_t> RestoreDatasetVersion(const std::string& destination, const std::string& dataset, int64_t version) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(dataset));
  BP_ASSIGN_OR_RETURN(auto sink, sink::OpenSink(destination));
  return sink->Restore(dataset, version);
}

Result<pipeline::VerifyReport> VerifyCatalogDataset(const std::filesystem::path& home, const std::string& name) {
  BP_ASSIGN_OR_RETURN(auto catalog, OpenCatalog(home));
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(*catalog, name));
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  BP_ASSIGN_OR_RETURN(auto sink, OpenDatasetSink(job.destination));
  pipeline::RunEnvironment env = Environment(*store, *sink, home, {});
  return pipeline::VerifyDataset(job.request, env);
}

Result<pipeline::VerifyReport> VerifyDatasetByDetails(const pipeline::RunRequest& request, const StoreSettings& settings,
                                                      const std::string& destination,
                                                      const std::filesystem::path& home) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(request.dataset));
  BP_RETURN_IF_ERROR(sink::ValidateDestination(destination));
  BP_ASSIGN_OR_RETURN(auto store, OpenStore(settings));
  BP_ASSIGN_OR_RETURN(auto sink, sink::OpenSink(destination));
  pipeline::RunEnvironment env = Environment(*store, *sink, home, {});
  return pipeline::VerifyDataset(request, env);
}

Result<pipeline::Preview> PreviewCatalogDataset(const std::filesystem::path& home, const std::string& name,
                                                size_t rows) {
  BP_ASSIGN_OR_RETURN(auto catalog, OpenCatalog(home));
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(*catalog, name));
  job.client.stream_buffer_bytes = kPreviewStreamBuffer;
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  return pipeline::PreviewDataset(job.request, *store, Clock::System(), rows);
}

Result<pipeline::Preview> PreviewDatasetByDetails(const pipeline::RunRequest& request, const StoreSettings& settings,
                                                  size_t rows) {
  BP_ASSIGN_OR_RETURN(auto store, OpenStore(settings));
  return pipeline::PreviewDataset(request, *store, Clock::System(), rows);
}

}  // namespace billpipe::app
