// Discovering the Cost and Usage Reports under s3://BUCKET[/PREFIX] (docs/reports.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/store.h"
#include "catalog/catalog.h"
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

// The Report Name menu: the reports under s3://bucket/prefix, read with a catalog account's credentials.
// The bucket name and prefix are validated first (before the account is looked up).
Result<DiscoveredReports> DiscoverReportsWithAccount(catalog::Catalog& catalog, const std::string& account,
                                                     const std::string& bucket, const std::string& prefix);

// {"bucket","prefix","reports":[{"name","prefix","kind","format","supported","layout","compression",
//   "periods":[{"period","start","end","version","error"}]}]} (kind "cost-and-usage").
nlohmann::ordered_json ReportsJson(const DiscoveredReports& found);

}  // namespace billpipe::app
