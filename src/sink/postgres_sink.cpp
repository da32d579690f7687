#include "sink/postgres_sink.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "sink/pg_binary.h"
#include "sink/pg_conn.h"
#include "sink/sparse_batch.h"
#include "util/date.h"

namespace billpipe::sink {
namespace {

// Advisory lock keys: (kLockClass, hashtext(lower(dataset))) for a dataset's runs, (kLockClass, 0) while creating
// the bookkeeping tables. 'bill' in ASCII.
constexpr int kLockClass = 0x62696c6c;

constexpr const char* kBookkeeping = R"sql(
CREATE TABLE IF NOT EXISTS _billpipe_columns(
  dataset text NOT NULL, position integer NOT NULL, name text NOT NULL, kind text NOT NULL,
  original_header text NOT NULL, PRIMARY KEY(dataset, name));
CREATE TABLE IF NOT EXISTS _billpipe_segments(
  id bigserial PRIMARY KEY, dataset text NOT NULL, billing_period text NOT NULL, version_key text NOT NULL,
  window_start text NOT NULL, window_end text NOT NULL, filter text NOT NULL,
  line_items bigint NOT NULL DEFAULT 0, unblended_cost text NOT NULL DEFAULT '0',
  status text NOT NULL DEFAULT '', loaded_at text NOT NULL);
CREATE TABLE IF NOT EXISTS _billpipe_versions(
  dataset text NOT NULL, version bigint NOT NULL, created_at text NOT NULL, note text NOT NULL,
  PRIMARY KEY(dataset, version));
CREATE TABLE IF NOT EXISTS _billpipe_version_segments(
  dataset text NOT NULL, version bigint NOT NULL, segment_id bigint NOT NULL,
  PRIMARY KEY(dataset, version, segment_id));
CREATE TABLE IF NOT EXISTS _billpipe_current(dataset text PRIMARY KEY, version bigint NOT NULL);
)sql";

constexpr size_t kMaxIdentifier = 63;  // PostgreSQL's NAMEDATALEN - 1

std::string SegmentTableName(std::string_view dataset, int64_t segment) {
  std::string suffix = fmt::format("__s{}", segment);
  return std::string(dataset.substr(0, kMaxIdentifier - suffix.size())) + suffix;
}
std::string SegmentTable(std::string_view dataset, int64_t segment) {
  return PgIdent(SegmentTableName(dataset, segment));
}

std::string_view PgType(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kDecimal: return "numeric";
    case ColumnKind::kTimestamp: return "timestamptz";
    case ColumnKind::kText: return "text";
  }
  return "text";
}

int64_t ToInt(const std::string& s) { return std::stoll(s); }

Result<std::vector<ColumnDef>> LoadColumns(PgConn& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT name, kind, original_header FROM _billpipe_columns "
                                          "WHERE dataset = $1 ORDER BY position", {std::string(dataset)}));
  std::vector<ColumnDef> out;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    out.push_back(ColumnDef{rows.At(r, 0), ColumnKindFromName(rows.At(r, 1)), rows.At(r, 2)});
  }
  return out;
}

Result<std::optional<int64_t>> CurrentVersion(PgConn& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT version FROM _billpipe_current WHERE dataset = $1",
                                          {std::string(dataset)}));
  if (rows.rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(ToInt(rows.At(0, 0)));
}

Result<std::vector<DatasetVersion>> Versions(PgConn& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT version, created_at, note FROM _billpipe_versions "
                                          "WHERE dataset = $1 ORDER BY version", {std::string(dataset)}));
  BP_ASSIGN_OR_RETURN(auto members, db.Query("SELECT version, segment_id FROM _billpipe_version_segments "
                                             "WHERE dataset = $1 ORDER BY version, segment_id",
                                             {std::string(dataset)}));
  std::vector<DatasetVersion> out;
  std::map<int64_t, size_t> index;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    index[ToInt(rows.At(r, 0))] = out.size();
    out.push_back(DatasetVersion{ToInt(rows.At(r, 0)), rows.At(r, 1), rows.At(r, 2), {}});
  }
  for (size_t r = 0; r < members.rows.size(); ++r) {
    auto found = index.find(ToInt(members.At(r, 0)));
    if (found != index.end()) out[found->second].segments.push_back(ToInt(members.At(r, 1)));
  }
  return out;
}

// Records a new version holding segments and makes it current; returns its number.
Result<int64_t> RecordVersion(PgConn& db, std::string_view dataset, const std::vector<int64_t>& segments,
                              std::string_view note, const std::string& now) {
  std::string ds(dataset);
  BP_ASSIGN_OR_RETURN(auto max, db.Query("SELECT COALESCE(MAX(version), 0) FROM _billpipe_versions "
                                         "WHERE dataset = $1", {ds}));
  int64_t version = ToInt(max.At(0, 0)) + 1;
  std::string v = std::to_string(version);
  BP_RETURN_IF_ERROR(db.Query("INSERT INTO _billpipe_versions(dataset, version, created_at, note) "
                              "VALUES($1, $2, $3, $4)", {ds, v, now, std::string(note)}));
  std::string ids = "{";
  for (size_t i = 0; i < segments.size(); ++i) ids += (i ? "," : "") + std::to_string(segments[i]);
  ids += "}";
  BP_RETURN_IF_ERROR(db.Query("INSERT INTO _billpipe_version_segments(dataset, version, segment_id) "
                              "SELECT $1, $2, unnest($3::bigint[])", {ds, v, ids}));
  BP_RETURN_IF_ERROR(db.Query("INSERT INTO _billpipe_current(dataset, version) VALUES($1, $2) "
                              "ON CONFLICT(dataset) DO UPDATE SET version = excluded.version", {ds, v}));
  return version;
}

// The columns a table has, in order; empty when there is no such table.
Result<std::vector<std::string>> TableColumns(PgConn& db, const std::string& table_name) {
  BP_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) "
                                          "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                                          {PgIdent(table_name)}));
  std::vector<std::string> out;
  for (size_t r = 0; r < rows.rows.size(); ++r) out.push_back(rows.At(r, 0));
  return out;
}

// Points the view NAME at the current version's segment tables: one UNION ALL arm per segment with its
// billing period and version key as constants, NULL for the columns a segment does not have. The first arm
// (no rows) gives every column its type. CREATE OR REPLACE keeps users' views over NAME valid: columns are
// only ever added at the end.
Status RebuildView(PgConn& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto columns, LoadColumns(db, dataset));
  BP_ASSIGN_OR_RETURN(auto arms, db.Query(
      "SELECT s.id, s.billing_period, s.version_key FROM _billpipe_segments s JOIN _billpipe_version_segments v "
      "ON v.segment_id = s.id AND v.dataset = s.dataset JOIN _billpipe_current c ON c.dataset = v.dataset "
      "AND c.version = v.version WHERE s.dataset = $1 ORDER BY s.billing_period, s.id", {std::string(dataset)}));
  std::string body = "SELECT NULL::date AS billing_period, NULL::text AS version_key";
  for (const auto& c : columns) body += fmt::format(", NULL::{} AS {}", PgType(c.kind), PgIdent(c.name));
  body += " WHERE false";
  for (size_t r = 0; r < arms.rows.size(); ++r) {
    int64_t id = ToInt(arms.At(r, 0));
    BP_ASSIGN_OR_RETURN(auto have_list, TableColumns(db, SegmentTableName(dataset, id)));
    std::set<std::string> have(have_list.begin(), have_list.end());
    body += fmt::format(" UNION ALL SELECT {}::date, {}::text", PgLiteral(arms.At(r, 1)), PgLiteral(arms.At(r, 2)));
    for (const auto& c : columns) {
      body += have.count(c.name) ? ", " + PgIdent(c.name) : fmt::format(", NULL::{}", PgType(c.kind));
    }
    body += " FROM " + SegmentTable(dataset, id);
  }
  return db.Exec(fmt::format("CREATE OR REPLACE VIEW {} AS {}", PgIdent(dataset), body));
}

// Drops versions beyond the retention and the segments (and their tables) no remaining version uses.
Status CollectGarbage(PgConn& db, std::string_view dataset, int64_t current, int retention) {
  std::string ds(dataset), oldest = std::to_string(current - 1 - std::max(retention, 0));
  BP_RETURN_IF_ERROR(db.Query("DELETE FROM _billpipe_version_segments WHERE dataset = $1 AND version <= $2",
                              {ds, oldest}));
  BP_RETURN_IF_ERROR(db.Query("DELETE FROM _billpipe_versions WHERE dataset = $1 AND version <= $2", {ds, oldest}));
  BP_ASSIGN_OR_RETURN(auto dead, db.Query(
      "DELETE FROM _billpipe_segments s WHERE dataset = $1 AND NOT EXISTS(SELECT 1 FROM _billpipe_version_segments v "
      "WHERE v.dataset = s.dataset AND v.segment_id = s.id) RETURNING id", {ds}));
  std::string drops;
  for (size_t r = 0; r < dead.rows.size(); ++r) {
    drops += fmt::format("DROP TABLE IF EXISTS {};", SegmentTable(dataset, ToInt(dead.At(r, 0))));
  }
  return drops.empty() ? Ok() : db.Exec(drops);
}

Status LockDataset(PgConn& db, std::string_view dataset, bool session) {
  // On the case-folded name: "Costs" and "costs" are one dataset name, and runs of both wait for each other.
  BP_ASSIGN_OR_RETURN(auto got, db.Query(fmt::format("SELECT {}({}, hashtext(lower($1)))",
                                                     session ? "pg_try_advisory_lock" : "pg_try_advisory_xact_lock",
                                                     kLockClass),
                                         {std::string(dataset)}));
  if (got.At(0, 0) == "t") return Ok();
  BP_ASSIGN_OR_RETURN(auto holder, db.Query(fmt::format(
      "SELECT l.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'), "
      "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
      "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
      "AND l.classid = {} AND l.objid = (hashtext(lower($1))::bigint & 4294967295)::oid AND l.objsubid = 2",
      kLockClass),
      {std::string(dataset)}));
  std::string who = holder.rows.empty()
                        ? "another session"
                        : fmt::format("{} from {}, PostgreSQL backend pid {}, connected {}",
                                      holder.At(0, 1).empty() ? "a session" : holder.At(0, 1), holder.At(0, 2),
                                      holder.At(0, 0), holder.At(0, 3));
  return Fail(ErrorCode::kConflict, fmt::format("Dataset '{}' in {} is already being loaded ({}). Wait for that run "
                                                "to finish.", dataset, db.describe(), who));
}

// Names that differ only in case are one dataset name (sink.h), as in the SQLite sink and the catalog:
// "Costs" beside "costs" would be a second view that unquoted SQL (which folds to lower case) never
// reaches. A run refuses a name whose case-folded form another dataset of the schema has.
Status CheckNameIsFree(PgConn& db, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto rows, db.Query(
      "SELECT dataset FROM (SELECT dataset FROM _billpipe_columns UNION SELECT dataset FROM _billpipe_current "
      "UNION SELECT dataset FROM _billpipe_segments) d WHERE lower(dataset) = lower($1) AND dataset <> $1 "
      "ORDER BY dataset LIMIT 1",
      {std::string(dataset)}));
  if (rows.rows.empty()) return Ok();
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Dataset '{}' cannot be written to {}: it holds dataset '{}', and names that differ only in "
                          "case are one name. Use that name, or another one.",
                          dataset, db.describe(), rows.At(0, 0)));
}

// A run's writes. The rows go into new segment tables with binary COPY, committed in chunks as they come: no
// reader sees them, because the view and the bookkeeping only point at a segment once Publish + Commit make
// it part of the dataset, in one short final transaction. Chunks keep a long load from holding one
// transaction open for its whole length (which would hold back vacuum in the whole database). Segments
// of a run that fails are dropped by the run itself when it can, else (killed) by the next run's Publish.
class PostgresTransaction final : public LoadTransaction {
 public:
  PostgresTransaction(PgConn& db, std::string dataset, ColumnRoles roles, std::string now)
      : db_(db), dataset_(std::move(dataset)), roles_(std::move(roles)), now_(std::move(now)) {}

  ~PostgresTransaction() override {
    if (copy_open_) db_.CopyAbort();
    if (open_) (void)db_.Exec("ROLLBACK");
    if (!done_ && !segments_.empty()) {
      // Best effort: on a lost connection the next Publish collects them.
      std::string drop = "BEGIN;";
      for (const auto& [id, seg] : segments_) {
        drop += fmt::format("DROP TABLE IF EXISTS {}; DELETE FROM _billpipe_segments WHERE id = {};", seg.table, id);
      }
      if (!db_.Exec(drop + "COMMIT;")) (void)db_.Exec("ROLLBACK");
    }
    if (locked_) {
      (void)db_.Query(fmt::format("SELECT pg_advisory_unlock({}, hashtext(lower($1)))", kLockClass), {dataset_});
    }
  }

  Status Start(const std::optional<std::optional<int64_t>>& seen_version) {
    BP_RETURN_IF_ERROR(LockDataset(db_, dataset_, true));
    locked_ = true;
    BP_RETURN_IF_ERROR(CheckNameIsFree(db_, dataset_));
    if (seen_version) {
      BP_ASSIGN_OR_RETURN(auto now_version, CurrentVersion(db_, dataset_));
      if (now_version != *seen_version) {
        return Fail(ErrorCode::kConflict,
                    fmt::format("Dataset '{}' in {} was changed by another run while this one was planning. Run "
                                "again.", dataset_, db_.describe()));
      }
    }
    BP_ASSIGN_OR_RETURN(columns_, LoadColumns(db_, dataset_));
    for (const auto& c : columns_) kinds_[c.name] = c.kind;
    known_columns_ = columns_.size();
    return Ok();
  }

  Status EnsureColumns(const std::vector<ColumnDef>& columns) override {
    for (const auto& c : columns) {
      if (kinds_.count(c.name)) continue;
      if (c.name == "billing_period" || c.name == "version_key") {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("column name '{}' is reserved by billpipe", c.name));
      }
      columns_.push_back(c);
      kinds_[c.name] = c.kind;
    }
    return Ok();
  }

  Result<int64_t> BeginSegment(const SegmentKey& key) override {
    BP_RETURN_IF_ERROR(EndCopy());
    BP_RETURN_IF_ERROR(OpenChunk());
    BP_ASSIGN_OR_RETURN(auto rows, db_.Query(
        "INSERT INTO _billpipe_segments(dataset, billing_period, version_key, window_start, window_end, filter, "
        "loaded_at) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {dataset_, key.billing_period, key.version_key, key.window_start, key.window_end, std::string(FilterName(key.filter)), now_}));
    int64_t id = ToInt(rows.At(0, 0));
    SegmentWriter& seg = segments_[id];
    seg.table = SegmentTable(dataset_, id);
    // A table without columns to begin with (PostgreSQL allows it): columns join as they get values.
    BP_RETURN_IF_ERROR(db_.Exec(fmt::format("CREATE TABLE {}()", seg.table)));
    seg.fresh = true;
    return id;
  }

  Status Insert(int64_t segment, std::span<const std::string> column_names, const RowBatch& batch) override {
    BP_ASSIGN_OR_RETURN(SegmentWriter * seg, Find(segment));
    if (column_names.size() != batch.columns()) {
      return Fail(ErrorCode::kInternal, fmt::format("{} column names for a batch of {} columns",
                                                    column_names.size(), batch.columns()));
    }
    if (batch.rows() == 0) return Ok();
    BP_RETURN_IF_ERROR(OpenChunk());
    // The segment's table has the columns that had a value or empty text in a batch so far (the others
    // read NULL through the view); this batch's new ones are added. CUR rows leave most columns empty.
    batch.ColumnContents(contents_);
    std::string add;
    for (size_t c = 0; c < column_names.size(); ++c) {
      if (!(contents_[c] & (RowBatch::kHasValue | RowBatch::kHasEmpty))) continue;
      const std::string& name = column_names[c];
      auto kind = kinds_.find(name);
      if (kind == kinds_.end()) {
        return Fail(ErrorCode::kInternal, fmt::format("column {} is not in dataset {}", name, dataset_));
      }
      if (seg->columns.insert(name).second) {
        add += fmt::format("{}ADD COLUMN {} {}", add.empty() ? "" : ", ", PgIdent(name), PgType(kind->second));
      }
    }
    // One binary COPY stays open across the batches of a segment while their columns fit it: the server
    // parses rows while billpipe encodes the next ones, with no round trip per batch.
    const bool same_columns = copy_names_.size() == column_names.size() &&
                              std::equal(copy_names_.begin(), copy_names_.end(), column_names.begin());
    if (!copy_open_ || copy_segment_ != segment || !add.empty() || !same_columns) {
      BP_RETURN_IF_ERROR(EndCopy());
      if (!add.empty()) BP_RETURN_IF_ERROR(db_.Exec(fmt::format("ALTER TABLE {} {}", seg->table, add)));
      if (seg->columns.empty()) {  // rows with nothing in them, in a table without columns: still rows
        BP_RETURN_IF_ERROR(db_.Exec(fmt::format("INSERT INTO {} SELECT FROM generate_series(1, {})", seg->table,
                                                batch.rows())));
        return Counted(batch.rows());
      }
      BP_RETURN_IF_ERROR(BeginCopy(segment, *seg, column_names));
    }
    BP_RETURN_IF_ERROR(SendRows(batch));
    seg->rows += static_cast<int64_t>(batch.rows());
    return Counted(batch.rows());
  }

  Status FinishSegment(int64_t segment, const SegmentTotals& totals) override {
    BP_ASSIGN_OR_RETURN(SegmentWriter * seg, Find(segment));
    BP_RETURN_IF_ERROR(EndCopy());
    if (!roles_.date_column.empty() && seg->columns.count(roles_.date_column)) {
      BP_RETURN_IF_ERROR(OpenChunk());
      // Built once after the rows: far cheaper than keeping an index up to date per row.
      BP_RETURN_IF_ERROR(db_.Exec(fmt::format("CREATE INDEX ON {}({})", seg->table, PgIdent(roles_.date_column))));
    }
    seg->finished = totals;
    return CommitChunk();
  }

  // Opens the final transaction: from here to Commit, the dataset's state and view change at once.
  Result<int64_t> Publish(const std::vector<int64_t>& segments, std::string_view note, int retention) override {
    BP_RETURN_IF_ERROR(CommitChunk());
    BP_RETURN_IF_ERROR(db_.Exec("BEGIN"));
    open_ = true;
    published_ = true;
    BP_RETURN_IF_ERROR(WriteColumns());
    for (auto& [id, seg] : segments_) {
      if (!seg.finished) continue;
      BP_RETURN_IF_ERROR(db_.Query("UPDATE _billpipe_segments SET line_items = $1, unblended_cost = $2, status = $3 "
                                   "WHERE id = $4",
                                   {std::to_string(seg.finished->line_items), seg.finished->total,
                                    std::string(FinalityName(seg.finished->finality)), std::to_string(id)}));
    }
    BP_ASSIGN_OR_RETURN(int64_t version, RecordVersion(db_, dataset_, segments, note, now_));
    BP_RETURN_IF_ERROR(RebuildView(db_, dataset_));  // before the old tables go: the old view uses them
    BP_RETURN_IF_ERROR(CollectGarbage(db_, dataset_, version, retention));
    return version;
  }

  Status Commit() override {
    if (!published_ || !open_) return Fail(ErrorCode::kInternal, "commit without publish");
    BP_RETURN_IF_ERROR(db_.Exec("COMMIT"));
    open_ = false;
    done_ = true;
    return Ok();
  }

 private:
  // Rows per chunk transaction, as in the SQLite sink.
  static constexpr size_t kChunkRows = 50000;
  // COPY data is sent in pieces of about this size.
  static constexpr size_t kCopyBufferBytes = 1 << 20;

  struct SegmentWriter {
    std::string table;  // quoted
    bool fresh = false;  // created in the open chunk transaction: COPY may FREEZE its rows
    std::set<std::string> columns;
    int64_t rows = 0;
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
    BP_RETURN_IF_ERROR(db_.Exec("BEGIN"));
    open_ = true;
    return Ok();
  }

  Status CommitChunk() {
    BP_RETURN_IF_ERROR(EndCopy());
    if (!open_) return Ok();
    for (auto& entry : segments_) entry.second.fresh = false;
    BP_RETURN_IF_ERROR(db_.Exec("COMMIT"));
    open_ = false;
    rows_in_chunk_ = 0;
    return Ok();
  }

  Status Counted(size_t rows) {
    rows_in_chunk_ += rows;
    if (rows_in_chunk_ >= kChunkRows) BP_RETURN_IF_ERROR(CommitChunk());
    return Ok();
  }

  // Starts a binary COPY into the segment's table of the batch columns it has, in batch order.
  Status BeginCopy(int64_t segment, const SegmentWriter& seg, std::span<const std::string> column_names) {
    copy_names_.assign(column_names.begin(), column_names.end());
    fields_.clear();
    field_kinds_.clear();
    std::string list;
    for (size_t c = 0; c < column_names.size(); ++c) {
      if (!seg.columns.count(column_names[c])) continue;
      fields_.push_back(static_cast<uint32_t>(c));
      field_kinds_.push_back(kinds_.at(column_names[c]));
      list += (list.empty() ? "" : ", ") + PgIdent(column_names[c]);
    }
    // FREEZE (rows written frozen, so that the first reads and vacuum need not rewrite every page) needs a
    // table created in the same transaction; it is safe here because nothing reads a segment's table before
    // the final transaction publishes it.
    BP_RETURN_IF_ERROR(db_.CopyBegin(fmt::format("COPY {}({}) FROM STDIN (FORMAT binary{})", seg.table, list,
                                                 seg.fresh ? ", FREEZE" : "")));
    copy_open_ = true;
    copy_segment_ = segment;
    buffer_.clear();
    AppendPgCopyHeader(buffer_);
    return Ok();
  }

  // Ends the open COPY, if any: the server has the rows once it returns.
  Status EndCopy() {
    if (!copy_open_) return Ok();
    copy_open_ = false;
    copy_names_.clear();
    AppendPgCopyTrailer(buffer_);
    Status sent = db_.CopyData(buffer_);
    buffer_.clear();
    if (!sent) {
      db_.CopyAbort();
      return sent;
    }
    return db_.CopyEnd();
  }

  // One field of the COPY: the cell as its column's type reads it in binary.
  Status AppendField(const Cell& v, ColumnKind kind, uint32_t column) {
    switch (kind) {
      case ColumnKind::kDecimal:
        if ((v.kind == Cell::Kind::kDecimal || v.kind == Cell::Kind::kText) && AppendPgNumeric(buffer_, v.text)) {
          return Ok();
        }
        break;
      case ColumnKind::kTimestamp:
        if (v.kind == Cell::Kind::kTimestamp) {
          AppendPgTimestamp(buffer_, v.millis);
          return Ok();
        }
        break;
      case ColumnKind::kText:
        if (v.kind == Cell::Kind::kTimestamp) {
          char stamp[kTimestampTextMax];
          AppendPgBytes(buffer_, std::string_view(stamp, FormatTimestampTo(v.millis, stamp)));
        } else {
          AppendPgBytes(buffer_, v.text);
        }
        return Ok();
    }
    const std::string& name = copy_names_[column];
    return Fail(ErrorCode::kBadData,
                fmt::format("The value '{}' of column {} cannot be stored in dataset '{}', where that column holds {}.",
                            v.kind == Cell::Kind::kTimestamp ? std::to_string(v.millis) : std::string(v.text.substr(0, 60)),
                            name, dataset_, PgType(kind)));
  }

  // The batch's rows in binary COPY format, the fields_ columns in order.
  Status SendRows(const RowBatch& batch) {
    const uint16_t nfields = static_cast<uint16_t>(fields_.size());
    const SparseBatch* sparse = batch.AsSparse();
    for (size_t r = 0; r < batch.rows(); ++r) {
      AppendPgRowStart(buffer_, nfields);
      size_t f = 0;
      auto cell = [&](uint32_t column, const Cell& v) -> Status {
        while (f < fields_.size() && fields_[f] < column) {
          AppendPgNull(buffer_);
          ++f;
        }
        if (f == fields_.size() || fields_[f] != column) return Ok();  // a column not copied: NULL or empty here
        ++f;
        if (v.kind == Cell::Kind::kNull) {
          AppendPgNull(buffer_);
          return Ok();
        }
        return AppendField(v, field_kinds_[f - 1], column);
      };
      if (sparse) {
        for (const auto& s : sparse->Row(r)) BP_RETURN_IF_ERROR(cell(s.column, sparse->ToCell(s)));
      } else {
        batch.NonNull(r, cells_);
        for (const auto& [column, v] : cells_) BP_RETURN_IF_ERROR(cell(column, v));
      }
      for (; f < fields_.size(); ++f) AppendPgNull(buffer_);
      if (buffer_.size() >= kCopyBufferBytes) {
        BP_RETURN_IF_ERROR(db_.CopyData(buffer_));
        buffer_.clear();
      }
    }
    return Ok();
  }

  // _billpipe_columns gets the columns this run added.
  Status WriteColumns() {
    for (size_t i = known_columns_; i < columns_.size(); ++i) {
      const ColumnDef& c = columns_[i];
      BP_RETURN_IF_ERROR(db_.Query("INSERT INTO _billpipe_columns(dataset, position, name, kind, original_header) "
                                   "VALUES($1, $2, $3, $4, $5)",
                                   {dataset_, std::to_string(i), c.name, std::string(ColumnKindName(c.kind)),
                                    c.original_header}));
    }
    known_columns_ = columns_.size();
    return Ok();
  }

  PgConn& db_;
  std::string dataset_;
  ColumnRoles roles_;  // date_column: indexed in each segment
  std::string now_;
  std::vector<ColumnDef> columns_;  // the dataset's, with this run's additions at the end
  size_t known_columns_ = 0;        // how many of columns_ are recorded
  std::unordered_map<std::string, ColumnKind> kinds_;
  std::map<int64_t, SegmentWriter> segments_;
  std::vector<uint8_t> contents_;                  // of the batch being inserted
  bool copy_open_ = false;                         // a COPY is in progress on the connection
  int64_t copy_segment_ = 0;                       // into this segment's table
  std::vector<std::string> copy_names_;            // the batch columns it was begun for
  std::vector<uint32_t> fields_;                   // its fields: batch column indexes, ascending
  std::vector<ColumnKind> field_kinds_;            // and their types
  std::vector<std::pair<uint32_t, Cell>> cells_;   // one row's non-null cells
  std::string buffer_;                             // COPY data not sent yet
  size_t rows_in_chunk_ = 0;
  bool locked_ = false;     // holds the dataset's advisory lock
  bool open_ = false;       // a transaction is open on the connection
  bool published_ = false;  // the final transaction is open
  bool done_ = false;       // committed
};

// Runs body in a transaction on db: committed when it succeeds, rolled back when it fails.
template <typename T, typename F>
Result<T> InTransaction(PgConn& db, std::string_view begin, F&& body) {
  BP_RETURN_IF_ERROR(db.Exec(begin));
  Result<T> out = body();
  if (!out) {
    (void)db.Exec("ROLLBACK");
    return out;
  }
  BP_RETURN_IF_ERROR(db.Exec("COMMIT"));
  return out;
}

}  // namespace

PostgresSink::PostgresSink(std::unique_ptr<PgConn> conn, Clock& clock) : conn_(std::move(conn)), clock_(clock) {}
PostgresSink::~PostgresSink() = default;

Result<std::unique_ptr<PostgresSink>> PostgresSink::Open(const std::string& conninfo, Clock& clock,
                                                         const std::string& password) {
  BP_ASSIGN_OR_RETURN(auto conn, PgConn::Connect(conninfo, password));
  // Two first runs at once would both create the tables: one waits for the other.
  BP_RETURN_IF_ERROR(InTransaction<bool>(*conn, "BEGIN", [&]() -> Result<bool> {
    BP_RETURN_IF_ERROR(conn->Exec(fmt::format("SELECT pg_advisory_xact_lock({}, 0)", kLockClass)));
    BP_RETURN_IF_ERROR(conn->Exec(kBookkeeping));
    return true;
  }));
  return std::unique_ptr<PostgresSink>(new PostgresSink(std::move(conn), clock));
}

std::string PostgresSink::Describe() const { return conn_->describe(); }
int PostgresSink::BackendPid() const { return conn_->backend_pid(); }

Result<DatasetState> PostgresSink::ReadState(std::string_view dataset) {
  // One snapshot for columns, versions and segments.
  auto state = InTransaction<DatasetState>(*conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                           [&]() -> Result<DatasetState> {
    DatasetState out;
    BP_ASSIGN_OR_RETURN(out.columns, LoadColumns(*conn_, dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*conn_, dataset));
    out.exists = current.has_value() || !out.columns.empty();
    seen_version_[std::string(dataset)] = current;
    if (!current) return out;
    BP_ASSIGN_OR_RETURN(auto versions, Versions(*conn_, dataset));
    for (auto& v : versions) {
      if (v.version == *current) out.current = v;
    }
    BP_ASSIGN_OR_RETURN(auto rows, conn_->Query(
        "SELECT s.id, s.billing_period, s.version_key, s.window_start, s.window_end, s.filter, s.line_items, "
        "s.unblended_cost, s.status, s.loaded_at FROM _billpipe_segments s JOIN _billpipe_version_segments v "
        "ON v.segment_id = s.id AND v.dataset = s.dataset WHERE s.dataset = $1 AND v.version = $2 "
        "ORDER BY s.billing_period, s.id", {std::string(dataset), std::to_string(*current)}));
    for (size_t r = 0; r < rows.rows.size(); ++r) {
      Segment s;
      s.id = ToInt(rows.At(r, 0));
      BP_ASSIGN_OR_RETURN(Filter filter, ParseFilter(rows.At(r, 5)));
      s.key = SegmentKey{rows.At(r, 1), rows.At(r, 2), rows.At(r, 3), rows.At(r, 4), filter};
      s.line_items = ToInt(rows.At(r, 6));
      s.total = rows.At(r, 7);
      // '' is a segment begun by a run that did not finish it (never part of a version).
      if (!rows.At(r, 8).empty()) {
        BP_ASSIGN_OR_RETURN(s.finality, ParseFinality(rows.At(r, 8)));
      }
      s.loaded_at = rows.At(r, 9);
      out.current_segments.push_back(std::move(s));
    }
    return out;
  });
  return state;
}

Result<std::unique_ptr<LoadTransaction>> PostgresSink::Begin(std::string_view dataset, const ColumnRoles& roles) {
  auto txn = std::make_unique<PostgresTransaction>(*conn_, std::string(dataset), roles,
                                                   FormatTimestamp(clock_.Now()));
  auto seen = seen_version_.find(dataset);
  BP_RETURN_IF_ERROR(txn->Start(seen == seen_version_.end() ? std::nullopt
                                                            : std::optional<std::optional<int64_t>>(seen->second)));
  return std::unique_ptr<LoadTransaction>(std::move(txn));
}

Result<std::vector<DatasetVersion>> PostgresSink::ListVersions(std::string_view dataset) {
  return InTransaction<std::vector<DatasetVersion>>(*conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                                    [&] { return Versions(*conn_, dataset); });
}

Result<int64_t> PostgresSink::Restore(std::string_view dataset, int64_t version) {
  return InTransaction<int64_t>(*conn_, "BEGIN", [&]() -> Result<int64_t> {
    BP_RETURN_IF_ERROR(LockDataset(*conn_, dataset, false));
    BP_ASSIGN_OR_RETURN(auto versions, Versions(*conn_, dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*conn_, dataset));
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
    BP_ASSIGN_OR_RETURN(int64_t v, RecordVersion(*conn_, dataset, target->segments,
                                                 fmt::format("restore of version {}", version),
                                                 FormatTimestamp(clock_.Now())));
    BP_RETURN_IF_ERROR(RebuildView(*conn_, dataset));
    return v;
  });
}

Result<Sink::StoredTotals> PostgresSink::CountSegment(std::string_view dataset, const Segment& segment,
                                                     std::string_view total_column) {
  std::string name = SegmentTableName(dataset, segment.id);
  BP_ASSIGN_OR_RETURN(auto columns, TableColumns(*conn_, name));
  BP_ASSIGN_OR_RETURN(auto exists, conn_->Query("SELECT to_regclass($1) IS NOT NULL", {PgIdent(name)}));
  if (exists.At(0, 0) != "t") return StoredTotals{};  // no such table: nothing stored
  bool has_total = !total_column.empty() && std::find(columns.begin(), columns.end(), total_column) != columns.end();
  BP_ASSIGN_OR_RETURN(auto rows, conn_->Query(fmt::format(
      "SELECT count(*), {} FROM {}", has_total ? fmt::format("coalesce(sum({}), 0)::text", PgIdent(total_column))
                                               : std::string("'0'"), PgIdent(name))));
  return StoredTotals{ToInt(rows.At(0, 0)), std::strtod(rows.At(0, 1).c_str(), nullptr)};
}

Result<bool> PostgresSink::DropDataset(std::string_view dataset) {
  return InTransaction<bool>(*conn_, "BEGIN", [&]() -> Result<bool> {
    BP_RETURN_IF_ERROR(LockDataset(*conn_, dataset, false));
    BP_ASSIGN_OR_RETURN(auto columns, LoadColumns(*conn_, dataset));
    BP_ASSIGN_OR_RETURN(auto current, CurrentVersion(*conn_, dataset));
    if (columns.empty() && !current) return false;
    std::string ds(dataset);
    BP_ASSIGN_OR_RETURN(auto ids, conn_->Query("SELECT id FROM _billpipe_segments WHERE dataset = $1", {ds}));
    std::string drops = fmt::format("DROP VIEW IF EXISTS {};", PgIdent(dataset));
    for (size_t r = 0; r < ids.rows.size(); ++r) {
      drops += fmt::format("DROP TABLE IF EXISTS {};", SegmentTable(dataset, ToInt(ids.At(r, 0))));
    }
    BP_RETURN_IF_ERROR(conn_->Exec(drops));
    for (const char* table : {"_billpipe_columns", "_billpipe_segments", "_billpipe_versions",
                              "_billpipe_version_segments", "_billpipe_current"}) {
      BP_RETURN_IF_ERROR(conn_->Query(fmt::format("DELETE FROM {} WHERE dataset = $1", table), {ds}));
    }
    return true;
  });
}

}  // namespace billpipe::sink
