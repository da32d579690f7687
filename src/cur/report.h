// Where a Cost and Usage Report lives in a bucket and how it is laid out (../shared/CUR_FORMAT.md).
#pragma once

#include <string>
#include <string_view>

#include "cur/billing_period.h"
#include "cur/manifest.h"
#include "util/status.h"

namespace billpipe::cur {

// What AWS feature wrote the report.
enum class ReportFormat {
  kLegacyCsv,      // CUR 1.0, CSV (gzip or zip): read by billpipe
  kLegacyParquet,  // CUR 1.0, Parquet for Athena: read by billpipe (cur/legacy_cur_reader.h)
  kDataExport,     // AWS Data Exports (CUR 2.0, FOCUS): cur/export_reader.h
};
// "legacy CSV", "legacy Parquet", "CUR 2.0 / FOCUS export".
std::string_view ReportFormatName(ReportFormat format);

// How updates land: a new `<assemblyId>/` folder per update (CREATE_NEW_REPORT), or replaced in place
// (OVERWRITE_REPORT). kUnknown when the manifest's keys fit neither.
enum class ReportLayout { kCreateNew, kOverwrite, kUnknown };
// "create-new", "overwrite", "unknown".
std::string_view ReportLayoutName(ReportLayout layout);

// A report's place: keys `<prefix><name>/<YYYYMMDD-YYYYMMDD>/...`.
struct ReportLocation {
  std::string bucket;
  std::string prefix;  // the report path prefix as a folder: "" or ending in '/', e.g. "cur/"
  std::string name;    // the report name

  // "cur/name/": the folder holding the period folders.
  std::string Root() const { return prefix + name + "/"; }
  // "cur/name/20180501-20180601/".
  std::string PeriodFolder(const BillingPeriod& period) const { return Root() + period.FolderName() + "/"; }
  // The top-level manifest: "cur/name/20180501-20180601/name-Manifest.json".
  std::string ManifestKey(const BillingPeriod& period) const {
    return PeriodFolder(period) + name + "-Manifest.json";
  }
};

// "s3://bucket/key".
std::string S3Url(std::string_view bucket, std::string_view key);

// AWS's rules for report names (`[0-9A-Za-z!\-_.*'()]+`, at most 256 characters) and report path
// prefixes (`[0-9A-Za-z!\-_.*'()/]*`, at most 256): kInvalidArgument naming the valid characters.
Status ValidateReportName(std::string_view name);
Status ValidateReportPrefix(std::string_view prefix);

// A prefix as the folder it names: "" stays "", "cur" and "cur/" become "cur/".
std::string PrefixAsFolder(std::string_view prefix);

// kBadData unless the manifest's billingPeriod is exactly the period of its folder.
Status CheckManifestPeriod(const LegacyManifest& manifest, const BillingPeriod& period);

// The layout a period's top-level manifest shows. With report keys: all under
// `<period folder><assemblyId>/` -> kCreateNew; all directly in the period folder -> kOverwrite; else
// kUnknown. Without report keys (an empty month): kCreateNew when the period folder has subfolders.
ReportLayout DetectLayout(const LegacyManifest& manifest, std::string_view period_folder, bool has_subfolders);

}  // namespace billpipe::cur
