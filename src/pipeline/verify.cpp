#include "pipeline/verify.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cur/column_names.h"
#include "pipeline/file_loader.h"
#include "pipeline/plan.h"

namespace billpipe::pipeline {
namespace {

constexpr double kRelativeTolerance = 1e-9;  // the sink stores doubles

// The version the dataset holds, as the report describes it (the newest or an older one it keeps).
Result<cur::PeriodVersion> VersionHeld(cur::ReportReader& reader, const BillingPeriod& period,
                                       const std::string& version_key) {
  auto version = reader.Version(period, version_key);
  if (version || version.error().code != ErrorCode::kNotFound) return version;
  BP_ASSIGN_OR_RETURN(auto newest, reader.Newest(period));
  return Fail(ErrorCode::kNotFound,
              fmt::format("the loaded version {} is no longer in S3 (a newer one is: {}); run billpipe run to load it",
                          version_key, newest ? newest->version_key : "none"));
}

// The dataset column holding the cost of a version (the sink totals it).
std::string CostColumn(const std::vector<sink::ColumnDef>& columns, const cur::ColumnRoles& roles) {
  for (const auto& c : columns) {
    if (c.original_header == roles.cost) return c.name;
  }
  // The same column under its other name (a dataset loaded from CSV, its version now in Parquet).
  for (const auto& c : columns) {
    if (cur::SameColumn(c.original_header, roles.cost)) return c.name;
  }
  return "";
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
  auto reader = OpenReader(env.store, req);
  for (const auto& seg : state.current_segments) {
    PeriodCheck check;
    auto start = Date::Parse(seg.key.billing_period);
    auto share_start = Date::Parse(seg.key.window_start), share_end = Date::Parse(seg.key.window_end);
    if (!start || !share_start || !share_end) {
      return Fail(ErrorCode::kInternal, fmt::format("segment {} of dataset '{}' has an unreadable key", seg.id,
                                                    req.dataset));
    }
    BillingPeriod period{*start, start->FirstOfNextMonth()};
    DateWindow share{*share_start, *share_end};
    check.period = period.Label();
    check.version_key = seg.key.version_key;
    check.state_line_items = seg.line_items;
    check.state_unblended_cost = seg.total;

    auto version = VersionHeld(*reader, period, seg.key.version_key);
    if (!version && version.error().code != ErrorCode::kNotFound && version.error().code != ErrorCode::kBadData) {
      return Fail(std::move(version).error());
    }
    cur::ColumnRoles roles = version ? version->roles : cur::ColumnRoles{};
    if (!version) {
      BP_ASSIGN_OR_RETURN(auto newest, reader->Newest(period));
      if (newest) roles = newest->roles;
    }
    BP_ASSIGN_OR_RETURN(auto stored, env.sink.CountSegment(req.dataset, seg, CostColumn(state.columns, roles)));
    check.stored_rows = stored.rows;
    check.stored_unblended_cost = stored.total;
    if (!version) {
      check.problems.push_back(version.error().message);
      report.periods.push_back(std::move(check));
      continue;
    }
    PeriodShape shape = ShapeOf(*version, seg.key.filter, share);
    FileStats total;
    for (const auto& f : version->files) {
      FileStats fs;
      BP_RETURN_IF_ERROR(LoadFile(FileTask{0, seg.id, version->bucket, f.key, f.size, f.etag}, shape, env.store, LoadTarget{}, fs));
      total.Add(fs);
    }
    check.s3_line_items = total.loaded;
    check.s3_unblended_cost = total.cost;
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
