#include "sink/sqlite_rollup.h"

#include <fmt/format.h>

namespace billpipe::sink {

const char* const kSqliteRollupTables = R"sql(
CREATE TABLE IF NOT EXISTS _billpipe_rollups(
  segment_id INTEGER NOT NULL, dataset TEXT NOT NULL, day TEXT NOT NULL,
  account TEXT NOT NULL, service TEXT NOT NULL, region TEXT NOT NULL, usage_type TEXT NOT NULL,
  line_item_type TEXT NOT NULL, line_items INTEGER NOT NULL, cost TEXT NOT NULL, usage_amount TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS _billpipe_rollups_by_segment ON _billpipe_rollups(segment_id, day);
CREATE TABLE IF NOT EXISTS _billpipe_rollup_totals(
  segment_id INTEGER NOT NULL, dataset TEXT NOT NULL, dimension TEXT NOT NULL, day TEXT NOT NULL,
  value TEXT NOT NULL, line_items INTEGER NOT NULL, cost TEXT NOT NULL, usage_amount TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS _billpipe_rollup_totals_by_segment ON _billpipe_rollup_totals(segment_id, dimension, day);
CREATE TABLE IF NOT EXISTS _billpipe_rollup_segments(segment_id INTEGER PRIMARY KEY, dataset TEXT NOT NULL);
)sql";

namespace {

// The rollup column of each dimension, in RollupDimension's order.
constexpr const char* kDimensionColumns[kRollupDimensions] = {"account", "service", "region", "usage_type",
                                                              "line_item_type"};

}  // namespace

Status WriteSqliteRollup(SqliteDb& db, std::string_view dataset, int64_t segment, const SegmentRollup& rollup) {
  const std::vector<RollupRow>& rows = rollup.rows;
  BP_ASSIGN_OR_RETURN(auto ins, db.Prepare(
      "INSERT INTO _billpipe_rollups(segment_id, dataset, day, account, service, region, usage_type, "
      "line_item_type, line_items, cost, usage_amount) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const RollupRow& row : rows) {
    ins->BindInt(1, segment);
    ins->BindText(2, dataset);
    ins->BindText(3, row.day);
    for (size_t d = 0; d < kRollupDimensions; ++d) ins->BindText(static_cast<int>(4 + d), row.dimensions[d]);
    ins->BindInt(9, row.line_items);
    ins->BindText(10, row.cost);
    ins->BindText(11, row.usage);
    BP_RETURN_IF_ERROR(ins->Run());
  }
  BP_ASSIGN_OR_RETURN(auto totals, db.Prepare(
      "INSERT INTO _billpipe_rollup_totals(segment_id, dataset, dimension, day, value, line_items, cost, usage_amount) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  for (size_t d = 0; d < kRollupDimensions; ++d) {
    for (const RollupRow& row : rollup.by_dimension[d]) {
      totals->BindInt(1, segment);
      totals->BindText(2, dataset);
      totals->BindText(3, kDimensionColumns[d]);
      totals->BindText(4, row.day);
      totals->BindText(5, row.dimensions[d]);
      totals->BindInt(6, row.line_items);
      totals->BindText(7, row.cost);
      totals->BindText(8, row.usage);
      BP_RETURN_IF_ERROR(totals->Run());
    }
  }
  BP_ASSIGN_OR_RETURN(auto mark, db.Prepare(
      "INSERT OR REPLACE INTO _billpipe_rollup_segments(segment_id, dataset) VALUES(?, ?)"));
  mark->BindInt(1, segment);
  mark->BindText(2, dataset);
  return mark->Run();
}

std::string DeleteSqliteRollupSql(int64_t segment) {
  return fmt::format("DELETE FROM _billpipe_rollups WHERE segment_id = {0};"
                     "DELETE FROM _billpipe_rollup_totals WHERE segment_id = {0};"
                     "DELETE FROM _billpipe_rollup_segments WHERE segment_id = {0};",
                     segment);
}

std::string DeleteDatasetRollupSql(std::string_view dataset) {
  return fmt::format("DELETE FROM _billpipe_rollups WHERE dataset = {0};"
                     "DELETE FROM _billpipe_rollup_totals WHERE dataset = {0};"
                     "DELETE FROM _billpipe_rollup_segments WHERE dataset = {0};",
                     QuoteLiteral(dataset));
}

Result<bool> ScanSqliteRollup(SqliteDb& db, std::string_view dataset, const RollupCostQuery& query,
                              const RollupCostVisitor& visit) {
  BP_RETURN_IF_ERROR(db.Exec("BEGIN"));  // one snapshot: a run publishing meanwhile is seen whole or not at all
  auto scanned = [&]() -> Result<bool> {
    BP_ASSIGN_OR_RETURN(auto tables, db.Prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_billpipe_rollup_totals', "
        "'_billpipe_rollup_segments', '_billpipe_version_segments', '_billpipe_current')"));
    BP_RETURN_IF_ERROR(tables->Step());
    if (tables->ColumnInt(0) != 4) return false;
    tables.reset();
    constexpr const char* kCurrentSegments =
        "SELECT v.segment_id FROM _billpipe_version_segments v JOIN _billpipe_current c ON c.dataset = v.dataset "
        "AND c.version = v.version WHERE v.dataset = ?1";
    BP_ASSIGN_OR_RETURN(auto missing, db.Prepare(fmt::format(
        "SELECT count(*) FROM ({}) s WHERE s.segment_id NOT IN (SELECT segment_id FROM _billpipe_rollup_segments)",
        kCurrentSegments)));
    missing->BindText(1, dataset);
    BP_RETURN_IF_ERROR(missing->Step());
    if (missing->ColumnInt(0) != 0) return false;
    missing.reset();
    const std::string date = query.by_month ? "substr(day, 1, 7) || '-01'" : "day";
    // The totals by day and the one dimension asked for: a few rows per day.
    BP_ASSIGN_OR_RETURN(auto rows, db.Prepare(fmt::format(
        "SELECT {}, value, cost FROM _billpipe_rollup_totals WHERE segment_id IN ({}) AND dimension = ?4{}{}", date,
        kCurrentSegments, query.start.empty() ? "" : " AND day >= ?2", query.end.empty() ? "" : " AND day <= ?3")));
    rows->BindText(1, dataset);
    rows->BindText(4, kDimensionColumns[static_cast<size_t>(query.group_by)]);
    if (!query.start.empty()) rows->BindText(2, query.start);
    if (!query.end.empty()) rows->BindText(3, query.end);
    while (true) {
      BP_ASSIGN_OR_RETURN(bool row, rows->Step());
      if (!row) break;
      BP_RETURN_IF_ERROR(visit(rows->ColumnView(0), rows->ColumnView(1), rows->ColumnView(2)));
    }
    return true;
  }();
  (void)db.Exec("COMMIT");
  return scanned;
}

}  // namespace billpipe::sink
