// Discovering the Cost and Usage Reports under s3://BUCKET[/PREFIX] (docs/reports.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/store.h"
#include "cur/export_discovery.h"
#include "cur/report_discovery.h"
#include "s3/s3_url.h"
#include "util/status.h"

namespace billpipe::app {

struct DiscoveredReports {
  s3::S3Url location;                       // the bucket and prefix (key) looked under
  std::vector<cur::ReportSummary> reports;  // one when a report name was given
  // One per report: for a data export (CUR 2.0, FOCUS) its top-level manifests read (kind, delivery,
  // newest execution of each period); nullopt for legacy reports.
  std::vector<std::optional<cur::ExportSummary>> exports;
};

// Validates the URL, the prefix and (when given) the report name before any request, then lists the
// reports and exports; a report name not found is an error naming the reports there, a name that is both
// a legacy report and an export under one prefix an error naming both, unless pick says which.
Result<DiscoveredReports> DiscoverReports(const StoreSettings& store, const std::string& url,
                                          const std::string& report_name,
                                          cur::ReportPick pick = cur::ReportPick::kAny);

}  // namespace billpipe::app
