#include "app/reports.h"

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

}  // namespace billpipe::app
