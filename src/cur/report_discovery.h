// Finding the Cost and Usage Reports under a bucket prefix: what fills a dataset's Report Name menu and
// what `billpipe reports` prints.
//
// Discovery walks folders with delimiter listings only (never every key): from the prefix down at most
// kMaxDiscoveryDepth folder levels, it recognises
//   - legacy CSV reports:  <prefix><report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json
//   - legacy Parquet:      <prefix><report>/<report>/year=YYYY/month=M/...  (or manifests saying Parquet)
//   - CUR 2.0 / FOCUS:     <prefix><export>/data/ and <prefix><export>/metadata/BILLING_PERIOD=YYYY-MM/
// and does not look inside a folder once it is recognised as a report. For each legacy period it lists the
// period folder (with a delimiter: assembly folders are seen as names, never opened) and reads the
// top-level manifest.
#pragma once

#include <string>
#include <vector>

#include "cur/billing_period.h"
#include "cur/report.h"
#include "s3/object_store.h"
#include "util/status.h"

namespace billpipe::cur {

// How many folder levels below the given prefix discovery looks for reports.
inline constexpr int kMaxDiscoveryDepth = 6;
// How many folders discovery lists at most before asking for a narrower prefix.
inline constexpr int kMaxDiscoveryFolders = 2000;

// One billing period of a report as its top-level manifest describes it.
struct PeriodSummary {
  BillingPeriod period;
  std::string manifest_key;   // top-level manifest; "" for formats not supported yet
  std::string last_modified;  // the manifest's LastModified: when this version was delivered
  std::string etag;           // the manifest's ETag (the version in overwrite mode)
  std::string assembly_id;    // the newest version in create-new mode
  ReportLayout layout = ReportLayout::kUnknown;
  std::string compression;    // as the manifest says: "GZIP", "ZIP"
  size_t column_count = 0;
  std::string error;  // non-empty: this period's manifest could not be read, and why (other fields partial)
  // Legacy Parquet without a manifest for this period: the month folder whose Parquet files are the
  // period's data ("cur/name/name/year=2018/month=5/"); "" otherwise.
  std::string data_folder;
};

struct ReportSummary {
  ReportFormat format = ReportFormat::kLegacyCsv;
  ReportLocation location;
  bool supported() const { return format == ReportFormat::kLegacyCsv || format == ReportFormat::kLegacyParquet; }
  // From the newest period whose manifest was read; kUnknown / "" / 0 when none was.
  ReportLayout layout = ReportLayout::kUnknown;
  std::string compression;
  size_t column_count = 0;
  std::vector<PeriodSummary> periods;  // oldest first
};

// Every report under s3://bucket/prefix, ordered by location (prefix, then name). The prefix is taken as
// a folder ("cur" means "cur/") and validated as a report path prefix. Errors: kInvalidArgument for a bad
// prefix or too many folders; store errors (auth, permission, missing bucket) as they come. A period whose
// manifest is missing or malformed is reported in its PeriodSummary::error, not as an error of the call.
Result<std::vector<ReportSummary>> DiscoverReports(s3::ObjectStore& store, const std::string& bucket,
                                                   const std::string& prefix);

// The report named `name` among `reports` (found under s3://bucket/prefix). Errors:
//   kInvalidArgument: not a valid report name, or the name is found under several prefixes (lists them);
//   kNotFound: no such report (the message lists the names that are there);
//   kUnsupported: the report is legacy Parquet;
//   kInvalidArgument: the report is a data export (SelectReportOrExport picks those).
Result<ReportSummary> SelectReport(const std::vector<ReportSummary>& reports, const std::string& bucket,
                                   const std::string& prefix, const std::string& name);

}  // namespace billpipe::cur
