#include "sink/sqlite_sink.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sink/sqlite_db.h"
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

std::string RowsTable(std::string_view dataset) { return QuoteIdent(std::string(dataset) + "__rows"); }

std::string_view SqlType(ColumnKind kind) { return kind == ColumnKind::kDecimal ? "REAL" : "TEXT"; }

ColumnKind KindFromName(std::string_view name) {
  if (name == "decimal") return ColumnKind::kDecimal;
  if (name == "timestamp") return ColumnKind::kTimestamp;
  return ColumnKind::kText;
}

Result<std::vector<ColumnDef>> LoadColumns(SqliteDb& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT name, kind, original_header FROM _billpipe_columns "
                                            "WHERE dataset = ? ORDER BY position"));
  stmt->BindText(1, dataset);
  std::vector<ColumnDef> out;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(ColumnDef{stmt->ColumnText(0), KindFromName(stmt->ColumnText(1)), stmt->ColumnText(2)});
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

// Drops versions beyond the retention and the segments (and rows) no remaining version uses.
Status CollectGarbage(SqliteDb& db, std::string_view dataset, int64_t current, int retention) {
  std::string ds = QuoteLiteral(dataset);
  BP_RETURN_IF_ERROR(db.Exec(fmt::format(
      "DELETE FROM _billpipe_version_segments WHERE dataset = {0} AND version <= {1};"
      "DELETE FROM _billpipe_versions WHERE dataset = {0} AND version <= {1};",
      ds, current - 1 - std::max(retention, 0))));
  BP_ASSIGN_OR_RETURN(auto orphans, db.Prepare(
      "SELECT id, billing_period FROM _billpipe_segments s WHERE dataset = ? AND NOT EXISTS("
      "SELECT 1 FROM _billpipe_version_segments v WHERE v.dataset = s.dataset AND v.segment_id = s.id)"));
  orphans->BindText(1, dataset);
  std::vector<std::pair<int64_t, std::string>> dead;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool row, orphans->Step());
    if (!row) break;
    dead.emplace_back(orphans->ColumnInt(0), orphans->ColumnText(1));
  }
  orphans.reset();
  if (dead.empty()) return Ok();
  // (billing_period, _segment) is indexed, so each delete touches only that segment's rows.
  BP_ASSIGN_OR_RETURN(auto del_rows, db.Prepare(fmt::format(
      "DELETE FROM {} WHERE billing_period = ? AND _segment = ?", RowsTable(dataset))));
  BP_ASSIGN_OR_RETURN(auto del_seg, db.Prepare("DELETE FROM _billpipe_segments WHERE id = ?"));
  for (const auto& [id, period] : dead) {
    del_rows->BindText(1, period);
    del_rows->BindInt(2, id);
    BP_RETURN_IF_ERROR(del_rows->Run());
    del_seg->BindInt(1, id);
    BP_RETURN_IF_ERROR(del_seg->Run());
  }
  return Ok();
}

// Writes "2019-12-01T00:00:00Z" into buf; returns its length.
size_t FormatTimestampInto(int64_t ms, char* buf) {
  std::string s = FormatTimestamp(ms);
  std::copy(s.begin(), s.end(), buf);
  return s.size();
}

class SqliteTransaction final : public LoadTransaction {
 public:
  SqliteTransaction(SqliteDb& db, std::string dataset, std::string now)
      : db_(db), dataset_(std::move(dataset)), now_(std::move(now)) {}

  ~SqliteTransaction() override {
    inserts_.clear();
    if (!done_) (void)db_.Exec("ROLLBACK");
  }

  Status Start() {
    BP_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
    BP_ASSIGN_OR_RETURN(columns_, LoadColumns(db_, dataset_));
    return Ok();
  }

  Status EnsureColumns(const std::vector<ColumnDef>& columns) override {
    std::string rows = RowsTable(dataset_);
    bool created = false;
    if (columns_.empty()) {
      BP_ASSIGN_OR_RETURN(auto exists, db_.Prepare("SELECT 1 FROM sqlite_master WHERE name = ?"));
      const std::string rows_name = dataset_ + "__rows";  // bound without a copy: must outlive Step()
      exists->BindText(1, rows_name);
      BP_ASSIGN_OR_RETURN(bool found, exists->Step());
      if (!found) {
        BP_RETURN_IF_ERROR(db_.Exec(fmt::format(
            "CREATE TABLE {0}(_segment INTEGER NOT NULL, billing_period TEXT NOT NULL, version_key TEXT NOT NULL);"
            "CREATE INDEX {1} ON {0}(billing_period, _segment);",
            rows, QuoteIdent(dataset_ + "__period_idx"))));
        created = true;
      }
    }
    std::set<std::string> have;
    for (const auto& c : columns_) have.insert(c.name);
    bool added = false;
    BP_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO _billpipe_columns(dataset, position, name, kind, "
                                              "original_header) VALUES(?, ?, ?, ?, ?)"));
    for (const auto& c : columns) {
      if (!have.insert(c.name).second) continue;
      if (c.name == "_segment" || c.name == "billing_period" || c.name == "version_key") {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("column name '{}' is reserved by billpipe", c.name));
      }
      BP_RETURN_IF_ERROR(db_.Exec(fmt::format("ALTER TABLE {} ADD COLUMN {} {}", rows, QuoteIdent(c.name),
                                              SqlType(c.kind))));
      ins->BindText(1, dataset_);
      ins->BindInt(2, static_cast<int64_t>(columns_.size()));
      ins->BindText(3, c.name);
      ins->BindText(4, ColumnKindName(c.kind));
      ins->BindText(5, c.original_header);
      BP_RETURN_IF_ERROR(ins->Run());
      columns_.push_back(c);
      added = true;
      if (c.name == "line_item_usage_start_date") {
        BP_RETURN_IF_ERROR(db_.Exec(fmt::format("CREATE INDEX IF NOT EXISTS {} ON {}(line_item_usage_start_date)",
                                                QuoteIdent(dataset_ + "__usage_start_idx"), rows)));
      }
    }
    if (added || created) {
      inserts_.clear();  // column sets changed
      BP_RETURN_IF_ERROR(RecreateView());
    }
    return Ok();
  }

  Result<int64_t> BeginSegment(const SegmentKey& key) override {
    BP_ASSIGN_OR_RETURN(auto stmt, db_.Prepare(
        "INSERT INTO _billpipe_segments(dataset, billing_period, version_key, window_start, window_end, filter, "
        "loaded_at) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    stmt->BindText(1, dataset_);
    stmt->BindText(2, key.billing_period);
    stmt->BindText(3, key.version_key);
    stmt->BindText(4, key.window_start);
    stmt->BindText(5, key.window_end);
    stmt->BindText(6, key.filter);
    stmt->BindText(7, now_);
    BP_RETURN_IF_ERROR(stmt->Run());
    int64_t id = db_.LastInsertRowid();
    segments_[id] = key;
    return id;
  }

  Status Insert(int64_t segment, std::span<const std::string> column_names, const RowBatch& batch) override {
    auto seg = segments_.find(segment);
    if (seg == segments_.end()) {
      return Fail(ErrorCode::kInternal, fmt::format("segment {} was not begun in this run", segment));
    }
    if (column_names.size() != batch.columns()) {
      return Fail(ErrorCode::kInternal, fmt::format("{} column names for a batch of {} columns",
                                                    column_names.size(), batch.columns()));
    }
    BP_ASSIGN_OR_RETURN(SqliteStatement * stmt, InsertStatement(column_names));
    char ts[40];
    std::vector<std::pair<uint32_t, Cell>> cells;
    for (size_t r = 0; r < batch.rows(); ++r) {
      stmt->ClearBindings();  // every column NULL unless bound below
      stmt->BindInt(1, segment);
      stmt->BindText(2, seg->second.billing_period);
      stmt->BindText(3, seg->second.version_key);
      batch.NonNull(r, cells);
      for (const auto& [c, cell] : cells) {
        int param = static_cast<int>(c) + 4;
        switch (cell.kind) {
          case Cell::Kind::kNull: break;
          // Decimal text goes in as text: the REAL column's affinity converts it.
          case Cell::Kind::kText:
          case Cell::Kind::kDecimal: stmt->BindText(param, cell.text); break;
          case Cell::Kind::kTimestamp: {
            size_t n = FormatTimestampInto(cell.millis, ts);
            stmt->BindTextCopy(param, std::string_view(ts, n));
            break;
          }
        }
      }
      BP_RETURN_IF_ERROR(stmt->Run());
    }
    return Ok();
  }

  Status FinishSegment(int64_t segment, int64_t line_items, std::string_view unblended_cost,
                       std::string_view status) override {
    BP_ASSIGN_OR_RETURN(auto stmt, db_.Prepare(
        "UPDATE _billpipe_segments SET line_items = ?, unblended_cost = ?, status = ? WHERE id = ?"));
    stmt->BindInt(1, line_items);
    stmt->BindText(2, unblended_cost);
    stmt->BindText(3, status);
    stmt->BindInt(4, segment);
    return stmt->Run();
  }

  Result<int64_t> Publish(const std::vector<int64_t>& segments, std::string_view note, int retention) override {
    if (columns_.empty()) BP_RETURN_IF_ERROR(EnsureColumns({}));
    BP_ASSIGN_OR_RETURN(int64_t version, RecordVersion(db_, dataset_, segments, note, now_));
    BP_RETURN_IF_ERROR(CollectGarbage(db_, dataset_, version, retention));
    return version;
  }

  Status Commit() override {
    inserts_.clear();
    BP_RETURN_IF_ERROR(db_.Exec("COMMIT"));
    done_ = true;
    return Ok();
  }

 private:
  Status RecreateView() {
    std::string cols = "billing_period, version_key";
    for (const auto& c : columns_) cols += ", " + QuoteIdent(c.name);
    std::string ds = QuoteLiteral(dataset_);
    return db_.Exec(fmt::format(
        "DROP VIEW IF EXISTS {0};"
        "CREATE VIEW {0} AS SELECT {1} FROM {2} WHERE _segment IN ("
        "SELECT segment_id FROM _billpipe_version_segments WHERE dataset = {3} AND version = ("
        "SELECT version FROM _billpipe_current WHERE dataset = {3}));",
        QuoteIdent(dataset_), cols, RowsTable(dataset_), ds));
  }

  Result<SqliteStatement*> InsertStatement(std::span<const std::string> names) {
    std::string key;
    for (const auto& n : names) key += n + '\x1f';
    auto it = inserts_.find(key);
    if (it != inserts_.end()) return it->second.get();
    std::string cols = "_segment, billing_period, version_key", params = "?, ?, ?";
    for (const auto& n : names) {
      cols += ", " + QuoteIdent(n);
      params += ", ?";
    }
    BP_ASSIGN_OR_RETURN(auto stmt, db_.Prepare(fmt::format("INSERT INTO {}({}) VALUES({})", RowsTable(dataset_),
                                                           cols, params)));
    SqliteStatement* raw = stmt.get();
    inserts_[key] = std::move(stmt);
    return raw;
  }

  SqliteDb& db_;
  std::string dataset_;
  std::string now_;
  std::vector<ColumnDef> columns_;
  std::map<int64_t, SegmentKey> segments_;
  std::map<std::string, std::unique_ptr<SqliteStatement>> inserts_;
  bool done_ = false;
};

}  // namespace

SqliteSink::SqliteSink(std::unique_ptr<SqliteDb> db, Clock& clock) : db_(std::move(db)), clock_(clock) {}
SqliteSink::~SqliteSink() = default;

Result<std::unique_ptr<SqliteSink>> SqliteSink::Open(const std::string& path, Clock& clock) {
  BP_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path));
  BP_RETURN_IF_ERROR(db->Exec(kBookkeeping));
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
      s.key = SegmentKey{stmt->ColumnText(1), stmt->ColumnText(2), stmt->ColumnText(3), stmt->ColumnText(4),
                         stmt->ColumnText(5)};
      s.line_items = stmt->ColumnInt(6);
      s.unblended_cost = stmt->ColumnText(7);
      s.status = stmt->ColumnText(8);
      s.loaded_at = stmt->ColumnText(9);
      out.current_segments.push_back(std::move(s));
    }
    return out;
  }();
  (void)db_->Exec("COMMIT");
  return state;
}

Result<std::unique_ptr<LoadTransaction>> SqliteSink::Begin(std::string_view dataset) {
  auto txn = std::make_unique<SqliteTransaction>(*db_, std::string(dataset), FormatTimestamp(clock_.Now()));
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
    return v;
  }();
  if (!restored) {
    (void)db_->Exec("ROLLBACK");
    return restored;
  }
  BP_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  return restored;
}

Result<Sink::StoredTotals> SqliteSink::CountSegment(std::string_view dataset, const Segment& segment) {
  BP_ASSIGN_OR_RETURN(auto columns, LoadColumns(*db_, dataset));
  bool has_cost = std::any_of(columns.begin(), columns.end(),
                              [](const ColumnDef& c) { return c.name == "line_item_unblended_cost"; });
  BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(fmt::format(
      "SELECT count(*), {} FROM {} WHERE billing_period = ? AND _segment = ?",
      has_cost ? "coalesce(sum(line_item_unblended_cost), 0)" : "0", RowsTable(dataset))));
  stmt->BindText(1, segment.key.billing_period);
  stmt->BindInt(2, segment.id);
  BP_RETURN_IF_ERROR(stmt->Step());
  return StoredTotals{stmt->ColumnInt(0), stmt->ColumnDouble(1)};
}

Result<bool> SqliteSink::DropDataset(std::string_view dataset) {
  BP_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  auto dropped = [&]() -> Result<bool> {
    BP_ASSIGN_OR_RETURN(auto columns, LoadColumns(*db_, dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*db_, dataset));
    if (columns.empty() && !current) return false;
    std::string ds = QuoteLiteral(dataset);
    BP_RETURN_IF_ERROR(db_->Exec(fmt::format(
        "DROP VIEW IF EXISTS {0}; DROP TABLE IF EXISTS {1};"
        "DELETE FROM _billpipe_columns WHERE dataset = {2}; DELETE FROM _billpipe_segments WHERE dataset = {2};"
        "DELETE FROM _billpipe_versions WHERE dataset = {2}; DELETE FROM _billpipe_version_segments WHERE dataset = {2};"
        "DELETE FROM _billpipe_current WHERE dataset = {2};",
        QuoteIdent(dataset), RowsTable(dataset), ds)));
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
