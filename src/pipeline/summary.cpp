#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pipeline/run.h"

namespace billpipe::pipeline {

std::string FormatSummary(const RunSummary& s) {
  std::string out = fmt::format("Dataset {} in {}\n", s.dataset, s.destination);
  out += fmt::format("Window {}, filter {}, update {}\n", s.window, s.filter, s.update);
  for (const auto& w : s.warnings) out += fmt::format("Warning: {}\n", w);
  if (!s.periods.empty()) {
    out += fmt::format("  {:<8} {:<17} {:<10} {:>14} {:>12} {:>20}  {}\n", "period", "action", "status",
                       "line items", "filtered out", "unblended cost", "version");
    for (const auto& p : s.periods) {
      out += fmt::format("  {:<8} {:<17} {:<10} {:>14} {:>12} {:>20}  {}\n", p.period, p.action, p.status,
                         GroupThousands(p.line_items_loaded), GroupThousands(p.filtered_out),
                         p.unblended_cost.empty() ? "-" : p.unblended_cost, p.version_key);
    }
  }
  int64_t loaded = 0, unchanged = 0, skipped = 0;
  for (const auto& p : s.periods) {
    if (p.action == "loaded") ++loaded;
    else if (p.action == "unchanged") ++unchanged;
    else ++skipped;
  }
  out += fmt::format("{} periods loaded, {} unchanged, {} skipped. {} line items loaded, {} filtered out",
                     loaded, unchanged, skipped, GroupThousands(s.line_items_loaded), GroupThousands(s.filtered_out));
  if (s.rejected) out += fmt::format(", {} malformed rows skipped", GroupThousands(s.rejected));
  double secs = std::max(s.seconds, 1e-3);
  out += fmt::format(" in {:.1f} s ({} line items/s, {}/s).\n", s.seconds,
                     GroupThousands(static_cast<int64_t>(static_cast<double>(s.line_items_loaded + s.filtered_out) / secs)),
                     FormatBytes(static_cast<int64_t>(static_cast<double>(s.compressed_bytes) / secs)));
  if (s.version) out += fmt::format("Published dataset version {}.\n", s.version);
  if (!s.message.empty()) out += s.message + "\n";
  return out;
}

std::string SummaryJson(const RunSummary& s) {
  nlohmann::ordered_json j;
  j["dataset"] = s.dataset;
  j["destination"] = s.destination;
  j["window"] = s.window;
  j["filter"] = s.filter;
  j["update"] = s.update;
  j["version"] = s.version;
  j["line_items_loaded"] = s.line_items_loaded;
  j["filtered_out"] = s.filtered_out;
  j["rejected"] = s.rejected;
  j["compressed_bytes"] = s.compressed_bytes;
  j["seconds"] = s.seconds;
  j["writer"] = {{"first_batch_seconds", s.writer_first_batch_seconds},
                 {"wait_seconds", s.writer_wait_seconds},
                 {"busy_seconds", s.writer_busy_seconds}};
  j["warnings"] = s.warnings;
  j["message"] = s.message;
  auto& periods = j["periods"] = nlohmann::ordered_json::array();
  for (const auto& p : s.periods) {
    periods.push_back({{"period", p.period},
                       {"action", p.action},
                       {"status", p.status},
                       {"version_key", p.version_key},
                       {"window", p.window},
                       {"files", p.files},
                       {"compressed_bytes", p.compressed_bytes},
                       {"line_items_read", p.line_items_read},
                       {"line_items_loaded", p.line_items_loaded},
                       {"filtered_out", p.filtered_out},
                       {"rejected", p.rejected},
                       {"unblended_cost", p.unblended_cost}});
  }
  return j.dump(2);
}

}  // namespace billpipe::pipeline
