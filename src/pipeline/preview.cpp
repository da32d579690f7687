#include "pipeline/preview.h"

#include <atomic>
#include <map>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cur/column_names.h"
#include "pipeline/file_loader.h"
#include "pipeline/plan.h"
#include "sink/sink.h"
#include "util/date.h"

namespace billpipe::pipeline {
namespace {

std::optional<std::string> CellText(const sink::Cell& cell) {
  switch (cell.kind) {
    case sink::Cell::Kind::kNull: return std::nullopt;
    case sink::Cell::Kind::kText:
    case sink::Cell::Kind::kDecimal: return std::string(cell.text);
    case sink::Cell::Kind::kTimestamp: return FormatTimestamp(cell.millis);
  }
  return std::nullopt;
}

// Reads one file until `preview` holds `want` rows or the file ends.
Status ReadRows(const FileTask& task, const PeriodShape& shape, s3::ObjectStore& store,
                const std::map<std::string, size_t>& column_index, size_t want, Preview& preview,
                ProgressCounters& progress) {
  BoundedQueue<OwnedBatch> queue(1);
  std::atomic<bool> cancel{false};
  Status loaded = Ok();
  std::thread worker([&] {
    FileStats stats;
    loaded = LoadFile(task, shape, store, LoadTarget{BadRowPolicy::kFail, &queue, &cancel, &progress}, stats);
    queue.Close();
  });
  std::vector<std::pair<uint32_t, sink::Cell>> cells;
  while (preview.rows.size() < want) {
    auto batch = queue.Pop();
    if (!batch) break;
    for (size_t r = 0; r < batch->rows() && preview.rows.size() < want; ++r) {
      std::vector<std::optional<std::string>> row(preview.columns.size());
      batch->NonNull(r, cells);
      for (const auto& [column, cell] : cells) {
        auto it = column_index.find((*batch->column_names)[column]);
        if (it != column_index.end()) row[it->second] = CellText(cell);
      }
      preview.rows.push_back(std::move(row));
    }
  }
  // Enough rows: stop the loader (it fails with kCancelled, which is what was asked for).
  const bool stopped = preview.rows.size() >= want;
  cancel = true;
  queue.Close();
  worker.join();
  if (!loaded && !(stopped && loaded.error().code == ErrorCode::kCancelled)) return loaded;
  return Ok();
}

}  // namespace

Result<Preview> PreviewDataset(const RunRequest& req, s3::ObjectStore& store, Clock& clock, size_t rows) {
  BP_ASSIGN_OR_RETURN(DateWindow window, ResolveWindow(req.duration, Date::Today(clock)));
  BP_RETURN_IF_ERROR(cur::CheckPeriodCount(window));
  auto reader = OpenReader(store, req);
  BP_RETURN_IF_ERROR(reader->CheckExists());
  BP_ASSIGN_OR_RETURN(auto periods, reader->PeriodsIn(window));
  std::optional<PeriodInWindow> plan;  // the newest period with a report
  for (auto it = periods.rbegin(); it != periods.rend() && !plan; ++it) {
    BP_ASSIGN_OR_RETURN(auto version, reader->Newest(*it));
    if (version) plan = PeriodInWindow{*it, *WindowShare(window, *it), std::move(version)};
  }
  if (!plan) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("No billing period in the window {} has a report yet in {}: nothing to preview.",
                            window.ToString(), reader->Describe()));
  }
  const cur::PeriodVersion& version = *plan->version;
  BP_RETURN_IF_ERROR(cur::CheckFilterApplies(version, FilterName(req.filter)));

  Preview preview;
  preview.period = plan->period.Label();
  preview.version_key = version.version_key;
  preview.manifest_key = version.description_key;
  preview.window = plan->share.ToString();
  preview.filter = std::string(FilterName(req.filter));

  // The columns as a run names them for a new dataset (cur::NameColumns), typed as the version says.
  std::vector<std::string> headers;
  for (const auto& c : version.columns) headers.push_back(c.name);
  auto naming = cur::NameColumns(headers);
  std::unordered_map<std::string, std::string> names;
  std::map<std::string, size_t> column_index;
  for (size_t i = 0; i < headers.size(); ++i) {
    // Exports keep their own names (as a run names them, unless two would clash).
    const bool own = version.keep_column_names && !column_index.contains(headers[i]);
    const std::string& name = own ? headers[i] : naming.columns[i].name;
    preview.columns.push_back(
        PreviewColumn{name, std::string(sink::ColumnKindName(KindOf(version.columns[i].type))), headers[i]});
    names.emplace(headers[i], name);
    column_index.emplace(name, i);
  }
  PeriodShape shape = ShapeOf(version, req.filter, plan->share, std::move(names));

  ProgressCounters progress;
  for (const auto& f : version.files) {
    if (preview.rows.size() >= rows) break;
    FileTask task{0, 0, version.bucket, f.key, f.size, f.etag};
    BP_RETURN_IF_ERROR(ReadRows(task, shape, store, column_index, rows, preview, progress));
  }
  preview.compressed_bytes_read = progress.compressed_read;
  return preview;
}

std::string FormatPreview(const Preview& p, const std::string& dataset) {
  std::string out = fmt::format("Preview of {}: billing period {}, version {}, window {}, filter {} (written "
                                "nowhere).\n",
                                dataset, p.period, p.version_key, p.window, p.filter);
  size_t name_w = 0, type_w = 0;
  for (const auto& c : p.columns) {
    name_w = std::max(name_w, c.name.size());
    type_w = std::max(type_w, c.type.size());
  }
  out += fmt::format("\nColumns ({}):\n", p.columns.size());
  for (const auto& c : p.columns) {
    out += fmt::format("  {:<{}}  {:<{}}  {}\n", c.name, name_w, c.type, type_w, c.original_header);
  }
  if (p.rows.empty()) {
    out += "\nNo line of this version is in the window and passes the filter.\n";
    return out;
  }
  for (size_t r = 0; r < p.rows.size(); ++r) {
    out += fmt::format("\nRow {} (empty and NULL columns left out):\n", r + 1);
    for (size_t c = 0; c < p.columns.size(); ++c) {
      if (p.rows[r][c] && !p.rows[r][c]->empty()) out += fmt::format("  {}: {}\n", p.columns[c].name, *p.rows[r][c]);
    }
  }
  return out;
}

std::string PreviewJson(const Preview& p) {
  nlohmann::ordered_json j;
  j["period"] = p.period;
  j["version_key"] = p.version_key;
  j["window"] = p.window;
  j["filter"] = p.filter;
  auto& columns = j["columns"] = nlohmann::ordered_json::array();
  for (const auto& c : p.columns) {
    columns.push_back({{"name", c.name}, {"type", c.type}, {"original_header", c.original_header}});
  }
  auto& rows = j["rows"] = nlohmann::ordered_json::array();
  for (const auto& row : p.rows) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (size_t c = 0; c < p.columns.size(); ++c) {
      if (row[c]) o[p.columns[c].name] = *row[c];
    }
    rows.push_back(std::move(o));
  }
  return j.dump(2);
}

}  // namespace billpipe::pipeline
