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

// Days from first to last, both included, UTC.
struct DateWindow {
  std::chrono::sys_days first;
  std::chrono::sys_days last;
};

struct PeriodPlan {
  BillingPeriod period;
  std::string manifest_key;        // the top-level manifest
  s3::ObjectInfo manifest_object;  // its ETag and LastModified
  LegacyManifest manifest;
  ReportLayout layout = ReportLayout::kUnknown;
  // What identifies this version of the period: the assemblyId in create-new mode, the top-level
  // manifest's ETag in overwrite mode (and when the layout is unknown).
  std::string version_key;
  Compression compression = Compression::kGzip;  // kGzip or kZip
  std::vector<s3::ObjectInfo> files;              // one per reportKey, in the manifest's order
};

// The outcome for one period: a plan, or the error that stops this period and no other. Errors name the
// period and the key: "period 2018-05 (s3://b/cur/r/20180501-20180601/r-Manifest.json): ...", with
// Error::bucket and Error::key set. Codes: kNotFound (manifest or a reportKey missing), kBadData (not
// JSON, a field missing or of the wrong type, billingPeriod not the folder's, compression not matching a
// file's name), kUnsupported (compression Parquet), or the store's own error.
struct PeriodOutcome {
  BillingPeriod period;
  Result<PeriodPlan> plan;
};

// Plans every period folder under location.Root() that overlaps window, oldest first. Fails as a whole
// only for a window whose first day is after its last (kInvalidArgument), an invalid location, or when the
// report folder cannot be listed; a period folder outside the window is not read.
Result<std::vector<PeriodOutcome>> PlanPeriods(s3::ObjectStore& store, const ReportLocation& location,
                                               const DateWindow& window);

// Plans one period (whose folder need not have been listed).
Result<PeriodPlan> PlanPeriod(s3::ObjectStore& store, const ReportLocation& location, const BillingPeriod& period);

}  // namespace billpipe::cur
