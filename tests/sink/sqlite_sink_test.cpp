#include "sink/open_sink.h"
#include "sink/sqlite_sink.h"

#include <sqlite3.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe::sink {
namespace {

using billpipe::testing::TempDir;

// Rows of text/decimal cells for tests.
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
Cell Dec(std::string_view s, double d) { return Cell{Cell::Kind::kDecimal, s, 0, d}; }
Cell Ts(int64_t ms) { return Cell{Cell::Kind::kTimestamp, {}, ms}; }
Cell Null() { return Cell{}; }

// Runs a query on a separate connection, like a reader would, and returns one column (the first) of each row.
std::vector<std::string> Query(const std::string& path, const std::string& sql, int column = 0) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out.push_back(std::string("error: ") + sqlite3_errmsg(db));
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      auto t = sqlite3_column_text(stmt, column);
      out.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

const std::vector<ColumnDef> kColumns = {
    {"line_item_usage_start_date", ColumnKind::kTimestamp, "lineItem/UsageStartDate"},
    {"line_item_unblended_cost", ColumnKind::kDecimal, "lineItem/UnblendedCost"},
    {"line_item_product_code", ColumnKind::kText, "lineItem/ProductCode"},
};
const std::vector<std::string> kNames = {"line_item_usage_start_date", "line_item_unblended_cost",
                                         "line_item_product_code"};

// The loader's roles: the date column is indexed, the cost column totalled.
const ColumnRoles kRoles{"line_item_usage_start_date", "line_item_unblended_cost", ""};

SegmentKey Key(std::string period, std::string version) {
  return SegmentKey{period, version, period, "2019-12-31", Filter::kAll};
}

class SqliteSinkTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(std::chrono::milliseconds(1575158400000))};  // 2019-12-01T00:00:00Z

  // Loads one segment of rows as a new version; returns the segment id.
  int64_t LoadSegment(SqliteSink& sink, SegmentKey key, const TestBatch& batch, std::vector<int64_t> keep = {},
                      int retention = 1, const std::string& dataset = "cur") {
    auto txn = sink.Begin(dataset, kRoles);
    EXPECT_TRUE(txn) << txn.error().message;
    EXPECT_TRUE((*txn)->EnsureColumns(kColumns));
    auto seg = (*txn)->BeginSegment(key);
    EXPECT_TRUE(seg);
    auto ins = (*txn)->Insert(*seg, kNames, batch);
    EXPECT_TRUE(ins) << ins.error().message;
    EXPECT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{static_cast<int64_t>(batch.rows()), "1.5", Finality::kEstimated}));
    keep.push_back(*seg);
    EXPECT_TRUE((*txn)->Publish(keep, "replace run", retention));
    EXPECT_TRUE((*txn)->Commit());
    return *seg;
  }
};

TEST_F(SqliteSinkTest, LoadedRowsAreReadableThroughTheDatasetView) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink) << sink.error().message;
  TestBatch batch({{Ts(1575158400000), Dec("1.2500000000", 1.25), Text("AmazonEC2")},
                   {Ts(1575158400250), Dec("-0.2500000000", -0.25), Null()}});
  LoadSegment(**sink, Key("2019-12-01", "a1"), batch);

  EXPECT_EQ(Query(path_, "SELECT count(*) FROM cur"), std::vector<std::string>{"2"});
  EXPECT_EQ(Query(path_, "PRAGMA page_size"), std::vector<std::string>{"32768"});  // a new file
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"1.0"});
  EXPECT_EQ(Query(path_, "SELECT line_item_usage_start_date FROM cur ORDER BY 1"),
            (std::vector<std::string>{"2019-12-01T00:00:00.250Z", "2019-12-01T00:00:00Z"}));
  EXPECT_EQ(Query(path_, "SELECT coalesce(line_item_product_code, 'NULL') FROM cur ORDER BY 1"),
            (std::vector<std::string>{"AmazonEC2", "NULL"}));
  EXPECT_EQ(Query(path_, "SELECT billing_period || ' ' || version_key FROM cur LIMIT 1"),
            std::vector<std::string>{"2019-12-01 a1"});

  auto state = (*sink)->ReadState("cur");
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->exists);
  ASSERT_EQ(state->current_segments.size(), 1u);
  EXPECT_EQ(state->current_segments[0].key, Key("2019-12-01", "a1"));
  EXPECT_EQ(state->current_segments[0].line_items, 2);
  EXPECT_EQ(state->current_segments[0].finality, Finality::kEstimated);
  EXPECT_EQ(state->current_segments[0].loaded_at, "2019-12-01T00:00:00Z");
  EXPECT_EQ(state->columns.size(), 3u);
}

TEST_F(SqliteSinkTest, DecimalsAreStoredAsTheirNearestDoubleAndWholeOnesAsCompactly) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink) << sink.error().message;
  TestBatch batch({{Ts(0), Dec("0.0000000000", 0), Text("a")},
                   {Ts(0), Dec("-3.0000000000", -3), Text("b")},
                   {Ts(0), Dec("0.1000000000", 0.1), Text("c")},
                   {Ts(0), Dec("1E+15", 1e15), Text("d")}});
  LoadSegment(**sink, Key("2019-12-01", "a1"), batch);
  // Every value reads as REAL, whole ones too (stored as integers on disk, as SQLite does with decimal text).
  EXPECT_EQ(Query(path_, "SELECT typeof(line_item_unblended_cost) || ' ' || line_item_unblended_cost FROM cur "
                         "ORDER BY line_item_product_code"),
            (std::vector<std::string>{"real 0.0", "real -3.0", "real 0.1", "real 1.0e+15"}));
  // A column that is text in the dataset keeps a decimal's exact text.
  auto txn = (*sink)->Begin("text_costs", kRoles);
  ASSERT_TRUE(txn) << txn.error().message;
  const std::vector<ColumnDef> text_columns = {kColumns[0], {"line_item_unblended_cost", ColumnKind::kText, "c"},
                                               kColumns[2]};
  ASSERT_TRUE((*txn)->EnsureColumns(text_columns));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "b1"));
  ASSERT_TRUE(seg);
  TestBatch exact({{Ts(0), Dec("0.1000000000", 0.1), Text("a")}});
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, exact));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{1, "0.1", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*txn)->Commit());
  EXPECT_EQ(Query(path_, "SELECT typeof(line_item_unblended_cost) || ' ' || line_item_unblended_cost FROM text_costs"),
            std::vector<std::string>{"text 0.1000000000"});
}

TEST_F(SqliteSinkTest, UncommittedRunIsInvisibleAndRolledBack) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  TestBatch one({{Ts(0), Dec("1", 1), Text("a")}});
  LoadSegment(**sink, Key("2019-12-01", "a1"), one);
  {
    auto txn = (*sink)->Begin("cur", kRoles);
    ASSERT_TRUE(txn);
    auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
    ASSERT_TRUE(seg);
    TestBatch two({{Ts(0), Dec("5", 5), Text("b")}, {Ts(0), Dec("5", 5), Text("c")}});
    ASSERT_TRUE((*txn)->Insert(*seg, kNames, two));
    ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
    // A reader during the run sees the dataset as it was.
    EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"1.0"});
  }  // destroyed without Commit: rolled back
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"1.0"});
  // Its segment (committed as a chunk before the final transaction) was dropped with its table.
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM _billpipe_segments"), std::vector<std::string>{"1"});
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'cur__s[0-9]*'"),
            std::vector<std::string>{"1"});
}

TEST_F(SqliteSinkTest, ReplaceKeepsOnePreviousVersionWhichCanBeRestored) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  LoadSegment(**sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1", 1), Text("a")}}));
  LoadSegment(**sink, Key("2019-12-01", "a2"), TestBatch({{Ts(0), Dec("2", 2), Text("a")}}));
  LoadSegment(**sink, Key("2019-12-01", "a3"), TestBatch({{Ts(0), Dec("3", 3), Text("a")}}));
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"3.0"});
  // Version 1 was collected with its table; 2 is kept.
  EXPECT_EQ(Query(path_, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                         "AND name GLOB 'cur__s[0-9]*' ORDER BY name)"),
            std::vector<std::string>{"cur__s2 cur__s3"});
  auto versions = (*sink)->ListVersions("cur");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);

  auto missing = (*sink)->Restore("cur", 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Dataset 'cur' has no kept version 1. Versions that can be restored: 2.");
  auto restored = (*sink)->Restore("cur", 2);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(*restored, 4);
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"2.0"});
  auto again = (*sink)->Restore("cur", 4);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "Version 4 of dataset 'cur' is already the current one.");
}

TEST_F(SqliteSinkTest, NewColumnsAreAddedAndOldRowsReadNull) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  int64_t first = LoadSegment(**sink, Key("2019-11-01", "a1"), TestBatch({{Ts(0), Dec("1", 1), Text("a")}}));
  auto txn = (*sink)->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  std::vector<ColumnDef> more = kColumns;
  more.push_back({"resource_tags_user_team", ColumnKind::kText, "resourceTags/user:Team"});
  ASSERT_TRUE((*txn)->EnsureColumns(more));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "b1"));
  ASSERT_TRUE(seg);
  std::vector<std::string> names = {"resource_tags_user_team", "line_item_unblended_cost"};
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Text("web"), Dec("2", 2)}})));
  ASSERT_TRUE((*txn)->Publish({first, *seg}, "partition run", 1));
  ASSERT_TRUE((*txn)->Commit());
  EXPECT_EQ(Query(path_, "SELECT coalesce(resource_tags_user_team, 'NULL') FROM cur ORDER BY billing_period"),
            (std::vector<std::string>{"NULL", "web"}));
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"3.0"});
}

TEST_F(SqliteSinkTest, SegmentTablesHoldOnlyColumnsWithValuesAndTheViewKeepsEveryColumnTyped) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  auto txn = (*sink)->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->EnsureColumns(kColumns));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a1"));
  ASSERT_TRUE(seg);
  // The first batch has no product code; the second brings one.
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("1", 1), Null()}, {Ts(1000), Null(), Null()}})));
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM cur"), std::vector<std::string>{"error: no such table: cur"});
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(2000), Dec("2", 2), Text("AmazonS3")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{3, "3", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*txn)->Commit());
  const std::string table = fmt::format("cur__s{}", *seg);
  EXPECT_EQ(Query(path_, fmt::format("SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('{}')",
                                     table)),
            std::vector<std::string>{"line_item_usage_start_date:TEXT line_item_unblended_cost:REAL "
                                     "line_item_product_code:TEXT"});
  EXPECT_EQ(Query(path_, "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('cur')"),
            std::vector<std::string>{"billing_period:TEXT version_key:TEXT line_item_usage_start_date:TEXT "
                                     "line_item_unblended_cost:REAL line_item_product_code:TEXT"});
  EXPECT_EQ(Query(path_, "SELECT coalesce(line_item_product_code, 'NULL') || ' ' || "
                         "coalesce(line_item_unblended_cost, 'NULL') FROM cur ORDER BY line_item_usage_start_date"),
            (std::vector<std::string>{"NULL 1.0", "NULL NULL", "AmazonS3 2.0"}));
  // The usage start date is indexed in each segment table, and the view's queries use it.
  auto plan = Query(path_, "EXPLAIN QUERY PLAN SELECT count(*) FROM cur WHERE line_item_usage_start_date >= "
                           "'2019-12-02' AND billing_period = '2019-12-01'", 3);
  std::string joined;
  for (const auto& line : plan) joined += line + "\n";
  EXPECT_NE(joined.find(fmt::format("cur__s{}_usage_start", *seg)), std::string::npos) << joined;
}

TEST_F(SqliteSinkTest, RunsOfTwoDatasetsInOneFileInterleaveBetweenChunks) {
  auto first = SqliteSink::Open(path_, clock_);
  auto second = SqliteSink::Open(path_, clock_);  // another connection, as another process would have
  ASSERT_TRUE(first && second);
  auto a = (*first)->Begin("cur", kRoles);
  ASSERT_TRUE(a);
  ASSERT_TRUE((*a)->EnsureColumns(kColumns));
  auto seg = (*a)->BeginSegment(Key("2019-12-01", "a1"));
  ASSERT_TRUE(seg);
  ASSERT_TRUE((*a)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("1", 1), Text("a")}})));
  ASSERT_TRUE((*a)->FinishSegment(*seg, SegmentTotals{1, "1", Finality::kEstimated}));  // the segment's rows are committed, unpublished
  // While run a is between chunks, a run of another dataset loads and commits.
  LoadSegment(**second, Key("2019-12-01", "b1"), TestBatch({{Ts(0), Dec("5", 5), Text("b")}}), {}, 1, "other");
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM other"), std::vector<std::string>{"5.0"});
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM cur"), std::vector<std::string>{"error: no such table: cur"});
  ASSERT_TRUE((*a)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*a)->Commit());
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"1.0"});
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM other"), std::vector<std::string>{"5.0"});
}

// Empty text (a String column's empty field) and NULL stay distinct whichever way a segment's columns are
// stored: left out while NULL or '' in every row so far, added (with the default that keeps earlier rows
// right) once they have something else.
TEST_F(SqliteSinkTest, EmptyTextAndNullAreKeptApartAcrossBatches) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  const std::vector<ColumnDef> columns = {{"n", ColumnKind::kText, "a/N"},
                                          {"e_then_null", ColumnKind::kText, "a/EN"},
                                          {"null_then_e", ColumnKind::kText, "a/NE"},
                                          {"e_then_x", ColumnKind::kText, "a/EX"},
                                          {"always_e", ColumnKind::kText, "a/E"},
                                          {"e_then_gone", ColumnKind::kText, "a/EG"}};
  const std::vector<std::string> names = {"n", "e_then_null", "null_then_e", "e_then_x", "always_e", "e_then_gone"};
  const std::vector<std::string> fewer = {"n", "e_then_null", "null_then_e", "e_then_x", "always_e"};
  auto txn = (*sink)->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->EnsureColumns(columns));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a1"));
  ASSERT_TRUE(seg);
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Text("1"), Text(""), Null(), Text(""), Text(""), Text("")}})));
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Text("2"), Null(), Text(""), Text("x"), Text(""), Text("")}})));
  ASSERT_TRUE((*txn)->Insert(*seg, fewer, TestBatch({{Text("3"), Null(), Text(""), Text(""), Text("")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{3, "0", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*txn)->Commit());
  auto show = [](const char* c) {
    return fmt::format("(CASE WHEN {0} IS NULL THEN 'NULL' ELSE '''' || {0} || '''' END)", c);
  };
  EXPECT_EQ(Query(path_, fmt::format("SELECT n || ' ' || {} || ' ' || {} || ' ' || {} || ' ' || {} || ' ' || {} "
                                     "FROM cur ORDER BY n",
                                     show("e_then_null"), show("null_then_e"), show("e_then_x"), show("always_e"),
                                     show("e_then_gone"))),
            (std::vector<std::string>{"1 '' NULL '' '' ''", "2 NULL '' 'x' '' ''", "3 NULL '' '' '' NULL"}));
  // The column that is '' in every row costs nothing per row: it was added after them, with its default.
  EXPECT_EQ(Query(path_, fmt::format("SELECT dflt_value FROM pragma_table_info('cur__s{}') WHERE name = 'always_e'",
                                     *seg)),
            std::vector<std::string>{"''"});
  EXPECT_EQ(Query(path_, fmt::format("SELECT group_concat(name, ' ') FROM pragma_table_info('cur__s{}')", *seg)),
            std::vector<std::string>{"n e_then_null null_then_e e_then_x e_then_gone always_e"});
}

TEST_F(SqliteSinkTest, ReservedColumnNameIsRefused) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  auto txn = (*sink)->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  auto r = (*txn)->EnsureColumns({{"billing_period", ColumnKind::kText, "x/BillingPeriod"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "column name 'billing_period' is reserved by billpipe");
}

TEST_F(SqliteSinkTest, DropDatasetRemovesRowsVersionsAndStateOfThatDatasetOnly) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  LoadSegment(**sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1", 1), Text("a")}}));
  LoadSegment(**sink, Key("2019-12-01", "a2"), TestBatch({{Ts(0), Dec("2", 2), Text("a")}}));
  {  // a second dataset in the same file
    auto txn = (*sink)->Begin("other", kRoles);
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->EnsureColumns(kColumns));
    auto seg = (*txn)->BeginSegment(Key("2019-12-01", "o1"));
    ASSERT_TRUE(seg);
    ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("7", 7), Text("x")}})));
    ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
    ASSERT_TRUE((*txn)->Commit());
  }
  auto dropped = (*sink)->DropDataset("cur");
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_TRUE(*dropped);
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'cur%'"), std::vector<std::string>{"0"});
  for (const char* table : {"_billpipe_columns", "_billpipe_segments", "_billpipe_versions",
                            "_billpipe_version_segments", "_billpipe_current"}) {
    EXPECT_EQ(Query(path_, fmt::format("SELECT count(*) FROM {} WHERE dataset = 'cur'", table)),
              std::vector<std::string>{"0"}) << table;
  }
  auto state = (*sink)->ReadState("cur");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->exists);
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM other"), std::vector<std::string>{"7.0"});
  auto again = (*sink)->DropDataset("cur");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST(DatasetNameTest, RulesAreExplained) {
  EXPECT_TRUE(ValidateDatasetName("aws_billing_2024"));
  EXPECT_EQ(ValidateDatasetName("9lives").error().message,
            "The dataset name '9lives' starts with '9'. A dataset name has letters, digits and underscores, "
            "starts with a letter, and has at most 63 characters.");
  EXPECT_EQ(ValidateDatasetName("my-costs").error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(ValidateDatasetName("a__b").error().message.find("two underscores in a row"), std::string::npos);
  EXPECT_FALSE(ValidateDatasetName(std::string(64, 'a')));
}


// Issue 11 h: billing data is private; the catalog beside it is 0600 too.
TEST_F(SqliteSinkTest, ANewDataFileIsReadableByItsOwnerOnly) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink) << sink.error().message;
  LoadSegment(**sink, Key("2019-12-01", "a1"), TestBatch({{Ts(1575158400000), Dec("1", 1), Text("x")}}));
  EXPECT_EQ(std::filesystem::status(path_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(std::filesystem::status(path_ + "-wal").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// Issue 11 g: "file:x.db?mode=memory" is a file name, not an SQLite URI (which would be an in-memory
// database: a run would publish and write nothing).
TEST_F(SqliteSinkTest, TheDestinationIsAPathNeverAnSqliteUri) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  {
    auto sink = OpenSink("sqlite:file:x.db?mode=memory", clock_);
    std::filesystem::current_path(cwd);
    ASSERT_TRUE(sink) << sink.error().message;
    EXPECT_EQ((*sink)->Describe(), "sqlite:file:x.db?mode=memory");
    auto* sqlite = dynamic_cast<SqliteSink*>(sink->get());
    ASSERT_NE(sqlite, nullptr);
    LoadSegment(*sqlite, Key("2019-12-01", "a1"), TestBatch({{Ts(1575158400000), Dec("2.5", 2.5), Text("x")}}));
  }
  std::filesystem::current_path(cwd);
  const std::string file = (dir_.path() / "file:x.db?mode=memory").string();
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(Query(file, "SELECT sum(line_item_unblended_cost) FROM cur"), std::vector<std::string>{"2.5"});
}

// Issue 11 i: SQL folds the case of names, so "Costs" and "costs" would share a view and a schema table.
TEST_F(SqliteSinkTest, DatasetNamesThatDifferOnlyInCaseAreRefused) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  LoadSegment(**sink, Key("2019-12-01", "a1"), TestBatch({{Ts(1575158400000), Dec("1.5", 1.5), Text("x")}}), {}, 1,
              "costs");
  auto txn = (*sink)->Begin("Costs", kRoles);
  ASSERT_FALSE(txn);
  EXPECT_EQ(txn.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn.error().message, "Dataset 'Costs' cannot be written to " + path_ +
                                     ": it holds dataset 'costs', and names that differ only in case are one name "
                                     "in SQL. Use that name, or another one.");
  EXPECT_EQ(Query(path_, "SELECT sum(line_item_unblended_cost) FROM costs"), std::vector<std::string>{"1.5"});
  EXPECT_TRUE((*sink)->Begin("costs", kRoles));  // the same name is fine
}

// Issue 11 m: the run's pages do not stay in the WAL after it commits (no reader in the way).
TEST_F(SqliteSinkTest, TheWalIsTruncatedAfterTheCommit) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  std::vector<std::vector<Cell>> rows;
  for (int i = 0; i < 2000; ++i) rows.push_back({Ts(1575158400000 + i), Dec("1.25", 1.25), Text("AmazonEC2")});
  LoadSegment(**sink, Key("2019-12-01", "a1"), TestBatch(rows));
  ASSERT_TRUE(std::filesystem::exists(path_ + "-wal"));  // the sink is still open
  EXPECT_EQ(std::filesystem::file_size(path_ + "-wal"), 0u);
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM cur"), std::vector<std::string>{"2000"});
}

// The sink knows no CUR names: the loader says which column to index and which to total.
TEST_F(SqliteSinkTest, TheLoaderNamesTheDateColumnToIndexAndTheColumnToTotal) {
  auto sink = SqliteSink::Open(path_, clock_);
  ASSERT_TRUE(sink);
  auto txn = (*sink)->Begin("cur", ColumnRoles{"line_item_product_code", "line_item_unblended_cost", ""});
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->EnsureColumns(kColumns));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a1"));
  ASSERT_TRUE(seg);
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(1575158400000), Dec("1.5", 1.5), Text("a")},
                                                      {Ts(1575158400000), Dec("2.25", 2.25), Text("b")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{2, "3.75", Finality::kFinal}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*txn)->Commit());
  EXPECT_EQ(Query(path_, "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"),
            (std::vector<std::string>{
                // the rollups' (sink/sqlite_rollup.h)
                "CREATE INDEX _billpipe_rollups_by_segment ON _billpipe_rollups(segment_id, day)",
                "CREATE INDEX _billpipe_rollup_totals_by_segment ON _billpipe_rollup_totals(segment_id, dimension, day)",
                "CREATE INDEX \"cur__s1_usage_start\" ON \"cur__s1\"(\"line_item_product_code\")"}));
  auto state = (*sink)->ReadState("cur");
  ASSERT_TRUE(state);
  ASSERT_EQ(state->current_segments.size(), 1u);
  EXPECT_EQ(state->current_segments[0].total, "3.75");
  EXPECT_EQ(state->current_segments[0].finality, Finality::kFinal);
  auto totals = (*sink)->CountSegment("cur", state->current_segments[0], "line_item_unblended_cost");
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->rows, 2);
  EXPECT_DOUBLE_EQ(totals->total, 3.75);
  auto no_total = (*sink)->CountSegment("cur", state->current_segments[0], "");
  ASSERT_TRUE(no_total);
  EXPECT_EQ(no_total->rows, 2);
  EXPECT_DOUBLE_EQ(no_total->total, 0);
}
}  // namespace
}  // namespace billpipe::sink
