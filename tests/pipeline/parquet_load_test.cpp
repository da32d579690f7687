// Legacy reports for Athena (Parquet) loaded end to end from the S3 double: a curgen report converted to
// the Athena layout by testing/athena_layout.js (DuckDB) must load the same line items and exact totals as
// the CSV it came from; the status table decides whether anything is loaded.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "athena_layout.h"
#include "cur_upload.h"
#include "cur/focus_mapping.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "s3/client.h"
#include "s3/local_dir_store.h"
#include "sink/sqlite_sink.h"
#include "sqlite_query.h"
#include "table/decimal.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::ConvertToAthena;
using billpipe::testing::QueryOne;
using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;

// Per product code: lines and cost, and the dataset's column names, as one text.
std::string Digest(const std::string& db, const std::string& table) {
  return QueryOne(db, "SELECT group_concat(g, ';') FROM (SELECT line_item_product_code || ':' || count(*) || ':' || "
                      "printf('%.6f', total(line_item_unblended_cost)) AS g FROM " + table +
                      " GROUP BY line_item_product_code ORDER BY line_item_product_code)") +
         " | " +
         QueryOne(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('" + table +
                      "') ORDER BY name)");
}

bool SameDecimal(const std::string& a, const std::string& b) {
  auto x = table::Decimal::Parse(a), y = table::Decimal::Parse(b);
  return x && y && *x == *y;
}

class ParquetLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    billpipe::testing::S3TestServer::Options o;
    o.buckets = {"billing", "ready", "nomanifest", "notready", "beside", "nostatus", "faults", "mixed", "focus"};
    server_ = billpipe::testing::S3TestServer::Start(o).release();
    proxy_ = billpipe::testing::FaultProxy::Start(server_->endpoint()).release();
    shared_ = new TempDir();
    // Three months (the first invoiced), three files each, tag columns that change from month to month.
    auto r = RunBillpipe({"curgen", "--out", (CsvDir() / "billing").string(), "--expected",
                          (shared_->path() / "expected.json").string(), "--bucket", "billing", "--prefix", "cur",
                          "--report-name", "gen", "--start-month", "2026-08", "--months", "3", "--files", "3",
                          "--line-items", "6000", "--invoiced-months", "1", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The CSV load everything is compared with.
    auto store = s3::LocalDirStore::Create({CsvDir(), false});
    ASSERT_TRUE(store);
    FakeClock clock(kNow);
    auto sink = sink::SqliteSink::Open(CsvDb(), clock);
    ASSERT_TRUE(sink);
    RunEnvironment env{**store, **sink, clock, shared_->path() / "locks", nullptr, nullptr, nullptr, nullptr};
    auto loaded = RunDataset(Request("csv"), env);
    ASSERT_TRUE(loaded) << loaded.error().message;
    csv_ = new RunSummary(*loaded);
  }
  static void TearDownTestSuite() {
    delete csv_;
    delete shared_;
    delete proxy_;
    delete server_;
  }

  static fs::path CsvDir() { return shared_->path() / "csv"; }
  static std::string CsvDb() { return (shared_->path() / "csv.db").string(); }
  static RunRequest Request(const std::string& dataset, const std::string& bucket = "billing") {
    // dataset: the table; bucket: where the report is (the CSV layout is bucket "billing").
    RunRequest req;
    req.dataset = dataset;
    req.bucket = bucket;
    req.prefix = "cur";
    req.report_name = "gen";
    req.duration = Duration{*DateSpec::Parse("2026-08-01"), *DateSpec::Parse("2026-10-31")};
    req.workers = 2;
    return req;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(csv_, nullptr);
    proxy_->Clear();
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  // Converts the CSV report into the Athena layout (args for testing/athena_layout.js) and uploads it.
  void Upload(const std::string& bucket, const std::vector<std::string>& args) {
    fs::path out = dir_.path() / ("athena-" + bucket);
    ConvertToAthena(CsvDir() / "billing", out, args);
    billpipe::testing::UploadDir(billpipe::testing::S3UploadOptions(server_->endpoint()), bucket, out);
  }

  Result<RunSummary> Load(const std::string& bucket, bool through_proxy = false,
                          const std::optional<RunRequest>& request = std::nullopt) {
    s3::ClientOptions options =
        billpipe::testing::S3UploadOptions(through_proxy ? proxy_->endpoint() : server_->endpoint());
    options.retry.base_delay = std::chrono::milliseconds(1);
    options.retry.max_delay = std::chrono::milliseconds(8);
    auto store = s3::MakeClient(options);
    if (!store) return Fail(std::move(store).error());
    RunEnvironment env{**store, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return RunDataset(request ? *request : Request(bucket, bucket), env);
  }
  // The generator's CSV layout (a local copy of bucket "billing") loaded into this test's file.
  Result<RunSummary> LoadCsv(const RunRequest& request) {
    auto store = s3::LocalDirStore::Create({CsvDir(), false});
    if (!store) return Fail(std::move(store).error());
    RunEnvironment env{**store, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return RunDataset(request, env);
  }

  // The run loaded what the CSV run loaded, period by period, to the cent and beyond.
  void ExpectSameAsCsv(const RunSummary& parquet, const std::string& table) {
    ASSERT_EQ(parquet.periods.size(), csv_->periods.size());
    for (size_t i = 0; i < parquet.periods.size(); ++i) {
      SCOPED_TRACE(parquet.periods[i].period);
      EXPECT_EQ(parquet.periods[i].period, csv_->periods[i].period);
      EXPECT_EQ(parquet.periods[i].action, "loaded");
      EXPECT_EQ(parquet.periods[i].line_items_loaded, csv_->periods[i].line_items_loaded);
      EXPECT_TRUE(SameDecimal(parquet.periods[i].unblended_cost, csv_->periods[i].unblended_cost))
          << parquet.periods[i].unblended_cost << " vs " << csv_->periods[i].unblended_cost;
      EXPECT_EQ(parquet.periods[i].status, csv_->periods[i].status);
    }
    EXPECT_EQ(parquet.line_items_loaded, 18000);
    EXPECT_EQ(Digest(db_, table), Digest(CsvDb(), "csv"));
  }

  // The same lines and totals as the CSV run, in the same columns. (A period loaded before from the other
  // format is a new version of it: final periods are "restated".)
  void ExpectSameRowsAsCsv(const RunSummary& run, const std::string& table) {
    ASSERT_EQ(run.periods.size(), csv_->periods.size());
    for (size_t i = 0; i < run.periods.size(); ++i) {
      SCOPED_TRACE(run.periods[i].period);
      EXPECT_EQ(run.periods[i].action, "loaded");
      EXPECT_EQ(run.periods[i].line_items_loaded, csv_->periods[i].line_items_loaded);
      EXPECT_TRUE(SameDecimal(run.periods[i].unblended_cost, csv_->periods[i].unblended_cost));
      EXPECT_EQ(run.periods[i].status, csv_->periods[i].status == "final" ? "restated" : csv_->periods[i].status);
    }
    EXPECT_EQ(Digest(db_, table), Digest(CsvDb(), "csv"));
  }

  static constexpr SysTime kNow{std::chrono::milliseconds(1795000000000)};  // 2026-11-17
  static inline billpipe::testing::S3TestServer* server_ = nullptr;
  static inline billpipe::testing::FaultProxy* proxy_ = nullptr;
  static inline TempDir* shared_ = nullptr;
  static inline RunSummary* csv_ = nullptr;

  TempDir dir_;
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{kNow};
  std::unique_ptr<sink::SqliteSink> sink_;
};

TEST_F(ParquetLoadTest, CsvLoadMatchesTheGenerator) {
  std::ifstream in(shared_->path() / "expected.json");
  auto expected = nlohmann::json::parse(in);
  ASSERT_EQ(csv_->periods.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(csv_->periods[i].line_items_loaded, expected["periods"][i]["rows"].get<int64_t>());
    EXPECT_EQ(csv_->periods[i].unblended_cost, expected["periods"][i]["unblended_cost"].get<std::string>());
  }
}

TEST_F(ParquetLoadTest, ManifestsListingParquetFilesLoadTheTotalsOfTheCsv) {
  Upload("ready", {"--prefix", "cur", "--report", "gen"});
  auto run = Load("ready");
  ASSERT_TRUE(run) << run.error().message;
  ExpectSameAsCsv(*run, "ready");
  // The version keys hold: a second run has nothing new.
  auto again = Load("ready");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->message, "Nothing new: every period in the window is up to date.");
}

TEST_F(ParquetLoadTest, WithoutManifestsTheMonthFoldersAreThePeriodsData) {
  Upload("nomanifest", {"--prefix", "cur", "--report", "gen", "--no-manifests"});
  auto run = Load("nomanifest");
  ASSERT_TRUE(run) << run.error().message;
  ExpectSameAsCsv(*run, "nomanifest");
  EXPECT_EQ(run->periods[0].files, 3);
  EXPECT_EQ(run->periods[0].version_key.substr(0, 7), "athena/");
}

TEST_F(ParquetLoadTest, StatusTableBesideTheDataFolderIsRead) {
  Upload("beside", {"--prefix", "cur", "--report", "gen", "--no-manifests", "--status-beside"});
  auto run = Load("beside");
  ASSERT_TRUE(run) << run.error().message;
  ExpectSameAsCsv(*run, "beside");
}

TEST_F(ParquetLoadTest, StatusNotReadyLoadsNothingUntilItIs) {
  Upload("notready", {"--prefix", "cur", "--report", "gen", "--status", "UPDATING"});
  auto run = Load("notready");
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, ErrorCode::kRetryable);
  EXPECT_EQ(run.error().message,
            "AWS is still writing the report s3://notready/cur/gen/: its status table "
            "s3://notready/cur/gen/cost_and_usage_data_status/cost_and_usage_data_status.parquet says \"UPDATING\", "
            "not READY. Nothing was loaded; run again later");
  auto state = sink_->ReadState("notready");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->current.has_value());

  // AWS finishes: the status says READY and the same files load.
  fs::path ready = dir_.path() / "ready-status";
  ConvertToAthena(CsvDir() / "billing", ready, {"--prefix", "cur", "--report", "gen", "--status", "READY"});
  auto client = s3::MakeClient(billpipe::testing::S3UploadOptions(server_->endpoint()));
  ASSERT_TRUE(client);
  std::ifstream in(ready / "cur/gen/cost_and_usage_data_status/cost_and_usage_data_status.parquet", std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  StringSource body(data);
  ASSERT_TRUE((*client)->Put("notready", "cur/gen/cost_and_usage_data_status/cost_and_usage_data_status.parquet", body,
                             data.size()));
  auto later = Load("notready");
  ASSERT_TRUE(later) << later.error().message;
  ExpectSameAsCsv(*later, "notready");
}

TEST_F(ParquetLoadTest, WithoutManifestOrStatusTableNothingIsLoaded) {
  Upload("nostatus", {"--prefix", "cur", "--report", "gen", "--no-manifests", "--status", "none"});
  auto run = Load("nostatus");
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(run.error().message,
            "period 2026-08: s3://nostatus/cur/gen/gen/year=2026/month=8/ holds Parquet files but there is neither a "
            "manifest (s3://nostatus/cur/gen/20260801-20260901/gen-Manifest.json) nor the Athena status table "
            "(s3://nostatus/cur/gen/cost_and_usage_data_status/cost_and_usage_data_status.parquet or "
            "s3://nostatus/cur/gen/gen/cost_and_usage_data_status/cost_and_usage_data_status.parquet), so billpipe "
            "cannot tell whether AWS has finished writing them");
}

TEST_F(ParquetLoadTest, ResetAndThrottledRangedReadsAreRetriedWithExactTotals) {
  Upload("faults", {"--prefix", "cur", "--report", "gen"});
  // Ranged GETs of the data files: two connections reset mid-body, two answers of 503 SlowDown, one 500.
  // (Keys are URI-encoded in the request path: "year%3D2026", so the rules match the folder above.)
  proxy_->SetFaults(R"([{"action":"reset","method":"GET","path":"/faults/cur/gen/gen/","times":2,"after_bytes":2000},
                        {"action":"slowdown","method":"GET","path":"/faults/cur/gen/gen/","times":2},
                        {"action":"error500","method":"GET","path":"/faults/cur/gen/gen/","times":1}])");
  auto run = Load("faults", /*through_proxy=*/true);
  ASSERT_TRUE(run) << run.error().message;
  ExpectSameAsCsv(*run, "faults");
  auto log = nlohmann::json::parse(proxy_->LogJson());
  int faults = 0;
  for (const auto& entry : log) {
    if (entry.contains("fault") && !entry["fault"].is_null() && entry["fault"] != "") ++faults;
  }
  EXPECT_EQ(faults, 5);
}

// Issue 13: a dataset first loaded from CSV and then from Parquet of the same report got every column twice
// (the Parquet one as "..._2"): the CSV header and its Athena name are one column, in either order.
TEST_F(ParquetLoadTest, CsvThenParquetOfTheSameReportLoadsIntoTheSameColumns) {
  Upload("mixed", {"--prefix", "cur", "--report", "gen"});
  RunRequest csv_first = Request("csv_first");
  auto csv = LoadCsv(csv_first);
  ASSERT_TRUE(csv) << csv.error().message;
  RunRequest parquet = Request("csv_first", "mixed");
  auto then_parquet = Load("mixed", false, parquet);
  ASSERT_TRUE(then_parquet) << then_parquet.error().message;
  EXPECT_EQ(then_parquet->warnings, std::vector<std::string>{});
  ExpectSameRowsAsCsv(*then_parquet, "csv_first");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pragma_table_info('csv_first') WHERE name LIKE '%\\_2' ESCAPE '\\'"),
            "0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pragma_table_info('csv_first')"),
            QueryOne(CsvDb(), "SELECT count(*) FROM pragma_table_info('csv')"));
  // verify finds the cost column by either name.
  {
    auto store = s3::MakeClient(billpipe::testing::S3UploadOptions(server_->endpoint()));
    ASSERT_TRUE(store);
    RunEnvironment env{**store, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    auto verified = VerifyDataset(parquet, env);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_TRUE(verified->ok()) << FormatVerifyReport(*verified);
  }

  // The other way round: Parquet first, then the CSV.
  RunRequest parquet_first = Request("parquet_first", "mixed");
  ASSERT_TRUE(Load("mixed", false, parquet_first));
  auto then_csv = LoadCsv(Request("parquet_first"));
  ASSERT_TRUE(then_csv) << then_csv.error().message;
  EXPECT_EQ(then_csv->warnings, std::vector<std::string>{});
  ExpectSameRowsAsCsv(*then_csv, "parquet_first");
}

// FOCUS from a legacy report in the Athena layout: the CSV's totals, and the rows the CSV gives as FOCUS
// (tag keys aside: Athena's column names lose AWS's keys, "resource_tags_user_team" -> "user_team").
TEST_F(ParquetLoadTest, AthenaParquetLoadsAsFocusWithTheCsvsRows) {
  Upload("focus", {"--prefix", "cur", "--report", "gen"});
  RunRequest from_parquet = Request("pq_focus", "focus");
  from_parquet.schema = OutputSchema::kFocus;
  auto parquet = Load("focus", false, from_parquet);
  ASSERT_TRUE(parquet) << parquet.error().message;
  RunRequest from_csv = Request("csv_focus");
  from_csv.schema = OutputSchema::kFocus;
  auto csv = LoadCsv(from_csv);
  ASSERT_TRUE(csv) << csv.error().message;
  ASSERT_EQ(parquet->periods.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(parquet->periods[i].line_items_loaded, csv_->periods[i].line_items_loaded);
    EXPECT_TRUE(SameDecimal(parquet->periods[i].unblended_cost, csv_->periods[i].unblended_cost));
    EXPECT_EQ(csv->periods[i].unblended_cost, csv_->periods[i].unblended_cost);
  }
  std::string columns;
  for (const auto& c : cur::FocusMapping()) {
    if (c.focus_column == "Tags") continue;
    columns += (columns.empty() ? "" : ", ") + std::string(c.focus_column);
  }
  for (auto [a, b] : {std::pair{"pq_focus", "csv_focus"}, std::pair{"csv_focus", "pq_focus"}}) {
    EXPECT_EQ(QueryOne(db_, fmt::format("SELECT count(*) FROM (SELECT {0} FROM {1} EXCEPT SELECT {0} FROM {2})",
                                        columns, a, b)),
              "0")
        << a;
  }
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pq_focus WHERE json_extract(Tags, '$.user_team') IS NOT NULL"),
            QueryOne(db_, "SELECT count(*) FROM csv_focus WHERE json_extract(Tags, '$.\"user:Team\"') IS NOT NULL"));
  EXPECT_NE(QueryOne(db_, "SELECT count(*) FROM csv_focus WHERE json_extract(Tags, '$.\"user:Team\"') IS NOT NULL"),
            "0");
}

TEST_F(ParquetLoadTest, ReportsSaysWhichPeriodsHaveNoManifest) {
  // --from-dir DIR holds the bucket folder DIR/billing.
  ConvertToAthena(CsvDir() / "billing", dir_.path() / "billing", {"--prefix", "cur", "--report", "gen", "--no-manifests"});
  auto r = RunBillpipe({"reports", "s3://billing/cur", "--from-dir", dir_.path().string()},
                       {"BILLPIPE_HOME=" + (dir_.path() / "home").string()});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "gen  s3://billing/cur/gen/\n"
            "  legacy Parquet, overwrite versions, Parquet, columns from the files, 3 billing periods\n"
            "  2026-08  no manifest: the Parquet files in s3://billing/cur/gen/gen/year=2026/month=8/ are the "
            "period's data\n"
            "  2026-09  no manifest: the Parquet files in s3://billing/cur/gen/gen/year=2026/month=9/ are the "
            "period's data\n"
            "  2026-10  no manifest: the Parquet files in s3://billing/cur/gen/gen/year=2026/month=10/ are the "
            "period's data\n");
}

}  // namespace
}  // namespace billpipe::pipeline
