// The rollups of a SQLite destination (docs/datacenter.md "Fast charts"): small rows of cost and usage per
// day and dimensions, kept per segment beside the bookkeeping tables:
//
//   _billpipe_rollups(segment_id, dataset, day, account, service, region, usage_type, line_item_type,
//                     line_items, cost, usage_amount)     one row per sink::RollupRow; cost and usage_amount
//                                                         exact decimal text; index (segment_id, day)
//   _billpipe_rollup_totals(segment_id, dataset, dimension, day, value, line_items, cost, usage_amount)
//                                                         the same by day and one dimension (dimension is
//                                                         "service", ...): what the costs endpoint reads;
//                                                         index (segment_id, dimension, day)
//   _billpipe_rollup_segments(segment_id, dataset)         the segments that have a rollup (perhaps of no
//                                                         rows); a segment loaded before rollups has none
//
// A segment is written once and never changed, so its rollup is written with it — in the transaction
// that publishes it (SqliteTransaction::Publish) — and deleted with it (retention, a failed run's
// leftovers, DropDataset). The rollup of a dataset version is the rollups of its segments: replace,
// append, partition, restore and retention keep it equal to the version's rows without further work.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sink/sink.h"
#include "sink/sqlite_db.h"
#include "util/status.h"

namespace billpipe::sink {

// Creates the rollup tables when missing (run by SqliteSink::Open).
extern const char* const kSqliteRollupTables;

// Records a segment's rollup (both tables) and that it has one. Runs in the caller's transaction.
Status WriteSqliteRollup(SqliteDb& db, std::string_view dataset, int64_t segment, const SegmentRollup& rollup);

// SQL that deletes the rollup of segment `id` (or of every segment of a dataset), for the caller's Exec.
std::string DeleteSqliteRollupSql(int64_t segment);
std::string DeleteDatasetRollupSql(std::string_view dataset);

// What a chart asks of the rollup.
struct RollupCostQuery {
  RollupDimension group_by = RollupDimension::kService;
  bool by_month = false;  // dates are the first day of the month ("2019-12-01"), else the day
  std::string start;      // "YYYY-MM-DD", inclusive; "" = from the first day
  std::string end;        // inclusive; "" = to the last
};

// One rollup row as a chart reads it; views valid only during the callback.
using RollupCostVisitor = std::function<Status(std::string_view date, std::string_view key, std::string_view cost)>;

// Visits every row of _billpipe_rollup_totals for the query's dimension of the dataset's current version in
// the query's days (several per date and key when the version has several segments), in one read transaction.
// Returns false, visiting nothing, when the file has no rollup tables or a segment of the current version
// has no rollup (a dataset loaded before rollups existed): the caller then reads the rows.
Result<bool> ScanSqliteRollup(SqliteDb& db, std::string_view dataset, const RollupCostQuery& query,
                              const RollupCostVisitor& visit);

}  // namespace billpipe::sink
