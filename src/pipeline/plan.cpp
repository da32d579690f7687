#include "pipeline/plan.h"

#include <chrono>

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
  auto planned = cur::PlanPeriod(store, location, cur_period);
  if (!planned) {
    if (planned.error().code == ErrorCode::kNotFound && planned.error().key == location.ManifestKey(cur_period)) {
      return plan;
    }
    return Fail(std::move(planned).error());
  }
  plan.version_key = planned->version_key;
  if (planned->layout != cur::ReportLayout::kCreateNew) {
    // Overwrite mode replaces files in place: besides the manifest's ETag, the files' ETags make the
    // version, so that a file rewritten under an unchanged manifest is not missed.
    uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (const auto& f : planned->files) {
      for (char c : f.etag) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    plan.version_key = fmt::format("{}/{:016x}", planned->version_key, h);
  }
  plan.files = std::move(planned->files);
  plan.manifest = std::move(planned->manifest);
  return plan;
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
