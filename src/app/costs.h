// Cost series for charts (docs/datacenter.md "Costs"): a loaded dataset's unblended cost per day or per
// month, one series per value of a grouping column (service, account, region, usage type, line item
// type). Costs are exact decimal sums.
//
// Read from the rollups a run writes with its rows (sink/sqlite_rollup.h, "Fast charts"): exact decimal
// text, a few rows per day. A dataset whose current version has a segment loaded before rollups existed
// is read from its rows instead (one scan of the window; the costs stored as REAL read back as their
// 15-digit text), until a run replaces that segment. Only SQLite destinations: others answer kUnsupported.
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
  std::string source = "auto";  // auto (the rollup when the whole current version has one) | rows
};

struct CostPoint {
  std::string date;  // the day, or the first day of the month
  std::string cost;  // exact decimal text
};
struct CostSeries {
  std::string key;  // the group's value; "" where the column is empty or the dataset lacks it
  std::vector<CostPoint> points;  // by date
};

struct Costs {
  std::vector<CostSeries> series;  // by key
  std::string source;              // what answered: "rollup" or "rows"
};

// kInvalidArgument for an unknown group_by, granularity or source or a malformed date (naming the
// choices); kNotFound when the dataset was never loaded into the destination.
Result<Costs> DatasetCosts(const std::string& destination, const std::string& dataset, const CostQuery& query);

// {"series": [{"key": "AmazonEC2", "points": [{"date": "2018-10-01", "cost": "123.45"}]}] (the source is
// not in the body: the API sends it as the header X-Billpipe-Costs-Source)
nlohmann::json CostsJson(const Costs& costs);

}  // namespace billpipe::app
