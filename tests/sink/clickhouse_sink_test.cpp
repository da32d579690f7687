// The ClickHouse sink against the two-shard cluster of scripts/test (testing/clickhouse.sh): layout on
// every shard, exact totals through the Distributed view, versions and restore, what a reader sees before
// Commit, a shard stopped mid-load.
#include "sink/clickhouse_sink.h"

#include <curl/curl.h>

#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sink/clickhouse_shard.h"
#include "sink/open_sink.h"
#include "clickhouse_query.h"
#include "test_support.h"

namespace billpipe::sink {
namespace {

using billpipe::testing::Ch;
using billpipe::testing::RunCommand;
using billpipe::testing::SourceDir;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

#define BP_REQUIRE_TEST_CLICKHOUSE()                                                                         \
  do {                                                                                                       \
    if (Env("BILLPIPE_TEST_CLICKHOUSE").empty()) {                                                           \
      if (Env("CI") == "true") FAIL() << "BILLPIPE_TEST_CLICKHOUSE is not set (CI=true): run scripts/test";  \
      GTEST_SKIP() << "BILLPIPE_TEST_CLICKHOUSE is not set: ClickHouse tests skipped (run scripts/test, or "  \
                      "source testing/clickhouse.sh; ch_start)";                                             \
    }                                                                                                        \
  } while (0)

class TestBatch final : public RowBatch {
 public:
  explicit TestBatch(std::vector<std::vector<Cell>> rows) : rows_(std::move(rows)) {}
  size_t rows() const override { return rows_.size(); }
  size_t columns() const override { return rows_.empty() ? 0 : rows_[0].size(); }
  Cell Get(size_t r, size_t c) const override { return rows_[r][c]; }

 private:
  std::vector<std::vector<Cell>> rows_;
};

Cell Text(std::string_view s) { return Cell{Cell::Kind::kText, s, 0}; }
Cell Dec(std::string_view s) { return Cell{Cell::Kind::kDecimal, s, 0}; }
Cell Ts(int64_t ms) { return Cell{Cell::Kind::kTimestamp, {}, ms}; }
Cell Null() { return Cell{}; }

const std::vector<ColumnDef> kColumns = {
    {"identity_line_item_id", ColumnKind::kText, "identity/LineItemId"},
    {"line_item_usage_start_date", ColumnKind::kTimestamp, "lineItem/UsageStartDate"},
    {"line_item_unblended_cost", ColumnKind::kDecimal, "lineItem/UnblendedCost"},
    {"line_item_product_code", ColumnKind::kText, "lineItem/ProductCode"},
};
const std::vector<std::string> kNames = {"identity_line_item_id", "line_item_usage_start_date",
                                         "line_item_unblended_cost", "line_item_product_code"};
const ColumnRoles kRoles = ColumnRoles{"line_item_usage_start_date", "line_item_unblended_cost", "identity_line_item_id"};

SegmentKey Key(std::string period, std::string version) { return SegmentKey{period, version, period, "2019-12-31", Filter::kAll}; }

// n rows with ids id0..id(n-1), each costing cost.
struct Rows {
  std::vector<std::string> ids;
  std::vector<std::vector<Cell>> cells;
  Rows(int n, std::string_view cost, std::string_view prefix = "id") {
    for (int i = 0; i < n; ++i) ids.push_back(fmt::format("{}{}", prefix, i));
    for (int i = 0; i < n; ++i) {
      cells.push_back({Text(ids[static_cast<size_t>(i)]), Ts(1575158400000 + i * 1000), Dec(cost), Text("AmazonEC2")});
    }
  }
  TestBatch Batch() const { return TestBatch(cells); }
};

class ClickHouseSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BP_REQUIRE_TEST_CLICKHOUSE();
    url_ = Env("BILLPIPE_TEST_CLICKHOUSE");
    port_ = url_.substr(url_.rfind(':') + 1);
    host_ = url_.substr(7, url_.rfind(':') - 7);
    shard2_ = Env("BILLPIPE_TEST_CLICKHOUSE_SHARD2");
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    db_ = "t_" + name.substr(0, 50);
    for (const auto& u : {url_, shard2_}) Ch(u, "DROP DATABASE IF EXISTS " + db_);
  }
  void TearDown() override {
    if (db_.empty()) return;
    for (const auto& u : {url_, shard2_}) Ch(u, "DROP DATABASE IF EXISTS " + db_);
  }
  std::string Destination() const {
    return fmt::format("clickhouse://{}:{}/{}?cluster={}", host_, port_, db_, Env("BILLPIPE_TEST_CLICKHOUSE_CLUSTER"));
  }
  std::unique_ptr<ClickHouseSink> Open() {
    auto sink = ClickHouseSink::Open(Destination(), clock_);
    EXPECT_TRUE(sink) << sink.error().message;
    return sink ? std::move(*sink) : nullptr;
  }
  std::string Read(const std::string& sql, bool on_shard2 = false) {
    return Ch(on_shard2 ? shard2_ : url_, sql + " FORMAT TabSeparated");
  }
  std::string InDb(const std::string& sql) { return fmt::format(fmt::runtime(sql), fmt::arg("db", db_)); }

  int64_t Load(Sink& sink, SegmentKey key, const TestBatch& batch, std::vector<int64_t> keep = {}, int retention = 1,
               const std::string& dataset = "cur") {
    auto txn = sink.Begin(dataset, kRoles);
    EXPECT_TRUE(txn) << txn.error().message;
    if (!txn) return 0;
    EXPECT_TRUE((*txn)->EnsureColumns(kColumns));
    auto seg = (*txn)->BeginSegment(key);
    EXPECT_TRUE(seg) << seg.error().message;
    auto ins = (*txn)->Insert(*seg, kNames, batch);
    EXPECT_TRUE(ins) << ins.error().message;
    EXPECT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{static_cast<int64_t>(batch.rows()), "1.5", Finality::kEstimated}));
    keep.push_back(*seg);
    auto published = (*txn)->Publish(keep, "replace run", retention);
    EXPECT_TRUE(published) << published.error().message;
    auto committed = (*txn)->Commit();
    EXPECT_TRUE(committed) << committed.error().message;
    return *seg;
  }

  FakeClock clock_{SysTime(std::chrono::milliseconds(1575158400000))};  // 2019-12-01T00:00:00Z
  std::string url_, port_, host_, shard2_, db_;
};

TEST_F(ClickHouseSinkTest, RowsAreSpreadOverTheShardsAndExactThroughTheView) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->ShardUrls(), (std::vector<std::string>{url_, shard2_}));
  EXPECT_EQ(sink->Describe(), Destination());
  TestBatch batch({{Text("a"), Ts(1575158400000), Dec("1.2500000001"), Text("AmazonEC2")},
                   {Text("b"), Ts(1575158400999), Dec("-0.2500000000"), Null()},
                   {Text("c"), Ts(1575158401000), Dec("0.00000000010000"), Text("tab\there\nline \\ back")},
                   {Text("d"), Null(), Null(), Text("")}});
  Load(*sink, Key("2019-12-01", "a1"), Rows(200, "0.0100000000").Batch());
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn) << txn.error().message;
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
  ASSERT_TRUE(seg);
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, batch));
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, Rows(200, "0.0100000000", "x").Batch()));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{204, "3.0000000002", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  // Published but not committed: every reader still sees version 1, on either server.
  EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur")), "200\t2.0000000000");
  EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur"), true), "200\t2.0000000000");
  ASSERT_TRUE((*txn)->Commit());
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost), uniqExact(version_key) FROM {db}.cur"), second),
              "204\t3.0000000002\t1");
  }
  // Each shard holds part of the rows; together, all of them.
  std::string one = Read(InDb("SELECT count() FROM {db}.cur__local WHERE _segment = ") + std::to_string(*seg));
  std::string two = Read(InDb("SELECT count() FROM {db}.cur__local WHERE _segment = ") + std::to_string(*seg), true);
  EXPECT_GT(std::stoi(one), 50);
  EXPECT_GT(std::stoi(two), 50);
  EXPECT_EQ(std::stoi(one) + std::stoi(two), 204);
  EXPECT_EQ(Read(InDb("SELECT toString(line_item_usage_start_date), ifNull(line_item_product_code, 'NULL') FROM "
                      "{db}.cur WHERE identity_line_item_id IN ('a', 'b', 'c', 'd') ORDER BY identity_line_item_id")),
            "2019-12-01 00:00:00\tAmazonEC2\n2019-12-01 00:00:00\tNULL\n2019-12-01 00:00:01\ttab\\there\\nline \\\\ "
            "back\n\\N\t");
  EXPECT_EQ(Read(InDb("SELECT name, type FROM system.columns WHERE database = '{db}' AND table = 'cur'")),
            "billing_period\tDate\nversion_key\tString\nidentity_line_item_id\tNullable(String)\n"
            "line_item_usage_start_date\tNullable(DateTime(\\'UTC\\'))\nline_item_unblended_cost\t"
            "Nullable(Decimal(38, 10))\nline_item_product_code\tNullable(String)");
  auto state = sink->ReadState("cur");
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->current_segments.size(), 1u);
  EXPECT_EQ(state->current_segments[0].key, Key("2019-12-01", "a2"));
  EXPECT_EQ(state->current_segments[0].line_items, 204);
  EXPECT_EQ(state->current_segments[0].total, "3.0000000002");
  auto totals = sink->CountSegment("cur", state->current_segments[0], "line_item_unblended_cost");
  ASSERT_TRUE(totals) << totals.error().message;
  EXPECT_EQ(totals->rows, 204);
  EXPECT_DOUBLE_EQ(totals->total, 3.0000000002);
}

TEST_F(ClickHouseSinkTest, AFailedRunLeavesNothingVisibleAndItsPartitionsGo) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Load(*sink, Key("2019-12-01", "a1"), Rows(10, "1.0000000000").Batch());
  {
    auto txn = sink->Begin("cur", kRoles);
    ASSERT_TRUE(txn);
    auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
    ASSERT_TRUE(seg);
    ASSERT_TRUE((*txn)->Insert(*seg, kNames, Rows(30, "5.0000000000").Batch()));
    ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{30, "150", Finality::kEstimated}));  // its rows are in the shards, unpublished
    EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur")), "10\t10.0000000000");
    EXPECT_EQ(Read(InDb("SELECT count() FROM {db}.cur__all")), "40");
  }  // destroyed without Commit
  EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur")), "10\t10.0000000000");
  EXPECT_EQ(Read(InDb("SELECT count() FROM {db}.cur__all")), "10");
}

TEST_F(ClickHouseSinkTest, ReplaceKeepsOnePreviousVersionWhichCanBeRestored) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Load(*sink, Key("2019-12-01", "a1"), Rows(5, "1.0000000000").Batch());
  Load(*sink, Key("2019-12-01", "a2"), Rows(5, "2.0000000000").Batch());
  Load(*sink, Key("2019-12-01", "a3"), Rows(5, "3.0000000000").Batch());
  EXPECT_EQ(Read(InDb("SELECT sum(line_item_unblended_cost) FROM {db}.cur")), "15.0000000000");
  // Version 1's rows are gone; 2 is kept.
  EXPECT_EQ(Read(InDb("SELECT arraySort(groupUniqArray(_segment)) FROM {db}.cur__all")), "[2,3]");
  auto versions = sink->ListVersions("cur");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  auto missing = sink->Restore("cur", 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Dataset 'cur' has no kept version 1. Versions that can be restored: 2.");
  auto restored = sink->Restore("cur", 2);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(*restored, 4);
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT sum(line_item_unblended_cost) FROM {db}.cur"), second), "10.0000000000");
  }
  auto again = sink->Restore("cur", 4);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "Version 4 of dataset 'cur' is already the current one.");
}

TEST_F(ClickHouseSinkTest, NewColumnsAreAddedOnEveryShardAndOldRowsReadNull) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  int64_t first = Load(*sink, Key("2019-11-01", "a1"), Rows(4, "1.0000000000").Batch());
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  std::vector<ColumnDef> more = kColumns;
  more.push_back({"resource_tags_user_team", ColumnKind::kText, "resourceTags/user:Team"});
  ASSERT_TRUE((*txn)->EnsureColumns(more));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "b1"));
  ASSERT_TRUE(seg);
  std::vector<std::string> names = {"identity_line_item_id", "resource_tags_user_team", "line_item_unblended_cost"};
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Text("z1"), Text("web"), Dec("2")}, {Text("z2"), Text(""), Dec("2")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{2, "4", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({first, *seg}, "partition run", 1));
  ASSERT_TRUE((*txn)->Commit());
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT billing_period, ifNull(resource_tags_user_team, 'NULL') AS team, count() FROM {db}.cur "
                        "GROUP BY billing_period, team ORDER BY billing_period, team"), second),
              "2019-11-01\tNULL\t4\n2019-12-01\t\t1\n2019-12-01\tweb\t1");
  }
}

TEST_F(ClickHouseSinkTest, TooManyDecimalPlacesFailTheRunClearly) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->EnsureColumns(kColumns));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a1"));
  ASSERT_TRUE(seg);
  auto r = (*txn)->Insert(*seg, kNames, TestBatch({{Text("a"), Null(), Dec("0.00000000001"), Null()}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadData);
  EXPECT_EQ(r.error().message, "The value '0.00000000001' of column line_item_unblended_cost has more than 10 decimal "
                               "places, which ClickHouse's Decimal(38, 10) cannot hold exactly.");
}

TEST_F(ClickHouseSinkTest, AShardStoppedMidLoadFailsTheRunAndTheNextRunFinishesTheJob) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Load(*sink, Key("2019-12-01", "a1"), Rows(100, "1.0000000000").Batch());
  auto shard = [&](const char* action) {
    auto r = RunCommand({"/bin/bash", "-c",
                         fmt::format("source '{}/testing/clickhouse.sh' && ch_{}_shard 2", SourceDir().string(), action)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  };
  {
    auto txn = sink->Begin("cur", kRoles);
    ASSERT_TRUE(txn);
    auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
    ASSERT_TRUE(seg);
    ASSERT_TRUE((*txn)->Insert(*seg, kNames, Rows(100, "2.0000000000").Batch()));
    ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{100, "200", Finality::kEstimated}));
    auto seg2 = (*txn)->BeginSegment(Key("2019-11-01", "b1"));
    ASSERT_TRUE(seg2);
    ASSERT_TRUE((*txn)->Insert(*seg2, kNames, Rows(100, "3.0000000000").Batch()));
    shard("stop");
    auto lost = (*txn)->FinishSegment(*seg2, SegmentTotals{100, "300", Finality::kEstimated});
    ASSERT_FALSE(lost);
    // The rows go to each shard directly: the stopped one is named.
    EXPECT_EQ(lost.error().message.rfind(fmt::format("loading segment {} of dataset 'cur': ClickHouse at {} did not "
                                                     "answer while an INSERT of rows: ", *seg2, shard2_), 0),
              0u)
        << lost.error().message;
    EXPECT_EQ(lost.error().code, ErrorCode::kRetryable);
  }
  shard("start");
  EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur")), "100\t100.0000000000");
  EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur"), true), "100\t100.0000000000");
  auto next = Open();
  ASSERT_TRUE(next);
  int64_t third = Load(*next, Key("2019-12-01", "a3"), Rows(100, "2.0000000000").Batch());
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT count(), sum(line_item_unblended_cost) FROM {db}.cur"), second), "100\t200.0000000000");
  }
  // The stopped run's partitions are gone from both shards; versions 1 and 2 (kept) remain.
  EXPECT_EQ(Read(InDb("SELECT arraySort(groupUniqArray(_segment)) FROM {db}.cur__all")), fmt::format("[1,{}]", third));
}

TEST_F(ClickHouseSinkTest, DropDatasetRemovesItsTablesOnEveryShardAndItsState) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Load(*sink, Key("2019-12-01", "a1"), Rows(3, "1.0000000000").Batch());
  Load(*sink, Key("2019-12-01", "o1"), Rows(3, "7.0000000000").Batch(), {}, 1, "other");
  auto dropped = sink->DropDataset("cur");
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_TRUE(*dropped);
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT count() FROM system.tables WHERE database = '{db}' AND name LIKE 'cur%'"), second), "0");
    EXPECT_EQ(Read(InDb("SELECT sum(line_item_unblended_cost) FROM {db}.other"), second), "21.0000000000");
  }
  auto state = sink->ReadState("cur");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->exists);
  auto again = sink->DropDataset("cur");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  Load(*sink, Key("2019-12-01", "a1"), Rows(2, "1.0000000000").Batch());  // and it can be loaded again
  EXPECT_EQ(Read(InDb("SELECT count() FROM {db}.cur")), "2");
}

TEST(ClickHouseDestinationTest, DestinationsAreParsedAndMistakesExplained) {
  auto p = ParseClickHouseDestination("clickhouse://ch.example.com:9123/billing?cluster=main");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->host, "ch.example.com");
  EXPECT_EQ(p->port, 9123);
  EXPECT_EQ(p->database, "billing");
  EXPECT_EQ(p->cluster, "main");
  auto d = ParseClickHouseDestination("clickhouse://ch");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 8123);
  EXPECT_EQ(d->database, "default");
  EXPECT_EQ(ParseClickHouseDestination("clickhouse://ch:80/x?shards=2").error().message,
            "Unknown parameter 'shards' in the ClickHouse destination (known: cluster). Use "
            "clickhouse://[user@]host[:port][/database][?cluster=NAME], e.g. clickhouse://127.0.0.1:8123/billing.");
  auto user = ParseClickHouseDestination("clickhouse://reporter@ch:80/x");
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->user, "reporter");
  EXPECT_EQ(user->host, "ch");
  EXPECT_EQ(ParseClickHouseDestination("clickhouse://reporter:hunter2@ch/x").error().message,
            "The ClickHouse destination contains a password. Passwords do not go on the command line: put it in "
            "CLICKHOUSE_PASSWORD, or store it in the catalog (billpipe dataset create ... --to-password-stdin), and "
            "leave it out of the destination.");
  EXPECT_EQ(ParseClickHouseDestination("clickhouse://ch:http/x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseClickHouseDestination("clickhouse://ch/my-db").error().code, ErrorCode::kInvalidArgument);
}

// The sink knows no report's column names: rows spread by a hash of the roles' key column (one line's
// rows always on one shard), at random without one; the total is the roles' total column.
TEST_F(ClickHouseSinkTest, TheRolesNameTheShardKeyAndTheTotalledColumn) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Load(*sink, Key("2019-12-01", "a1"), Rows(10, "0.5000000000").Batch());
  auto keyed = sink->Begin("other", ColumnRoles{"", "line_item_unblended_cost", "line_item_product_code"});
  ASSERT_TRUE(keyed) << keyed.error().message;
  ASSERT_TRUE((*keyed)->EnsureColumns(kColumns));
  auto seg = (*keyed)->BeginSegment(SegmentKey{"2019-12-01", "v1", "2019-12-01", "2019-12-31", Filter::kEstimated});
  ASSERT_TRUE(seg) << seg.error().message;
  ASSERT_TRUE((*keyed)->Insert(*seg, kNames, Rows(10, "0.2500000000").Batch()));
  ASSERT_TRUE((*keyed)->FinishSegment(*seg, SegmentTotals{10, "2.5", Finality::kRestated}));
  ASSERT_TRUE((*keyed)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*keyed)->Commit());
  auto random = sink->Begin("third", ColumnRoles{});
  ASSERT_TRUE(random) << random.error().message;
  ASSERT_TRUE((*random)->EnsureColumns(kColumns));
  auto seg3 = (*random)->BeginSegment(Key("2019-12-01", "v1"));
  ASSERT_TRUE(seg3) << seg3.error().message;
  ASSERT_TRUE((*random)->Insert(*seg3, kNames, Rows(10, "1").Batch()));
  ASSERT_TRUE((*random)->FinishSegment(*seg3, SegmentTotals{10, "10", Finality::kEstimated}));
  ASSERT_TRUE((*random)->Publish({*seg3}, "replace run", 1));
  ASSERT_TRUE((*random)->Commit());
  EXPECT_EQ(Read(InDb("SELECT name, engine_full FROM system.tables WHERE database = '{db}' AND name LIKE '%__all' "
                      "ORDER BY name")),
            InDb("cur__all\tDistributed(billpipe_test, {db}, cur__local, "
                 "sipHash64(ifNull(identity_line_item_id, \\'\\')))\n"
                 "other__all\tDistributed(billpipe_test, {db}, other__local, "
                 "sipHash64(ifNull(line_item_product_code, \\'\\')))\n"
                 "third__all\tDistributed(billpipe_test, {db}, third__local, rand())"));
  // Every row of the keyed dataset has one product code: all on one shard.
  std::string one = Read(InDb("SELECT count() FROM {db}.other__local"));
  std::string two = Read(InDb("SELECT count() FROM {db}.other__local"), true);
  EXPECT_TRUE((one == "10" && two == "0") || (one == "0" && two == "10")) << one << " " << two;
  auto state = sink->ReadState("other");
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->current_segments.size(), 1u);
  EXPECT_EQ(state->current_segments[0].key.filter, Filter::kEstimated);
  EXPECT_EQ(state->current_segments[0].total, "2.5");
  EXPECT_EQ(state->current_segments[0].finality, Finality::kRestated);
  auto totals = sink->CountSegment("other", state->current_segments[0], "line_item_unblended_cost");
  ASSERT_TRUE(totals) << totals.error().message;
  EXPECT_EQ(totals->rows, 10);
  EXPECT_DOUBLE_EQ(totals->total, 2.5);
  auto no_total = sink->CountSegment("other", state->current_segments[0], "");
  ASSERT_TRUE(no_total) << no_total.error().message;
  EXPECT_EQ(no_total->rows, 10);
  EXPECT_DOUBLE_EQ(no_total->total, 0);
}

// billpipe's sipHash64 is ClickHouse's: strings of every length around SipHash's 8-byte words, bytes
// above 0x7f, the empty string.
TEST_F(ClickHouseSinkTest, SipHash64IsClickHousesOwn) {
  std::vector<std::string> values = {"", "a", "abc", "1234567", "12345678", "123456789", "123456789012345",
                                     "1234567890123456", "12345678901234567", "\xc3\xa9t\xc3\xa9\xff",
                                     "2sl3ibgjqkxmrhnb5ay2z5kt6yzdgjzdv7hz3h4wewyglnu2l4xq"};
  for (int n = 0; n < 40; ++n) values.push_back(std::string(static_cast<size_t>(n), static_cast<char>('A' + n % 26)));
  for (const auto& v : values) {
    std::string literal = "'";
    for (unsigned char c : v) literal += fmt::format("\\x{:02X}", c);
    literal += "'";
    EXPECT_EQ(Read("SELECT toString(sipHash64(" + literal + "))"), std::to_string(SipHash64(v))) << v;
  }
}

// Rows are sent to each shard's local table by billpipe, not through the Distributed table: each is on the
// shard ClickHouse's own sharding expression names (sipHash64(key) % 2 → shard 1 or 2), once, and a reader
// of the Distributed table sees every row once. A NULL key hashes as '' (ifNull), as in ClickHouse.
TEST_F(ClickHouseSinkTest, EachRowIsOnTheShardTheDistributedTablesShardingKeyNames) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Rows rows(3000, "0.0100000000", "line-");
  rows.cells.push_back({Null(), Ts(1575158400000), Dec("1.0000000000"), Text("null key")});
  rows.cells.push_back({Text(""), Ts(1575158400000), Dec("2.0000000000"), Text("empty key")});
  int64_t seg = Load(*sink, Key("2019-12-01", "a1"), rows.Batch());
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT count() FROM {db}.cur__local WHERE sipHash64(ifNull(identity_line_item_id, '')) % 2 "
                        "!= ") + (second ? "1" : "0"), second),
              "0");
  }
  std::string one = Read(InDb("SELECT count() FROM {db}.cur__local"));
  std::string two = Read(InDb("SELECT count() FROM {db}.cur__local"), true);
  EXPECT_GT(std::stoi(one), 1300);
  EXPECT_GT(std::stoi(two), 1300);
  EXPECT_EQ(std::stoi(one) + std::stoi(two), 3002);
  // The '' and NULL keys are on the same shard: the one sipHash64('') names.
  std::string empty_shard = std::to_string(SipHash64("") % 2 + 1);
  EXPECT_EQ(Read(InDb("SELECT count() FROM {db}.cur__local WHERE ifNull(identity_line_item_id, '') = ''"),
                 empty_shard == "2"),
            "2");
  // The Distributed table reads every row once (18.16 has no _shard_num: the shards' own counts are above).
  EXPECT_EQ(Read(InDb("SELECT count(), uniqExact(identity_line_item_id), sum(line_item_unblended_cost) FROM "
                      "{db}.cur__all WHERE _segment = ") + std::to_string(seg)),
            "3002\t3001\t33.0000000000");
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT count(), uniqExact(identity_line_item_id), sum(line_item_unblended_cost) FROM {db}.cur"),
                   second),
              "3002\t3001\t33.0000000000");
  }
}

// Rows travel in ClickHouse's Native format (sink/clickhouse_native.h): every decimal shape arrives exact,
// times at both ends of DateTime's range, and what Decimal(38, 10) or DateTime cannot hold fails clearly.
TEST_F(ClickHouseSinkTest, DecimalsAndTimesArriveExactlyInNativeBlocks) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  const std::vector<std::string> decimals = {"0", "-0.0000000001", "9999999999999999999999999999.9999999999",
                                             "-12.5", "7.", ".5", "+3", "1.23000000000000", "-0", "100"};
  std::vector<std::string> ids;
  for (size_t i = 0; i < decimals.size(); ++i) ids.push_back(fmt::format("d{}", i));
  std::vector<std::vector<Cell>> cells;
  for (size_t i = 0; i < decimals.size(); ++i) {
    cells.push_back({Text(ids[i]), Ts(i == 0 ? 0 : i == 1 ? 4294967295000 : 1575158400000 + static_cast<int64_t>(i)),
                     Dec(decimals[i]), Text(i % 2 ? "" : "x")});
  }
  Load(*sink, Key("2019-12-01", "a1"), TestBatch(cells));
  // 18.16 prints Decimal128 values past 64 bits wrongly (toString(toDecimal128('9999...', 10)) too): those are
  // compared with the server's own reading of their text instead.
  EXPECT_EQ(Read(InDb("SELECT arrayStringConcat(groupArray(if(abs(line_item_unblended_cost) < 1000000, "
                      "toString(line_item_unblended_cost), toString(line_item_unblended_cost = "
                      "toDecimal128('9999999999999999999999999999.9999999999', 10)))), ' ') FROM (SELECT "
                      "line_item_unblended_cost FROM {db}.cur ORDER BY identity_line_item_id)")),
            "0.0000000000 -0.0000000001 1 -12.5000000000 7.0000000000 "
            "0.5000000000 3.0000000000 1.2300000000 0.0000000000 100.0000000000");
  // DateTime's ends as seconds (18.16 prints 0 as 0000-00-00 and has no calendar past 2038).
  EXPECT_EQ(Read(InDb("SELECT toUInt32(line_item_usage_start_date), line_item_product_code FROM {db}.cur WHERE "
                      "identity_line_item_id IN ('d0', 'd1') ORDER BY identity_line_item_id")),
            "0\tx\n4294967295\t");
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
  ASSERT_TRUE(seg);
  auto big = (*txn)->Insert(*seg, kNames, TestBatch({{Text("a"), Null(), Dec("12345678901234567890123456789"), Null()}}));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message, "The value '12345678901234567890123456789' of column line_item_unblended_cost has "
                                 "more than 28 integer digits, which ClickHouse's Decimal(38, 10) cannot hold.");
  auto early = (*txn)->Insert(*seg, kNames, TestBatch({{Text("a"), Ts(-1000), Null(), Null()}}));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message, "The time -1 s since 1970 of column line_item_usage_start_date is outside "
                                   "ClickHouse's DateTime (1970 to 2106).");
  auto exponent = (*txn)->Insert(*seg, kNames, TestBatch({{Text("a"), Null(), Dec("1E-7"), Null()}}));
  ASSERT_FALSE(exponent);
  EXPECT_EQ(exponent.error().code, ErrorCode::kBadData);
}

TEST(ClickHouseShardTest, SlotsFollowTheShardWeights) {
  ShardSlots even({1, 1});
  EXPECT_EQ(even.ShardOf(0), 0u);
  EXPECT_EQ(even.ShardOf(1), 1u);
  EXPECT_EQ(even.ShardOf(7), 1u);
  ShardSlots weighted({1, 3});  // slots: shard 0, then shard 1 three times
  EXPECT_EQ(weighted.ShardOf(4), 0u);
  EXPECT_EQ(weighted.ShardOf(5), 1u);
  EXPECT_EQ(weighted.ShardOf(7), 1u);
  EXPECT_EQ(SipHashKeyColumn("Distributed(billpipe_test, db, cur__local, sipHash64(ifNull(identity_line_item_id, '')))"),
            "identity_line_item_id");
  EXPECT_EQ(SipHashKeyColumn("Distributed(c, db, t, sipHash64(ifNull(`odd name`, '')))"), "odd name");
  EXPECT_EQ(SipHashKeyColumn("Distributed(c, db, t, rand())"), "");
}

TEST_F(ClickHouseSinkTest, AnUnknownClusterIsRefusedNamingTheKnownOnes) {
  auto sink = OpenSink(fmt::format("clickhouse://{}:{}/{}?cluster=nope", host_, port_, db_));
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(sink.error().message.find("has no cluster 'nope' in system.clusters. Clusters there: "), std::string::npos)
      << sink.error().message;
  EXPECT_NE(sink.error().message.find("billpipe_test"), std::string::npos) << sink.error().message;
}

// Issue 15: names that differ only in case are one dataset name, as in the other sinks and the catalog.
TEST_F(ClickHouseSinkTest, DatasetNamesThatDifferOnlyInCaseAreRefused) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  Load(*sink, Key("2019-12-01", "a1"), Rows(3, "1.0000000000").Batch(), {}, 1, "costs");
  auto txn = sink->Begin("Costs", kRoles);
  ASSERT_FALSE(txn);
  EXPECT_EQ(txn.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn.error().message, "Dataset 'Costs' cannot be written to " + Destination() +
                                     ": it holds dataset 'costs', and names that differ only in case are one name. "
                                     "Use that name, or another one.");
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT count() FROM system.tables WHERE database = '{db}' AND name LIKE 'Costs%'"), second),
              "0");
  }
  {
    auto same = sink->Begin("costs", kRoles);
    EXPECT_TRUE(same) << same.error().message;
  }
  ASSERT_TRUE(sink->DropDataset("costs"));  // a dropped name is free in any case
  Load(*sink, Key("2019-12-01", "a1"), Rows(2, "2.0000000000").Batch(), {}, 1, "Costs");
  EXPECT_EQ(Read(InDb("SELECT sum(line_item_unblended_cost) FROM {db}.Costs")), "4.0000000000");
}

// Issue 15: a user in the destination and its password (stored in the catalog, or CLICKHOUSE_PASSWORD)
// go to every server with HTTP basic authentication; the password never shows.
TEST_F(ClickHouseSinkTest, AUserWithAStoredPasswordLoadsOnEveryShard) {
  std::string user = Env("BILLPIPE_TEST_CLICKHOUSE_PASSWORD_USER"), password = Env("BILLPIPE_TEST_CLICKHOUSE_PASSWORD");
  ASSERT_FALSE(user.empty()) << "testing/clickhouse.sh exports BILLPIPE_TEST_CLICKHOUSE_PASSWORD_USER";
  std::string destination = fmt::format("clickhouse://{}@{}:{}/{}?cluster={}", user, host_, port_, db_,
                                        Env("BILLPIPE_TEST_CLICKHOUSE_CLUSTER"));
  unsetenv(kClickHousePasswordEnv);
  auto without = OpenSink(destination, clock_);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, ErrorCode::kAuth) << without.error().message;
  auto wrong = OpenSink(destination, clock_, password + "x");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kAuth) << wrong.error().message;
  EXPECT_EQ(wrong.error().message.find(password), std::string::npos);

  auto sink = OpenSink(destination, clock_, password);
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ((*sink)->Describe(), destination);
  Load(**sink, Key("2019-12-01", "a1"), Rows(40, "0.2500000000").Batch());
  for (bool second : {false, true}) {
    EXPECT_EQ(Read(InDb("SELECT sum(line_item_unblended_cost) FROM {db}.cur"), second), "10.0000000000");
  }

  setenv(kClickHousePasswordEnv, password.c_str(), 1);  // the environment, for `billpipe run --to`
  auto by_env = OpenSink(destination, clock_);
  unsetenv(kClickHousePasswordEnv);
  ASSERT_TRUE(by_env) << by_env.error().message;
}

}  // namespace
}  // namespace billpipe::sink
