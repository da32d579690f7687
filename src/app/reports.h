// Discovering the Cost and Usage Reports under s3://BUCKET[/PREFIX] (docs/reports.md).
#pragma once

#include <string>
#include <vector>

#include "app/store.h"
#include "cur/report_discovery.h"
#include "s3/s3_url.h"
#include "util/status.h"

namespace billpipe::app {

struct DiscoveredReports {
  s3::S3Url location;                       // the bucket and prefix (key) looked under
  std::vector<cur::ReportSummary> reports;  // one when a report name was given
};

// Validates the URL, the prefix and (when given) the report name before any request, then lists the
// reports; a report name not found is an error naming the reports there.
Result<DiscoveredReports> DiscoverReports(const StoreSettings& store, const std::string& url,
                                          const std::string& report_name);

}  // namespace billpipe::app
