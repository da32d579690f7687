// The plan step of a run (and of preview and verify): which version of each billing period in the window
// the report holds, asked of the report's reader (cur/report_reader.h). Nothing here knows a report kind.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cur/report_reader.h"
#include "pipeline/dataset_spec.h"
#include "pipeline/run.h"
#include "s3/object_store.h"
#include "sink/sink.h"
#include "table/column_type.h"

namespace billpipe::pipeline {

// One billing period of the window, and what the report holds for it.
struct PeriodInWindow {
  BillingPeriod period;
  DateWindow share;                              // the window's share of the period
  std::optional<cur::PeriodVersion> version;     // the newest; empty: no report for this period yet
};

// The dataset column kind of a column type.
sink::ColumnKind KindOf(table::ColumnType type);

// The reader for the request's report (kind, bucket, prefix, name), its versions in the request's schema
// (pipeline/schema_step.h).
std::unique_ptr<cur::ReportReader> OpenReader(s3::ObjectStore& store, const RunRequest& req);

// The newest version of every period the window overlaps, oldest first.
Result<std::vector<PeriodInWindow>> PlanWindow(cur::ReportReader& reader, const DateWindow& window);

// A report name that is not in the bucket is an error naming the reports that are.
Status CheckReportExists(s3::ObjectStore& store, const RunRequest& req);

}  // namespace billpipe::pipeline
