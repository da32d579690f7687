#include "pipeline/verify.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cur/manifest.h"
#include "pipeline/file_loader.h"
#include "pipeline/plan.h"

namespace billpipe::pipeline {
namespace {

constexpr size_t kMaxManifestBytes = 16u << 20;
constexpr double kRelativeTolerance = 1e-9;  // the sink stores doubles

// The manifest of exactly the version the dataset holds: the top-level one if it is still the newest,
// else (create-new mode) the assembly's own manifest, which AWS keeps.
Result<cur::LegacyManifest> ManifestOfVersion(s3::ObjectStore& store, const RunRequest& req, const PeriodPlan& newest,
                                              const std::string& version_key) {
  if (newest.manifest && newest.version_key == version_key) return *newest.manifest;
  auto location = Location(req);
  std::string key = location.Root() + newest.period.ToString() + "/" + version_key + "/" + req.report_name +
                    "-Manifest.json";
  auto text = store.GetSmall(req.bucket, key, kMaxManifestBytes);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound,
                  fmt::format("the loaded version {} is no longer in S3 (a newer one is: {}); run billpipe run to "
                              "load it", version_key, newest.version_key.empty() ? "none" : newest.version_key));
    }
    return Fail(std::move(text).error());
  }
  return cur::ParseLegacyManifest(*text);
}

}  // namespace

bool VerifyReport::ok() const {
  for (const auto& p : periods) {
    if (!p.problems.empty()) return false;
  }
  return true;
}

Result<VerifyReport> VerifyDataset(const RunRequest& req, RunEnvironment& env) {
  BP_ASSIGN_OR_RETURN(sink::DatasetState state, env.sink.ReadState(req.dataset));
  if (!state.current) {
    return Fail(ErrorCode::kNotFound, fmt::format("Dataset '{}' has not been loaded into {} yet.", req.dataset,
                                                  env.sink.Describe()));
  }
  VerifyReport report;
  report.dataset = req.dataset;
  for (const auto& seg : state.current_segments) {
    PeriodCheck check;
    auto start = Date::Parse(seg.key.billing_period);
    auto share_start = Date::Parse(seg.key.window_start), share_end = Date::Parse(seg.key.window_end);
    auto filter = ParseFilter(seg.key.filter);
    if (!start || !share_start || !share_end || !filter) {
      return Fail(ErrorCode::kInternal, fmt::format("segment {} of dataset '{}' has an unreadable key", seg.id,
                                                    req.dataset));
    }
    BillingPeriod period{*start, start->FirstOfNextMonth()};
    DateWindow share{*share_start, *share_end};
    check.period = PeriodLabel(period);
    check.version_key = seg.key.version_key;
    check.state_line_items = seg.line_items;
    check.state_unblended_cost = seg.unblended_cost;
    BP_ASSIGN_OR_RETURN(auto stored, env.sink.CountSegment(req.dataset, seg));
    check.stored_rows = stored.rows;
    check.stored_unblended_cost = stored.unblended_cost;

    BP_ASSIGN_OR_RETURN(PeriodPlan newest, PlanOnePeriod(env.store, req, period, share));
    auto manifest = ManifestOfVersion(env.store, req, newest, seg.key.version_key);
    if (!manifest) {
      check.problems.push_back(manifest.error().message);
      report.periods.push_back(std::move(check));
      continue;
    }
    PeriodShape shape;
    shape.filter = *filter;
    shape.share = share;
    shape.compression = manifest->compression;
    for (const auto& c : manifest->columns) shape.by_header[c.Header()] = {c.Header(), TypeOf(c)};
    FileStats total;
    std::atomic<bool> cancel{false};
    for (const auto& key : manifest->report_keys) {
      FileStats fs;
      BP_RETURN_IF_ERROR(LoadFile(FileTask{0, seg.id, req.bucket, key, 0}, shape, env.store, BadRowPolicy::kFail,
                                  nullptr, cancel, nullptr, fs));
      total.Add(fs);
    }
    check.s3_line_items = total.loaded;
    check.s3_unblended_cost = total.unblended_cost;
    if (check.s3_line_items != check.state_line_items || check.s3_unblended_cost != check.state_unblended_cost) {
      check.problems.push_back(fmt::format("S3 has {} line items costing {}, the dataset's state says {} costing {}",
                                           check.s3_line_items, check.s3_unblended_cost, check.state_line_items,
                                           check.state_unblended_cost));
    }
    double expected = std::strtod(check.s3_unblended_cost.c_str(), nullptr);
    double scale = std::max(std::abs(expected), 1.0);
    if (check.stored_rows != check.s3_line_items ||
        std::abs(check.stored_unblended_cost - expected) > kRelativeTolerance * scale) {
      check.problems.push_back(fmt::format("S3 has {} line items costing {}, the dataset holds {} rows costing {:.10f}",
                                           check.s3_line_items, check.s3_unblended_cost, check.stored_rows,
                                           check.stored_unblended_cost));
    }
    report.periods.push_back(std::move(check));
  }
  return report;
}

std::string FormatVerifyReport(const VerifyReport& r) {
  std::string out;
  for (const auto& p : r.periods) {
    if (p.problems.empty()) {
      out += fmt::format("{} ok: {} line items, unblended cost {} (version {})\n", p.period, p.s3_line_items,
                         p.s3_unblended_cost, p.version_key);
    } else {
      for (const auto& problem : p.problems) out += fmt::format("{} MISMATCH: {}\n", p.period, problem);
    }
  }
  out += r.ok() ? fmt::format("Dataset {} matches S3.\n", r.dataset)
                : fmt::format("Dataset {} does not match S3. Run billpipe run to load the newest versions.\n", r.dataset);
  return out;
}

std::string VerifyReportJson(const VerifyReport& r) {
  nlohmann::ordered_json j;
  j["dataset"] = r.dataset;
  j["ok"] = r.ok();
  auto& periods = j["periods"] = nlohmann::ordered_json::array();
  for (const auto& p : r.periods) {
    periods.push_back({{"period", p.period}, {"version_key", p.version_key}, {"s3_line_items", p.s3_line_items},
                       {"s3_unblended_cost", p.s3_unblended_cost}, {"state_line_items", p.state_line_items},
                       {"state_unblended_cost", p.state_unblended_cost}, {"stored_rows", p.stored_rows},
                       {"stored_unblended_cost", p.stored_unblended_cost}, {"problems", p.problems}});
  }
  return j.dump(2);
}

}  // namespace billpipe::pipeline
