// A CUR 2.0 export in Parquet (issue 13): the export layout with `<export>-00001.snappy.parquet` chunks whose
// map columns are Parquet MAP<string,string>, made by testing/export_parquet.js (DuckDB) from the gzip CSV
// export curgen writes, loaded from the S3 double: the generator's exact totals, and every column (the map
// columns' JSON text included) exactly as the CSV export of the same rows gives it; and as FOCUS.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "athena_layout.h"
#include "cur_upload.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "s3/client.h"
#include "sink/sqlite_sink.h"
#include "sqlite_query.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::QueryOne;
using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;

class ParquetExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    billpipe::testing::S3TestServer::Options o;
    o.buckets = {"billing", "parquet"};
    server_ = billpipe::testing::S3TestServer::Start(o).release();
    dir_ = new TempDir();
    // Two months (the first invoiced), create-new with two executions each, two chunks per execution.
    auto r = RunBillpipe({"curgen", "--kind", "cur2", "--out", (dir_->path() / "csv/billing").string(), "--expected",
                          (dir_->path() / "expected.json").string(), "--bucket", "billing", "--prefix", "exp",
                          "--report-name", "e", "--start-month", "2026-08", "--months", "2", "--files", "2",
                          "--assemblies", "2", "--line-items", "3000", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> argv = {"/usr/bin/node",
                                     (billpipe::testing::SourceDir() / "testing/export_parquet.js").string(),
                                     (dir_->path() / "csv/billing").string(),
                                     (dir_->path() / "parquet/parquet").string(),
                                     "--prefix", "exp", "--export", "e", "--bucket", "parquet"};
    auto converted = billpipe::testing::RunCommand(argv);
    ASSERT_EQ(converted.exit_code, 0) << "testing/export_parquet.js: " << converted.err;
    const auto options = billpipe::testing::S3UploadOptions(server_->endpoint());
    billpipe::testing::UploadDir(options, "billing", dir_->path() / "csv/billing");
    billpipe::testing::UploadDir(options, "parquet", dir_->path() / "parquet/parquet");
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete server_;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    auto store = s3::MakeClient(billpipe::testing::S3UploadOptions(server_->endpoint()));
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  static RunRequest Request(const std::string& bucket, const std::string& dataset) {
    RunRequest r;
    r.dataset = dataset;
    r.bucket = bucket;
    r.prefix = "exp";
    r.report_name = "e";
    r.duration = Duration{*DateSpec::Parse("2026-08-01"), *DateSpec::Parse("2026-09-30")};
    r.workers = 2;
    return r;
  }
  Result<RunSummary> Run(const RunRequest& r) {
    RunEnvironment env{*store_, *sink_, clock_, tmp_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return RunDataset(r, env);
  }
  nlohmann::json Expected() const {
    std::ifstream in(dir_->path() / "expected.json");
    return nlohmann::json::parse(in);
  }

  static inline billpipe::testing::S3TestServer* server_ = nullptr;
  static inline TempDir* dir_ = nullptr;
  TempDir tmp_;
  std::string db_ = (tmp_.path() / "data.db").string();
  FakeClock clock_{SysTime(std::chrono::milliseconds(1795000000000))};  // 2026-11-17
  std::unique_ptr<s3::ObjectStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
};

TEST_F(ParquetExportTest, MapColumnsBecomeTheCsvExportsJsonTextAndTotalsAreExact) {
  auto csv = Run(Request("billing", "csv_export"));
  ASSERT_TRUE(csv) << csv.error().message;
  auto parquet = Run(Request("parquet", "parquet_export"));
  ASSERT_TRUE(parquet) << parquet.error().message;
  const auto expected = Expected();
  ASSERT_EQ(parquet->periods.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const auto& p = parquet->periods[i];
    EXPECT_EQ(p.action, "loaded");
    EXPECT_EQ(p.files, 2);
    EXPECT_EQ(p.line_items_loaded, expected["periods"][i]["rows"].get<int64_t>());
    EXPECT_EQ(p.unblended_cost, expected["periods"][i]["unblended_cost"].get<std::string>());
    EXPECT_EQ(p.unblended_cost, csv->periods[i].unblended_cost);
    EXPECT_EQ(p.status, csv->periods[i].status);
    EXPECT_EQ(p.version_key, expected["periods"][i]["assembly_id"].get<std::string>());
  }
  EXPECT_EQ(parquet->periods[0].status, "final");
  // Every column, the map columns' text included, as from the CSV export.
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM (SELECT * FROM parquet_export EXCEPT SELECT * FROM csv_export)"), "0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM (SELECT * FROM csv_export EXCEPT SELECT * FROM parquet_export)"), "0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM parquet_export"), "6000");
  for (const std::string map : {"product", "resource_tags", "cost_category", "discount"}) {
    SCOPED_TRACE(map);
    const std::string digest = "SELECT count(" + map + ") || '|' || count(DISTINCT " + map + ") FROM ";
    const std::string in_csv = QueryOne(db_, digest + "csv_export");
    EXPECT_NE(in_csv.substr(0, 2), "0|");
    EXPECT_EQ(QueryOne(db_, digest + "parquet_export"), in_csv);
  }
  // The awkward keys of curgen's tags come through Parquet's maps as the same JSON text.
  const std::string awkward = "SELECT count(*) FROM {} WHERE resource_tags LIKE '%\"user:Cost Center, \\\"EU\\\"\"%' "
                              "AND resource_tags LIKE '{{%}}'";
  const std::string in_csv = QueryOne(db_, fmt::format(fmt::runtime(awkward), "csv_export"));
  EXPECT_NE(in_csv, "0");
  EXPECT_EQ(QueryOne(db_, fmt::format(fmt::runtime(awkward), "parquet_export")), in_csv);
  EXPECT_EQ(QueryOne(db_, "SELECT json_extract(resource_tags, '$.\"user:チーム\"') FROM parquet_export WHERE "
                          "json_extract(resource_tags, '$.\"user:チーム\"') IS NOT NULL LIMIT 1"),
            "データ基盤");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM parquet_export WHERE NOT json_valid(product)"), "0");

  RunEnvironment env{*store_, *sink_, clock_, tmp_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
  auto verified = VerifyDataset(Request("parquet", "parquet_export"), env);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->ok()) << FormatVerifyReport(*verified);
}

TEST_F(ParquetExportTest, ParquetExportLoadsAsFocusWithTheCsvExportsRows) {
  RunRequest from_csv = Request("billing", "csv_focus");
  from_csv.schema = OutputSchema::kFocus;
  RunRequest from_parquet = Request("parquet", "parquet_focus");
  from_parquet.schema = OutputSchema::kFocus;
  auto csv = Run(from_csv);
  ASSERT_TRUE(csv) << csv.error().message;
  auto parquet = Run(from_parquet);
  ASSERT_TRUE(parquet) << parquet.error().message;
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(parquet->periods[i].unblended_cost, csv->periods[i].unblended_cost);
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM (SELECT * FROM parquet_focus EXCEPT SELECT * FROM csv_focus)"), "0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM (SELECT * FROM csv_focus EXCEPT SELECT * FROM parquet_focus)"), "0");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM parquet_focus WHERE ServiceName = ''"), "0");
}

}  // namespace
}  // namespace billpipe::pipeline
