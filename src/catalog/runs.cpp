#include "catalog/runs.h"

#include <fmt/format.h>

#include "util/escape.h"

namespace billpipe::catalog {

namespace {

constexpr const char* kRunColumns =
    "id, dataset_name, trigger, attempt, started_at, ended_at, status, periods, line_items, error";

// One row of kRunColumns.
template <class Statement>
RunRecord ReadRunRow(Statement& stmt) {
  RunRecord r;
  r.id = stmt.ColumnInt(0);
  r.dataset = stmt.ColumnText(1);
  std::string trigger = stmt.ColumnText(2);
  r.trigger = trigger == "schedule" ? Trigger::kSchedule
              : trigger == "retry"  ? Trigger::kRetry
                                    : Trigger::kManual;
  r.attempt = static_cast<int>(stmt.ColumnInt(3));
  r.started_at = stmt.ColumnInt(4);
  if (!stmt.ColumnIsNull(5)) r.ended_at = stmt.ColumnInt(5);
  std::string status = stmt.ColumnText(6);
  r.status = status == "succeeded" ? RunStatus::kSucceeded
             : status == "failed"  ? RunStatus::kFailed
             : status == "cancelled" ? RunStatus::kCancelled
                                     : RunStatus::kRunning;
  r.periods = stmt.ColumnInt(7);
  r.line_items = stmt.ColumnInt(8);
  r.error = stmt.ColumnText(9);
  return r;
}

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning: return "running";
    case RunStatus::kSucceeded: return "succeeded";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kCancelled: return "cancelled";
  }
  return "running";
}

Result<int64_t> RunHistory::Start(std::string_view dataset, Trigger trigger, int attempt) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                     "INSERT INTO runs(dataset_id, dataset_name, trigger, attempt, started_at, status) "
                                     "VALUES ((SELECT id FROM datasets WHERE name = ?1), ?1, ?2, ?3, ?4, 'running')"));
  stmt->BindText(1, dataset);
  stmt->BindText(2, catalog::TriggerName(trigger));
  stmt->BindInt(3, attempt);
  stmt->BindInt(4, catalog_.NowMillis());
  BP_RETURN_IF_ERROR(stmt->Run());
  return catalog_.db().LastInsertRowid();
}

Status RunHistory::Finish(int64_t id, RunStatus status, int64_t periods, int64_t line_items, std::string_view error) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                     "UPDATE runs SET ended_at = ?, status = ?, periods = ?, line_items = ?, error = ? "
                                     "WHERE id = ?"));
  stmt->BindInt(1, catalog_.NowMillis());
  stmt->BindText(2, RunStatusName(status));
  stmt->BindInt(3, periods);
  stmt->BindInt(4, line_items);
  std::string shown = ShownMessage(error);  // the history is shown and sent on: escaped and bounded
  stmt->BindText(5, shown);
  stmt->BindInt(6, id);
  return stmt->Run();
}

Result<std::vector<RunRecord>> RunHistory::List(std::string_view dataset, int limit) {
  std::string sql = fmt::format(
      "SELECT {} FROM runs {} ORDER BY started_at DESC, id DESC LIMIT ?", kRunColumns,
      dataset.empty() ? "" : "WHERE dataset_name = ?");
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(sql));
  int i = 1;
  if (!dataset.empty()) stmt->BindText(i++, dataset);
  stmt->BindInt(i, limit);
  std::vector<RunRecord> out;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(ReadRunRow(*stmt));
  }
  return out;
}

Result<RunRecord> RunHistory::Get(int64_t id) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(fmt::format("SELECT {} FROM runs WHERE id = ?", kRunColumns)));
  stmt->BindInt(1, id);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return Fail(ErrorCode::kNotFound, fmt::format("No run {} in the run history.", id));
  return ReadRunRow(*stmt);
}

Status RunHistory::CancelStaleRuns(std::string_view why) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                     "UPDATE runs SET status = 'cancelled', ended_at = ?, error = ? "
                                     "WHERE status = 'running'"));
  stmt->BindInt(1, catalog_.NowMillis());
  stmt->BindText(2, why);
  return stmt->Run();
}

}  // namespace billpipe::catalog
