#include "pipeline/plan.h"

#include "pipeline/schema_step.h"

namespace billpipe::pipeline {

sink::ColumnKind KindOf(table::ColumnType type) {
  switch (type) {
    case table::ColumnType::kDateTime: return sink::ColumnKind::kTimestamp;
    case table::ColumnType::kBigDecimal:
    case table::ColumnType::kOptionalBigDecimal: return sink::ColumnKind::kDecimal;
    case table::ColumnType::kString:
    case table::ColumnType::kOptionalString:
    case table::ColumnType::kInterval: return sink::ColumnKind::kText;
  }
  return sink::ColumnKind::kText;
}

std::unique_ptr<cur::ReportReader> OpenReader(s3::ObjectStore& store, const RunRequest& req) {
  return WithSchema(cur::OpenReportReader(req.report_kind, store, req.bucket, req.prefix, req.report_name),
                    req.schema);
}

Result<std::vector<PeriodInWindow>> PlanWindow(cur::ReportReader& reader, const DateWindow& window) {
  BP_ASSIGN_OR_RETURN(auto periods, reader.PeriodsIn(window));
  std::vector<PeriodInWindow> out;
  out.reserve(periods.size());
  for (const auto& period : periods) {
    BP_ASSIGN_OR_RETURN(auto version, reader.Newest(period));
    out.push_back(PeriodInWindow{period, *WindowShare(window, period), std::move(version)});
  }
  return out;
}

Status CheckReportExists(s3::ObjectStore& store, const RunRequest& req) { return OpenReader(store, req)->CheckExists(); }

}  // namespace billpipe::pipeline
