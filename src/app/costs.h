// Cost series for charts (docs/datacenter.md "Costs"): a loaded dataset's unblended cost per day or per
// month, one series per value of a grouping column (service, account, region, usage type, line item
// type). Costs are exact decimal sums of the stored values.
//
// For now computed from the dataset's rows (one scan of the window); the rollup tables of the issue's
// "Fast charts" step, written by a run beside its rows, are not built yet. Only SQLite destinations:
// others answer kUnsupported.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace billpipe::app {

struct CostQuery {
  std::string group_by = "service";  // service | account | region | usage_type | line_item_type
  std::string granularity = "month";  // day | month
  std::string start;  // YYYY-MM-DD, inclusive; empty: from the first day loaded
  std::string end;    // YYYY-MM-DD, inclusive; empty: to the last
};

struct CostPoint {
  std::string date;  // the day, or the first day of the month
  std::string cost;  // exact decimal text
};
struct CostSeries {
  std::string key;  // the group's value; "" where the column is empty or the dataset lacks it
  std::vector<CostPoint> points;  // by date
};

// The dataset column each group_by names (legacy CUR's, as loaded: docs/loading.md).
Result<std::string> CostGroupColumn(const std::string& group_by);

// kInvalidArgument for an unknown group_by or granularity or a malformed date (naming the choices);
// kNotFound when the dataset was never loaded into the destination.
Result<std::vector<CostSeries>> DatasetCosts(const std::string& destination, const std::string& dataset,
                                             const CostQuery& query);

// {"series": [{"key": "AmazonEC2", "points": [{"date": "2018-10-01", "cost": "123.45"}]}]}
nlohmann::json CostsJson(const std::vector<CostSeries>& series);

}  // namespace billpipe::app
