#include "pipeline/run.h"
#include "pipeline/verify.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "counting_store.h"
#include "cur_fixture.h"
#include "s3/local_dir_store.h"
#include "sink/sqlite_sink.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

using testing::CurFixture;
using testing::Line;

std::vector<std::string> Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out.push_back(std::string("error: ") + sqlite3_errmsg(db));
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        auto t = sqlite3_column_text(stmt, c);
        row += (c ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      out.push_back(row);
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "s3/billing");
    store_ = *s3::LocalDirStore::Create({dir_.path() / "s3", false});
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  RunRequest Request(std::string start, std::string end, Filter filter = Filter::kAll,
                     UpdateMethod update = UpdateMethod::kReplace) {
    RunRequest r;
    r.dataset = "costs";
    r.bucket = "billing";
    r.prefix = "cur";
    r.report_name = "daily";
    r.filter = filter;
    r.duration = Duration{*DateSpec::Parse(start), *DateSpec::Parse(end)};
    r.update = update;
    r.workers = 2;
    return r;
  }

  Result<RunSummary> Run(const RunRequest& r) {
    RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return RunDataset(r, env);
  }

  std::string Total() { return Query(db_, "SELECT count(*), printf('%.10f', sum(line_item_unblended_cost)) FROM costs")[0]; }

  billpipe::testing::TempDir dir_;
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(std::chrono::milliseconds(1576843200000))};  // 2019-12-20T12:00:00Z
  CurFixture cur_{dir_.path() / "s3/billing"};
  std::unique_ptr<s3::LocalDirStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
};

std::vector<Line> Days(int month, int from, int to, const std::string& cost, const std::string& invoice = "") {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2019-%02d-%02dT00:00:00Z", month, d);
    out.push_back(Line{ts, cost, invoice, "AmazonEC2", ""});
  }
  return out;
}

TEST_F(RunTest, LoadsOnlyTheNewestAssemblyOfEachPeriod) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 10, "1.0000000000", "INV1")});
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 20, "1.0000000000", "INV1"), Days(11, 21, 30, "0.5000000000", "INV1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2.2500000000")});
  auto s = Run(Request("2019-11-01", "2019-12-31"));
  ASSERT_TRUE(s) << s.error().message;
  // November: 20 x 1 + 10 x 0.5 from a2 only; December: 19 x 2.25.
  EXPECT_EQ(Total(), "49|67.7500000000");
  ASSERT_EQ(s->periods.size(), 2u);
  EXPECT_EQ(s->periods[0].period, "2019-11");
  EXPECT_EQ(s->periods[0].version_key, "a2");
  EXPECT_EQ(s->periods[0].status, "final");
  EXPECT_EQ(s->periods[0].line_items_loaded, 30);
  EXPECT_EQ(s->periods[0].unblended_cost, "25.0000000000");
  EXPECT_EQ(s->periods[1].status, "estimated");
  EXPECT_EQ(s->periods[1].unblended_cost, "42.7500000000");
  EXPECT_EQ(s->line_items_loaded, 49);
  EXPECT_EQ(s->version, 1);
  EXPECT_EQ(Query(db_, "SELECT product_product_name FROM costs LIMIT 1")[0], "Amazon Elastic Compute Cloud, \"EC2\"");
  EXPECT_EQ(Query(db_, "SELECT min(line_item_usage_start_date) FROM costs")[0], "2019-11-01T00:00:00Z");
}

TEST_F(RunTest, SecondRunWithNothingNewChangesNothing) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "1")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31")));
  auto again = Run(Request("2019-12-01", "2019-12-31"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->version, 0);
  EXPECT_EQ(again->message, "Nothing new: every period in the window is up to date.");
  ASSERT_EQ(again->periods.size(), 1u);
  EXPECT_EQ(again->periods[0].action, "unchanged");
  EXPECT_EQ(Total(), "19|19.0000000000");
}

TEST_F(RunTest, NoOpRunReadsOnlyListingsAndManifests) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1"), Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31")));
  billpipe::testing::CountingStore counting(*store_);
  RunEnvironment env{counting, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
  auto again = RunDataset(Request("2019-11-01", "2019-12-31"), env);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->version, 0);
  EXPECT_EQ(counting.opens, 0);       // no data file is read
  EXPECT_EQ(counting.heads, 0);       // nor asked about
  EXPECT_EQ(counting.small_gets, 2);  // the two top-level manifests
  EXPECT_EQ(counting.lists, 3);       // the report folder, then each period folder
}

TEST_F(RunTest, FiltersInvoicedAndEstimatedLines) {
  auto lines = Days(11, 1, 4, "1.5", "INV1");
  auto est = Days(11, 5, 7, "0.25", "Estimated");  // the old Detailed Billing Report's marker
  lines.insert(lines.end(), est.begin(), est.end());
  auto blank = Days(11, 8, 8, "10");
  lines.insert(lines.end(), blank.begin(), blank.end());
  cur_.WritePeriod(2019, 11, "a1", {lines});
  auto inv = Run(Request("2019-11-01", "2019-11-30", Filter::kInvoiced));
  ASSERT_TRUE(inv) << inv.error().message;
  EXPECT_EQ(Total(), "4|6.0000000000");
  EXPECT_EQ(inv->filtered_out, 4);
  auto est_run = Run(Request("2019-11-01", "2019-11-30", Filter::kEstimated));
  ASSERT_TRUE(est_run) << est_run.error().message;
  EXPECT_EQ(Total(), "4|10.7500000000");
}

TEST_F(RunTest, RelativeWindowKeepsOnlyLinesThatStartInIt) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  // Today is 2019-12-20: 25 days back is 2019-11-25, 10 days back 2019-12-10.
  auto s = Run(Request("25d", "10d"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->window, "2019-11-25 to 2019-12-10");
  EXPECT_EQ(Total(), "16|26.0000000000");  // Nov 25-30 (6 x 1) + Dec 1-10 (10 x 2)
}

TEST_F(RunTest, NewAssemblyReplacesThePeriodWithoutDuplicates) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 10, "1")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31")));
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 15, "1")});
  auto s = Run(Request("2019-12-01", "2019-12-31"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(Total(), "15|15.0000000000");
  EXPECT_EQ(s->version, 2);
  ASSERT_TRUE(sink_->Restore("costs", 1));
  EXPECT_EQ(Total(), "10|10.0000000000");
}

TEST_F(RunTest, FinalThenNewVersionIsRestated) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  auto first = Run(Request("2019-11-01", "2019-11-30"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->periods[0].status, "estimated");
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 30, "1", "INV9")});
  auto second = Run(Request("2019-11-01", "2019-11-30"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->periods[0].status, "final");
  cur_.WritePeriod(2019, 11, "a3", {Days(11, 1, 30, "1", "INV9"), {Line{"2019-11-30T00:00:00Z", "-3", "INV9", "AmazonEC2", ""}}});
  auto third = Run(Request("2019-11-01", "2019-11-30"));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->periods[0].status, "restated");
  EXPECT_EQ(Total(), "31|27.0000000000");
}

TEST_F(RunTest, PartitionKeepsPeriodsOutsideTheWindow) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31", Filter::kAll, UpdateMethod::kPartition)));
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 20, "2")});
  auto s = Run(Request("2019-12-01", "2019-12-31", Filter::kAll, UpdateMethod::kPartition));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(Total(), "50|70.0000000000");
  // Replace with the same window drops November.
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31")));
  EXPECT_EQ(Total(), "20|40.0000000000");
}

TEST_F(RunTest, AppendAddsNewVersionsOnlyOnce) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 10, "1")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31", Filter::kAll, UpdateMethod::kAppend)));
  auto again = Run(Request("2019-12-01", "2019-12-31", Filter::kAll, UpdateMethod::kAppend));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->periods[0].action, "already appended");
  EXPECT_EQ(Total(), "10|10.0000000000");
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 11, 12, "1")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31", Filter::kAll, UpdateMethod::kAppend)));
  EXPECT_EQ(Total(), "12|12.0000000000");
}

TEST_F(RunTest, SchemaDriftAddsColumnsAndKeepsOldRows) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 2, "1")});
  auto dec = Days(12, 1, 2, "1");
  for (auto& l : dec) l.tag = "web, api";
  cur_.WritePeriod(2019, 12, "b1", {dec}, /*with_tag=*/true);
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31")));
  EXPECT_EQ(Query(db_, "SELECT billing_period, resource_tags_user_team FROM costs ORDER BY line_item_usage_start_date"),
            (std::vector<std::string>{"2019-11-01|NULL", "2019-11-01|NULL", "2019-12-01|web, api",
                                      "2019-12-01|web, api"}));
}

TEST_F(RunTest, OverwriteModeUsesTheManifestEtagAsVersion) {
  cur_.WritePeriod(2019, 12, "same-id", {Days(12, 1, 5, "1")}, false, /*overwrite=*/true);
  auto first = Run(Request("2019-12-01", "2019-12-31"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->periods[0].version_key.front(), '"');  // an ETag
  cur_.WritePeriod(2019, 12, "same-id", {Days(12, 1, 7, "1")}, false, /*overwrite=*/true);
  auto second = Run(Request("2019-12-01", "2019-12-31"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->periods[0].action, "loaded");
  EXPECT_EQ(Total(), "7|7.0000000000");
}

TEST_F(RunTest, CorruptFileFailsTheRunAndLeavesTheDatasetAsItWas) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31")));
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 30, "5")});
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 19, "5"), Days(12, 1, 19, "5")});
  CurFixture::WriteFile(dir_.path() / "s3/billing/cur/daily/20191201-20200101/b2/daily-2.csv.gz", "not gzip at all");
  auto s = Run(Request("2019-11-01", "2019-12-31"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kBadData);
  EXPECT_NE(s.error().message.find("daily-2.csv.gz"), std::string::npos) << s.error().message;
  EXPECT_EQ(Total(), "49|68.0000000000");
  EXPECT_EQ(Query(db_, "SELECT count(*) FROM _billpipe_versions")[0], "1");
}

TEST_F(RunTest, ManifestNamingAMissingFileFailsBeforeLoading) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  std::filesystem::remove(dir_.path() / "s3/billing/cur/daily/20191201-20200101/b1/daily-1.csv.gz");
  auto s = Run(Request("2019-12-01", "2019-12-31"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().key, "cur/daily/20191201-20200101/b1/daily-1.csv.gz");
  EXPECT_EQ(s.error().message.rfind("period 2019-12 (s3://billing/cur/daily/20191201-20200101/daily-Manifest.json): ", 0),
            0u) << s.error().message;
}

TEST_F(RunTest, WindowWithoutDataSaysSo) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  auto s = Run(Request("2019-06-01", "2019-06-30"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->message, "No report data in the window 2019-06-01 to 2019-06-30.");
  EXPECT_EQ(s->periods[0].action, "no report yet");
}

TEST_F(RunTest, UnknownReportNameListsTheReportsThere) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  auto r = Request("2019-12-01", "2019-12-31");
  r.report_name = "hourly";
  auto s = Run(r);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().message, "report \"hourly\" was not found under s3://billing/cur/. Reports there: daily");
}

TEST_F(RunTest, StartAfterEndIsRefusedBeforeAnyDownload) {
  auto s = Run(Request("2019-12-10", "2019-12-01"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace billpipe::pipeline

namespace billpipe::pipeline {
namespace {

class VerifyTest : public RunTest {};

TEST_F(VerifyTest, LoadedDatasetMatchesS3) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "0.3333333333")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  auto req = Request("2019-11-15", "2019-12-31", Filter::kAll);
  ASSERT_TRUE(Run(req));
  // A newer assembly arrives: the loaded one is still checked, from its own manifest.
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 20, "2")});
  RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
  auto report = VerifyDataset(req, env);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok()) << FormatVerifyReport(*report);
  ASSERT_EQ(report->periods.size(), 2u);
  EXPECT_EQ(report->periods[0].s3_line_items, 16);
  EXPECT_EQ(report->periods[0].s3_unblended_cost, "5.3333333328");
  EXPECT_EQ(report->periods[1].version_key, "b1");
  EXPECT_EQ(report->periods[1].stored_rows, 19);
}

TEST_F(VerifyTest, TamperedRowsAreReported) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  auto req = Request("2019-12-01", "2019-12-31");
  ASSERT_TRUE(Run(req));
  sqlite3* db = nullptr;
  sqlite3_open(db_.c_str(), &db);
  // The period's only segment is the first one: table costs__s1.
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM costs__s1 WHERE rowid = (SELECT min(rowid) FROM costs__s1)", nullptr,
                         nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
  auto report = VerifyDataset(req, env);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(FormatVerifyReport(*report),
            "2019-12 MISMATCH: S3 has 19 line items costing 38, the dataset holds 18 rows costing "
            "36.0000000000\nDataset costs does not match S3. Run billpipe run to load the newest versions.\n");
}

}  // namespace
}  // namespace billpipe::pipeline
