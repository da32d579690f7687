#include "app/reports.h"

#include "app/datasets.h"
#include "catalog/dataset_definition.h"
#include "cur/billing_period.h"
#include "cur/report.h"
#include "s3/bucket_name.h"

namespace billpipe::app {

Result<DiscoveredReports> DiscoverReports(const StoreSettings& settings, const std::string& url,
                                          const std::string& report_name, cur::ReportPick pick) {
  DiscoveredReports out;
  BP_ASSIGN_OR_RETURN(out.location, s3::ParseS3Url(url));
  const std::string& prefix = out.location.key;
  BP_RETURN_IF_ERROR(cur::ValidateReportPrefix(prefix));
  if (!report_name.empty()) BP_RETURN_IF_ERROR(cur::ValidateReportName(report_name));
  BP_ASSIGN_OR_RETURN(auto store, OpenStore(settings));
  BP_ASSIGN_OR_RETURN(out.reports, cur::DiscoverReports(*store, out.location.bucket, prefix));
  if (!report_name.empty()) {
    BP_ASSIGN_OR_RETURN(auto selected,
                        cur::SelectReportOrExport(out.reports, out.location.bucket, prefix, report_name, pick));
    out.reports = {std::move(selected)};
  }
  for (const cur::ReportSummary& report : out.reports) {
    if (report.format != cur::ReportFormat::kDataExport) {
      out.exports.emplace_back();
      continue;
    }
    BP_ASSIGN_OR_RETURN(auto summary, cur::DescribeExport(*store, report));
    out.exports.emplace_back(std::move(summary));
  }
  return out;
}

Result<DiscoveredReports> DiscoverReportsWithAccount(catalog::Catalog& catalog, const std::string& account,
                                                     const std::string& bucket, const std::string& prefix) {
  BP_RETURN_IF_ERROR(s3::ValidateBucketName(bucket));
  DiscoveredReports out;
  out.location.bucket = bucket;
  out.location.key = catalog::NormalizePrefix(prefix);
  BP_RETURN_IF_ERROR(cur::ValidateReportPrefix(out.location.key));
  if (account.empty()) return Fail(ErrorCode::kInvalidArgument, "Choose the account to read the bucket with.");
  // The account's S3 options, as a dataset of this account would read them.
  catalog::DatasetDefinition probe;
  probe.account = account;
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(catalog, probe));
  job.client.retry.max_attempts = 2;  // a person is waiting
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  BP_ASSIGN_OR_RETURN(out.reports, cur::DiscoverReports(*store, bucket, out.location.key));
  return out;
}

nlohmann::ordered_json ReportsJson(const DiscoveredReports& found) {
  auto format_id = [](cur::ReportFormat f) -> std::string {
    switch (f) {
      case cur::ReportFormat::kLegacyCsv: return "legacy-csv";
      case cur::ReportFormat::kLegacyParquet: return "legacy-parquet";
      case cur::ReportFormat::kDataExport: return "data-export";
    }
    return "unknown";
  };
  nlohmann::ordered_json out;
  out["bucket"] = found.location.bucket;
  out["prefix"] = found.location.key;
  auto& reports = out["reports"] = nlohmann::ordered_json::array();
  for (const cur::ReportSummary& r : found.reports) {
    nlohmann::ordered_json report;
    report["name"] = r.location.name;
    report["prefix"] = r.location.prefix;
    report["kind"] = "cost-and-usage";
    report["format"] = format_id(r.format);
    report["supported"] = r.supported();
    report["layout"] = r.supported() ? std::string(cur::ReportLayoutName(r.layout)) : std::string();
    report["compression"] = r.compression;
    auto& periods = report["periods"] = nlohmann::ordered_json::array();
    for (const cur::PeriodSummary& p : r.periods) {
      periods.push_back({{"period", p.period.Label()},
                         {"start", cur::FormatDate(p.period.start)},
                         {"end", cur::FormatDate(p.period.end)},
                         {"version", p.layout == cur::ReportLayout::kCreateNew ? p.assembly_id : p.etag},
                         {"error", p.error}});
    }
    reports.push_back(std::move(report));
  }
  return out;
}

}  // namespace billpipe::app
