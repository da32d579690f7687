// A segment's rollup (docs/datacenter.md "Fast charts"), accumulated where the rows are decoded: each
// file's worker adds its kept rows to its own accumulator, the run merges them per segment and hands the
// rows to the sink with the segment's totals (sink::SegmentTotals::rollup), so the one writer thread
// does no more than store a few rows per segment.
//
// A group is one UTC day of the usage start and one value of each of the five dimensions (account,
// service, region, usage type, line item type; the version's cur::RollupDimensions say which columns).
// Its totals: line items, and the exact decimal sums of the cost and the usage amount.
//
// Thread safety: none; one accumulator per thread, merged under the caller's lock.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cur/report_reader.h"
#include "sink/sink.h"
#include "table/column_batch.h"
#include "table/decimal.h"
#include "util/status.h"

namespace billpipe::pipeline {

// Where a file's rollup values are: positions in the file's columns, -1 where it has none.
struct RollupColumns {
  int usage_start = -1;  // a timestamp column
  int cost = -1;
  int usage_amount = -1;
  std::array<int, sink::kRollupDimensions> dimensions{-1, -1, -1, -1, -1};
  std::array<std::string, sink::kRollupDimensions> map_keys;  // "" or the key of a map column's JSON object
};

// Finds the roles' and dimensions' columns among a file's columns (by name; "COLUMN.KEY" is KEY of map
// column COLUMN).
RollupColumns FindRollupColumns(const std::vector<table::ColumnSchema>& schema, const cur::ColumnRoles& roles,
                                const cur::RollupDimensions& dimensions);

// The value of `key` in a JSON object's text ("" when absent, not a string, or the text is not an object).
std::string MapValue(std::string_view json_object, std::string_view key);

class RollupAccumulator {
 public:
  // Adds the rows r of batch with keep[r] != 0. A row whose usage start is NULL is skipped (the loader
  // never keeps one). kBadData naming the value when a cost or usage amount is not a decimal or a sum
  // needs more than 38 digits.
  Status Add(const table::ColumnBatch& batch, const RollupColumns& columns, const std::vector<uint8_t>& keep);

  // Adds another accumulator's groups.
  Status Merge(const RollupAccumulator& other);

  // The groups, ordered by day, then by the dimensions.
  std::vector<sink::RollupRow> Rows() const;
  // Rows() and its totals by day and each single dimension (sink::SegmentRollup). kBadData when a sum
  // needs more than 38 digits.
  Result<sink::SegmentRollup> Finish() const;
  size_t groups() const { return groups_.size(); }

 private:
  struct Totals {
    int64_t line_items = 0;
    table::Decimal cost, usage;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // The key: the day's text and each dimension's, each as its length (4 bytes) and bytes.
  std::unordered_map<std::string, Totals, KeyHash, std::equal_to<>> groups_;
  std::string key_;  // reused for lookups
};

}  // namespace billpipe::pipeline
