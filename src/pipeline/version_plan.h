// What a run puts into the dataset's next version, by update method, and each period's status. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cur/billing_period.h"
#include "cur/report_reader.h"
#include "pipeline/dataset_spec.h"
#include "sink/sink.h"
#include "util/clock.h"

namespace billpipe::pipeline {

struct VersionPlan {
  // Segments of the current version that the next version keeps as they are.
  std::vector<int64_t> keep;
  // Segments to load in this run (their rows downloaded and inserted).
  std::vector<sink::SegmentKey> load;
  // Wanted segments found unchanged in the current version: nothing to download.
  std::vector<sink::SegmentKey> unchanged;
  // Append only: period versions already in the dataset, not added again.
  std::vector<sink::SegmentKey> already_appended;
  // Segments of the current version the next one drops (replaced, outside the window or retention).
  std::vector<int64_t> drop;
};

// current: the current version's segments. wanted: one key per billing period with data in the window
// (the newest version, the window's share, the filter). partition_retention_months: with Partition,
// periods that start more than this many months before today's month are dropped (0 keeps all).
VersionPlan PlanVersion(UpdateMethod method, const std::vector<sink::Segment>& current,
                        const std::vector<sink::SegmentKey>& wanted, int partition_retention_months, Date today);

// The finality of a period's newly loaded version: final when its lines carry invoice ids, restated
// when it replaces a version that was already final, else estimated.
sink::Finality PeriodStatus(bool has_invoice_ids, const std::optional<sink::Segment>& previous);

// The status of a period whose report has no invoice column (FOCUS 1.0), from the date
// (cur::StatusWithoutInvoice): stored as estimated (open), final (closed) or restated. previous: the
// dataset's segment of the period before this load, if any.
sink::Finality StatusByDate(const BillingPeriod& period, SysTime now, std::string_view version_key,
                            const std::optional<sink::Segment>& previous);

// The status as shown: "estimated", "final", "restated"; for a report without an invoice column (roles'
// invoice_id empty) "open", "closed", "restated".
std::string_view PeriodStatusName(sink::Finality finality, const cur::ColumnRoles& roles);

}  // namespace billpipe::pipeline
