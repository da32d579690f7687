// Rollups ("Fast charts", docs/datacenter.md): a run writes per-segment rollup rows with its rows, and the
// costs of a chart read from them equal the costs summed from the rows, per group, exactly — after
// replace, append, partition, a restore, retention, and a failed or killed run (which leave the old ones).
#include "app/costs.h"
#include "pipeline/rollup.h"
#include "pipeline/run.h"

#include <csignal>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_fixture.h"
#include "s3/local_dir_store.h"
#include "sink/sqlite_db.h"
#include "sink/sqlite_sink.h"
#include "sqlite_query.h"
#include "table/decimal.h"
#include "test_support.h"

namespace billpipe {
namespace {

using billpipe::testing::QueryOne;
using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;
using pipeline::testing::CurFixture;
using pipeline::testing::Line;

// "key date cost; ..." of a cost query, prefixed by its source: "rollup: AmazonEC2 2019-11-01 3.0; ...".
std::string CostsText(const std::string& db, const std::string& dataset, const std::string& group,
                      const std::string& granularity, const std::string& source = "auto",
                      const std::string& start = "", const std::string& end = "") {
  app::CostQuery q;
  q.group_by = group;
  q.granularity = granularity;
  q.source = source;
  q.start = start;
  q.end = end;
  auto costs = app::DatasetCosts("sqlite:" + db, dataset, q);
  if (!costs) return "error: " + costs.error().message;
  std::string out = costs->source + ":";
  for (const auto& s : costs->series) {
    for (const auto& p : s.points) out += " " + s.key + " " + p.date + " " + p.cost + ";";
  }
  return out;
}

// (key, date) -> cost, as values (1.5 == 1.50).
std::map<std::pair<std::string, std::string>, table::Decimal> CostValues(const std::string& db,
                                                                         const std::string& dataset,
                                                                         const app::CostQuery& q) {
  std::map<std::pair<std::string, std::string>, table::Decimal> out;
  auto costs = app::DatasetCosts("sqlite:" + db, dataset, q);
  EXPECT_TRUE(costs) << costs.error().message;
  if (!costs) return out;
  for (const auto& s : costs->series) {
    for (const auto& p : s.points) out[{s.key, p.date}] = *table::Decimal::Parse(p.cost);
  }
  return out;
}

// The rollup answers every grouping and granularity, and each answer equals the rows' to the digit.
void ExpectRollupEqualsRows(const std::string& db, const std::string& dataset) {
  for (std::string group : {"service", "account", "region", "usage_type", "line_item_type"}) {
    for (std::string granularity : {"day", "month"}) {
      SCOPED_TRACE(group + " by " + granularity);
      app::CostQuery q;
      q.group_by = group;
      q.granularity = granularity;
      auto costs = app::DatasetCosts("sqlite:" + db, dataset, q);
      ASSERT_TRUE(costs) << costs.error().message;
      EXPECT_EQ(costs->source, "rollup");
      auto rolled = CostValues(db, dataset, q);
      q.source = "rows";
      auto rows = CostValues(db, dataset, q);
      EXPECT_EQ(rolled, rows);
      EXPECT_FALSE(rolled.empty());
    }
  }
}

class RollupRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "s3/billing");
    store_ = *s3::LocalDirStore::Create({dir_.path() / "s3", false});
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  pipeline::RunRequest Request(std::string start, std::string end,
                               pipeline::UpdateMethod update = pipeline::UpdateMethod::kReplace) {
    pipeline::RunRequest r;
    r.dataset = "costs";
    r.bucket = "billing";
    r.prefix = "cur";
    r.report_name = "daily";
    r.duration = pipeline::Duration{*pipeline::DateSpec::Parse(start), *pipeline::DateSpec::Parse(end)};
    r.update = update;
    r.workers = 2;
    return r;
  }

  Result<pipeline::RunSummary> Run(const pipeline::RunRequest& r) {
    pipeline::RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return pipeline::RunDataset(r, env);
  }

  std::string Costs(const std::string& group = "service", const std::string& granularity = "month") {
    return CostsText(db_, "costs", group, granularity);
  }
  // Rollup rows, and the segments with a rollup, as "rows|segments".
  std::string RollupSize() {
    return QueryOne(db_, "SELECT (SELECT count(*) FROM _billpipe_rollups) || '|' || "
                         "(SELECT count(*) FROM _billpipe_rollup_segments)");
  }

  TempDir dir_;
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(std::chrono::milliseconds(1576843200000))};  // 2019-12-20T12:00:00Z
  CurFixture cur_{dir_.path() / "s3/billing"};
  std::unique_ptr<s3::LocalDirStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
};

std::vector<Line> Days(int month, int from, int to, const std::string& cost, const std::string& product = "AmazonEC2",
                       const std::string& invoice = "") {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2019-%02d-%02dT%02d:00:00Z", month, d, d % 24);
    out.push_back(Line{ts, cost, invoice, product, ""});
  }
  return out;
}

TEST_F(RollupRunTest, ReplaceWritesOneRowPerDayAndGroupWithExactSums) {
  // November in two files: EC2 on days 1-3 in both (two lines a day), S3 on days 2-3 in one.
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 3, "1.2500000000"), Days(11, 1, 3, "0.0000000001")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 2, "2.5000000000", "AmazonS3")});
  auto s = Run(Request("2019-11-01", "2019-12-31"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(QueryOne(db_, "SELECT group_concat(day || ' ' || service || ' ' || line_items || ' ' || cost || ' ' || "
                          "usage_amount || ' [' || account || region || usage_type || line_item_type || ']', '; ') "
                          "FROM (SELECT * FROM _billpipe_rollups ORDER BY day, service)"),
            "2019-11-01 AmazonEC2 2 1.2500000001 0 []; 2019-11-02 AmazonEC2 2 1.2500000001 0 []; "
            "2019-11-03 AmazonEC2 2 1.2500000001 0 []; 2019-12-01 AmazonS3 1 2.5000000000 0 []; "
            "2019-12-02 AmazonS3 1 2.5000000000 0 []");
  EXPECT_EQ(RollupSize(), "5|2");
  EXPECT_EQ(Costs(), "rollup: AmazonEC2 2019-11-01 3.7500000003; AmazonS3 2019-12-01 5.0000000000;");
  EXPECT_EQ(Costs("service", "day"),
            "rollup: AmazonEC2 2019-11-01 1.2500000001; AmazonEC2 2019-11-02 1.2500000001; AmazonEC2 2019-11-03 "
            "1.2500000001; AmazonS3 2019-12-01 2.5000000000; AmazonS3 2019-12-02 2.5000000000;");
  EXPECT_EQ(CostsText(db_, "costs", "service", "day", "auto", "2019-11-03", "2019-12-01"),
            "rollup: AmazonEC2 2019-11-03 1.2500000001; AmazonS3 2019-12-01 2.5000000000;");
  // The rows say the same (as REAL they keep 15 digits, which these costs fit).
  EXPECT_EQ(CostsText(db_, "costs", "service", "month", "rows"),
            "rows: AmazonEC2 2019-11-01 3.75000000030; AmazonS3 2019-12-01 5.0;");
  ExpectRollupEqualsRows(db_, "costs");

  // A new November assembly replaces November's rollup with the rows; the old one stays for the kept
  // version (keep_versions 1), and goes when that version does.
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 4, "1.0000000000", "AmazonRDS")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31")));
  EXPECT_EQ(Costs(), "rollup: AmazonRDS 2019-11-01 4.0000000000; AmazonS3 2019-12-01 5.0000000000;");
  EXPECT_EQ(RollupSize(), "9|3");
  ExpectRollupEqualsRows(db_, "costs");
  cur_.WritePeriod(2019, 11, "a3", {Days(11, 1, 1, "7.0000000000", "AmazonRDS")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31")));
  EXPECT_EQ(Costs(), "rollup: AmazonRDS 2019-11-01 7.0000000000; AmazonS3 2019-12-01 5.0000000000;");
  EXPECT_EQ(RollupSize(), "7|3");  // a1's segment and its rollup are past the retention
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM _billpipe_rollups WHERE segment_id NOT IN "
                          "(SELECT id FROM _billpipe_segments)"),
            "0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM _billpipe_rollup_totals WHERE segment_id NOT IN "
                          "(SELECT id FROM _billpipe_segments)"),
            "0");
  // The totals by one dimension: November's by service, one row per day.
  EXPECT_EQ(QueryOne(db_, "SELECT group_concat(day || ' ' || value || ' ' || line_items || ' ' || cost, '; ') FROM "
                          "(SELECT * FROM _billpipe_rollup_totals WHERE dimension = 'service' AND day < '2019-12-01' "
                          "AND segment_id = (SELECT max(segment_id) FROM _billpipe_rollup_totals) ORDER BY day)"),
            "2019-11-01 AmazonRDS 1 7.0000000000");

  // Restore brings back version 2's rollup with its rows.
  ASSERT_TRUE(sink_->Restore("costs", 2));
  EXPECT_EQ(Costs(), "rollup: AmazonRDS 2019-11-01 4.0000000000; AmazonS3 2019-12-01 5.0000000000;");
  ExpectRollupEqualsRows(db_, "costs");

  // Dropping the dataset drops its rollup.
  ASSERT_TRUE(sink_->DropDataset("costs"));
  EXPECT_EQ(RollupSize(), "0|0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM _billpipe_rollup_totals"), "0");
}

TEST_F(RollupRunTest, AppendAddsTheNewVersionsRollup) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 10, "1")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31", pipeline::UpdateMethod::kAppend)));
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 11, 12, "0.5", "AmazonS3"), Days(12, 1, 1, "0.25")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31", pipeline::UpdateMethod::kAppend)));
  EXPECT_EQ(Costs(), "rollup: AmazonEC2 2019-12-01 10.25; AmazonS3 2019-12-01 1.0;");
  EXPECT_EQ(Costs("service", "day").substr(0, 37), "rollup: AmazonEC2 2019-12-01 1.25; Am");
  ExpectRollupEqualsRows(db_, "costs");
}

TEST_F(RollupRunTest, PartitionKeepsTheRollupOfPeriodsOutsideTheWindow) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31", pipeline::UpdateMethod::kPartition)));
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 20, "3", "AmazonS3")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31", pipeline::UpdateMethod::kPartition)));
  EXPECT_EQ(Costs(), "rollup: AmazonEC2 2019-11-01 30; AmazonS3 2019-12-01 60;");
  ExpectRollupEqualsRows(db_, "costs");
  // Replace with December's window drops November, its rollup with it.
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31")));
  EXPECT_EQ(Costs(), "rollup: AmazonS3 2019-12-01 60;");
}

TEST_F(RollupRunTest, FailedRunLeavesTheOldRollup) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31")));
  const std::string before = Costs("service", "day");
  const std::string size = RollupSize();
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 30, "5")});
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 19, "5"), Days(12, 1, 19, "5")});
  CurFixture::WriteFile(dir_.path() / "s3/billing/cur/daily/20191201-20200101/b2/daily-2.csv.gz", "not gzip at all");
  auto s = Run(Request("2019-11-01", "2019-12-31"));
  ASSERT_FALSE(s);
  EXPECT_EQ(Costs("service", "day"), before);
  EXPECT_EQ(RollupSize(), size);
  EXPECT_EQ(Costs(), "rollup: AmazonEC2 2019-11-01 30; AmazonEC2 2019-12-01 38;");
}

TEST_F(RollupRunTest, SegmentsLoadedBeforeRollupsAreReadFromTheRows) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31", pipeline::UpdateMethod::kPartition)));
  // As a file written before rollups existed: no rollup for its segments.
  sink_.reset();
  {
    auto db = *sink::SqliteDb::Open(db_);
    ASSERT_TRUE(db->Exec("DROP TABLE _billpipe_rollups; DROP TABLE _billpipe_rollup_totals; "
                         "DROP TABLE _billpipe_rollup_segments;"));
  }
  EXPECT_EQ(Costs(), "rows: AmazonEC2 2019-11-01 30.0; AmazonEC2 2019-12-01 38.0;");
  sink_ = *sink::SqliteSink::Open(db_, clock_);  // creates the tables, empty
  EXPECT_EQ(Costs(), "rows: AmazonEC2 2019-11-01 30.0; AmazonEC2 2019-12-01 38.0;");
  // A partition run rolls up the period it loads; November has no rollup yet: still the rows.
  cur_.WritePeriod(2019, 12, "b2", {Days(12, 1, 19, "3")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31", pipeline::UpdateMethod::kPartition)));
  EXPECT_EQ(Costs(), "rows: AmazonEC2 2019-11-01 30.0; AmazonEC2 2019-12-01 57.0;");
  // Once every period of the current version has one, the rollup answers.
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 30, "1")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-12-31", pipeline::UpdateMethod::kPartition)));
  EXPECT_EQ(Costs(), "rollup: AmazonEC2 2019-11-01 30; AmazonEC2 2019-12-01 57;");
  ExpectRollupEqualsRows(db_, "costs");
}

TEST_F(RollupRunTest, BadQueriesAreRefusedNamingTheChoices) {
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 2, "1")});
  ASSERT_TRUE(Run(Request("2019-12-01", "2019-12-31")));
  EXPECT_EQ(CostsText(db_, "costs", "colour", "day"),
            "error: Unknown group_by 'colour': give service, account, region, usage_type or line_item_type.");
  EXPECT_EQ(CostsText(db_, "costs", "service", "week"), "error: Unknown granularity 'week': give day or month.");
  EXPECT_EQ(CostsText(db_, "costs", "service", "day", "cache"), "error: Unknown source 'cache': give auto or rows.");
  EXPECT_EQ(CostsText(db_, "other", "service", "day"), "error: Dataset 'other' has no data yet: run it first.");
  app::CostQuery q;
  EXPECT_EQ(app::DatasetCosts("clickhouse://localhost:8123/db", "costs", q).error().message,
            "Cost charts are served for SQLite destinations only, for now (docs/datacenter.md): this dataset loads "
            "into clickhouse.");
}

// A run killed after Publish (before Commit) leaves the old rollup; the next run replaces it.
TEST(RollupKillTest, KilledRunLeavesTheOldRollup) {
  TempDir dir;
  CurFixture cur(dir.path() / "s3/billing");
  const std::string home = (dir.path() / "home").string();
  const std::string db = home + "/billpipe.db";
  auto run = [&](const std::vector<std::string>& env_extra) {
    std::vector<std::string> env = {"BILLPIPE_HOME=" + home};
    env.insert(env.end(), env_extra.begin(), env_extra.end());
    return RunBillpipe({"run", "--from-dir", (dir.path() / "s3").string(), "--bucket", "billing", "--prefix", "cur",
                        "--report-name", "daily", "--start", "2019-11-01", "--end", "2019-11-30", "--workers", "2"},
                       env);
  };
  cur.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "0.01")});
  auto first = run({});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(CostsText(db, "daily", "service", "month"), "rollup: AmazonEC2 2019-11-01 0.30;");
  cur.WritePeriod(2019, 11, "a2", {Days(11, 1, 30, "0.02", "AmazonS3")});
  for (std::string step : {"batch:1", "published:1"}) {
    auto killed = run({"BILLPIPE_TEST_KILL_AT=" + step});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << step << ": " << killed.err;
    EXPECT_EQ(CostsText(db, "daily", "service", "month"), "rollup: AmazonEC2 2019-11-01 0.30;") << step;
  }
  auto next = run({});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(CostsText(db, "daily", "service", "month"), "rollup: AmazonS3 2019-11-01 0.60;");
  ExpectRollupEqualsRows(db, "daily");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM _billpipe_rollups WHERE segment_id NOT IN "
                         "(SELECT segment_id FROM _billpipe_version_segments)"),
            "0");
}

// Generated reports of every kind: the rollup's totals are the generator's, exactly.
class RollupCurgenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RollupCurgenTest, RollupTotalsAreTheGenerators) {
  TempDir dir;
  const std::string kind = GetParam();
  auto gen = RunBillpipe({"curgen", "--out", (dir.path() / "s3/billing").string(), "--bucket", "billing", "--prefix",
                          "cur", "--report-name", "gen", "--start-month", "2026-08", "--months", "2", "--line-items",
                          "3000", "--files", "2", "--kind", kind, "--quiet"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::ifstream in(dir.path() / "s3/billing/expected.json");
  const auto expected = nlohmann::json::parse(in);
  FakeClock clock{SysTime(std::chrono::milliseconds(1795000000000))};  // 2026-11-17
  auto store = *s3::LocalDirStore::Create({dir.path() / "s3", false});
  const std::string db = (dir.path() / "data.db").string();
  auto destination = *sink::SqliteSink::Open(db, clock);
  pipeline::RunRequest req;
  req.dataset = "gen";
  req.bucket = "billing";
  req.prefix = "cur";
  req.report_name = "gen";
  req.duration = pipeline::Duration{*pipeline::DateSpec::Parse("2026-08-01"), *pipeline::DateSpec::Parse("2026-09-30")};
  req.workers = 2;
  pipeline::RunEnvironment env{*store, *destination, clock, dir.path() / "locks", nullptr, nullptr, nullptr, nullptr};
  auto s = pipeline::RunDataset(req, env);
  ASSERT_TRUE(s) << s.error().message;

  app::CostQuery q;
  q.group_by = "service";
  q.granularity = "month";
  auto by_service = CostValues(db, "gen", q);
  q.group_by = "line_item_type";
  auto by_type = CostValues(db, "gen", q);
  q.group_by = "account";
  q.granularity = "day";
  auto by_account_day = CostValues(db, "gen", q);
  for (const auto& p : expected["periods"]) {
    const std::string month = p["billing_period_start"].get<std::string>().substr(0, 10);
    SCOPED_TRACE(month);
    for (const auto& [code, totals] : p["by_product_code"].items()) {
      EXPECT_EQ(by_service[std::pair(code, month)], *table::Decimal::Parse(totals["unblended_cost"].get<std::string>())) << code;
    }
    if (kind == "legacy" || kind == "cur2") {  // FOCUS has ChargeCategory instead
      for (const auto& [type, totals] : p["by_line_item_type"].items()) {
        EXPECT_EQ(by_type[std::pair(type, month)], *table::Decimal::Parse(totals["unblended_cost"].get<std::string>())) << type;
      }
    }
    for (const auto& [day, totals] : p["by_usage_day"].items()) {
      table::Decimal sum;
      for (const auto& [key, cost] : by_account_day) {
        if (key.second == day) sum = *table::Decimal::Add(sum, cost);
      }
      EXPECT_EQ(sum, *table::Decimal::Parse(totals["unblended_cost"].get<std::string>())) << day;
    }
  }
  // Every grouping has real keys (not one "" group), and the rollup equals the rows.
  for (std::string group : {"service", "account", "region", "usage_type", "line_item_type"}) {
    app::CostQuery g;
    g.group_by = group;
    auto costs = app::DatasetCosts("sqlite:" + db, "gen", g);
    ASSERT_TRUE(costs);
    EXPECT_GT(costs->series.size(), 1u) << group;
  }
  ExpectRollupEqualsRows(db, "gen");
  if (kind == "legacy") {
    // The usage amounts too.
    table::Decimal usage;
    auto sqlite = *sink::SqliteDb::Open(db);
    auto stmt = *sqlite->Prepare("SELECT usage_amount FROM _billpipe_rollups WHERE day < '2026-09-01'");
    while (*stmt->Step()) usage = *table::Decimal::Add(usage, *table::Decimal::Parse(stmt->ColumnText(0)));
    EXPECT_EQ(usage, *table::Decimal::Parse(expected["periods"][0]["usage_amount"].get<std::string>()));
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, RollupCurgenTest, ::testing::Values("legacy", "cur2", "focus"));

TEST(MapValueTest, ReadsAKeyOfAJsonObject) {
  EXPECT_EQ(pipeline::MapValue(R"({"sku":"X","region":"us-east-1"})", "region"), "us-east-1");
  EXPECT_EQ(pipeline::MapValue(R"({"a":"region", "region" : "eu-west-1"})", "region"), "eu-west-1");
  EXPECT_EQ(pipeline::MapValue(R"({"note":"say \"region\": x","region":"ap-south-1"})", "region"), "ap-south-1");
  EXPECT_EQ(pipeline::MapValue(R"({"sku":"X"})", "region"), "");
  EXPECT_EQ(pipeline::MapValue(R"({"region":7})", "region"), "");
  EXPECT_EQ(pipeline::MapValue("", "region"), "");
}

}  // namespace
}  // namespace billpipe
