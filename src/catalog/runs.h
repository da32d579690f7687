// The run history: one row per run of a dataset — start, end, trigger (schedule, retry, manual),
// status, periods and line items loaded, and the error of a failed run. Kept when the dataset is
// deleted (by name). Written by whoever runs a dataset (the daemon, `billpipe run NAME`); read by
// `billpipe runs [NAME]`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/retry.h"
#include "util/status.h"

namespace billpipe::catalog {

enum class RunStatus { kRunning, kSucceeded, kFailed, kCancelled };
std::string_view RunStatusName(RunStatus status);  // "running" | "succeeded" | "failed" | "cancelled"

struct RunRecord {
  int64_t id = 0;
  std::string dataset;
  Trigger trigger = Trigger::kManual;
  int attempt = 1;                  // 1 for the run itself, 2 for its first retry, ...
  int64_t started_at = 0;           // ms since epoch
  std::optional<int64_t> ended_at;  // empty while running
  RunStatus status = RunStatus::kRunning;
  int64_t periods = 0;
  int64_t line_items = 0;
  std::string error;                // the failure's message (never a secret: errors never hold one)
};

class RunHistory {
 public:
  explicit RunHistory(Catalog& catalog) : catalog_(catalog) {}

  // Records a run starting now; returns its id.
  Result<int64_t> Start(std::string_view dataset, Trigger trigger, int attempt);
  // Records its end now.
  Status Finish(int64_t id, RunStatus status, int64_t periods, int64_t line_items, std::string_view error);
  // Newest first; dataset empty: every dataset. At most `limit` rows.
  Result<std::vector<RunRecord>> List(std::string_view dataset, int limit);
  // The run with this id; kNotFound when there is none.
  Result<RunRecord> Get(int64_t id);
  // Marks runs left 'running' by a process that died as cancelled (the daemon calls it on start).
  Status CancelStaleRuns(std::string_view why);

 private:
  Catalog& catalog_;
};

}  // namespace billpipe::catalog
