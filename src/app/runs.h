// Running datasets and what runs leave behind (docs/loading.md, docs/catalog.md "Runs"): run a catalog
// dataset now (recorded in the run history as a manual run), run one given by its details, the runner
// the daemon is given, the run history, a dataset's status, verify and the load preview. Structured
// results and JSON views; no printing.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/store.h"
#include "catalog/catalog.h"
#include "catalog/runs.h"
#include "pipeline/preview.h"
#include "pipeline/progress.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "sched/daemon.h"
#include "sink/sink.h"
#include "util/status.h"

namespace billpipe::app {

// What a caller may watch or control of a run. All optional.
struct RunHooks {
  const std::atomic<bool>* stop = nullptr;        // set from another thread: the run rolls back (kCancelled)
  pipeline::ProgressCounters* progress = nullptr;
  std::function<void(const std::string&)> warn;   // a warning for the user
  std::function<void(std::string_view step)> checkpoint;  // pipeline::RunEnvironment::checkpoint
};

// Runs the catalog dataset `name` of the data directory `home` into its destination (its own, or the data
// directory's SQLite file), and records it
// in the run history with trigger "manual" (best effort: a history that cannot be written does not
// fail the run). Error texts that came from S3 are escaped and shortened (util/escape.h).
Result<pipeline::RunSummary> RunCatalogDataset(const std::filesystem::path& home, const std::string& name,
                                               const RunHooks& hooks);

// Runs a dataset given by its details into `destination` (sink::OpenSink), read through `store`.
// Run locks live in home/locks.
Result<pipeline::RunSummary> RunDatasetByDetails(const pipeline::RunRequest& request, const StoreSettings& store,
                                                 const std::string& destination, const std::filesystem::path& home,
                                                 const RunHooks& hooks);

// The runner `billpipe serve` gives the daemon: runs the catalog dataset into its destination (the
// daemon records the run itself).
sched::DatasetRunner MakeDaemonRunner(std::filesystem::path home);

// The run history, newest first; dataset empty: all. JSON: {"id","dataset","trigger","attempt",
// "started_at","ended_at","status","periods","line_items","error"}.
Result<std::vector<catalog::RunRecord>> ListRuns(catalog::Catalog& catalog, const std::string& dataset, int limit);
nlohmann::json RunRecordJson(const catalog::RunRecord& run);

// A dataset's periods and kept versions in a destination.
struct DatasetStatus {
  std::string dataset;
  std::string destination;  // the sink's Describe()
  sink::DatasetState state;
  std::vector<sink::DatasetVersion> versions;
};
// state.exists is false when the dataset was never loaded into the destination. password: one stored in
// the catalog for the destination ("" when none).
Result<DatasetStatus> GetDatasetStatus(const std::string& destination, const std::string& dataset,
                                       const std::string& password = "");
nlohmann::ordered_json DatasetStatusJson(const DatasetStatus& status);

// Makes an earlier kept version current again; returns the version it was recorded as.
Result<int64_t> RestoreDatasetVersion(const std::string& destination, const std::string& dataset, int64_t version);

// Recomputes each loaded period of a catalog dataset from S3 and compares it with its data.
Result<pipeline::VerifyReport> VerifyCatalogDataset(const std::filesystem::path& home, const std::string& name);
Result<pipeline::VerifyReport> VerifyDatasetByDetails(const pipeline::RunRequest& request, const StoreSettings& store,
                                                      const std::string& destination,
                                                      const std::filesystem::path& home);

// The Load Preview: the first rows of the newest report version, written nowhere.
Result<pipeline::Preview> PreviewCatalogDataset(const std::filesystem::path& home, const std::string& name,
                                                size_t rows);
Result<pipeline::Preview> PreviewDatasetByDetails(const pipeline::RunRequest& request, const StoreSettings& store,
                                                  size_t rows);

// Opens the catalog of a data directory with the system clock.
Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const std::filesystem::path& home);

}  // namespace billpipe::app
