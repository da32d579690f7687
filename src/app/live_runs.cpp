#include "app/live_runs.h"

#include <atomic>

namespace billpipe::app {

struct LiveRuns::Entry {
  int64_t run_id = 0;
  std::string dataset;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  pipeline::ProgressCounters counters;
  // Under the board's mutex:
  std::optional<std::chrono::steady_clock::time_point> ended;
  std::optional<pipeline::RunSummary> summary;
  std::string error;
};

std::shared_ptr<LiveRuns::Entry> LiveRuns::Begin(int64_t run_id, const std::string& dataset) {
  auto entry = std::make_shared<Entry>();
  entry->run_id = run_id;
  entry->dataset = dataset;
  std::lock_guard lock(mu_);
  runs_[run_id] = entry;
  return entry;
}

pipeline::ProgressCounters* LiveRuns::Counters(const std::shared_ptr<Entry>& entry) { return &entry->counters; }

void LiveRuns::End(const std::shared_ptr<Entry>& entry, const Result<pipeline::RunSummary>& result) {
  std::lock_guard lock(mu_);
  entry->ended = std::chrono::steady_clock::now();
  if (result) {
    entry->summary = *result;
  } else {
    entry->error = result.error().message;
  }
  ended_.push_back(entry->run_id);
  while (ended_.size() > kLiveRunsKeptAfterEnd) {
    runs_.erase(ended_.front());
    ended_.pop_front();
  }
}

LiveRunView LiveRuns::View(const Entry& e) {
  LiveRunView v;
  v.run_id = e.run_id;
  v.dataset = e.dataset;
  v.ended = e.ended.has_value();
  v.seconds = std::chrono::duration<double>(e.ended.value_or(std::chrono::steady_clock::now()) - e.started).count();
  v.bytes_total = e.counters.compressed_total.load();
  v.bytes_read = e.counters.compressed_read.load();
  v.files_total = e.counters.files_total.load();
  v.files_done = e.counters.files_done.load();
  v.line_items = e.counters.line_items.load();
  v.summary = e.summary;
  v.error = e.error;
  return v;
}

std::optional<LiveRunView> LiveRuns::Find(int64_t run_id) {
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return std::nullopt;
  return View(*it->second);
}

std::optional<LiveRunView> LiveRuns::Running(const std::string& dataset) {
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : runs_) {
    if (!e->ended && e->dataset == dataset) return View(*e);
  }
  return std::nullopt;
}

nlohmann::json ProgressJson(const LiveRunView& v) {
  double rate = v.seconds > 0 ? static_cast<double>(v.line_items) / v.seconds : 0;
  nlohmann::json left = nullptr;
  // Time left from the bytes: the share read so far, at the rate so far.
  if (!v.ended && v.bytes_total > 0 && v.bytes_read > 0 && v.seconds > 0) {
    double per_byte = v.seconds / static_cast<double>(v.bytes_read);
    left = static_cast<int64_t>(per_byte * static_cast<double>(v.bytes_total - v.bytes_read) + 0.5);
  }
  if (v.ended) left = 0;
  return {{"bytes_total", v.bytes_total},
          {"bytes_read", v.bytes_read},
          {"files_total", v.files_total},
          {"files_done", v.files_done},
          {"line_items", v.line_items},
          {"seconds", static_cast<int64_t>(v.seconds * 1000) / 1000.0},
          {"line_items_per_second", static_cast<int64_t>(rate)},
          {"seconds_left", left}};
}

nlohmann::json RunSummaryObject(const pipeline::RunSummary& summary) {
  return nlohmann::json::parse(pipeline::SummaryJson(summary));
}

}  // namespace billpipe::app
