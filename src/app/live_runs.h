// The runs in progress in this process and their live progress, for a server that shows them: the
// daemon's runner (MakeDaemonRunner with a board) registers each run under its run-history id, updates
// its counters while it runs, and keeps its summary when it ends. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/progress.h"
#include "pipeline/run.h"
#include "sched/daemon.h"
#include "util/status.h"

namespace billpipe::app {

// How many ended runs the board keeps (their summaries); older ones are read from the run history only.
inline constexpr size_t kLiveRunsKeptAfterEnd = 64;

// What a reader sees of one run at one moment.
struct LiveRunView {
  int64_t run_id = 0;
  std::string dataset;
  bool ended = false;
  double seconds = 0;  // since the run started (to its end, once ended)
  int64_t bytes_total = 0;
  int64_t bytes_read = 0;
  int64_t files_total = 0;
  int64_t files_done = 0;
  int64_t line_items = 0;
  std::optional<pipeline::RunSummary> summary;  // once ended successfully
  std::string error;                            // once ended with an error
};

// {"bytes_total","bytes_read","files_total","files_done","line_items","seconds","line_items_per_second",
//  "seconds_left" (null while unknown)}.
nlohmann::json ProgressJson(const LiveRunView& view);
// The per-period summary of an ended run: pipeline::SummaryJson's object (periods with exact costs).
nlohmann::json RunSummaryObject(const pipeline::RunSummary& summary);

class LiveRuns {
 public:
  struct Entry;

  // Registers a run starting now (the runner calls it).
  std::shared_ptr<Entry> Begin(int64_t run_id, const std::string& dataset);
  // The run's counters, updated by the pipeline from its threads.
  static pipeline::ProgressCounters* Counters(const std::shared_ptr<Entry>& entry);
  // Records the end of the run.
  void End(const std::shared_ptr<Entry>& entry, const Result<pipeline::RunSummary>& result);

  // The run with this id, while it runs or among the last kLiveRunsKeptAfterEnd ended ones.
  std::optional<LiveRunView> Find(int64_t run_id);
  // The run of this dataset in progress, if any.
  std::optional<LiveRunView> Running(const std::string& dataset);

 private:
  LiveRunView View(const Entry& entry);

  std::mutex mu_;
  std::map<int64_t, std::shared_ptr<Entry>> runs_;
  std::deque<int64_t> ended_;  // oldest first
};

// The daemon's runner of MakeDaemonRunner(home), which also shows each run on `board` (which must
// outlive the daemon), under the id the daemon recorded it with in the run history.
sched::DatasetRunner MakeDaemonRunner(std::filesystem::path home, LiveRuns* board);

}  // namespace billpipe::app
