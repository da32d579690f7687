// The PostgreSQL sink against the real server of scripts/test: the same meaning as the SQLite sink
// (segments, versions, restore, publish at once, chunks), types, COPY escaping, the advisory lock, a
// connection killed mid-load.
#include "sink/postgres_sink.h"

#include <cstdlib>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pg_test_db.h"
#include "sink/open_sink.h"
#include "test_support.h"

namespace billpipe::sink {
namespace {

using billpipe::testing::PgTestConn;
using billpipe::testing::PgTestSchema;

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
    {"line_item_usage_start_date", ColumnKind::kTimestamp, "lineItem/UsageStartDate"},
    {"line_item_unblended_cost", ColumnKind::kDecimal, "lineItem/UnblendedCost"},
    {"line_item_product_code", ColumnKind::kText, "lineItem/ProductCode"},
};
const std::vector<std::string> kNames = {"line_item_usage_start_date", "line_item_unblended_cost",
                                         "line_item_product_code"};
const ColumnRoles kRoles = ColumnRoles{"line_item_usage_start_date", "line_item_unblended_cost", ""};

SegmentKey Key(std::string period, std::string version) {
  return SegmentKey{period, version, period, "2019-12-31", Filter::kAll};
}

std::vector<std::string> V(std::initializer_list<const char*> items) { return {items.begin(), items.end()}; }

class PostgresSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BP_REQUIRE_TEST_PG();
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    schema_ = std::make_unique<PgTestSchema>("t_" + name.substr(0, 50));
    reader_ = std::make_unique<PgTestConn>(schema_->conninfo());
  }

  std::unique_ptr<PostgresSink> Open() {
    auto sink = PostgresSink::Open(schema_->conninfo(), clock_);
    EXPECT_TRUE(sink) << sink.error().message;
    return sink ? std::move(*sink) : nullptr;
  }

  // Loads one segment of rows as a new version; returns the segment id.
  int64_t LoadSegment(Sink& sink, SegmentKey key, const TestBatch& batch, std::vector<int64_t> keep = {},
                      int retention = 1, const std::string& dataset = "cur") {
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
    EXPECT_TRUE((*txn)->Commit());
    return *seg;
  }

  std::vector<std::string> Q(const std::string& sql) { return reader_->Column(sql); }
  std::string Segments() {
    return reader_->One("SELECT coalesce(string_agg(relname, ' ' ORDER BY relname), '') FROM pg_class WHERE "
                        "relkind = 'r' AND relname ~ '^cur__s[0-9]+$' AND relnamespace = current_schema()::regnamespace");
  }

  FakeClock clock_{SysTime(std::chrono::milliseconds(1575158400000))};  // 2019-12-01T00:00:00Z
  std::unique_ptr<PgTestSchema> schema_;
  std::unique_ptr<PgTestConn> reader_;
};

TEST_F(PostgresSinkTest, RowsAreTypedAndExactThroughTheDatasetView) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  TestBatch batch({{Ts(1575158400000), Dec("1.2500000001"), Text("AmazonEC2")},
                   {Ts(1575158400250), Dec("-0.2500000000"), Null()},
                   {Ts(1575158401000), Dec("0.0000000001"), Text("tab\there\nline \\ back\rslash")}});
  LoadSegment(*sink, Key("2019-12-01", "a1"), batch);

  EXPECT_EQ(Q("SELECT count(*) FROM cur"), V({"3"}));
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"1.0000000002"}));  // exact
  EXPECT_EQ(Q("SELECT line_item_usage_start_date::text FROM cur ORDER BY 1"),
            V({"2019-12-01 00:00:00+00", "2019-12-01 00:00:00.25+00", "2019-12-01 00:00:01+00"}));
  EXPECT_EQ(Q("SELECT coalesce(line_item_product_code, 'NULL') FROM cur ORDER BY line_item_usage_start_date"),
            V({"AmazonEC2", "NULL", "tab\there\nline \\ back\rslash"}));
  EXPECT_EQ(Q("SELECT billing_period || ' ' || version_key FROM cur LIMIT 1"), V({"2019-12-01 a1"}));
  EXPECT_EQ(Q("SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position) FROM "
              "information_schema.columns WHERE table_name = 'cur' AND table_schema = current_schema()"),
            V({"billing_period:date version_key:text line_item_usage_start_date:timestamp with time zone "
               "line_item_unblended_cost:numeric line_item_product_code:text"}));

  auto state = sink->ReadState("cur");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_TRUE(state->exists);
  ASSERT_EQ(state->current_segments.size(), 1u);
  EXPECT_EQ(state->current_segments[0].key, Key("2019-12-01", "a1"));
  EXPECT_EQ(state->current_segments[0].line_items, 3);
  EXPECT_EQ(state->current_segments[0].total, "1.5");
  EXPECT_EQ(state->current_segments[0].finality, Finality::kEstimated);
  EXPECT_EQ(state->current_segments[0].loaded_at, "2019-12-01T00:00:00Z");
  EXPECT_EQ(state->columns.size(), 3u);
  ASSERT_TRUE(state->current);
  EXPECT_EQ(state->current->version, 1);

  auto totals = sink->CountSegment("cur", state->current_segments[0], "line_item_unblended_cost");
  ASSERT_TRUE(totals) << totals.error().message;
  EXPECT_EQ(totals->rows, 3);
  EXPECT_DOUBLE_EQ(totals->total, 1.0000000002);
  EXPECT_EQ(sink->Describe().rfind("postgresql://billpipe@127.0.0.1:", 0), 0u) << sink->Describe();
}

TEST_F(PostgresSinkTest, UncommittedRunIsInvisibleAndItsSegmentsAreDropped) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  {
    auto txn = sink->Begin("cur", kRoles);
    ASSERT_TRUE(txn) << txn.error().message;
    auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
    ASSERT_TRUE(seg);
    ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("5"), Text("b")}, {Ts(0), Dec("5"), Text("c")}})));
    ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{2, "10", Finality::kEstimated}));  // its rows are committed, unpublished
    EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"1"}));
    ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
    // During the final transaction a reader of the view waits for it (the view is being replaced).
    EXPECT_EQ(Q("SET lock_timeout = '300ms'; SELECT sum(line_item_unblended_cost) FROM cur"),
              V({"error: ERROR:  canceling statement due to lock timeout"}));
  }  // destroyed without Commit: rolled back
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"1"}));
  EXPECT_EQ(Q("SELECT count(*) FROM _billpipe_segments"), V({"1"}));
  EXPECT_EQ(Segments(), "cur__s1");
}

TEST_F(PostgresSinkTest, ReplaceKeepsOnePreviousVersionWhichCanBeRestored) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  LoadSegment(*sink, Key("2019-12-01", "a2"), TestBatch({{Ts(0), Dec("2"), Text("a")}}));
  LoadSegment(*sink, Key("2019-12-01", "a3"), TestBatch({{Ts(0), Dec("3"), Text("a")}}));
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"3"}));
  EXPECT_EQ(Segments(), "cur__s2 cur__s3");  // version 1 was collected with its table; 2 is kept
  auto versions = sink->ListVersions("cur");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  EXPECT_EQ((*versions)[0].segments, std::vector<int64_t>{2});

  auto missing = sink->Restore("cur", 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Dataset 'cur' has no kept version 1. Versions that can be restored: 2.");
  auto restored = sink->Restore("cur", 2);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(*restored, 4);
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"2"}));
  auto again = sink->Restore("cur", 4);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "Version 4 of dataset 'cur' is already the current one.");
}

TEST_F(PostgresSinkTest, NewColumnsAreAddedAndOldRowsReadNullAndUsersViewsSurvive) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  int64_t first = LoadSegment(*sink, Key("2019-11-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  // A user's own view over the dataset: publishing keeps it working.
  ASSERT_EQ(reader_->One("CREATE VIEW my_costs AS SELECT billing_period, line_item_unblended_cost FROM cur"), "");
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  std::vector<ColumnDef> more = kColumns;
  more.push_back({"resource_tags_user_team", ColumnKind::kText, "resourceTags/user:Team"});
  ASSERT_TRUE((*txn)->EnsureColumns(more));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "b1"));
  ASSERT_TRUE(seg);
  std::vector<std::string> names = {"resource_tags_user_team", "line_item_unblended_cost"};
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Text("web"), Dec("2")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{1, "2", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({first, *seg}, "partition run", 1));
  ASSERT_TRUE((*txn)->Commit());
  EXPECT_EQ(Q("SELECT coalesce(resource_tags_user_team, 'NULL') FROM cur ORDER BY billing_period"),
            V({"NULL", "web"}));
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM my_costs"), V({"3"}));
  // A segment table has only the columns that had something.
  EXPECT_EQ(reader_->One(fmt::format("SELECT string_agg(attname, ' ' ORDER BY attnum) FROM pg_attribute WHERE "
                                     "attrelid = 'cur__s{}'::regclass AND attnum > 0", *seg)),
            "resource_tags_user_team line_item_unblended_cost");
}

TEST_F(PostgresSinkTest, EmptyTextAndNullStayApartAndEmptyRowsCount) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  const std::vector<ColumnDef> columns = {{"n", ColumnKind::kText, "a/N"}, {"e", ColumnKind::kText, "a/E"},
                                          {"x", ColumnKind::kText, "a/X"}};
  const std::vector<std::string> names = {"n", "e", "x"};
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->EnsureColumns(columns));
  auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a1"));
  ASSERT_TRUE(seg);
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Null(), Null(), Null()}, {Null(), Null(), Null()}})));
  ASSERT_TRUE((*txn)->Insert(*seg, names, TestBatch({{Text("1"), Text(""), Null()}, {Text("2"), Null(), Text("")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{4, "0", Finality::kEstimated}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*txn)->Commit());
  EXPECT_EQ(Q("SELECT coalesce(n, 'NULL') || ' ' || coalesce('''' || e || '''', 'NULL') || ' ' || "
              "coalesce('''' || x || '''', 'NULL') FROM cur ORDER BY n NULLS FIRST"),
            V({"NULL NULL NULL", "NULL NULL NULL", "1 '' NULL", "2 NULL ''"}));
}

TEST_F(PostgresSinkTest, ReservedColumnNameIsRefused) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  auto txn = sink->Begin("cur", kRoles);
  ASSERT_TRUE(txn);
  auto r = (*txn)->EnsureColumns({{"version_key", ColumnKind::kText, "x/VersionKey"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "column name 'version_key' is reserved by billpipe");
}

TEST_F(PostgresSinkTest, ASecondRunOfTheDatasetIsRefusedWhileTheFirstHoldsTheLock) {
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first && second);
  {
    auto a = first->Begin("cur", kRoles);
    ASSERT_TRUE(a) << a.error().message;
    auto b = second->Begin("cur", kRoles);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, ErrorCode::kConflict);
    EXPECT_EQ(b.error().message.rfind(fmt::format("Dataset 'cur' in {} is already being loaded (billpipe from "
                                                  "127.0.0.1, PostgreSQL backend pid {}, connected ",
                                                  second->Describe(), first->BackendPid()),
                                      0),
              0u)
        << b.error().message;
    EXPECT_TRUE(b.error().message.ends_with("). Wait for that run to finish.")) << b.error().message;
    // Restore and drop wait for runs too; another dataset does not.
    auto drop = second->DropDataset("cur");
    ASSERT_FALSE(drop);
    EXPECT_EQ(drop.error().code, ErrorCode::kConflict);
    auto other = second->Begin("other", kRoles);
    EXPECT_TRUE(other) << other.error().message;
  }
  auto c = second->Begin("cur", kRoles);  // the first run is over
  EXPECT_TRUE(c) << c.error().message;
}

TEST_F(PostgresSinkTest, ARunPlannedOnAStateThatAnotherRunReplacedIsRefused) {
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(second->ReadState("cur"));  // plans on "no dataset"
  LoadSegment(*first, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  auto stale = second->Begin("cur", kRoles);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(stale.error().message, fmt::format("Dataset 'cur' in {} was changed by another run while this one was "
                                               "planning. Run again.", second->Describe()));
  ASSERT_TRUE(second->ReadState("cur"));
  EXPECT_TRUE(second->Begin("cur", kRoles));
}

TEST_F(PostgresSinkTest, AConnectionKilledMidLoadLeavesTheDatasetAsItWasAndTheNextRunCleansUp) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  {
    auto txn = sink->Begin("cur", kRoles);
    ASSERT_TRUE(txn);
    auto seg = (*txn)->BeginSegment(Key("2019-12-01", "a2"));
    ASSERT_TRUE(seg);
    ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("5"), Text("b")}})));
    ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{1, "5", Finality::kEstimated}));  // a committed chunk
    EXPECT_EQ(reader_->One(fmt::format("SELECT pg_terminate_backend({})", sink->BackendPid())), "t");
    auto lost = (*txn)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("7"), Text("c")}}));
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().code, ErrorCode::kRetryable);
    EXPECT_EQ(lost.error().message.rfind(fmt::format("Lost the connection to PostgreSQL ({}) while ", sink->Describe()),
                                         0),
              0u)
        << lost.error().message;
    EXPECT_TRUE(lost.error().message.ends_with("Nothing of this run is visible; run it again."))
        << lost.error().message;
  }
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"1"}));
  EXPECT_EQ(Segments(), "cur__s1 cur__s2");  // the killed run's committed chunk, unused
  auto next = Open();
  ASSERT_TRUE(next);
  LoadSegment(*next, Key("2019-12-01", "a3"), TestBatch({{Ts(0), Dec("3"), Text("a")}}));
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"3"}));
  EXPECT_EQ(Segments(), "cur__s1 cur__s3");  // s2 collected
  EXPECT_EQ(Q("SELECT string_agg(id::text, ' ' ORDER BY id) FROM _billpipe_segments"), V({"1 3"}));
}

TEST_F(PostgresSinkTest, AFilterOnTheBillingPeriodReadsOnlyThatPeriodsTable) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  int64_t nov = LoadSegment(*sink, Key("2019-11-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  int64_t dec = LoadSegment(*sink, Key("2019-12-01", "b1"), TestBatch({{Ts(0), Dec("2"), Text("a")}}), {nov});
  std::string plan;
  for (const auto& line : Q("EXPLAIN SELECT sum(line_item_unblended_cost) FROM cur WHERE billing_period = "
                            "'2019-12-01'")) {
    plan += line + "\n";
  }
  EXPECT_NE(plan.find(fmt::format("cur__s{}", dec)), std::string::npos) << plan;
  EXPECT_EQ(plan.find(fmt::format("cur__s{}", nov)), std::string::npos) << plan;
  EXPECT_EQ(Q("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'cur__s%' AND indexdef LIKE "
              "'%(line_item_usage_start_date)' AND schemaname = current_schema()"),
            V({"2"}));
}

// The sink knows no report's column names: it indexes the date column and totals the column the roles
// name, and keeps the filter and finality it is given.
TEST_F(PostgresSinkTest, TheRolesNameTheIndexedAndTotalledColumns) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  auto txn = sink->Begin("cur", ColumnRoles{"line_item_product_code", "line_item_unblended_cost", ""});
  ASSERT_TRUE(txn) << txn.error().message;
  ASSERT_TRUE((*txn)->EnsureColumns(kColumns));
  auto seg = (*txn)->BeginSegment(SegmentKey{"2019-12-01", "v1", "2019-12-01", "2019-12-31", Filter::kInvoiced});
  ASSERT_TRUE(seg) << seg.error().message;
  ASSERT_TRUE((*txn)->Insert(*seg, kNames, TestBatch({{Ts(0), Dec("1.25"), Text("a")}, {Ts(0), Dec("2"), Text("b")}})));
  ASSERT_TRUE((*txn)->FinishSegment(*seg, SegmentTotals{2, "3.25", Finality::kFinal}));
  ASSERT_TRUE((*txn)->Publish({*seg}, "replace run", 1));
  ASSERT_TRUE((*txn)->Commit());
  EXPECT_EQ(Q("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'cur__s%' AND indexdef LIKE "
              "'%(line_item_product_code)' AND schemaname = current_schema()"),
            V({"1"}));
  EXPECT_EQ(Q("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'cur__s%' AND schemaname = current_schema()"),
            V({"1"}));
  auto state = sink->ReadState("cur");
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->current_segments.size(), 1u);
  EXPECT_EQ(state->current_segments[0].key.filter, Filter::kInvoiced);
  EXPECT_EQ(state->current_segments[0].total, "3.25");
  EXPECT_EQ(state->current_segments[0].finality, Finality::kFinal);
  EXPECT_EQ(Q("SELECT filter || ' ' || status FROM _billpipe_segments"), V({"invoiced final"}));
  auto totals = sink->CountSegment("cur", state->current_segments[0], "line_item_unblended_cost");
  ASSERT_TRUE(totals) << totals.error().message;
  EXPECT_EQ(totals->rows, 2);
  EXPECT_DOUBLE_EQ(totals->total, 3.25);
  auto no_total = sink->CountSegment("cur", state->current_segments[0], "");
  ASSERT_TRUE(no_total) << no_total.error().message;
  EXPECT_EQ(no_total->rows, 2);
  EXPECT_DOUBLE_EQ(no_total->total, 0);
}

TEST_F(PostgresSinkTest, DropDatasetRemovesRowsVersionsAndStateOfThatDatasetOnly) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}));
  LoadSegment(*sink, Key("2019-12-01", "a2"), TestBatch({{Ts(0), Dec("2"), Text("a")}}));
  LoadSegment(*sink, Key("2019-12-01", "o1"), TestBatch({{Ts(0), Dec("7"), Text("x")}}), {}, 1, "other");
  auto dropped = sink->DropDataset("cur");
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_TRUE(*dropped);
  EXPECT_EQ(Q("SELECT count(*) FROM pg_class WHERE relname LIKE 'cur%' AND relnamespace = "
              "current_schema()::regnamespace"),
            V({"0"}));
  for (const char* table : {"_billpipe_columns", "_billpipe_segments", "_billpipe_versions",
                            "_billpipe_version_segments", "_billpipe_current"}) {
    EXPECT_EQ(Q(fmt::format("SELECT count(*) FROM {} WHERE dataset = 'cur'", table)), V({"0"})) << table;
  }
  auto state = sink->ReadState("cur");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->exists);
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM other"), V({"7"}));
  auto again = sink->DropDataset("cur");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(PostgresSinkTest, ALongDatasetNameStillGetsUniqueSegmentTables) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  std::string name(63, 'a');
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(0), Dec("1"), Text("a")}}), {}, 1, name);
  LoadSegment(*sink, Key("2019-11-01", "a1"), TestBatch({{Ts(0), Dec("2"), Text("a")}}), {1}, 1, name);
  EXPECT_EQ(Q(fmt::format("SELECT sum(line_item_unblended_cost) FROM {}", name)), V({"3"}));
  EXPECT_EQ(Q(fmt::format("SELECT count(*) FROM pg_class WHERE relname IN ('{0}__s1', '{0}__s2')",
                          std::string(59, 'a'))),
            V({"2"}));
}

TEST(PostgresDestinationTest, APasswordInTheDestinationIsRefusedBeforeConnecting) {
  auto sink = OpenSink("postgresql://billpipe:secret@127.0.0.1:1/db");
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink.error().message,
            "The PostgreSQL destination contains a password. Passwords do not go on the command line: put it in "
            "PGPASSWORD or ~/.pgpass (see the PostgreSQL documentation on the password file) and leave it out of "
            "the destination.");
  auto keywords = OpenSink("postgresql:host=127.0.0.1 password=secret dbname=db");
  ASSERT_FALSE(keywords);
  EXPECT_EQ(keywords.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(keywords.error().message.find("secret"), std::string::npos);
}

TEST(PostgresDestinationTest, AServerThatIsNotThereIsARetryableConnectionError) {
  auto sink = OpenSink("postgresql://billpipe@127.0.0.1:1/db?connect_timeout=2");
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, ErrorCode::kRetryable);
  EXPECT_EQ(sink.error().message.rfind("Could not connect to PostgreSQL: connection to server at \"127.0.0.1\", "
                                       "port 1 failed: Connection refused",
                                       0),
            0u)
      << sink.error().message;
}

TEST_F(PostgresSinkTest, TheDestinationStringOpensThePostgresSink) {
  auto by_keywords = OpenSink("postgresql:" + schema_->conninfo());
  ASSERT_TRUE(by_keywords) << by_keywords.error().message;
  EXPECT_EQ((*by_keywords)->Describe().rfind("postgresql://billpipe@127.0.0.1:", 0), 0u);
}

// Issue 15: names that differ only in case are one dataset name, as in the SQLite sink and the catalog.
TEST_F(PostgresSinkTest, DatasetNamesThatDifferOnlyInCaseAreRefused) {
  auto sink = Open();
  ASSERT_TRUE(sink);
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(1575158400000), Dec("1.5"), Text("x")}}), {}, 1, "costs");
  auto txn = sink->Begin("Costs", kRoles);
  ASSERT_FALSE(txn);
  EXPECT_EQ(txn.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn.error().message, "Dataset 'Costs' cannot be written to " + sink->Describe() +
                                     ": it holds dataset 'costs', and names that differ only in case are one name. "
                                     "Use that name, or another one.");
  EXPECT_EQ(Q("SELECT count(*) FROM pg_class WHERE relname LIKE 'Costs%'"), V({"0"}));
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM costs"), V({"1.5"}));
  {
    auto same = sink->Begin("costs", kRoles);  // the same name is fine
    EXPECT_TRUE(same) << same.error().message;
  }
  // Once "costs" is dropped, the name is free in any case.
  ASSERT_TRUE(sink->DropDataset("costs"));
  LoadSegment(*sink, Key("2019-12-01", "a1"), TestBatch({{Ts(1575158400000), Dec("2.5"), Text("x")}}), {}, 1, "Costs");
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM \"Costs\""), V({"2.5"}));
}

// Issue 15: a password stored in the catalog reaches libpq as a parameter (never in the destination) and
// wins over PGPASSWORD; without one, a role that needs a password is refused with kAuth.
TEST_F(PostgresSinkTest, AStoredPasswordIsSentToTheServer) {
  const char* role = std::getenv("BILLPIPE_TEST_PG_PASSWORD_ROLE");
  ASSERT_NE(role, nullptr) << "testing/postgres.sh exports BILLPIPE_TEST_PG_PASSWORD_ROLE";
  const std::string password = "pg-stored-Secret-7f3a";
  auto& admin = schema_->admin();
  admin.One(fmt::format("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{0}') THEN CREATE ROLE {0} "
                        "LOGIN; END IF; END $$", role));
  EXPECT_EQ(admin.One(fmt::format("ALTER ROLE {} PASSWORD '{}'", role, password)), "");
  std::string schema = schema_->conninfo().substr(schema_->conninfo().find("search_path=") + 12);
  schema.pop_back();  // the closing quote
  EXPECT_EQ(admin.One(fmt::format("GRANT USAGE, CREATE ON SCHEMA {} TO {}", schema, role)), "");
  std::string conninfo = schema_->conninfo() + " user=" + role;
  unsetenv("PGPASSWORD");
  setenv("PGPASSFILE", "/nonexistent/billpipe-test-pgpass", 1);

  auto without = OpenSink("postgresql:" + conninfo, clock_);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, ErrorCode::kAuth) << without.error().message;
  EXPECT_NE(without.error().message.find("Check the user, and the password in PGPASSWORD or ~/.pgpass."),
            std::string::npos) << without.error().message;

  setenv("PGPASSWORD", "wrong-password", 1);
  auto wrong = OpenSink("postgresql:" + conninfo, clock_, "not-" + password);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kAuth);
  EXPECT_NE(wrong.error().message.find("Check the user, and the password stored for the destination."),
            std::string::npos) << wrong.error().message;
  EXPECT_EQ(wrong.error().message.find(password), std::string::npos);

  auto sink = OpenSink("postgresql:" + conninfo, clock_, password);  // wins over the wrong PGPASSWORD
  unsetenv("PGPASSWORD");
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ((*sink)->Describe().rfind(std::string("postgresql://") + role + "@127.0.0.1:", 0), 0u);
  EXPECT_EQ((*sink)->Describe().find(password), std::string::npos);
  LoadSegment(**sink, Key("2019-12-01", "a1"), TestBatch({{Ts(1575158400000), Dec("4.25"), Text("x")}}));
  EXPECT_EQ(Q("SELECT sum(line_item_unblended_cost) FROM cur"), V({"4.25"}));
}

TEST(PostgresDestinationTest, DestinationsAreValidatedWithoutConnecting) {
  EXPECT_EQ(ValidateDestination("postgresql://billpipe@127.0.0.1:1/db"), DestinationKind::kPostgres);
  EXPECT_EQ(ValidateDestination("postgresql:host=/tmp dbname=x"), DestinationKind::kPostgres);
  EXPECT_EQ(ValidateDestination("clickhouse://u@127.0.0.1:1/db?cluster=c"), DestinationKind::kClickHouse);
  EXPECT_EQ(ValidateDestination("sqlite:/tmp/x.db"), DestinationKind::kSqlite);
  EXPECT_EQ(ValidateDestination("/tmp/x.db"), DestinationKind::kSqlite);
  auto pw = ValidateDestination("postgresql://u:pw@127.0.0.1/db");
  ASSERT_FALSE(pw);
  EXPECT_EQ(pw.error().message.rfind("The PostgreSQL destination contains a password.", 0), 0u);
  auto ch = ValidateDestination("clickhouse://u:pw@127.0.0.1/db");
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().message,
            "The ClickHouse destination contains a password. Passwords do not go on the command line: put it in "
            "CLICKHOUSE_PASSWORD, or store it in the catalog (billpipe dataset create ... --to-password-stdin), and "
            "leave it out of the destination.");
  auto kind = ValidateDestination("mysql://x");
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, ErrorCode::kInvalidArgument);
  auto sqlite_pw = OpenSink("sqlite:" + std::string(::testing::TempDir()) + "/pw.db", Clock::System(), "x");
  ASSERT_FALSE(sqlite_pw);
  EXPECT_EQ(sqlite_pw.error().message,
            "A SQLite destination takes no password: the password stored for the dataset is for a PostgreSQL or "
            "ClickHouse destination.");
}

}  // namespace
}  // namespace billpipe::sink
