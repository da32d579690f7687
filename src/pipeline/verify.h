// billpipe verify: recompute each loaded period's line items and cost from S3 and compare them with the
// dataset's state and with the rows it actually holds.
#pragma once

#include <string>
#include <vector>

#include "pipeline/run.h"

namespace billpipe::pipeline {

struct PeriodCheck {
  std::string period;       // "2019-12"
  std::string version_key;  // the version the dataset holds
  int64_t s3_line_items = -1;     // recomputed from S3 with the segment's window share and filter
  std::string s3_unblended_cost;  // exact
  int64_t state_line_items = 0;   // what the run recorded
  std::string state_unblended_cost;
  int64_t stored_rows = 0;        // what the dataset holds
  double stored_unblended_cost = 0;
  std::vector<std::string> problems;  // empty: the period checks out
};

struct VerifyReport {
  std::string dataset;
  std::vector<PeriodCheck> periods;
  bool ok() const;
};

// Checks every period of the dataset's current version. The request names the report (bucket, prefix,
// report name) and the dataset; its window and filter are not used (each period's own are).
Result<VerifyReport> VerifyDataset(const RunRequest& request, RunEnvironment& env);

std::string FormatVerifyReport(const VerifyReport& report);
std::string VerifyReportJson(const VerifyReport& report);

}  // namespace billpipe::pipeline
