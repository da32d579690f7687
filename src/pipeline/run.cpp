#include "pipeline/run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "cur/schema_union.h"
#include "pipeline/file_loader.h"
#include "pipeline/plan.h"
#include "pipeline/run_lock.h"
#include "pipeline/schema_step.h"
#include "pipeline/version_plan.h"
#include "util/date.h"

namespace billpipe::pipeline {
namespace {

// The column type a dataset column of this kind was made from, for the union with new periods.
table::ColumnType TypeOfKind(sink::ColumnKind kind) {
  switch (kind) {
    case sink::ColumnKind::kTimestamp: return table::ColumnType::kDateTime;
    case sink::ColumnKind::kDecimal: return table::ColumnType::kBigDecimal;
    case sink::ColumnKind::kText: return table::ColumnType::kString;
  }
  return table::ColumnType::kString;
}

// The union of the dataset's existing columns and the new periods' columns (cur::UnionSchema: one name
// per column, types widened by its rules), existing ones first and unchanged, so a column keeps its
// name and kind from run to run. aliases: other headers of a column (a legacy CSV header's Parquet name,
// cur::SameColumn) and the column's index, so that both load into it.
Result<std::vector<sink::ColumnDef>> DatasetColumns(const std::vector<sink::ColumnDef>& existing,
                                                    const std::vector<const PeriodInWindow*>& periods,
                                                    std::vector<std::string>& notes,
                                                    std::vector<std::pair<std::string, size_t>>& aliases) {
  std::vector<std::vector<cur::ReportColumn>> lists;
  lists.emplace_back();
  for (const auto& c : existing) lists.back().push_back(cur::ReportColumn{c.original_header, TypeOfKind(c.kind)});
  for (const auto* p : periods) lists.push_back(p->version->columns);
  cur::DatasetSchema schema = cur::UnionSchema(lists);
  for (const auto& c : schema.collisions) {
    notes.push_back(fmt::format("Columns '{}' and '{}' both normalise to '{}'; the second is named '{}'.",
                                c.first_header, c.header, c.athena_name, c.assigned_name));
  }
  // Headers whose version keeps the files' own names (exports), when no other column has that name.
  std::unordered_set<std::string> keep, taken;
  for (const auto* p : periods) {
    if (!p->version->keep_column_names) continue;
    for (const auto& c : p->version->columns) keep.insert(c.name);
  }
  for (const auto& c : schema.columns) taken.insert(c.name);
  std::vector<sink::ColumnDef> out;
  out.reserve(schema.columns.size());
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    for (const auto& alias : schema.columns[i].aliases) aliases.emplace_back(alias, i);
    if (i < existing.size()) {
      out.push_back(existing[i]);
      continue;
    }
    const auto& c = schema.columns[i];
    BP_ASSIGN_OR_RETURN(table::ColumnType type, table::ColumnTypeFromName(c.type));
    std::string name = c.name;
    if (keep.contains(c.header) && c.header != c.name && !taken.contains(c.header)) {
      name = c.header;
      taken.insert(name);
    }
    out.push_back(sink::ColumnDef{std::move(name), KindOf(type), c.header});
  }
  return out;
}

// What the sink is told: the dataset columns of the version's usage start (indexed), cost (totalled) and
// line item id (a sharded sink spreads rows by it).
sink::ColumnRoles SinkRoles(const cur::ColumnRoles& roles,
                            const std::unordered_map<std::string, const sink::ColumnDef*>& column_by_header) {
  sink::ColumnRoles out;
  if (auto it = column_by_header.find(roles.usage_start); it != column_by_header.end()) {
    out.date_column = it->second->name;
  }
  if (auto it = column_by_header.find(roles.cost); it != column_by_header.end()) out.total_column = it->second->name;
  if (auto it = column_by_header.find(roles.line_item_id); it != column_by_header.end()) {
    out.key_column = it->second->name;
  }
  return out;
}

}  // namespace

Result<RunSummary> RunDataset(const RunRequest& req, RunEnvironment& env) {
  auto started = std::chrono::steady_clock::now();
  RunSummary summary;
  summary.dataset = req.dataset;
  summary.destination = env.sink.Describe();
  summary.filter = std::string(FilterName(req.filter));
  summary.update = std::string(UpdateMethodName(req.update));

  // Everything that can be checked without downloading is checked first.
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(req.dataset));
  Date today = Date::Today(env.clock);
  BP_ASSIGN_OR_RETURN(DateWindow window, ResolveWindow(req.duration, today));
  BP_RETURN_IF_ERROR(cur::CheckPeriodCount(window));
  summary.window = window.ToString();
  summary.warnings = WindowWarnings(req.filter, req.duration, window, today);
  if (env.warn) {
    for (const auto& w : summary.warnings) env.warn(w);
  }
  BP_ASSIGN_OR_RETURN(auto lock, RunLock::Acquire(env.lock_dir, req.dataset,
                                                  fmt::format("pid {}, started {}", getpid(),
                                                              FormatTimestamp(env.clock.Now()))));

  // Plan: the newest version of every period in the window.
  auto reader = OpenReader(env.store, req);
  BP_RETURN_IF_ERROR(reader->CheckExists());
  BP_ASSIGN_OR_RETURN(std::vector<PeriodInWindow> plans, PlanWindow(*reader, window));
  for (const auto& p : plans) {
    if (p.version) BP_RETURN_IF_ERROR(cur::CheckFilterApplies(*p.version, FilterName(req.filter)));
  }
  BP_ASSIGN_OR_RETURN(sink::DatasetState state, env.sink.ReadState(req.dataset));
  // One table, one column set: a schema switched on a loaded dataset is refused, not mixed in.
  for (const auto& p : plans) {
    if (p.version) BP_RETURN_IF_ERROR(CheckSameColumnSet(req.dataset, state.columns, *p.version, req.schema));
  }

  std::vector<sink::SegmentKey> wanted;
  std::map<std::string, size_t> plan_of;  // billing_period -> index in plans
  for (size_t i = 0; i < plans.size(); ++i) {
    const auto& p = plans[i];
    if (!p.version) continue;
    const std::string first_day = p.period.FirstDay().ToString();
    wanted.push_back(sink::SegmentKey{first_day, p.version->version_key, p.share.start.ToString(),
                                      p.share.end.ToString(), req.filter});
    plan_of[first_day] = i;
  }
  VersionPlan vplan = PlanVersion(req.update, state.current_segments, wanted, req.partition_retention_months, today);

  auto current_segment = [&](const std::string& period) -> std::optional<sink::Segment> {
    for (const auto& s : state.current_segments) {
      if (s.key.billing_period == period) return s;
    }
    return std::nullopt;
  };
  for (const auto& p : plans) {
    if (!p.version) {
      summary.periods.push_back(PeriodSummary{p.period.Label(), "no report yet", "", p.share.ToString(), "",
                                              0, 0, 0, 0, 0, 0, ""});
    }
  }
  for (const auto& k : vplan.unchanged) {
    auto seg = current_segment(k.billing_period);
    const auto& p = plans[plan_of[k.billing_period]];
    summary.periods.push_back(PeriodSummary{p.period.Label(), "unchanged", k.version_key, p.share.ToString(),
                                            seg ? std::string(PeriodStatusName(seg->finality, p.version->roles)) : "",
                                            0, 0, 0,
                                            seg ? seg->line_items : 0, 0, 0, seg ? seg->total : ""});
  }
  for (const auto& k : vplan.already_appended) {
    const auto& p = plans[plan_of[k.billing_period]];
    summary.periods.push_back(PeriodSummary{p.period.Label(), "already appended", k.version_key,
                                            p.share.ToString(), "", 0, 0, 0, 0, 0, 0, ""});
  }

  if (vplan.load.empty() && vplan.drop.empty() && state.current) {
    std::sort(summary.periods.begin(), summary.periods.end(),
              [](const PeriodSummary& a, const PeriodSummary& b) { return a.period < b.period; });
    summary.message = wanted.empty() ? fmt::format("No report data in the window {}.", window.ToString())
                                     : "Nothing new: every period in the window is up to date.";
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
  }

  auto checkpoint = [&](std::string_view step) {
    if (env.checkpoint) env.checkpoint(step);
  };
  checkpoint("planned");

  // Shape: the dataset schema and, per period, where each file column goes.
  std::vector<const PeriodInWindow*> loading;
  for (const auto& k : vplan.load) {
    PeriodInWindow& p = plans[plan_of[k.billing_period]];
    BP_RETURN_IF_ERROR(reader->StatFiles(*p.version));
    loading.push_back(&p);
  }
  std::vector<std::string> notes;
  std::vector<std::pair<std::string, size_t>> aliases;
  BP_ASSIGN_OR_RETURN(auto columns, DatasetColumns(state.columns, loading, notes, aliases));
  std::unordered_map<std::string, const sink::ColumnDef*> column_by_header;
  for (const auto& c : columns) column_by_header.emplace(c.original_header, &c);
  for (const auto& [header, index] : aliases) column_by_header.emplace(header, &columns[index]);
  cur::ColumnRoles roles;
  for (const auto& p : plans) {
    if (p.version) roles = p.version->roles;
  }
  if (!loading.empty()) roles = loading.front()->version->roles;

  BP_ASSIGN_OR_RETURN(auto txn, env.sink.Begin(req.dataset, SinkRoles(roles, column_by_header)));
  BP_RETURN_IF_ERROR(txn->EnsureColumns(columns));

  std::vector<PeriodShape> shapes(loading.size());
  std::vector<int64_t> segment_ids(loading.size());
  std::vector<FileTask> tasks;
  for (size_t i = 0; i < loading.size(); ++i) {
    const cur::PeriodVersion& v = *loading[i]->version;
    BP_ASSIGN_OR_RETURN(segment_ids[i], txn->BeginSegment(vplan.load[i]));
    checkpoint("segment");
    std::unordered_map<std::string, std::string> names;
    for (const auto& c : v.columns) names.emplace(c.name, column_by_header.at(c.name)->name);
    shapes[i] = ShapeOf(v, req.filter, loading[i]->share, std::move(names));
    for (const auto& f : v.files) {
      tasks.push_back(FileTask{i, segment_ids[i], v.bucket, f.key, f.size, f.etag});
      if (env.progress) {
        env.progress->compressed_total += f.size;
        ++env.progress->files_total;
      }
    }
  }

  // Fetch, decode, shape: one worker per file, up to `workers`; one writer (this thread).
  size_t workers = req.workers > 0 ? static_cast<size_t>(req.workers)
                                   : std::max<size_t>(1, std::thread::hardware_concurrency());
  workers = std::min(workers, std::max<size_t>(tasks.size(), 1));
  BoundedQueue<OwnedBatch> queue(workers * 2);
  std::atomic<bool> cancel{false};
  std::atomic<size_t> next_task{0};
  std::mutex mu;
  std::optional<Error> first_error;
  std::vector<FileStats> stats(loading.size());
  std::vector<RollupAccumulator> rollups(loading.size());  // per segment, merged from the files'
  std::atomic<size_t> running{workers};
  const LoadTarget target{req.bad_rows, &queue, &cancel, env.progress};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      while (!cancel) {
        size_t t = next_task++;
        if (t >= tasks.size()) break;
        FileStats fs;
        Status st = LoadFile(tasks[t], shapes[tasks[t].period], env.store, target, fs);
        std::lock_guard lock(mu);
        if (st) st = rollups[tasks[t].period].Merge(fs.rollup);
        if (!st) {
          if (!first_error && st.error().code != ErrorCode::kCancelled) first_error = std::move(st).error();
          cancel = true;
          break;
        }
        stats[tasks[t].period].Add(fs);
        if (env.progress) ++env.progress->files_done;
      }
      if (--running == 0) queue.Close();
    });
  }
  Status write_status = Ok();
  // The writer is the one thread that cannot be doubled; how long it waited for the workers says whether
  // anything before it held a load back (docs/loading.md).
  using Clock = std::chrono::steady_clock;
  Clock::duration first{}, waited{}, wrote{};  // before the first batch; for later ones; inserting
  bool got_one = false;
  while (true) {
    const Clock::time_point before_pop = Clock::now();
    auto batch = queue.Pop();
    const Clock::time_point popped = Clock::now();
    if (!batch) break;
    (got_one ? waited : first) += popped - before_pop;
    got_one = true;
    if (!write_status) continue;  // drain so workers can finish
    if (env.stop && *env.stop && write_status) {
      write_status = Fail(ErrorCode::kCancelled, "the run was stopped; the dataset is unchanged");
    }
    if (write_status) write_status = txn->Insert(batch->segment, *batch->column_names, *batch);
    if (!write_status) cancel = true;
    checkpoint("batch");
    wrote += Clock::now() - popped;
  }
  summary.writer_first_batch_seconds = std::chrono::duration<double>(first).count();
  summary.writer_wait_seconds = std::chrono::duration<double>(waited).count();
  summary.writer_busy_seconds = std::chrono::duration<double>(wrote).count();
  for (auto& t : pool) t.join();
  if (first_error) return Fail(std::move(*first_error));
  BP_RETURN_IF_ERROR(write_status);
  if (env.stop && *env.stop) return Fail(ErrorCode::kCancelled, "the run was stopped; the dataset is unchanged");

  // Commit: segments, the new version and its state, all in one transaction.
  std::vector<int64_t> version_segments = vplan.keep;
  for (size_t i = 0; i < loading.size(); ++i) {
    const PeriodInWindow& p = *loading[i];
    const cur::PeriodVersion& v = *p.version;
    auto previous = current_segment(p.period.FirstDay().ToString());
    sink::Finality finality;
    if (v.roles.invoice_id.empty()) {
      finality = StatusByDate(p.period, env.clock.Now(), v.version_key, previous);
    } else {
      if (previous && previous->key.version_key == v.version_key) previous.reset();
      finality = PeriodStatus(stats[i].saw_invoice, previous);
    }
    BP_ASSIGN_OR_RETURN(sink::SegmentRollup rollup, rollups[i].Finish());
    BP_RETURN_IF_ERROR(txn->FinishSegment(
        segment_ids[i], sink::SegmentTotals{stats[i].loaded, stats[i].cost, finality, std::move(rollup)}));
    version_segments.push_back(segment_ids[i]);
    int64_t bytes = 0;
    for (const auto& f : v.files) bytes += f.size;
    summary.periods.push_back(PeriodSummary{p.period.Label(), "loaded", v.version_key, p.share.ToString(),
                                            std::string(PeriodStatusName(finality, v.roles)),
                                            static_cast<int64_t>(v.files.size()), bytes, stats[i].read,
                                            stats[i].loaded, stats[i].filtered, stats[i].rejected, stats[i].cost});
    summary.line_items_loaded += stats[i].loaded;
    summary.filtered_out += stats[i].filtered;
    summary.rejected += stats[i].rejected;
    summary.compressed_bytes += bytes;
  }
  std::string note = fmt::format("{} run, window {}, filter {}", UpdateMethodName(req.update), window.ToString(),
                                 FilterName(req.filter));
  BP_ASSIGN_OR_RETURN(summary.version, txn->Publish(version_segments, note, req.keep_versions));
  checkpoint("published");
  BP_RETURN_IF_ERROR(txn->Commit());
  checkpoint("committed");

  for (auto& n : notes) summary.warnings.push_back(std::move(n));
  std::sort(summary.periods.begin(), summary.periods.end(),
            [](const PeriodSummary& a, const PeriodSummary& b) { return a.period < b.period; });
  if (wanted.empty()) summary.message = fmt::format("No report data in the window {}.", window.ToString());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace billpipe::pipeline
