#include "sink/clickhouse_sink.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sink/clickhouse_http.h"
#include "sink/clickhouse_native.h"
#include "sink/clickhouse_shard.h"
#include "util/date.h"

namespace billpipe::sink {
namespace {

// Rows go to each shard in one INSERT per run (per set of columns), streamed in Native blocks of this many
// rows (or fewer when they hold kBlockBytes): billpipe's memory stays bounded while the server squashes the
// blocks into parts of up to min_insert_block_size_rows (a million rows by default): few large parts, which
// MergeTree needs (it refuses inserts when a partition has too many unmerged parts, and merges cost).
constexpr size_t kBlockRows = 2048;
constexpr size_t kBlockBytes = 4 << 20;

using Json = nlohmann::json;

std::string_view ChType(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kDecimal: return "Nullable(Decimal(38, 10))";
    case ColumnKind::kTimestamp: return "Nullable(DateTime('UTC'))";
    case ColumnKind::kText: return "Nullable(String)";
  }
  return "Nullable(String)";
}

std::string Local(std::string_view dataset) { return ChIdent(std::string(dataset) + "__local"); }
std::string LocalName(std::string_view dataset) { return std::string(dataset) + "__local"; }
std::string All(std::string_view dataset) { return ChIdent(std::string(dataset) + "__all"); }

// What _billpipe_state holds for a dataset, parsed.
struct State {
  uint64_t revision = 0;  // 0: never written
  bool exists = false;
  std::vector<ColumnDef> columns;
  std::vector<Segment> segments;  // every kept segment
  std::vector<DatasetVersion> versions;
  int64_t current = 0;            // 0: none
  bool sharded = false;           // data in NAME__all (a cluster) rather than NAME__local

  const Segment* FindSegment(int64_t id) const {
    for (const auto& s : segments) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
  const DatasetVersion* FindVersion(int64_t v) const {
    for (const auto& x : versions) {
      if (x.version == v) return &x;
    }
    return nullptr;
  }
  std::vector<int64_t> CurrentSegments() const {
    const DatasetVersion* v = FindVersion(current);
    return v ? v->segments : std::vector<int64_t>{};
  }
};

std::string ToJson(const State& s) {
  Json j;
  j["columns"] = Json::array();
  for (const auto& c : s.columns) {
    j["columns"].push_back({{"name", c.name}, {"kind", ColumnKindName(c.kind)}, {"header", c.original_header}});
  }
  j["segments"] = Json::array();
  for (const auto& g : s.segments) {
    j["segments"].push_back({{"id", g.id}, {"billing_period", g.key.billing_period},
                             {"version_key", g.key.version_key}, {"window_start", g.key.window_start},
                             {"window_end", g.key.window_end}, {"filter", FilterName(g.key.filter)},
                             {"line_items", g.line_items}, {"total", g.total},
                             {"finality", FinalityName(g.finality)}, {"loaded_at", g.loaded_at}});
  }
  j["versions"] = Json::array();
  for (const auto& v : s.versions) {
    j["versions"].push_back({{"version", v.version}, {"created_at", v.created_at}, {"note", v.note},
                             {"segments", v.segments}});
  }
  j["current"] = s.current;
  j["sharded"] = s.sharded;
  return j.dump();
}

Result<State> FromJson(uint64_t revision, const std::string& text) {
  State s;
  s.revision = revision;
  if (text.empty()) return s;  // dropped
  try {
    Json j = Json::parse(text);
    s.exists = true;
    for (const auto& c : j.at("columns")) {
      s.columns.push_back(ColumnDef{c.at("name"), ColumnKindFromName(c.at("kind").get<std::string>()), c.at("header")});
    }
    for (const auto& g : j.at("segments")) {
      Segment seg;
      seg.id = g.at("id");
      auto filter = ParseFilter(g.at("filter").get<std::string>());
      if (!filter) return Fail(ErrorCode::kBadData, fmt::format("billpipe's state in _billpipe_state is damaged: {}",
                                                                filter.error().message));
      seg.key = SegmentKey{g.at("billing_period"), g.at("version_key"), g.at("window_start"), g.at("window_end"),
                           *filter};
      seg.line_items = g.at("line_items");
      seg.total = g.at("total");
      auto finality = ParseFinality(g.at("finality").get<std::string>());
      if (!finality) return Fail(ErrorCode::kBadData, fmt::format("billpipe's state in _billpipe_state is damaged: {}",
                                                                  finality.error().message));
      seg.finality = *finality;
      seg.loaded_at = g.at("loaded_at");
      s.segments.push_back(std::move(seg));
    }
    for (const auto& v : j.at("versions")) {
      s.versions.push_back(DatasetVersion{v.at("version"), v.at("created_at"), v.at("note"),
                                          v.at("segments").get<std::vector<int64_t>>()});
    }
    s.current = j.at("current");
    s.sharded = j.at("sharded");
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kBadData, fmt::format("billpipe's state in _billpipe_state is damaged: {}", e.what()));
  }
  return s;
}

Result<State> ReadStateFrom(ClickHouseServer& server, std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(auto out, server.Run(fmt::format(
      "SELECT revision, state FROM _billpipe_state WHERE dataset = {} ORDER BY revision DESC LIMIT 1",
      ChLiteral(dataset))));
  auto rows = ParseTsv(out);
  if (rows.empty()) return State{};
  if (rows[0].size() != 2) return Fail(ErrorCode::kBadData, "unexpected answer reading _billpipe_state");
  return FromJson(std::stoull(rows[0][0]), rows[0][1]);
}

// The segments of the versions kept; the others' rows can go.
std::set<int64_t> KeptSegments(const State& s) {
  std::set<int64_t> out;
  for (const auto& v : s.versions) out.insert(v.segments.begin(), v.segments.end());
  return out;
}

// The view's statement for a dataset: the current version's rows.
std::string ViewSelect(const ClickHouseSink::Place& place, std::string_view dataset, const std::vector<ColumnDef>& columns,
                       bool sharded) {
  std::string names = "billing_period, version_key";
  for (const auto& c : columns) names += ", " + ChIdent(c.name);
  return fmt::format("SELECT {} FROM {}.{} WHERE _segment {}IN (SELECT arrayJoin(argMax(segments, revision)) FROM "
                     "{}._billpipe_state WHERE dataset = {})",
                     names, ChIdent(place.database), sharded ? All(dataset) : Local(dataset), sharded ? "GLOBAL " : "",
                     ChIdent(place.database), ChLiteral(dataset));
}

// "(201912,5)" → 5.
std::optional<int64_t> SegmentOfPartition(const std::string& partition) {
  auto comma = partition.rfind(',');
  if (comma == std::string::npos) return std::nullopt;
  try {
    return std::stoll(partition.substr(comma + 1));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

Result<ClickHouseSink::Place> ParseClickHouseDestination(const std::string& destination) {
  constexpr std::string_view kScheme = "clickhouse://";
  auto usage =
      "Use clickhouse://[user@]host[:port][/database][?cluster=NAME], e.g. clickhouse://127.0.0.1:8123/billing.";
  if (!std::string_view(destination).starts_with(kScheme)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a ClickHouse destination. {}", destination, usage));
  }
  std::string rest = destination.substr(kScheme.size());
  ClickHouseSink::Place place;
  auto q = rest.find('?');
  std::string query = q == std::string::npos ? "" : rest.substr(q + 1);
  rest = rest.substr(0, q);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos && slash + 1 < rest.size()) place.database = rest.substr(slash + 1);
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    std::string user = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (user.find(':') != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The ClickHouse destination contains a password. Passwords do not go on the command line: put it "
                  "in CLICKHOUSE_PASSWORD, or store it in the catalog (billpipe dataset create ... "
                  "--to-password-stdin), and leave it out of the destination.");
    }
    bool plain_user = !user.empty() && std::all_of(user.begin(), user.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!plain_user) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The ClickHouse user '{}' has characters other than letters, digits, '_', '-' and '.'. "
                              "{}", user, usage));
    }
    place.user = user;
  }
  auto colon = authority.rfind(':');
  place.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      place.port = std::stoi(authority.substr(colon + 1), &used);
      if (used != authority.size() - colon - 1 || place.port <= 0 || place.port > 65535) throw std::out_of_range("");
    } catch (...) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The port in '{}' is not a number from 1 to 65535. {}", destination, usage));
    }
  }
  if (place.host.empty()) return Fail(ErrorCode::kInvalidArgument, fmt::format("'{}' has no host. {}", destination, usage));
  auto plain = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  };
  if (!plain(place.database)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The database '{}' has characters other than letters, digits and '_'. {}", place.database, usage));
  }
  size_t start = 0;
  while (start < query.size()) {
    auto amp = query.find('&', start);
    std::string param = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? query.size() : amp + 1;
    if (param.starts_with("cluster=")) {
      place.cluster = param.substr(8);
      if (!plain(place.cluster)) {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("The cluster name '{}' is not valid. {}", place.cluster, usage));
      }
    } else if (!param.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Unknown parameter '{}' in the ClickHouse destination (known: cluster). {}",
                              param.substr(0, param.find('=')), usage));
    }
  }
  return place;
}

namespace {

using Place = ClickHouseSink::Place;

std::string DescribePlace(const Place& place) {
  return fmt::format("clickhouse://{}{}:{}/{}{}", place.user.empty() ? "" : place.user + "@", place.host, place.port,
                     place.database, place.cluster.empty() ? "" : "?cluster=" + place.cluster);
}

// A run's writes. Rows go into the segment's partitions as they come, invisible: the view shows only the
// segments _billpipe_state names. Commit inserts the new state row on every server, which is the switch.
class ClickHouseTransaction final : public LoadTransaction {
 public:
  ClickHouseTransaction(const Place& place, ClickHouseServer& coordinator,
                        std::vector<std::unique_ptr<ClickHouseServer>>& shards, const std::vector<uint32_t>& weights,
                        std::string dataset, ColumnRoles roles, std::string now)
      : place_(place), coordinator_(coordinator), shards_(shards), slots_(weights), dataset_(std::move(dataset)),
        roles_(std::move(roles)), now_(std::move(now)), blocks_(shards.size()), streams_(shards.size()) {}

  ~ClickHouseTransaction() override {
    streams_.clear();  // unfinished INSERTs are cut off (the servers fail them) before their partitions go
    if (done_) return;
    // Best effort: what this run wrote goes; what a lost server keeps, the next run drops.
    for (const auto& [id, seg] : segments_) (void)DropSegment(id, seg.key.billing_period);
  }

  Status Start() {
    BP_RETURN_IF_ERROR(CheckNameIsFree());
    BP_ASSIGN_OR_RETURN(state_, ReadStateFrom(coordinator_, dataset_));
    for (const auto& c : state_.columns) kinds_[c.name] = c.kind;
    known_columns_ = state_.columns.size();
    columns_ = state_.columns;
    tables_exist_ = state_.exists;
    // Partitions of segments no kept version uses: a failed or killed run's. Dropped before this run
    // writes, so that ids never meet old rows.
    next_id_ = 1;
    for (const auto& s : state_.segments) next_id_ = std::max(next_id_, s.id + 1);
    auto kept = KeptSegments(state_);
    for (auto& shard : shards_) {
      BP_RETURN_IF_ERROR(shard->Run(fmt::format("DROP TABLE IF EXISTS {}", ChIdent(dataset_ + "__next"))));
      BP_ASSIGN_OR_RETURN(auto out, shard->Run(fmt::format(
          "SELECT DISTINCT partition FROM system.parts WHERE database = {} AND table = {} AND active",
          ChLiteral(place_.database), ChLiteral(LocalName(dataset_)))));
      for (const auto& row : ParseTsv(out)) {
        auto seg = SegmentOfPartition(row.at(0));
        if (!seg) continue;
        next_id_ = std::max(next_id_, *seg + 1);
        if (kept.count(*seg)) continue;
        BP_RETURN_IF_ERROR(shard->Run(fmt::format("ALTER TABLE {} DROP PARTITION {}", Local(dataset_), row.at(0))));
      }
    }
    return Ok();
  }

  // Names that differ only in case are one dataset name (sink.h), as in the other sinks and the catalog,
  // though ClickHouse itself tells them apart: a run refuses a name whose case-folded form another dataset
  // of the database has (one whose newest state row is not a drop).
  Status CheckNameIsFree() {
    BP_ASSIGN_OR_RETURN(auto out, coordinator_.Run(fmt::format(
        "SELECT dataset FROM _billpipe_state WHERE lower(dataset) = {} AND dataset != {} GROUP BY dataset "
        "HAVING argMax(state, revision) != '' ORDER BY dataset LIMIT 1",
        ChLiteral(FoldDatasetName(dataset_)), ChLiteral(dataset_))));
    auto rows = ParseTsv(out);
    if (rows.empty() || rows[0].empty()) return Ok();
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Dataset '{}' cannot be written to {}: it holds dataset '{}', and names that differ only "
                            "in case are one name. Use that name, or another one.",
                            dataset_, DescribePlace(place_), rows[0][0]));
  }

  Status EnsureColumns(const std::vector<ColumnDef>& columns) override {
    for (const auto& c : columns) {
      if (kinds_.count(c.name)) continue;
      if (c.name == "billing_period" || c.name == "version_key" || c.name == "_segment") {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("column name '{}' is reserved by billpipe", c.name));
      }
      columns_.push_back(c);
      kinds_[c.name] = c.kind;
    }
    return Ok();
  }

  Result<int64_t> BeginSegment(const SegmentKey& key) override {
    BP_RETURN_IF_ERROR(EnsureTables());
    int64_t id = next_id_++;
    segments_[id].key = key;
    return id;
  }

  Status Insert(int64_t segment, std::span<const std::string> column_names, const RowBatch& batch) override {
    BP_ASSIGN_OR_RETURN(SegmentWriter * seg, Find(segment));
    if (column_names.size() != batch.columns()) {
      return Fail(ErrorCode::kInternal, fmt::format("{} column names for a batch of {} columns",
                                                    column_names.size(), batch.columns()));
    }
    if (batch.rows() == 0) return Ok();
    BP_RETURN_IF_ERROR(EnsureTables());
    if (!std::equal(column_names.begin(), column_names.end(), stream_names_.begin(), stream_names_.end())) {
      // Other columns: the INSERTs so far end (their rows are in), new ones name these columns.
      BP_RETURN_IF_ERROR(FinishStreams(segment));
      for (const auto& n : column_names) {
        if (!kinds_.count(n)) return Fail(ErrorCode::kInternal, fmt::format("column {} is not in dataset {}", n, dataset_));
      }
      stream_names_.assign(column_names.begin(), column_names.end());
      stream_kinds_.clear();
      for (const auto& n : stream_names_) stream_kinds_.push_back(kinds_.at(n));
      for (auto& block : blocks_) block.Reset(stream_names_, stream_kinds_);
      key_index_ = -1;
      for (size_t c = 0; c < stream_names_.size(); ++c) {
        if (routing_ == Routing::kHash && stream_names_[c] == key_column_) key_index_ = static_cast<int>(c);
      }
    }
    const auto period = Date::Parse(seg->key.billing_period);
    if (!period) return Fail(ErrorCode::kInternal, fmt::format("billing period '{}' is not a date", seg->key.billing_period));
    const auto days = static_cast<uint16_t>(period->Days());
    for (size_t r = 0; r < batch.rows(); ++r) {
      batch.NonNull(r, cells_);
      NativeBlock& block = blocks_[ShardOfRow()];
      block.StartRow(days, seg->key.version_key, static_cast<uint64_t>(segment));
      for (const auto& [c, v] : cells_) {
        if (v.kind != Cell::Kind::kNull) BP_RETURN_IF_ERROR(SetCell(block, c, v));
      }
      block.EndRow();
    }
    seg->rows += static_cast<int64_t>(batch.rows());
    for (size_t shard = 0; shard < blocks_.size(); ++shard) {
      if (blocks_[shard].rows() >= kBlockRows || blocks_[shard].bytes() >= kBlockBytes) {
        BP_RETURN_IF_ERROR(Send(shard, segment));
      }
    }
    return Ok();
  }

  Status FinishSegment(int64_t segment, const SegmentTotals& totals) override {
    BP_ASSIGN_OR_RETURN(SegmentWriter * seg, Find(segment));
    BP_RETURN_IF_ERROR(FinishStreams(segment));
    seg->finished = totals;
    return Ok();
  }

  // Prepares the new state and the view; nothing a reader sees changes until Commit.
  Result<int64_t> Publish(const std::vector<int64_t>& segments, std::string_view note, int retention) override {
    BP_RETURN_IF_ERROR(FinishStreams(segments_.empty() ? 0 : segments_.rbegin()->first));
    BP_RETURN_IF_ERROR(EnsureTables());
    State next = state_;
    next.exists = true;
    next.columns = columns_;
    for (const auto& [id, seg] : segments_) {
      Segment s;
      s.id = id;
      s.key = seg.key;
      // An unfinished segment is in no version (a run publishes only finished ones); it is kept in the
      // state only until garbage collection drops it below.
      SegmentTotals totals = seg.finished.value_or(SegmentTotals{});
      s.line_items = totals.line_items;
      s.total = totals.total;
      s.finality = totals.finality;
      s.loaded_at = now_;
      next.segments.push_back(std::move(s));
    }
    int64_t version = 1;
    for (const auto& v : next.versions) version = std::max(version, v.version + 1);
    next.versions.push_back(DatasetVersion{version, now_, std::string(note), segments});
    std::sort(next.versions.back().segments.begin(), next.versions.back().segments.end());
    next.current = version;
    // Versions beyond the retention, and the segments no remaining version uses, go.
    int64_t oldest_kept = version - 1 - std::max(retention, 0);
    std::erase_if(next.versions, [&](const DatasetVersion& v) { return v.version <= oldest_kept; });
    auto kept = KeptSegments(next);
    for (const auto& s : next.segments) {
      if (!kept.count(s.id)) dropped_.emplace_back(s.id, s.key.billing_period);
    }
    std::erase_if(next.segments, [&](const Segment& s) { return !kept.count(s.id); });
    // The view names the columns; new ones need a new view. It reads the state, so it shows the old
    // version until Commit.
    if (columns_.size() != state_.columns.size() || !state_.exists) {
      for (auto& shard : shards_) {
        std::string select = ViewSelect(place_, dataset_, columns_, next.sharded);
        BP_RETURN_IF_ERROR(shard->Run(fmt::format("DROP TABLE IF EXISTS {}", ChIdent(dataset_ + "__next"))));
        BP_RETURN_IF_ERROR(shard->Run(fmt::format("CREATE VIEW {} AS {}", ChIdent(dataset_ + "__next"), select)));
        BP_ASSIGN_OR_RETURN(auto exists, shard->Run(fmt::format("EXISTS TABLE {}", ChIdent(dataset_))));
        if (exists.starts_with("1")) {
          // One RENAME statement renames under ClickHouse's global lock: queries find one view or the other.
          BP_RETURN_IF_ERROR(shard->Run(fmt::format("RENAME TABLE {0} TO {1}, {2} TO {0}", ChIdent(dataset_),
                                                    ChIdent(dataset_ + "__prev"), ChIdent(dataset_ + "__next"))));
          BP_RETURN_IF_ERROR(shard->Run(fmt::format("DROP TABLE {}", ChIdent(dataset_ + "__prev"))));
        } else {
          BP_RETURN_IF_ERROR(shard->Run(fmt::format("RENAME TABLE {} TO {}", ChIdent(dataset_ + "__next"),
                                                    ChIdent(dataset_))));
        }
      }
    }
    next_state_ = std::move(next);
    published_ = true;
    return version;
  }

  // The switch: one row in _billpipe_state on every server, the coordinator first (runs read it there).
  Status Commit() override {
    if (!published_) return Fail(ErrorCode::kInternal, "commit without publish");
    BP_ASSIGN_OR_RETURN(State latest, ReadStateFrom(coordinator_, dataset_));
    if (latest.revision != state_.revision) {
      return Fail(ErrorCode::kConflict,
                  fmt::format("Dataset '{}' was changed by another run during this one (ClickHouse has no locks: "
                              "run a dataset from one place). Run again.", dataset_));
    }
    next_state_.revision = state_.revision + 1;
    std::string ids = "[";
    for (int64_t s : next_state_.CurrentSegments()) ids += (ids.size() > 1 ? "," : "") + std::to_string(s);
    ids += "]";
    std::string row;
    AppendTsvText(row, dataset_);
    row += fmt::format("\t{}\t{}\t", next_state_.revision, ids);
    AppendTsvText(row, ToJson(next_state_));
    row += '\n';
    BP_RETURN_IF_ERROR(coordinator_.Insert("INSERT INTO _billpipe_state FORMAT TabSeparated", row));
    for (auto& shard : shards_) {
      if (shard->base_url() == coordinator_.base_url()) continue;
      BP_RETURN_IF_ERROR(shard->Insert("INSERT INTO _billpipe_state FORMAT TabSeparated", row));
    }
    done_ = true;
    // Old versions' rows: a failure here leaves them to the next run.
    for (const auto& [id, period] : dropped_) (void)DropSegment(id, period);
    return Ok();
  }

 private:
  struct SegmentWriter {
    SegmentKey key;
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

  // How rows find their shard: the one the Distributed table's sharding key gives (ClickHouse's own
  // sipHash64 of the key column, recomputed here), in turn when it shards at random, or through the
  // Distributed table when its key is not one billpipe knows (a table changed by hand).
  enum class Routing : uint8_t { kOneServer, kHash, kInTurn, kDistributed };

  // A cell as its column's type in the tables holds it.
  Status SetCell(NativeBlock& block, uint32_t c, const Cell& v) {
    switch (stream_kinds_[c]) {
      case ColumnKind::kDecimal:
        if (v.kind == Cell::Kind::kDecimal || v.kind == Cell::Kind::kText) return block.SetDecimal(c, v.text, stream_names_[c]);
        break;
      case ColumnKind::kTimestamp:
        if (v.kind == Cell::Kind::kTimestamp) return block.SetTimestamp(c, v.millis, stream_names_[c]);
        break;
      case ColumnKind::kText:
        if (v.kind == Cell::Kind::kTimestamp) {
          char stamp[kTimestampTextMax];
          block.SetText(c, std::string_view(stamp, FormatTimestampTo(v.millis, stamp)));
        } else {
          block.SetText(c, v.text);
        }
        return Ok();
    }
    return Fail(ErrorCode::kBadData,
                fmt::format("The value '{}' of column {} cannot be stored in dataset '{}', where that column holds {}.",
                            v.kind == Cell::Kind::kTimestamp ? std::to_string(v.millis) : std::string(v.text.substr(0, 60)),
                            stream_names_[c], dataset_, ChType(stream_kinds_[c])));
  }

  size_t ShardOfRow() {
    switch (routing_) {
      case Routing::kOneServer:
      case Routing::kDistributed: return 0;
      case Routing::kInTurn: return in_turn_++ % shards_.size();
      case Routing::kHash: {
        std::string_view key;  // NULL hashes as '' (ifNull)
        if (key_index_ >= 0) {
          auto at = std::lower_bound(cells_.begin(), cells_.end(), static_cast<uint32_t>(key_index_),
                                     [](const auto& cell, uint32_t c) { return cell.first < c; });
          if (at != cells_.end() && at->first == static_cast<uint32_t>(key_index_)) key = at->second.text;
        }
        return slots_.ShardOf(SipHash64(key));
      }
    }
    return 0;
  }

  // Hands a shard's gathered rows to its INSERT, started on first use.
  Status Send(size_t shard, int64_t segment) {
    if (blocks_[shard].rows() == 0) return Ok();
    if (!streams_[shard]) {
      std::string columns = "billing_period, version_key, _segment";
      for (const auto& n : stream_names_) columns += ", " + ChIdent(n);
      if (routing_ == Routing::kDistributed) {
        streams_[shard] = coordinator_.StartInsert(
            fmt::format("INSERT INTO {} ({}) FORMAT Native", All(dataset_), columns), {"insert_distributed_sync=1"});
      } else {
        streams_[shard] = shards_[shard]->StartInsert(
            fmt::format("INSERT INTO {} ({}) FORMAT Native", Local(dataset_), columns));
      }
    }
    std::string data;
    blocks_[shard].AppendTo(data);
    Status st = streams_[shard]->Write(std::move(data));
    if (!st) return Fail(std::move(st.error()).Context(fmt::format("loading segment {} of dataset '{}'", segment, dataset_)));
    return Ok();
  }

  // Sends what is gathered and ends every shard's INSERT: once it returns, the shards have the rows. The
  // shards receive at once; the first failure is the answer.
  Status FinishStreams(int64_t segment) {
    Status out = Ok();
    for (size_t shard = 0; shard < blocks_.size(); ++shard) {
      Status st = Send(shard, segment);
      if (!st && out) out = std::move(st);
    }
    for (auto& stream : streams_) {
      if (!stream) continue;
      Status st = out ? stream->Finish() : Ok();
      if (!st && out) {
        out = Fail(std::move(st.error()).Context(fmt::format("loading segment {} of dataset '{}'", segment, dataset_)));
      }
      stream.reset();
    }
    for (auto& block : blocks_) block.Reset({}, {});
    stream_names_.clear();
    return out;
  }

  // How the Distributed table places rows (it may be older than this run, or left by a failed first one).
  Status FindRouting() {
    if (!state_.sharded) {
      routing_ = Routing::kOneServer;
      return Ok();
    }
    BP_ASSIGN_OR_RETURN(auto out, coordinator_.Run(fmt::format(
        "SELECT engine_full FROM system.tables WHERE database = {} AND name = {}", ChLiteral(place_.database),
        ChLiteral(dataset_ + "__all"))));
    auto rows = ParseTsv(out);
    std::string engine = rows.empty() || rows[0].empty() ? "" : rows[0][0];
    key_column_ = SipHashKeyColumn(engine);
    auto kind = kinds_.find(key_column_);
    if (!key_column_.empty() && kind != kinds_.end() && kind->second == ColumnKind::kText) {
      routing_ = Routing::kHash;
    } else if (engine.ends_with(", rand())")) {
      routing_ = Routing::kInTurn;
    } else {
      routing_ = Routing::kDistributed;
    }
    return Ok();
  }

  // Creates the dataset's tables on every shard, or adds the columns this run brought; then knows where rows go.
  Status EnsureTables() {
    BP_RETURN_IF_ERROR(EnsureTablesAndColumns());
    if (!routing_known_) {
      BP_RETURN_IF_ERROR(FindRouting());
      routing_known_ = true;
    }
    return Ok();
  }

  Status EnsureTablesAndColumns() {
    if (known_columns_ == columns_.size() && tables_exist_) return Ok();
    // An ALTER waits for the INSERTs into its table to end: they end first.
    BP_RETURN_IF_ERROR(FinishStreams(segments_.empty() ? 0 : segments_.rbegin()->first));
    std::vector<ColumnDef> added(columns_.begin() + static_cast<std::ptrdiff_t>(known_columns_), columns_.end());
    if (!tables_exist_) {
      state_.sharded = !place_.cluster.empty();
      std::string defs = "billing_period Date, version_key String, _segment UInt64";
      bool has_key_column = false;
      for (const auto& c : columns_) {
        defs += fmt::format(", {} {}", ChIdent(c.name), ChType(c.kind));
        if (!roles_.key_column.empty() && c.name == roles_.key_column) has_key_column = true;
      }
      // Rows spread over the shards by a hash of the column that identifies a row (ColumnRoles::key_column),
      // so a row always lands on the same shard; at random when the report has no such column.
      std::string key = has_key_column ? fmt::format("sipHash64(ifNull({}, ''))", ChIdent(roles_.key_column))
                                       : std::string("rand()");
      for (auto& shard : shards_) {
        BP_RETURN_IF_ERROR(shard->Run(fmt::format(
            "CREATE TABLE IF NOT EXISTS {} ({}) ENGINE = MergeTree PARTITION BY (toYYYYMM(billing_period), _segment) "
            "ORDER BY _segment", Local(dataset_), defs)));
        if (state_.sharded) {
          BP_RETURN_IF_ERROR(shard->Run(fmt::format(
              "CREATE TABLE IF NOT EXISTS {} AS {} ENGINE = Distributed({}, {}, {}, {})", All(dataset_),
              Local(dataset_), ChIdent(place_.cluster), ChIdent(place_.database), ChIdent(LocalName(dataset_)), key)));
        }
      }
      tables_exist_ = true;
      known_columns_ = columns_.size();
      // The bookkeeping records them at Publish; a table left by a failed first run is reused (IF NOT EXISTS)
      // and gets the columns it lacks below.
      added = columns_;
    }
    for (auto& shard : shards_) {
      for (const std::string& table : {Local(dataset_), All(dataset_)}) {
        if (table == All(dataset_) && !state_.sharded) continue;
        BP_ASSIGN_OR_RETURN(auto have_out, shard->Run(fmt::format(
            "SELECT name FROM system.columns WHERE database = {} AND table = {}", ChLiteral(place_.database),
            ChLiteral(table.substr(1, table.size() - 2)))));
        std::set<std::string> have;
        for (const auto& row : ParseTsv(have_out)) have.insert(row.at(0));
        std::string alter;
        for (const auto& c : added) {
          if (have.count(c.name)) continue;
          alter += fmt::format("{}ADD COLUMN {} {}", alter.empty() ? "" : ", ", ChIdent(c.name), ChType(c.kind));
        }
        if (!alter.empty()) BP_RETURN_IF_ERROR(shard->Run(fmt::format("ALTER TABLE {} {}", table, alter)));
      }
    }
    known_columns_ = columns_.size();
    return Ok();
  }

  Status DropSegment(int64_t id, const std::string& period) {
    std::string yyyymm = period.substr(0, 4) + period.substr(5, 2);
    Status out = Ok();
    for (auto& shard : shards_) {
      auto st = shard->Run(fmt::format("ALTER TABLE {} DROP PARTITION ({}, {})", Local(dataset_), yyyymm, id));
      if (!st && out) out = Fail(std::move(st.error()));
    }
    return out;
  }

  const Place& place_;
  ClickHouseServer& coordinator_;
  std::vector<std::unique_ptr<ClickHouseServer>>& shards_;
  ShardSlots slots_;
  std::string dataset_;
  ColumnRoles roles_;  // key_column: the shard hash of a new dataset's tables
  std::string now_;
  State state_;       // as read at the start
  State next_state_;  // made by Publish
  std::vector<ColumnDef> columns_;
  size_t known_columns_ = 0;  // how many of columns_ the tables have
  bool tables_exist_ = false;
  std::unordered_map<std::string, ColumnKind> kinds_;
  std::map<int64_t, SegmentWriter> segments_;
  std::vector<std::pair<int64_t, std::string>> dropped_;  // segments to drop after the switch
  std::vector<std::pair<uint32_t, Cell>> cells_;  // one row's non-null cells
  std::vector<NativeBlock> blocks_;                                  // per shard: rows not handed over yet
  std::vector<std::unique_ptr<ClickHouseInsertStream>> streams_;     // per shard: its INSERT, when started
  std::vector<std::string> stream_names_;  // the batch columns the INSERTs name
  std::vector<ColumnKind> stream_kinds_;   // and their types in the tables
  bool routing_known_ = false;
  Routing routing_ = Routing::kOneServer;
  std::string key_column_;  // kHash: the column whose sipHash64 places a row
  int key_index_ = -1;      // its index in stream_names_ (-1: not there, every row hashes '')
  size_t in_turn_ = 0;
  int64_t next_id_ = 1;
  bool published_ = false;
  bool done_ = false;
};

}  // namespace

ClickHouseSink::ClickHouseSink(Place place, std::unique_ptr<ClickHouseServer> coordinator,
                               std::vector<std::unique_ptr<ClickHouseServer>> shards, std::vector<uint32_t> weights,
                               Clock& clock)
    : place_(std::move(place)), coordinator_(std::move(coordinator)), shards_(std::move(shards)),
      weights_(std::move(weights)), clock_(clock) {}
ClickHouseSink::~ClickHouseSink() = default;

Result<std::unique_ptr<ClickHouseSink>> ClickHouseSink::Open(const std::string& destination, Clock& clock,
                                                             const std::string& password) {
  BP_ASSIGN_OR_RETURN(Place place, ParseClickHouseDestination(destination));
  std::string base = fmt::format("http://{}:{}", place.host, place.port);
  ClickHouseLogin login{place.user, password};
  if (login.password.empty()) {
    if (const char* env = std::getenv(kClickHousePasswordEnv)) login.password = env;
  }
  BP_ASSIGN_OR_RETURN(auto coordinator, ClickHouseServer::Make(base, "default", login));
  BP_RETURN_IF_ERROR(coordinator->Run(fmt::format("CREATE DATABASE IF NOT EXISTS {}", ChIdent(place.database))));
  std::vector<std::unique_ptr<ClickHouseServer>> shards;
  std::vector<uint32_t> weights;  // per shard, as system.clusters says: how the Distributed table spreads rows
  if (place.cluster.empty()) {
    BP_ASSIGN_OR_RETURN(auto one, ClickHouseServer::Make(base, place.database, login));
    shards.push_back(std::move(one));
  } else {
    BP_ASSIGN_OR_RETURN(auto out, coordinator->Run(fmt::format(
        "SELECT shard_num, replica_num, host_address, shard_weight FROM system.clusters WHERE cluster = {} ORDER BY "
        "shard_num, replica_num", ChLiteral(place.cluster))));
    auto rows = ParseTsv(out);
    if (rows.empty()) {
      BP_ASSIGN_OR_RETURN(auto names, coordinator->Run("SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster"));
      std::string known;
      for (const auto& r : ParseTsv(names)) known += (known.empty() ? "" : ", ") + r.at(0);
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("ClickHouse at {} has no cluster '{}' in system.clusters. Clusters there: {}.", base,
                              place.cluster, known.empty() ? "none" : known));
    }
    for (const auto& r : rows) {
      if (r.at(1) != "1") {
        return Fail(ErrorCode::kUnsupported,
                    fmt::format("Cluster '{}' has more than one replica in shard {}; billpipe writes to clusters with "
                                "one server per shard.", place.cluster, r.at(0)));
      }
      // IPv6 addresses need brackets in a URL.
      std::string host = r.at(2).find(':') != std::string::npos ? "[" + r.at(2) + "]" : r.at(2);
      std::string shard_url = fmt::format("http://{}:{}", host, place.port);
      BP_ASSIGN_OR_RETURN(auto bare, ClickHouseServer::Make(shard_url, "default", login));
      BP_RETURN_IF_ERROR(bare->Run(fmt::format("CREATE DATABASE IF NOT EXISTS {}", ChIdent(place.database))));
      BP_ASSIGN_OR_RETURN(auto shard, ClickHouseServer::Make(shard_url, place.database, login));
      shards.push_back(std::move(shard));
      weights.push_back(static_cast<uint32_t>(std::stoul(r.at(3))));
    }
  }
  BP_ASSIGN_OR_RETURN(coordinator, ClickHouseServer::Make(base, place.database, login));
  constexpr const char* kStateTable =
      "CREATE TABLE IF NOT EXISTS _billpipe_state (dataset String, revision UInt64, segments Array(UInt64), "
      "state String) ENGINE = MergeTree ORDER BY (dataset, revision)";
  BP_RETURN_IF_ERROR(coordinator->Run(kStateTable));
  for (auto& shard : shards) BP_RETURN_IF_ERROR(shard->Run(kStateTable));
  return std::unique_ptr<ClickHouseSink>(new ClickHouseSink(std::move(place), std::move(coordinator),
                                                            std::move(shards), std::move(weights), clock));
}

std::string ClickHouseSink::Describe() const { return DescribePlace(place_); }

std::vector<std::string> ClickHouseSink::ShardUrls() const {
  std::vector<std::string> out;
  for (const auto& s : shards_) out.push_back(s->base_url());
  return out;
}

Result<DatasetState> ClickHouseSink::ReadState(std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(State s, ReadStateFrom(*coordinator_, dataset));
  DatasetState out;
  out.exists = s.exists;
  if (!s.exists) return out;
  out.columns = s.columns;
  if (const DatasetVersion* v = s.FindVersion(s.current)) {
    out.current = *v;
    for (int64_t id : v->segments) {
      if (const Segment* seg = s.FindSegment(id)) out.current_segments.push_back(*seg);
    }
    std::sort(out.current_segments.begin(), out.current_segments.end(), [](const Segment& a, const Segment& b) {
      return std::tie(a.key.billing_period, a.id) < std::tie(b.key.billing_period, b.id);
    });
  }
  return out;
}

Result<std::unique_ptr<LoadTransaction>> ClickHouseSink::Begin(std::string_view dataset, const ColumnRoles& roles) {
  auto txn = std::make_unique<ClickHouseTransaction>(place_, *coordinator_, shards_, weights_, std::string(dataset), roles,
                                                     FormatTimestamp(clock_.Now()));
  BP_RETURN_IF_ERROR(txn->Start());
  return std::unique_ptr<LoadTransaction>(std::move(txn));
}

Result<std::vector<DatasetVersion>> ClickHouseSink::ListVersions(std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(State s, ReadStateFrom(*coordinator_, dataset));
  return s.versions;
}

Result<int64_t> ClickHouseSink::Restore(std::string_view dataset, int64_t version) {
  BP_ASSIGN_OR_RETURN(State s, ReadStateFrom(*coordinator_, dataset));
  std::string kept;
  for (const auto& v : s.versions) {
    if (v.version != s.current) kept += (kept.empty() ? "" : ", ") + std::to_string(v.version);
  }
  if (s.exists && s.current == version) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Version {} of dataset '{}' is already the current one.", version, dataset));
  }
  const DatasetVersion* target = s.FindVersion(version);
  if (!target) {
    return Fail(ErrorCode::kNotFound, fmt::format("Dataset '{}' has no kept version {}. Versions that can be restored: {}.",
                                                  dataset, version, kept.empty() ? "none" : kept));
  }
  int64_t next = 1;
  for (const auto& v : s.versions) next = std::max(next, v.version + 1);
  s.versions.push_back(DatasetVersion{next, FormatTimestamp(clock_.Now()), fmt::format("restore of version {}", version),
                                      target->segments});
  s.current = next;
  s.revision += 1;
  std::string ids = "[";
  for (int64_t id : s.CurrentSegments()) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
  ids += "]";
  std::string row;
  AppendTsvText(row, dataset);
  row += fmt::format("\t{}\t{}\t", s.revision, ids);
  AppendTsvText(row, ToJson(s));
  row += '\n';
  BP_RETURN_IF_ERROR(coordinator_->Insert("INSERT INTO _billpipe_state FORMAT TabSeparated", row));
  for (auto& shard : shards_) {
    if (shard->base_url() == coordinator_->base_url()) continue;
    BP_RETURN_IF_ERROR(shard->Insert("INSERT INTO _billpipe_state FORMAT TabSeparated", row));
  }
  return next;
}

Result<Sink::StoredTotals> ClickHouseSink::CountSegment(std::string_view dataset, const Segment& segment,
                                                       std::string_view total_column) {
  BP_ASSIGN_OR_RETURN(State s, ReadStateFrom(*coordinator_, dataset));
  if (!s.exists) return StoredTotals{};
  bool has_total = false;
  for (const auto& c : s.columns) has_total = has_total || (!total_column.empty() && c.name == total_column);
  BP_ASSIGN_OR_RETURN(auto out, coordinator_->Run(fmt::format(
      "SELECT count(), {} FROM {} WHERE _segment = {}",
      has_total ? fmt::format("toString(sum(ifNull({}, toDecimal128(0, 10))))", ChIdent(total_column))
                : std::string("'0'"),
      s.sharded ? All(dataset) : Local(dataset), segment.id)));
  auto rows = ParseTsv(out);
  if (rows.empty() || rows[0].size() != 2) return Fail(ErrorCode::kBadData, "unexpected answer counting a segment");
  return StoredTotals{std::stoll(rows[0][0]), std::strtod(rows[0][1].c_str(), nullptr)};
}

Result<bool> ClickHouseSink::DropDataset(std::string_view dataset) {
  BP_ASSIGN_OR_RETURN(State s, ReadStateFrom(*coordinator_, dataset));
  if (!s.exists) return false;
  std::string row;
  AppendTsvText(row, dataset);
  row += fmt::format("\t{}\t[]\t\n", s.revision + 1);  // an empty state: dropped
  BP_RETURN_IF_ERROR(coordinator_->Insert("INSERT INTO _billpipe_state FORMAT TabSeparated", row));
  for (auto& shard : shards_) {
    if (shard->base_url() != coordinator_->base_url()) {
      BP_RETURN_IF_ERROR(shard->Insert("INSERT INTO _billpipe_state FORMAT TabSeparated", row));
    }
    for (const auto& suffix : {"", "__all", "__local", "__next"}) {
      BP_RETURN_IF_ERROR(shard->Run(fmt::format("DROP TABLE IF EXISTS {}", ChIdent(std::string(dataset) + suffix))));
    }
  }
  return true;
}

}  // namespace billpipe::sink
