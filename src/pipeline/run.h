// A run: plan -> fetch -> decode -> shape -> load -> commit, for one dataset (DESIGN.md).
//
// The run asks the report's reader (cur/report_reader.h) for the newest version of every billing period
// its window overlaps, skips the periods whose version, window share and filter are already loaded,
// decodes the files of the others in parallel (one worker per file, up to `workers`; the batch source
// chosen by the version's format), filters their lines, and writes them from one writer thread into
// the sink's load, which it publishes and commits as the new dataset version. Any error rolls
// everything back: the dataset and its state are as they were before the run.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cur/report_reader.h"
#include "pipeline/dataset_spec.h"
#include "pipeline/progress.h"
#include "s3/object_store.h"
#include "sink/sink.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::pipeline {

enum class BadRowPolicy {
  kFail,  // a malformed row fails the run (default)
  kSkip,  // skipped and counted in the summary
};

struct RunRequest {
  std::string dataset;      // the table name in the destination
  std::string bucket;
  std::string prefix;       // the report's path prefix, without a trailing slash ("" for none)
  std::string report_name;
  // Which reader reads the report; kAny: a legacy report or a data export, whichever the name is.
  cur::ReportKind report_kind = cur::ReportKind::kAny;
  Filter filter = Filter::kAll;
  // The dataset's columns: the report's own, or FOCUS 1.2 from any report (pipeline/schema_step.h).
  OutputSchema schema = OutputSchema::kCur;
  Duration duration;
  UpdateMethod update = UpdateMethod::kReplace;
  int keep_versions = 1;               // Replace/Append/Partition: earlier dataset versions kept for restore
  int partition_retention_months = 0;  // Partition: drop periods older than this (0: keep all)
  BadRowPolicy bad_rows = BadRowPolicy::kFail;
  int workers = 0;                     // 0: the number of cores
};

struct RunEnvironment {
  s3::ObjectStore& store;
  sink::Sink& sink;
  Clock& clock;
  std::filesystem::path lock_dir;      // where the per-dataset run locks live
  ProgressCounters* progress = nullptr;  // optional
  std::function<void(const std::string&)> warn;  // optional: a warning for the user
  // Optional: called at each step of the run ("planned", "segment", "batch", "published", "committed")
  // from the writer thread. Tests use it to kill the process at chosen points.
  std::function<void(std::string_view step)> checkpoint;
  // Optional: set from another thread to stop the run; it rolls back and fails with kCancelled.
  const std::atomic<bool>* stop = nullptr;
};

struct PeriodSummary {
  std::string period;          // "2019-12"
  std::string action;          // "loaded", "unchanged", "already appended", "no report yet", "failed"
  std::string version_key;
  std::string window;          // the window's share of the period
  std::string status;          // "estimated", "final", "restated" (loaded and unchanged periods)
  int64_t files = 0;
  int64_t compressed_bytes = 0;
  int64_t line_items_read = 0;
  int64_t line_items_loaded = 0;
  int64_t filtered_out = 0;    // by the filter or the window
  int64_t rejected = 0;        // malformed rows skipped (BadRowPolicy::kSkip)
  std::string unblended_cost;  // exact decimal text, of the loaded lines
};

struct RunSummary {
  std::string dataset;
  std::string destination;
  std::string window;
  std::string filter;
  std::string update;
  std::vector<PeriodSummary> periods;
  std::vector<std::string> warnings;
  int64_t version = 0;           // the dataset version published; 0 when nothing changed
  int64_t line_items_loaded = 0;
  int64_t filtered_out = 0;
  int64_t rejected = 0;
  int64_t compressed_bytes = 0;
  double seconds = 0;
  // The writer thread: waiting for the first batch (download and decoding starting up), waiting for
  // later batches (the workers falling behind it: near zero when the writer is the limit), inserting.
  double writer_first_batch_seconds = 0;
  double writer_wait_seconds = 0;
  double writer_busy_seconds = 0;
  std::string message;           // e.g. "Nothing new: every period is up to date."
};

Result<RunSummary> RunDataset(const RunRequest& request, RunEnvironment& env);

// The summary for a person, several lines; and as JSON.
std::string FormatSummary(const RunSummary& summary);
std::string SummaryJson(const RunSummary& summary);

}  // namespace billpipe::pipeline
