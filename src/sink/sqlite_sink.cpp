#include "sink/sqlite_sink.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "sink/sparse_batch.h"
#include "sink/sqlite_db.h"
#include "sink/sqlite_rollup.h"
#include "util/date.h"

namespace billpipe::sink {
namespace {

constexpr const char* kBookkeeping = R"sql(
CREATE TABLE IF NOT EXISTS _billpipe_columns(
  dataset TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  original_header TEXT NOT NULL, PRIMARY KEY(dataset, name));
CREATE TABLE IF NOT EXISTS _billpipe_segments(
  id INTEGER PRIMARY KEY, dataset TEXT NOT NULL, billing_period TEXT NOT NULL, version_key TEXT NOT NULL,
  window_start TEXT NOT NULL, window_end TEXT NOT NULL, filter TEXT NOT NULL,
  line_items INTEGER NOT NULL DEFAULT 0, unblended_cost TEXT NOT NULL DEFAULT '0',
  status TEXT NOT NULL DEFAULT '', loaded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _billpipe_versions(
  dataset TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, note TEXT NOT NULL,
  PRIMARY KEY(dataset, version));
CREATE TABLE IF NOT EXISTS _billpipe_version_segments(
  dataset TEXT NOT NULL, version INTEGER NOT NULL, segment_id INTEGER NOT NULL,
  PRIMARY KEY(dataset, version, segment_id));
CREATE TABLE IF NOT EXISTS _billpipe_current(dataset TEXT PRIMARY KEY, version INTEGER NOT NULL);
)sql";

// The dataset's typed, always empty table: its columns are the union schema, so the view's columns get their
// declared types from it.
std::string SchemaTable(std::string_view dataset) { return QuoteIdent(std::string(dataset) + "__schema"); }
std::string SegmentTableName(std::string_view dataset, int64_t segment) {
  return fmt::format("{}__s{}", dataset, segment);
}
std::string SegmentTable(std::string_view dataset, int64_t segment) {
  return QuoteIdent(SegmentTableName(dataset, segment));
}

constexpr int kPageSize = 32768;

std::string_view SqlType(ColumnKind kind) { return kind == ColumnKind::kDecimal ? "REAL" : "TEXT"; }

// A value for a REAL column. A whole number goes in as an integer, as SQLite does with decimal text in a
// REAL column: it stores small whole numbers in a REAL column as integers (0 bytes for 0 and 1, where a
// double takes 8) and reads them back as REAL. CUR is full of 0.0000000000.
void BindReal(SqliteStatement& stmt, int param, double v) {
  constexpr double kLimit = 140737488355327.0;  // 2^47 - 1: SQLite's bound for that optimisation
  if (v >= -kLimit && v <= kLimit) {
    const auto whole = static_cast<int64_t>(v);
    if (static_cast<double>(whole) == v) {  // -0 too: decimal text "-0.00" is stored as 0 as well
      stmt.BindInt(param, whole);
      return;
    }
  }
  stmt.BindDouble(param, v);
}

Result<std::vector<ColumnDef>> LoadColumns(SqliteDb& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT name, kind, original_header FROM _billpipe_columns "
                                            "WHERE dataset = ? ORDER BY position"));
  stmt->BindText(1, dataset);
  std::vector<ColumnDef> out;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(ColumnDef{stmt->ColumnText(0), ColumnKindFromName(stmt->ColumnText(1)), stmt->ColumnText(2)});
  }
  return out;
}

Result<std::optional<int64_t>> CurrentVersion(SqliteDb& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT version FROM _billpipe_current WHERE dataset = ?"));
  stmt->BindText(1, dataset);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->ColumnInt(0));
}

Result<std::vector<int64_t>> VersionSegments(SqliteDb& db, std::string_view dataset, int64_t version) {
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT segment_id FROM _billpipe_version_segments "
                                            "WHERE dataset = ? AND version = ? ORDER BY segment_id"));
  stmt->BindText(1, dataset);
  stmt->BindInt(2, version);
  std::vector<int64_t> out;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(stmt->ColumnInt(0));
  }
  return out;
}

// Records a new version holding segments and makes it current; returns its number.
Result<int64_t> RecordVersion(SqliteDb& db, std::string_view dataset, const std::vector<int64_t>& segments,
                              std::string_view note, const std::string& now) {
  BP_ASSIGN_OR_RETURN(auto max, db.Prepare("SELECT COALESCE(MAX(version), 0) FROM _billpipe_versions WHERE dataset = ?"));
  max->BindText(1, dataset);
  BP_RETURN_IF_ERROR(max->Step());
  int64_t version = max->ColumnInt(0) + 1;
  BP_ASSIGN_OR_RETURN(auto ins, db.Prepare("INSERT INTO _billpipe_versions(dataset, version, created_at, note) "
                                           "VALUES(?, ?, ?, ?)"));
  ins->BindText(1, dataset);
  ins->BindInt(2, version);
  ins->BindText(3, now);
  ins->BindText(4, note);
  BP_RETURN_IF_ERROR(ins->Run());
  BP_ASSIGN_OR_RETURN(auto seg, db.Prepare("INSERT INTO _billpipe_version_segments(dataset, version, segment_id) "
                                           "VALUES(?, ?, ?)"));
  for (int64_t s : segments) {
    seg->BindText(1, dataset);
    seg->BindInt(2, version);
    seg->BindInt(3, s);
    BP_RETURN_IF_ERROR(seg->Run());
  }
  BP_ASSIGN_OR_RETURN(auto cur, db.Prepare("INSERT INTO _billpipe_current(dataset, version) VALUES(?, ?) "
                                           "ON CONFLICT(dataset) DO UPDATE SET version = excluded.version"));
  cur->BindText(1, dataset);
  cur->BindInt(2, version);
  BP_RETURN_IF_ERROR(cur->Run());
  return version;
}

// The columns a table has, in order.
Result<std::vector<std::string>> TableColumns(SqliteDb& db, const std::string& table) {
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid"));
  stmt->BindText(1, table);
  std::vector<std::string> out;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(stmt->ColumnText(0));
  }
  return out;
}

// Recreates the view NAME over the current version's segment tables: one UNION ALL arm per segment, its
// billing period and version key as constants (so a filter on them skips whole segments), NULL for the
// columns a segment does not have. The first arm is the empty schema table, which gives every view
// column its declared type.
Status RebuildView(SqliteDb& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto columns, LoadColumns(db, dataset));
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      "SELECT s.id, s.billing_period, s.version_key FROM _billpipe_segments s JOIN _billpipe_version_segments v "
      "ON v.segment_id = s.id AND v.dataset = s.dataset JOIN _billpipe_current c ON c.dataset = v.dataset "
      "AND c.version = v.version WHERE s.dataset = ? ORDER BY s.billing_period, s.id"));
  stmt->BindText(1, dataset);
  struct Arm {
    int64_t id;
    std::string period, version_key;
  };
  std::vector<Arm> arms;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    arms.push_back(Arm{stmt->ColumnInt(0), stmt->ColumnText(1), stmt->ColumnText(2)});
  }
  stmt.reset();
  std::string names = "billing_period, version_key";
  for (const auto& c : columns) names += ", " + QuoteIdent(c.name);
  std::vector<std::string> selects = {fmt::format("SELECT {} FROM {}", names, SchemaTable(dataset))};
  for (const auto& arm : arms) {
    BP_ASSIGN_OR_RETURN(auto have_list, TableColumns(db, SegmentTableName(dataset, arm.id)));
    std::set<std::string> have(have_list.begin(), have_list.end());
    std::string select = fmt::format("SELECT {}, {}", QuoteLiteral(arm.period), QuoteLiteral(arm.version_key));
    for (const auto& c : columns) select += have.count(c.name) ? ", " + QuoteIdent(c.name) : std::string(", NULL");
    selects.push_back(fmt::format("{} FROM {}", select, SegmentTable(dataset, arm.id)));
  }
  // SQLite allows 500 terms in one compound SELECT; more segments are grouped in subqueries.
  constexpr size_t kTermsPerGroup = 400;
  std::string body;
  for (size_t i = 0; i < selects.size(); i += kTermsPerGroup) {
    std::string group;
    for (size_t j = i; j < std::min(selects.size(), i + kTermsPerGroup); ++j) {
      group += (group.empty() ? "" : " UNION ALL ") + selects[j];
    }
    if (selects.size() > kTermsPerGroup) group = fmt::format("SELECT * FROM ({})", group);
    body += (body.empty() ? "" : " UNION ALL ") + group;
  }
  return db.Exec(fmt::format("DROP VIEW IF EXISTS {0}; CREATE VIEW {0} AS {1};", QuoteIdent(dataset), body));
}

// Drops versions beyond the retention and the segments (and their tables) no remaining version uses.
Status CollectGarbage(SqliteDb& db, std::string_view dataset, int64_t current, int retention) {
  std::string ds = QuoteLiteral(dataset);
  BP_RETURN_IF_ERROR(db.Exec(fmt::format(
      "DELETE FROM _billpipe_version_segments WHERE dataset = {0} AND version <= {1};"
      "DELETE FROM _billpipe_versions WHERE dataset = {0} AND version <= {1};",
      ds, current - 1 - std::max(retention, 0))));
  BP_ASSIGN_OR_RETURN(auto orphans, db.Prepare(
      "SELECT id FROM _billpipe_segments s WHERE dataset = ? AND NOT EXISTS("
      "SELECT 1 FROM _billpipe_version_segments v WHERE v.dataset = s.dataset AND v.segment_id = s.id)"));
  orphans->BindText(1, dataset);
  std::vector<int64_t> dead;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, orphans->Step());
    if (!row) break;
    dead.push_back(orphans->ColumnInt(0));
  }
  orphans.reset();
  for (int64_t id : dead) {
    BP_RETURN_IF_ERROR(db.Exec(fmt::format("DROP TABLE IF EXISTS {}; DELETE FROM _billpipe_segments WHERE id = {};{}",
                                           SegmentTable(dataset, id), id, DeleteSqliteRollupSql(id))));
  }
  return Ok();
}

// SQL does not tell apart names that differ only in case: dataset "Costs" and "costs" in one file would
// share a view and a schema table. A run refuses a name whose case-folded form another dataset has.
Status CheckNameIsFree(SqliteDb& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      "SELECT dataset FROM _billpipe_columns UNION SELECT dataset FROM _billpipe_current "
      "UNION SELECT dataset FROM _billpipe_segments"));
  const std::string folded = FoldDatasetName(dataset);
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    std::string other = stmt->ColumnText(0);
    if (other != dataset && FoldDatasetName(other) == folded) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Dataset '{}' cannot be written to {}: it holds dataset '{}', and names that differ "
                              "only in case are one name in SQL. Use that name, or another one.",
                              dataset, db.path(), other));
    }
  }
  return Ok();
}

// A run's writes. The rows go into new segment tables, committed in chunks as they come: no reader sees
// them, because the view and the bookkeeping only point at a segment once Publish + Commit make it part of
// the dataset, in one short final transaction. So the dataset changes all at once, and other runs
// writing to the same file wait for a chunk, not for a whole run. The WAL is checkpointed by SQLite as
// chunks commit, as far as readers allow (a reader that holds one snapshot for the whole load keeps
// every chunk in the WAL), and truncated after the commit when no reader is in the way
// (docs/loading.md). Segments of a run that fails or is killed are dropped by the run itself when it
// can, else by the next run's Publish.
class SqliteTransaction final : public LoadTransaction {
 public:
  SqliteTransaction(SqliteDb& db, std::string dataset, ColumnRoles roles, std::string now)
      : db_(db), dataset_(std::move(dataset)), roles_(std::move(roles)), now_(std::move(now)) {}

  ~SqliteTransaction() override {
    for (auto& [id, seg] : segments_) seg.insert.reset();  // finalized before the rollback
    if (open_) (void)db_.Exec("ROLLBACK");
    if (done_ || segments_.empty()) return;
    // Best effort: a killed run leaves its segments to the next Publish.
    std::string drop = "BEGIN IMMEDIATE;";
    for (const auto& [id, seg] : segments_) {
      drop += fmt::format("DROP TABLE IF EXISTS {}; DELETE FROM _billpipe_segments WHERE id = {};{}", seg.table, id,
                          DeleteSqliteRollupSql(id));
    }
    if (!db_.Exec(drop + "COMMIT;")) (void)db_.Exec("ROLLBACK");
  }

  Status Start() {
    BP_RETURN_IF_ERROR(CheckNameIsFree(db_, dataset_));
    BP_ASSIGN_OR_RETURN(auto old, TableColumns(db_, dataset_ + "__rows"));
    if (!old.empty()) {
      return Fail(ErrorCode::kUnsupported,
                  fmt::format("Dataset '{}' in {} was written by an earlier billpipe (table {}__rows) and cannot be "
                              "updated. Load it into a new file or under a new name.",
                              dataset_, db_.path(), dataset_));
    }
    BP_ASSIGN_OR_RETURN(columns_, LoadColumns(db_, dataset_));
    for (const auto& c : columns_) kinds_[c.name] = c.kind;
    known_columns_ = columns_.size();
    return Ok();
  }

  // Recorded now, written by Publish.
  Status EnsureColumns(const std::vector<ColumnDef>& columns) override {
    for (const auto& c : columns) {
      if (kinds_.count(c.name)) continue;
      if (c.name == "_segment" || c.name == "billing_period" || c.name == "version_key") {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("column name '{}' is reserved by billpipe", c.name));
      }
      columns_.push_back(c);
      kinds_[c.name] = c.kind;
    }
    return Ok();
  }

  Result<int64_t> BeginSegment(const SegmentKey& key) override {
    BP_RETURN_IF_ERROR(OpenChunk());
    BP_ASSIGN_OR_RETURN(auto stmt, db_.Prepare(
        "INSERT INTO _billpipe_segments(dataset, billing_period, version_key, window_start, window_end, filter, "
        "loaded_at) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    stmt->BindText(1, dataset_);
    stmt->BindText(2, key.billing_period);
    stmt->BindText(3, key.version_key);
    stmt->BindText(4, key.window_start);
    stmt->BindText(5, key.window_end);
    stmt->BindText(6, FilterName(key.filter));
    stmt->BindText(7, now_);
    BP_RETURN_IF_ERROR(stmt->Run());
    int64_t id = db_.LastInsertRowid();
    segments_[id].table = SegmentTable(dataset_, id);
    return id;
  }

  Status Insert(int64_t segment, std::span<const std::string> column_names, const RowBatch& batch) override {
    BP_ASSIGN_OR_RETURN(SegmentWriter * seg, Find(segment));
    if (column_names.size() != batch.columns()) {
      return Fail(ErrorCode::kInternal, fmt::format("{} column names for a batch of {} columns",
                                                    column_names.size(), batch.columns()));
    }
    BP_RETURN_IF_ERROR(OpenChunk());
    // The segment's table has only the columns that have values, so rows stay short and few values are
    // bound: CUR rows leave most of their ~300 columns empty, and SQLite spends a header byte on every
    // column of a row. A column that is NULL in every row so far is left out (the view reads NULL); one
    // that is empty text in every row so far is left out too and added at the end with DEFAULT '' (which
    // the rows then read, at no cost). A column joins the table, with the default that keeps the earlier
    // rows right, as soon as it has something else.
    batch.ColumnContents(contents_);
    std::vector<std::pair<std::string, bool>> added;  // column, whether its earlier rows are ''
    std::set<std::string_view> in_batch;
    for (size_t c = 0; c < column_names.size(); ++c) {
      const std::string& name = column_names[c];
      in_batch.insert(name);
      if (seg->position.count(name)) continue;
      const uint8_t f = contents_[c];
      const bool was_empty = seg->all_empty.count(name) > 0, earlier_rows = seg->rows > 0;
      const bool value = f & RowBatch::kHasValue, empty = f & RowBatch::kHasEmpty, null = f & RowBatch::kHasNull;
      bool present = value || (empty && null) || (empty && earlier_rows && !was_empty) || (null && was_empty);
      if (present) {
        added.emplace_back(name, was_empty);
        seg->all_empty.erase(name);
      } else if (empty) {
        seg->all_empty.insert(name);
      }
    }
    if (batch.rows() > 0) {  // rows without a column read NULL there, unlike the earlier ones
      for (auto it = seg->all_empty.begin(); it != seg->all_empty.end();) {
        if (in_batch.count(*it)) {
          ++it;
          continue;
        }
        added.emplace_back(*it, true);
        it = seg->all_empty.erase(it);
      }
    }
    if (!added.empty() || !seg->created) BP_RETURN_IF_ERROR(AddSegmentColumns(*seg, added));
    param_of_.assign(column_names.size(), 0);
    real_.assign(column_names.size(), 0);
    for (size_t c = 0; c < column_names.size(); ++c) {
      auto p = seg->position.find(column_names[c]);
      if (p != seg->position.end()) param_of_[c] = p->second + 1;
      auto kind = kinds_.find(column_names[c]);
      real_[c] = kind != kinds_.end() && kind->second == ColumnKind::kDecimal;
    }
    SqliteStatement& stmt = *seg->insert;
    std::vector<char> stamps;
    char* stamp = nullptr;
    size_t misplaced = column_names.size();  // a column with a value but no place in the table
    auto bind = [&](size_t c, const Cell& cell) __attribute__((always_inline)) {
      int param = param_of_[c];
      if (param == 0) {
        if (cell.kind != Cell::Kind::kText || !cell.text.empty()) misplaced = c;  // '' is an all-empty column's
        return;
      }
      switch (cell.kind) {
        case Cell::Kind::kNull: break;
        case Cell::Kind::kText: stmt.BindText(param, cell.text); break;
        // A REAL column gets the double the decoding threads computed, so the writer parses no text;
        // a column that is text in the dataset (its type changed between periods) keeps the exact text.
        case Cell::Kind::kDecimal:
          if (real_[c]) {
            BindReal(stmt, param, cell.number);
          } else {
            stmt.BindText(param, cell.text);
          }
          break;
        case Cell::Kind::kTimestamp: {
          size_t n = FormatTimestampTo(cell.millis, stamp);
          stmt.BindText(param, std::string_view(stamp, n));
          stamp += kTimestampTextMax;
          break;
        }
      }
    };
    const SparseBatch* sparse = batch.AsSparse();  // read in place, not copied cell by cell
    std::vector<std::pair<uint32_t, Cell>> cells;
    for (size_t r = 0; r < batch.rows(); ++r) {
      stmt.ClearBindings();  // the previous row's values (one call: cheaper than unbinding each of them)
      if (sparse != nullptr) {
        const auto row = sparse->Row(r);
        stamps.resize(row.size() * kTimestampTextMax);  // not resized again while bound
        stamp = stamps.data();
        for (const auto& stored : row) bind(stored.column, sparse->ToCell(stored));
      } else {
        batch.NonNull(r, cells);
        stamps.resize(cells.size() * kTimestampTextMax);
        stamp = stamps.data();
        for (const auto& [c, cell] : cells) bind(c, cell);
      }
      if (misplaced < column_names.size()) {
        return Fail(ErrorCode::kInternal, fmt::format("column {} has a value but no place", column_names[misplaced]));
      }
      BP_RETURN_IF_ERROR(stmt.Run());
    }
    stmt.ClearBindings();  // nothing points into this batch after it
    seg->rows += static_cast<int64_t>(batch.rows());
    rows_in_chunk_ += batch.rows();
    if (rows_in_chunk_ >= kChunkRows) BP_RETURN_IF_ERROR(CommitChunk());
    return Ok();
  }

  Status FinishSegment(int64_t segment, const SegmentTotals& totals) override {
    BP_ASSIGN_OR_RETURN(SegmentWriter * seg, Find(segment));
    BP_RETURN_IF_ERROR(OpenChunk());
    if (!seg->created) BP_RETURN_IF_ERROR(AddSegmentColumns(*seg, {}));
    seg->insert.reset();
    // Columns that are empty text in every row: added now, so that the rows read the default.
    for (const auto& name : seg->all_empty) {
      BP_RETURN_IF_ERROR(db_.Exec(fmt::format("ALTER TABLE {} ADD COLUMN {} {} DEFAULT ''", seg->table,
                                              QuoteIdent(name), SqlType(kinds_[name]))));
    }
    seg->all_empty.clear();
    // Built once after the rows, from sorted keys: far cheaper than keeping an index up to date per row.
    if (!roles_.date_column.empty() && seg->position.count(roles_.date_column)) {
      BP_RETURN_IF_ERROR(db_.Exec(fmt::format("CREATE INDEX {} ON {}({})",
                                              QuoteIdent(fmt::format("{}__s{}_usage_start", dataset_, segment)),
                                              seg->table, QuoteIdent(roles_.date_column))));
    }
    seg->finished = totals;
    return CommitChunk();
  }

  // Opens the final transaction: from here to Commit, the dataset's state and view change at once.
  Result<int64_t> Publish(const std::vector<int64_t>& segments, std::string_view note, int retention) override {
    BP_RETURN_IF_ERROR(CommitChunk());
    BP_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
    open_ = true;
    BP_RETURN_IF_ERROR(WriteColumns());
    BP_ASSIGN_OR_RETURN(auto finish, db_.Prepare(
        "UPDATE _billpipe_segments SET line_items = ?, unblended_cost = ?, status = ? WHERE id = ?"));
    for (auto& [id, seg] : segments_) {
      // A segment begun but never finished (no rows) still gets its table.
      if (!seg.created) BP_RETURN_IF_ERROR(AddSegmentColumns(seg, {}));
      if (!seg.finished) continue;
      finish->BindInt(1, seg.finished->line_items);
      finish->BindText(2, seg.finished->total);
      finish->BindText(3, FinalityName(seg.finished->finality));
      finish->BindInt(4, id);
      BP_RETURN_IF_ERROR(finish->Run());
      // The rollup is published with the rows it sums, in this transaction (sink/sqlite_rollup.h).
      if (seg.finished->rollup) BP_RETURN_IF_ERROR(WriteSqliteRollup(db_, dataset_, id, *seg.finished->rollup));
    }
    finish.reset();
    BP_ASSIGN_OR_RETURN(int64_t version, RecordVersion(db_, dataset_, segments, note, now_));
    BP_RETURN_IF_ERROR(CollectGarbage(db_, dataset_, version, retention));
    BP_RETURN_IF_ERROR(RebuildView(db_, dataset_));
    published_ = true;
    return version;
  }

  Status Commit() override {
    if (!published_) return Fail(ErrorCode::kInternal, "commit without publish");
    for (auto& [id, seg] : segments_) seg.insert.reset();
    BP_RETURN_IF_ERROR(db_.Exec("COMMIT"));
    open_ = false;
    done_ = true;
    // The run's pages are in the WAL until a checkpoint copies them into the file: do it now, so the WAL
    // does not keep the size of the load. Not waiting for readers; a failure here loses nothing.
    (void)db_.CheckpointIfIdle();
    return Ok();
  }

 private:
  // Rows per chunk transaction: ~50 MB of WAL with typical CUR rows.
  static constexpr size_t kChunkRows = 50000;

  struct SegmentWriter {
    std::string table;  // quoted
    bool created = false;
    std::unordered_map<std::string, int> position;  // column -> its index in the table
    std::string column_list;                        // quoted, comma-separated
    std::set<std::string> all_empty;  // columns not in the table whose every row so far is ''
    int64_t rows = 0;
    std::unique_ptr<SqliteStatement> insert;
    std::optional<SegmentTotals> finished;
  };

  Result<SegmentWriter*> Find(int64_t segment) {
    auto found = segments_.find(segment);
    if (found == segments_.end()) {
      return Fail(ErrorCode::kInternal, fmt::format("segment {} was not begun in this run", segment));
    }
    return &found->second;
  }

  Status OpenChunk() {
    if (open_) return Ok();
    if (published_) return Fail(ErrorCode::kInternal, "rows written after publish");
    BP_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
    open_ = true;
    return Ok();
  }

  Status CommitChunk() {
    if (!open_) return Ok();
    BP_RETURN_IF_ERROR(db_.Exec("COMMIT"));
    open_ = false;
    rows_in_chunk_ = 0;
    return Ok();
  }

  // The schema table and _billpipe_columns get the columns this run added.
  Status WriteColumns() {
    std::string schema = SchemaTable(dataset_);
    // A new schema table is made with all its columns at once: each ALTER TABLE re-reads the whole schema,
    // which for a few hundred columns costs more than a second's worth of inserts.
    bool created = false;
    if (known_columns_ == 0) {
      BP_ASSIGN_OR_RETURN(auto existing, TableColumns(db_, dataset_ + "__schema"));
      if (existing.empty()) {
        std::string defs = "billing_period TEXT NOT NULL, version_key TEXT NOT NULL";
        for (const ColumnDef& c : columns_) defs += fmt::format(", {} {}", QuoteIdent(c.name), SqlType(c.kind));
        BP_RETURN_IF_ERROR(db_.Exec(fmt::format("CREATE TABLE {}({})", schema, defs)));
        created = true;
      }
    }
    BP_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO _billpipe_columns(dataset, position, name, kind, "
                                              "original_header) VALUES(?, ?, ?, ?, ?)"));
    for (size_t i = known_columns_; i < columns_.size(); ++i) {
      const ColumnDef& c = columns_[i];
      if (!created) {
        BP_RETURN_IF_ERROR(db_.Exec(fmt::format("ALTER TABLE {} ADD COLUMN {} {}", schema, QuoteIdent(c.name),
                                                SqlType(c.kind))));
      }
      ins->BindText(1, dataset_);
      ins->BindInt(2, static_cast<int64_t>(i));
      ins->BindText(3, c.name);
      ins->BindText(4, ColumnKindName(c.kind));
      ins->BindText(5, c.original_header);
      BP_RETURN_IF_ERROR(ins->Run());
    }
    known_columns_ = columns_.size();
    return Ok();
  }

  // Creates the segment's table, or adds columns to it, and prepares its insert statement.
  // columns: name, and whether the rows before have '' there (its default) rather than NULL.
  Status AddSegmentColumns(SegmentWriter& seg, const std::vector<std::pair<std::string, bool>>& columns) {
    std::vector<std::string> defs;
    for (const auto& [n, empty_before] : columns) {
      auto kind = kinds_.find(n);
      if (kind == kinds_.end()) {
        return Fail(ErrorCode::kInternal, fmt::format("column {} is not in dataset {}", n, dataset_));
      }
      defs.push_back(fmt::format("{} {}{}", QuoteIdent(n), SqlType(kind->second), empty_before ? " DEFAULT ''" : ""));
    }
    seg.insert.reset();
    if (!seg.created) {
      // A table needs a column; a segment without rows gets the date column (or the first one).
      if (defs.empty()) {
        std::string name = !roles_.date_column.empty() ? roles_.date_column
                           : columns_.empty()          ? std::string("_empty")
                                                       : columns_.front().name;
        defs.push_back(QuoteIdent(name) + " TEXT");
        seg.position[name] = 0;
        seg.column_list = QuoteIdent(name);
      }
      std::string joined;
      for (const auto& d : defs) joined += (joined.empty() ? "" : ", ") + d;
      BP_RETURN_IF_ERROR(db_.Exec(fmt::format("CREATE TABLE {}({})", seg.table, joined)));
      seg.created = true;
    } else {
      for (const auto& d : defs) BP_RETURN_IF_ERROR(db_.Exec(fmt::format("ALTER TABLE {} ADD COLUMN {}", seg.table, d)));
    }
    for (const auto& [n, empty_before] : columns) {
      if (seg.position.count(n)) continue;
      int index = static_cast<int>(seg.position.size());
      seg.position[n] = index;
      seg.column_list += (seg.column_list.empty() ? "" : ", ") + QuoteIdent(n);
    }
    std::string params;
    for (size_t i = 0; i < seg.position.size(); ++i) params += i == 0 ? "?" : ", ?";
    BP_ASSIGN_OR_RETURN(seg.insert, db_.Prepare(fmt::format("INSERT INTO {}({}) VALUES({})", seg.table,
                                                            seg.column_list, params)));
    return Ok();
  }

  SqliteDb& db_;
  std::string dataset_;
  ColumnRoles roles_;
  std::string now_;
  std::vector<ColumnDef> columns_;  // the dataset's, with this run's additions at the end
  size_t known_columns_ = 0;        // how many of columns_ are written to the file
  std::unordered_map<std::string, ColumnKind> kinds_;
  std::map<int64_t, SegmentWriter> segments_;
  std::vector<uint8_t> contents_;  // of the batch being inserted
  std::vector<int> param_of_;  // batch column -> insert parameter (0: none)
  std::vector<uint8_t> real_;  // batch column -> whether its dataset column is REAL (a decimal)
  size_t rows_in_chunk_ = 0;
  bool open_ = false;       // a transaction is open on the connection
  bool published_ = false;  // the final transaction is open
  bool done_ = false;       // committed
};

}  // namespace

SqliteSink::SqliteSink(std::unique_ptr<SqliteDb> db, Clock& clock) : db_(std::move(db)), clock_(clock) {}
SqliteSink::~SqliteSink() = default;

Result<std::unique_ptr<SqliteSink>> SqliteSink::Open(const std::string& path, Clock& clock) {
  // 32 KiB pages: a billion-byte load is written (to the WAL, then the file) in 8x fewer pages than with
  // 4 KiB, which cuts the system time of a load by half; queries on billing data are mostly scans.
  BP_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, kPageSize));
  BP_RETURN_IF_ERROR(db->Exec(kBookkeeping));
  BP_RETURN_IF_ERROR(db->Exec(kSqliteRollupTables));
  return std::unique_ptr<SqliteSink>(new SqliteSink(std::move(db), clock));
}

std::string SqliteSink::Describe() const { return "sqlite:" + db_->path(); }

Result<DatasetState> SqliteSink::ReadState(std::string_view dataset) {
  BP_RETURN_IF_ERROR(db_->Exec("BEGIN"));
  auto state = [&]() -> Result<DatasetState> {
    DatasetState out;
    BP_ASSIGN_OR_RETURN(out.columns, LoadColumns(*db_, dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*db_, dataset));
    out.exists = current.has_value() || !out.columns.empty();
    if (!current) return out;
    BP_ASSIGN_OR_RETURN(auto versions, ListVersions(dataset));
    for (auto& v : versions) {
      if (v.version == *current) out.current = v;
    }
    BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
        "SELECT s.id, s.billing_period, s.version_key, s.window_start, s.window_end, s.filter, s.line_items, "
        "s.unblended_cost, s.status, s.loaded_at FROM _billpipe_segments s JOIN _billpipe_version_segments v "
        "ON v.segment_id = s.id AND v.dataset = s.dataset WHERE s.dataset = ? AND v.version = ? "
        "ORDER BY s.billing_period, s.id"));
    stmt->BindText(1, dataset);
    stmt->BindInt(2, *current);
    while (true) {
      BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
      if (!row) break;
      Segment s;
      s.id = stmt->ColumnInt(0);
      BP_ASSIGN_OR_RETURN(Filter filter, ParseFilter(stmt->ColumnText(5)));
      s.key = SegmentKey{stmt->ColumnText(1), stmt->ColumnText(2), stmt->ColumnText(3), stmt->ColumnText(4),
                         filter};
      s.line_items = stmt->ColumnInt(6);
      s.total = stmt->ColumnText(7);
      // '' is a segment begun by a run that did not finish it (never part of a version).
      std::string finality = stmt->ColumnText(8);
      if (!finality.empty()) {
        BP_ASSIGN_OR_RETURN(s.finality, ParseFinality(finality));
      }
      s.loaded_at = stmt->ColumnText(9);
      out.current_segments.push_back(std::move(s));
    }
    return out;
  }();
  (void)db_->Exec("COMMIT");
  return state;
}

Result<std::unique_ptr<LoadTransaction>> SqliteSink::Begin(std::string_view dataset, const ColumnRoles& roles) {
  auto txn = std::make_unique<SqliteTransaction>(*db_, std::string(dataset), roles, FormatTimestamp(clock_.Now()));
  BP_RETURN_IF_ERROR(txn->Start());
  return std::unique_ptr<LoadTransaction>(std::move(txn));
}

Result<std::vector<DatasetVersion>> SqliteSink::ListVersions(std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT version, created_at, note FROM _billpipe_versions "
                                              "WHERE dataset = ? ORDER BY version"));
  stmt->BindText(1, dataset);
  std::vector<DatasetVersion> out;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(DatasetVersion{stmt->ColumnInt(0), stmt->ColumnText(1), stmt->ColumnText(2), {}});
  }
  for (auto& v : out) {
    BP_ASSIGN_OR_RETURN(v.segments, VersionSegments(*db_, dataset, v.version));
  }
  return out;
}

Result<int64_t> SqliteSink::Restore(std::string_view dataset, int64_t version) {
  BP_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  auto restored = [&]() -> Result<int64_t> {
    BP_ASSIGN_OR_RETURN(auto versions, ListVersions(dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*db_, dataset));
    std::string kept;
    const DatasetVersion* target = nullptr;
    for (const auto& v : versions) {
      if (v.version == version) target = &v;
      if (!current || v.version != *current) kept += (kept.empty() ? "" : ", ") + std::to_string(v.version);
    }
    if (current && *current == version) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Version {} of dataset '{}' is already the current one.", version, dataset));
    }
    if (!target) {
      return Fail(ErrorCode::kNotFound,
                  fmt::format("Dataset '{}' has no kept version {}. Versions that can be restored: {}.", dataset,
                              version, kept.empty() ? "none" : kept));
    }
    BP_ASSIGN_OR_RETURN(int64_t v, RecordVersion(*db_, dataset, target->segments,
                                                 fmt::format("restore of version {}", version),
                                                 FormatTimestamp(clock_.Now())));
    BP_RETURN_IF_ERROR(RebuildView(*db_, dataset));
    return v;
  }();
  if (!restored) {
    (void)db_->Exec("ROLLBACK");
    return restored;
  }
  BP_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  return restored;
}

Result<Sink::StoredTotals> SqliteSink::CountSegment(std::string_view dataset, const Segment& segment,
                                                   std::string_view total_column) {
  BP_ASSIGN_OR_RETURN(auto columns, TableColumns(*db_, SegmentTableName(dataset, segment.id)));
  if (columns.empty()) return StoredTotals{};  // no such table: nothing stored
  bool has_total = !total_column.empty() && std::find(columns.begin(), columns.end(), total_column) != columns.end();
  BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(fmt::format(
      "SELECT count(*), {} FROM {}",
      has_total ? fmt::format("coalesce(sum({}), 0)", QuoteIdent(total_column)) : std::string("0"),
      SegmentTable(dataset, segment.id))));
  BP_RETURN_IF_ERROR(stmt->Step());
  return StoredTotals{stmt->ColumnInt(0), stmt->ColumnDouble(1)};
}

Result<bool> SqliteSink::DropDataset(std::string_view dataset) {
  BP_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  auto dropped = [&]() -> Result<bool> {
    BP_ASSIGN_OR_RETURN(auto columns, LoadColumns(*db_, dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*db_, dataset));
    if (columns.empty() && !current) return false;
    BP_ASSIGN_OR_RETURN(auto ids, db_->Prepare("SELECT id FROM _billpipe_segments WHERE dataset = ?"));
    ids->BindText(1, dataset);
    std::string drops = fmt::format("DROP VIEW IF EXISTS {}; DROP TABLE IF EXISTS {};", QuoteIdent(dataset),
                                    SchemaTable(dataset));
    while (true) {
      BP_ASSIGN_OR_RETURN(bool row, ids->Step());
      if (!row) break;
      drops += fmt::format("DROP TABLE IF EXISTS {};", SegmentTable(dataset, ids->ColumnInt(0)));
    }
    ids.reset();
    std::string ds = QuoteLiteral(dataset);
    BP_RETURN_IF_ERROR(db_->Exec(drops + fmt::format(
        "DELETE FROM _billpipe_columns WHERE dataset = {0}; DELETE FROM _billpipe_segments WHERE dataset = {0};"
        "DELETE FROM _billpipe_versions WHERE dataset = {0}; DELETE FROM _billpipe_version_segments WHERE dataset = {0};"
        "DELETE FROM _billpipe_current WHERE dataset = {0};{1}",
        ds, DeleteDatasetRollupSql(dataset))));
    return true;
  }();
  if (!dropped) {
    (void)db_->Exec("ROLLBACK");
    return dropped;
  }
  BP_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  return dropped;
}

}  // namespace billpipe::sink
