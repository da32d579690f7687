// Which files to read for a legacy CSV report over a date window: for each billing period that overlaps
// the window, the newest version as the period's top-level manifest names it (DESIGN.md "Plan").
//
// Never lists or sums assembly folders: AWS keeps every old assembly, each a full month-to-date snapshot.
// The files to read are exactly the manifest's reportKeys, each checked with a HEAD (its size and ETag
// are kept so the fetch can ask for that exact object). Whether a period is final is not decided here:
// the manifest alone cannot tell; the loader sees bill/InvoiceId.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cur/billing_period.h"
#include "cur/manifest.h"
#include "cur/report.h"
#include "s3/object_store.h"
#include "util/status.h"

namespace billpipe::cur {

struct PeriodPlan {
  BillingPeriod period;
  std::string manifest_key;        // the top-level manifest
  s3::ObjectInfo manifest_object;  // its ETag and LastModified
  LegacyManifest manifest;
  ReportLayout layout = ReportLayout::kUnknown;
  // What identifies this version of the period: the assemblyId in create-new mode, the top-level
  // manifest's ETag in overwrite mode (and when the layout is unknown).
  std::string version_key;
  DataEncoding encoding;  // CSV (gzip or zip) or Parquet
  Compression compression = Compression::kGzip;  // encoding.compression: kGzip, kZip, kNone (Parquet)
  std::vector<s3::ObjectInfo> files;              // one per reportKey, in the manifest's order
  // The objects directly in the period folder, from the one listing planning makes (in overwrite mode
  // the data files are among them, with their ETags).
  std::vector<s3::ObjectInfo> folder_objects;
};

// The outcome for one period: a plan, or the error that stops this period and no other. Errors name the
// period and the key: "period 2018-05 (s3://b/cur/r/20180501-20180601/r-Manifest.json): ...", with
// Error::bucket and Error::key set; a refused login (kAuth) keeps its sentence first and names the
// period after it ("Failed to authenticate. ... While reading period 2018-05 (s3://...)."). Codes: kNotFound (manifest or a reportKey missing), kBadData (not
// JSON, a field missing or of the wrong type, billingPeriod not the folder's, compression not matching a
// file's name), or the store's own error.
struct PeriodOutcome {
  BillingPeriod period;
  Result<PeriodPlan> plan;
};

// Plans every period folder under location.Root() that overlaps window, oldest first. Fails as a whole
// only for a window whose first day is after its last (kInvalidArgument), an invalid location, or when the
// report folder cannot be listed; a period folder outside the window is not read.
Result<std::vector<PeriodOutcome>> PlanPeriods(s3::ObjectStore& store, const ReportLocation& location,
                                               const DateWindow& window);

// Whether planning asks S3 about every data file (a HEAD each: sizes, ETags, existence) or leaves
// that to StatFiles, for the periods that turn out to need reading.
enum class FileCheck { kHead, kLater };

// Plans one period (whose folder need not have been listed). With FileCheck::kLater, files hold the
// manifest's keys only (size 0, no ETag) and no data file is asked about.
Result<PeriodPlan> PlanPeriod(s3::ObjectStore& store, const ReportLocation& location, const BillingPeriod& period,
                              FileCheck check = FileCheck::kHead);

// Checks a manifest's files: the compression is GZIP, ZIP or Parquet (else kBadData), and
// every reportKey is under the report's folder (location.Root()), has no "." or ".." segment, and ends
// as the compression says (kBadData naming the key). Errors name the period and manifest_key.
Result<DataEncoding> CheckManifestFiles(const LegacyManifest& manifest, const ReportLocation& location,
                                        const BillingPeriod& period, const std::string& manifest_key);

// Fills in size and ETag of every file of a plan made with FileCheck::kLater: kNotFound naming a
// reportKey that does not exist, with the period and key as PlanPeriod's errors.
Status StatFiles(s3::ObjectStore& store, const ReportLocation& location, PeriodPlan& plan);

}  // namespace billpipe::cur
