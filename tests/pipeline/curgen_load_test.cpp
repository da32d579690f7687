// Generated reports (billpipe curgen) loaded end to end, compared with the generator's expected.json:
// line items and cost exactly, per period, per product code and per filter.
#include <sqlite3.h>

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/run.h"
#include "s3/local_dir_store.h"
#include "sink/sqlite_sink.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;

struct Layout {
  std::string name;
  std::vector<std::string> curgen_args;
};

class CurgenLoadTest : public ::testing::TestWithParam<Layout> {
 protected:
  void Generate(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"curgen", "--out", (dir_.path() / "s3/billing").string(), "--bucket", "billing",
                                    "--prefix", "cur", "--report-name", "gen", "--start-month", "2026-08", "--quiet"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = RunBillpipe(all);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(dir_.path() / "s3/billing/expected.json");
    expected_ = nlohmann::json::parse(in);
  }

  Result<RunSummary> Load(Filter filter, const std::string& table) {
    RunRequest req;
    req.dataset = table;
    req.bucket = "billing";
    req.prefix = "cur";
    req.report_name = "gen";
    req.filter = filter;
    req.duration = Duration{*DateSpec::Parse("2026-08-01"), *DateSpec::Parse("2026-11-30")};
    req.workers = 2;
    RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return RunDataset(req, env);
  }

  double QueryDouble(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    double v = NAN;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      v = sqlite3_column_double(stmt, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
  }

  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "s3/billing");
    store_ = *s3::LocalDirStore::Create({dir_.path() / "s3", false});
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  TempDir dir_;
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(std::chrono::milliseconds(1795000000000))};  // 2026-11-17
  std::unique_ptr<s3::LocalDirStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
  nlohmann::json expected_;
};

void ExpectNear(double actual, const std::string& exact, const std::string& what) {
  double e = std::strtod(exact.c_str(), nullptr);
  EXPECT_LE(std::abs(actual - e), 1e-9 * std::max(1.0, std::abs(e))) << what << ": " << actual << " vs " << exact;
}

TEST_P(CurgenLoadTest, TotalsMatchTheGenerator) {
  Generate(GetParam().curgen_args);
  auto all = Load(Filter::kAll, "everything");
  ASSERT_TRUE(all) << all.error().message;
  const auto& periods = expected_["periods"];
  ASSERT_EQ(all->periods.size(), 4u);  // August to November; months past the generated ones have no report
  int64_t rows = 0;
  for (size_t i = 0; i < periods.size(); ++i) {
    const auto& p = periods[i];
    SCOPED_TRACE(p["period"].get<std::string>());
    EXPECT_EQ(all->periods[i].line_items_loaded, p["rows"].get<int64_t>());
    EXPECT_EQ(all->periods[i].unblended_cost, p["unblended_cost"].get<std::string>());
    EXPECT_EQ(all->periods[i].status, p["invoiced"].get<bool>() ? "final" : "estimated");
    rows += p["rows"].get<int64_t>();
    std::string bp = p["billing_period_start"].get<std::string>();
    for (const auto& [code, totals] : p["by_product_code"].items()) {
      std::string where = "billing_period = '" + bp + "' AND line_item_product_code = '" + code + "'";
      EXPECT_EQ(QueryDouble("SELECT count(*) FROM everything WHERE " + where), totals["rows"].get<double>()) << code;
      ExpectNear(QueryDouble("SELECT total(line_item_unblended_cost) FROM everything WHERE " + where),
                 totals["unblended_cost"].get<std::string>(), code);
    }
    ExpectNear(QueryDouble("SELECT total(line_item_blended_cost) FROM everything WHERE billing_period = '" + bp + "'"),
               p["blended_cost"].get<std::string>(), "blended");
    ExpectNear(QueryDouble("SELECT total(line_item_usage_amount) FROM everything WHERE billing_period = '" + bp + "'"),
               p["usage_amount"].get<std::string>(), "usage amount");
  }
  EXPECT_EQ(all->line_items_loaded, rows);
  EXPECT_EQ(QueryDouble("SELECT count(*) FROM everything"), static_cast<double>(rows));
  // The writer's time is accounted for: it inserted, and its waits and work fit in the run.
  EXPECT_GT(all->writer_busy_seconds, 0);
  EXPECT_GE(all->writer_first_batch_seconds, 0);
  EXPECT_GE(all->writer_wait_seconds, 0);
  EXPECT_LE(all->writer_first_batch_seconds + all->writer_wait_seconds + all->writer_busy_seconds, all->seconds);

  auto invoiced = Load(Filter::kInvoiced, "invoiced");
  ASSERT_TRUE(invoiced) << invoiced.error().message;
  auto estimated = Load(Filter::kEstimated, "estimated");
  ASSERT_TRUE(estimated) << estimated.error().message;
  for (size_t i = 0; i < periods.size(); ++i) {
    const auto& p = periods[i];
    EXPECT_EQ(invoiced->periods[i].line_items_loaded, p["with_invoice_id"]["rows"].get<int64_t>());
    EXPECT_EQ(invoiced->periods[i].unblended_cost == "0" ? "0.0000000000" : invoiced->periods[i].unblended_cost,
              p["with_invoice_id"]["unblended_cost"].get<std::string>());
    EXPECT_EQ(estimated->periods[i].line_items_loaded, p["without_invoice_id"]["rows"].get<int64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, CurgenLoadTest,
    ::testing::Values(
        Layout{"GzipCreateNewThreeAssemblies",
               {"--months", "3", "--line-items", "4000", "--files", "3", "--assemblies", "3", "--invoiced-months", "2"}},
        Layout{"ZipOverwrite", {"--months", "2", "--line-items", "3000", "--files", "2", "--compression", "zip",
                                "--versioning", "overwrite", "--time-unit", "daily"}},
        Layout{"ManyFilesFiveDigitNumbers",
               {"--months", "1", "--line-items", "5000", "--files", "7", "--file-number-width", "5",
                "--month-status", "invoiced"}}),
    [](const ::testing::TestParamInfo<Layout>& info) { return info.param.name; });

}  // namespace
}  // namespace billpipe::pipeline
