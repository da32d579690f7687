#include "pipeline/plan.h"

#include <chrono>
#include <map>

#include <fmt/format.h>

#include "cur/column_catalog.h"
#include "cur/period_plan.h"
#include "cur/report_discovery.h"

namespace billpipe::pipeline {

std::string PeriodLabel(const BillingPeriod& p) { return fmt::format("{:04}-{:02}", p.start.year, p.start.month); }

sink::ColumnKind KindOf(const std::string& manifest_type) {
  if (manifest_type == "DateTime") return sink::ColumnKind::kTimestamp;
  if (manifest_type == "BigDecimal" || manifest_type == "OptionalBigDecimal") return sink::ColumnKind::kDecimal;
  return sink::ColumnKind::kText;
}

std::string TypeOf(const cur::ManifestColumn& column) {
  if (!column.type.empty()) return column.type;
  if (auto i = cur::FindCatalogColumn(column.category, column.name)) return std::string(cur::ColumnCatalog()[*i].type);
  return "String";
}

cur::ReportLocation Location(const RunRequest& req) {
  return cur::ReportLocation{req.bucket, cur::PrefixAsFolder(req.prefix), req.report_name};
}

// The newest version of a period, from its top-level manifest (cur::PlanPeriod); no manifest: no report
// for this period yet.
Result<PeriodPlan> PlanOnePeriod(s3::ObjectStore& store, const RunRequest& req, const BillingPeriod& period,
                                 const DateWindow& share) {
  PeriodPlan plan{period, share, std::nullopt, "", {}};
  cur::ReportLocation location = Location(req);
  cur::BillingPeriod cur_period{std::chrono::sys_days(std::chrono::days(period.start.Days())),
                                std::chrono::sys_days(std::chrono::days(period.end.Days()))};
  // Data files are asked about only for the periods that need loading (StatPlannedFiles): a run with
  // nothing new reads listings and manifests only.
  auto planned = cur::PlanPeriod(store, location, cur_period, cur::FileCheck::kLater);
  if (!planned) {
    if (planned.error().code == ErrorCode::kNotFound && planned.error().key == location.ManifestKey(cur_period)) {
      return plan;
    }
    return Fail(std::move(planned).error());
  }
  plan.version_key = planned->version_key;
  if (planned->layout != cur::ReportLayout::kCreateNew) {
    // Overwrite mode replaces files in place: besides the manifest's ETag, the files' ETags (from the
    // period folder's listing, which holds them in this mode) make the version, so that a file rewritten
    // under an unchanged manifest is not missed.
    std::map<std::string, std::string> etags;
    for (const auto& o : planned->folder_objects) etags[o.key] = o.etag;
    uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (const auto& f : planned->files) {
      for (char c : etags[f.key]) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    plan.version_key = fmt::format("{}/{:016x}", planned->version_key, h);
  }
  plan.files = std::move(planned->files);
  plan.manifest = std::move(planned->manifest);
  return plan;
}

Status StatPlannedFiles(s3::ObjectStore& store, const RunRequest& req, PeriodPlan& plan) {
  cur::PeriodPlan files;
  files.period = cur::BillingPeriod{std::chrono::sys_days(std::chrono::days(plan.period.start.Days())),
                                    std::chrono::sys_days(std::chrono::days(plan.period.end.Days()))};
  files.files = plan.files;
  BP_RETURN_IF_ERROR(cur::StatFiles(store, Location(req), files));
  plan.files = std::move(files.files);
  return Ok();
}

// A report name that is not in the bucket is an error naming the reports that are.
Status CheckReportExists(s3::ObjectStore& store, const RunRequest& req) {
  BP_RETURN_IF_ERROR(cur::ValidateReportName(req.report_name));
  BP_RETURN_IF_ERROR(cur::ValidateReportPrefix(req.prefix));
  cur::ReportLocation location = Location(req);
  BP_ASSIGN_OR_RETURN(auto listing, store.List(req.bucket, location.Root(), "/"));
  if (!listing.common_prefixes.empty()) return Ok();
  BP_ASSIGN_OR_RETURN(auto reports, cur::DiscoverReports(store, req.bucket, req.prefix));
  BP_RETURN_IF_ERROR(cur::SelectReport(reports, req.bucket, req.prefix, req.report_name));
  return Ok();
}

}  // namespace billpipe::pipeline
