// The plan step of a run (and of verify): what a period holds in the bucket.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cur/manifest.h"
#include "cur/report.h"
#include "pipeline/dataset_spec.h"
#include "pipeline/run.h"
#include "s3/object_store.h"
#include "sink/sink.h"

namespace billpipe::pipeline {

// What the plan found for one billing period in the window.
struct PeriodPlan {
  BillingPeriod period;
  DateWindow share;
  std::optional<cur::LegacyManifest> manifest;  // empty: no report for this period yet
  std::string version_key;
  std::vector<s3::ObjectInfo> files;  // the manifest's reportKeys, with sizes
};

// "2019-12".
std::string PeriodLabel(const BillingPeriod& p);

// The dataset column kind of a manifest type.
sink::ColumnKind KindOf(const std::string& manifest_type);

// A column's type: the manifest's, or for manifests before 2019 (no types) the type AWS documents for
// that column (cur/column_catalog.h), else String.
std::string TypeOf(const cur::ManifestColumn& column);

cur::ReportLocation Location(const RunRequest& req);

// The newest version of a period, from its top-level manifest (cur::PlanPeriod); no manifest: no report
// for this period yet (an empty manifest in the plan).
Result<PeriodPlan> PlanOnePeriod(s3::ObjectStore& store, const RunRequest& req, const BillingPeriod& period,
                                 const DateWindow& share);

// Asks S3 about every file of the plan (size for progress, existence): kNotFound naming a reportKey
// that does not exist.
Status StatPlannedFiles(s3::ObjectStore& store, const RunRequest& req, PeriodPlan& plan);

// A report name that is not in the bucket is an error naming the reports that are.
Status CheckReportExists(s3::ObjectStore& store, const RunRequest& req);

}  // namespace billpipe::pipeline
