// What a run puts into the dataset's next version, by update method. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/dataset_spec.h"
#include "sink/sink.h"

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

}  // namespace billpipe::pipeline
