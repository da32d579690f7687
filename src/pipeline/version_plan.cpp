#include "pipeline/version_plan.h"

#include <algorithm>
#include <set>

#include "cur/export_layout.h"

namespace billpipe::pipeline {

VersionPlan PlanVersion(UpdateMethod method, const std::vector<sink::Segment>& current,
                        const std::vector<sink::SegmentKey>& wanted, int partition_retention_months, Date today) {
  VersionPlan plan;
  std::set<int64_t> kept;
  std::set<std::string> wanted_periods;
  for (const auto& w : wanted) {
    wanted_periods.insert(w.billing_period);
    auto same = std::find_if(current.begin(), current.end(), [&](const sink::Segment& s) { return s.key == w; });
    if (method == UpdateMethod::kAppend) {
      auto appended = std::find_if(current.begin(), current.end(), [&](const sink::Segment& s) {
        return s.key.billing_period == w.billing_period && s.key.version_key == w.version_key;
      });
      if (appended != current.end()) {
        plan.already_appended.push_back(w);
      } else {
        plan.load.push_back(w);
      }
      continue;
    }
    if (same != current.end()) {
      plan.unchanged.push_back(w);
      kept.insert(same->id);
    } else {
      plan.load.push_back(w);
    }
  }
  if (method == UpdateMethod::kAppend) {
    for (const auto& s : current) kept.insert(s.id);
  }
  if (method == UpdateMethod::kPartition) {
    int y = today.year, m = today.month - partition_retention_months;
    while (m < 1) m += 12, --y;
    std::string oldest = Date{y, m, 1}.ToString();
    for (const auto& s : current) {
      if (wanted_periods.count(s.key.billing_period)) continue;
      if (partition_retention_months > 0 && s.key.billing_period < oldest) continue;
      kept.insert(s.id);
    }
  }
  for (const auto& s : current) {
    (kept.count(s.id) ? plan.keep : plan.drop).push_back(s.id);
  }
  return plan;
}

sink::Finality PeriodStatus(bool has_invoice_ids, const std::optional<sink::Segment>& previous) {
  if (previous && (previous->finality == sink::Finality::kFinal || previous->finality == sink::Finality::kRestated)) {
    return sink::Finality::kRestated;
  }
  return has_invoice_ids ? sink::Finality::kFinal : sink::Finality::kEstimated;
}

sink::Finality StatusByDate(const BillingPeriod& period, SysTime now, std::string_view version_key,
                            const std::optional<sink::Segment>& previous) {
  std::optional<cur::PriorPeriodState> prior;
  if (previous) {
    cur::ExportPeriodStatus status = cur::ExportPeriodStatus::kOpen;
    if (previous->finality == sink::Finality::kFinal) status = cur::ExportPeriodStatus::kClosed;
    if (previous->finality == sink::Finality::kRestated) status = cur::ExportPeriodStatus::kRestated;
    prior = cur::PriorPeriodState{status, previous->key.version_key};
  }
  switch (cur::StatusWithoutInvoice(period, now, version_key, prior)) {
    case cur::ExportPeriodStatus::kOpen: return sink::Finality::kEstimated;
    case cur::ExportPeriodStatus::kClosed: return sink::Finality::kFinal;
    case cur::ExportPeriodStatus::kRestated: return sink::Finality::kRestated;
  }
  return sink::Finality::kEstimated;
}

std::string_view PeriodStatusName(sink::Finality finality, const cur::ColumnRoles& roles) {
  if (!roles.invoice_id.empty()) return sink::FinalityName(finality);
  switch (finality) {
    case sink::Finality::kEstimated: return "open";
    case sink::Finality::kFinal: return "closed";
    case sink::Finality::kRestated: return "restated";
  }
  return "open";
}

}  // namespace billpipe::pipeline
