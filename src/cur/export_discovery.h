// What `billpipe reports` needs to know about the Data Exports (CUR 2.0, FOCUS) that DiscoverReports
// found (report_discovery.h lists them as ReportFormat::kDataExport with their periods only), and how a
// report name is picked when a legacy report and an export share it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cur/export_layout.h"
#include "cur/report_discovery.h"
#include "s3/object_store.h"
#include "util/status.h"

namespace billpipe::cur {

// One billing period of an export as its top-level manifest describes it (read, not its data files).
struct ExportPeriodSummary {
  BillingPeriod period;
  std::string manifest_key;
  std::string last_modified;  // the manifest's LastModified: when this delivery arrived
  std::string etag;           // the manifest's ETag
  std::string execution_id;   // the newest delivery
  std::optional<ExportKind> kind;
  ExportDelivery delivery = ExportDelivery::kUnknown;
  size_t column_count = 0;
  size_t data_file_count = 0;
  std::string format = "csv";  // "csv" (gzip) or "parquet", from the data files' names
  std::string error;  // non-empty: the manifest could not be read or is refused, and why
};

struct ExportSummary {
  ExportLocation location;
  // From the newest period whose manifest was read; nullopt / kUnknown / 0 when none was.
  std::optional<ExportKind> kind;
  ExportDelivery delivery = ExportDelivery::kUnknown;
  std::string format = "csv";        // exports are gzip CSV or Parquet; "parquet" when the files say so
  std::string compression = "gzip";
  size_t column_count = 0;
  std::vector<ExportPeriodSummary> periods;  // oldest first
};

// Reads the top-level manifest of each period of an export found by DiscoverReports (report.format must
// be kDataExport: else kInvalidArgument). A period whose manifest is missing, not JSON, of no known kind
// or pointing outside the export is reported in its error, not as an error of the call; store errors of
// the listing (auth, permission) are returned.
Result<ExportSummary> DescribeExport(s3::ObjectStore& store, const ReportSummary& report);

// Which kind of report a name means when a legacy report and an export share it.
enum class ReportPick { kAny, kLegacy, kExport };

// Like SelectReport, but an export is a valid choice (kDataExport is returned, not refused), and a name
// that is both a legacy report and an export under one prefix is kInvalidArgument naming both and how to
// pick one, unless pick says which. Other errors as SelectReport's.
Result<ReportSummary> SelectReportOrExport(const std::vector<ReportSummary>& reports, const std::string& bucket,
                                           const std::string& prefix, const std::string& name,
                                           ReportPick pick = ReportPick::kAny);

}  // namespace billpipe::cur
