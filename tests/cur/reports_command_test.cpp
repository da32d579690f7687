// `billpipe reports`, run as a user would, over a local copy of a bucket (--from-dir).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cur_layout.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {

using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;
using testing::CurLayout;

constexpr int64_t kMay3 = 1525320306;  // 2018-05-03T04:05:06Z
constexpr int64_t kMay5 = 1525493106;  // 2018-05-05T04:05:06Z
constexpr int64_t kJune2 = 1527933600;  // 2018-06-02T10:00:00Z

class ReportsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a1", "GZIP", 2, kMay3);
    layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a2", "GZIP", 2, kMay5);
    layout_.AddAssembly("cur/", "hourly", "20180601-20180701", "b1", "GZIP", 1, kJune2);
    layout_.Write("cur/hourly/20180701-20180801/hourly-Manifest.json", "{}");
    daily_keys_ = layout_.AddOverwrite("cur/", "daily", "20180601-20180701", "d1", "ZIP", 1, kJune2);
    layout_.Write("cur/athena/athena/year=2018/month=5/athena-00001.snappy.parquet", "PAR1");
    layout_.Write("cur/export/data/BILLING_PERIOD=2024-06/export-00001.csv.gz", "x");
    layout_.Write("cur/export/metadata/BILLING_PERIOD=2024-06/export-Manifest.json", "{}");
  }

  std::string EtagOf(const std::string& key) {
    std::ifstream in(layout_.PathOf(key), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return testing::Md5Etag(text.str());
  }
  std::string DailyEtag() { return EtagOf("cur/daily/20180601-20180701/daily-Manifest.json"); }

  TempDir dir_;
  CurLayout layout_{dir_.path() / "billing"};  // --from-dir DIR holds the bucket folder DIR/billing
  std::vector<std::string> daily_keys_;
};

TEST_F(ReportsCommandTest, ListsEveryReportWithItsNewestVersions) {
  auto r = RunBillpipe({"reports", "s3://billing/cur", "--from-dir", dir_.path().string()});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "athena  s3://billing/cur/athena/\n"
            "  legacy Parquet, overwrite versions, Parquet, columns from the files, 1 billing period\n"
            "  2018-05  no manifest: the Parquet files in s3://billing/cur/athena/athena/year=2018/month=5/ are the "
            "period's data\n"
            "daily  s3://billing/cur/daily/\n"
            "  legacy CSV, overwrite versions, ZIP, 5 columns, 1 billing period\n"
            "  2018-06  assembly d1  ETag " + DailyEtag() + "  delivered 2018-06-02T10:00:00.000Z\n"
            "export  s3://billing/cur/export/\n"
            "  data export of unknown kind, unknown delivery, gzip CSV, 0 columns, 1 billing period\n"
            "  2024-06  error: s3://billing/cur/export/metadata/BILLING_PERIOD=2024-06/export-Manifest.json: export "
            "manifest field \"executionId\" is missing\n"
            "hourly  s3://billing/cur/hourly/\n"
            "  legacy CSV, create-new versions, GZIP, 5 columns, 3 billing periods\n"
            "  2018-05  assembly a2  delivered 2018-05-05T04:05:06.000Z\n"
            "  2018-06  assembly b1  delivered 2018-06-02T10:00:00.000Z\n"
            "  2018-07  error: s3://billing/cur/hourly/20180701-20180801/hourly-Manifest.json: manifest field "
            "\"assemblyId\" is missing\n");
}

TEST_F(ReportsCommandTest, JsonOutput) {
  auto r = RunBillpipe({"reports", "s3://billing/cur/", "--from-dir", dir_.path().string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["bucket"], "billing");
  EXPECT_EQ(doc["prefix"], "cur/");
  ASSERT_EQ(doc["reports"].size(), 4u);
  EXPECT_EQ(doc["reports"][0]["name"], "athena");
  EXPECT_EQ(doc["reports"][0]["format"], "legacy-parquet");
  EXPECT_EQ(doc["reports"][0]["supported"], true);
  EXPECT_EQ(doc["reports"][0]["periods"][0]["data_folder"], "cur/athena/athena/year=2018/month=5/");
  EXPECT_EQ(doc["reports"][2]["format"], "data-export");
  const auto& daily = doc["reports"][1];
  EXPECT_EQ(daily["layout"], "overwrite");
  EXPECT_EQ(daily["compression"], "ZIP");
  EXPECT_EQ(daily["columns"], 5);
  EXPECT_EQ(daily["periods"][0]["version"], DailyEtag());
  const auto& hourly = doc["reports"][3];
  EXPECT_EQ(hourly["url"], "s3://billing/cur/hourly/");
  EXPECT_EQ(hourly["prefix"], "cur/");
  EXPECT_EQ(hourly["layout"], "create-new");
  ASSERT_EQ(hourly["periods"].size(), 3u);
  nlohmann::json may = nlohmann::json::parse(R"({"period":"2018-05","start":"2018-05-01","end":"2018-06-01",
      "manifest_key":"cur/hourly/20180501-20180601/hourly-Manifest.json","version":"a2","assembly_id":"a2",
      "last_modified":"2018-05-05T04:05:06.000Z","layout":"create-new","compression":"GZIP","columns":5})");
  may["etag"] = EtagOf("cur/hourly/20180501-20180601/hourly-Manifest.json");
  EXPECT_EQ(hourly["periods"][0], may);
  EXPECT_EQ(hourly["periods"][2]["error"],
            "s3://billing/cur/hourly/20180701-20180801/hourly-Manifest.json: manifest field \"assemblyId\" is "
            "missing");
}

TEST_F(ReportsCommandTest, ReportFilter) {
  auto r = RunBillpipe({"reports", "s3://billing/cur", "--from-dir", dir_.path().string(), "--report", "daily"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "daily  s3://billing/cur/daily/");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);

  auto missing =
      RunBillpipe({"reports", "s3://billing/cur", "--from-dir", dir_.path().string(), "--report", "monthly"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err,
            "billpipe: report \"monthly\" was not found under s3://billing/cur/. Reports there: athena, daily, export "
            "(CUR 2.0 / FOCUS export), hourly\n");

  auto bad_name =
      RunBillpipe({"reports", "s3://billing/cur", "--from-dir", dir_.path().string(), "--report", "a/b"});
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_EQ(bad_name.err,
            "billpipe: \"a/b\" is not a valid report name: a report name has 1 to 256 characters, each a letter, a "
            "digit or one of ! - _ . * ' ( )\n");
}

TEST_F(ReportsCommandTest, BadLocationsAreUsageErrors) {
  auto not_s3 = RunBillpipe({"reports", "https://billing/cur", "--from-dir", dir_.path().string()});
  EXPECT_EQ(not_s3.exit_code, 2);
  EXPECT_EQ(not_s3.err, "billpipe: 'https://billing/cur' is not an S3 location: write it as s3://BUCKET/PREFIX.\n");
  auto bad_bucket = RunBillpipe({"reports", "s3://bill$ng/cur", "--from-dir", dir_.path().string()});
  EXPECT_EQ(bad_bucket.exit_code, 2);
  EXPECT_EQ(bad_bucket.err.substr(0, 47), "billpipe: Invalid bucket name 'bill$ng': '$' at");
  auto bad_prefix = RunBillpipe({"reports", "s3://billing/cur reports", "--from-dir", dir_.path().string()});
  EXPECT_EQ(bad_prefix.exit_code, 2);
  EXPECT_EQ(bad_prefix.err,
            "billpipe: \"cur reports\" is not a valid report path prefix: a prefix has at most 256 characters, each "
            "a letter, a digit or one of ! - _ . * ' ( ) /\n");
  auto no_url = RunBillpipe({"reports"});
  EXPECT_EQ(no_url.exit_code, 2);
}

TEST_F(ReportsCommandTest, MissingDirectoryAndEmptyPrefix) {
  auto missing = RunBillpipe({"reports", "s3://billing/cur", "--from-dir", (dir_.path() / "nope").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "billpipe: the directory " + (dir_.path() / "nope").string() + " does not exist\n");
  auto no_bucket = RunBillpipe({"reports", "s3://other/cur", "--from-dir", dir_.path().string()});
  EXPECT_EQ(no_bucket.exit_code, 1);
  EXPECT_EQ(no_bucket.err,
            "billpipe: bucket other does not exist (no folder " + (dir_.path() / "other").string() + ")\n");
  auto empty = RunBillpipe({"reports", "s3://billing/elsewhere", "--from-dir", dir_.path().string()});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "No Cost and Usage Report under s3://billing/elsewhere/.\n");
}

// Generated exports beside a legacy report: listed together, each with its kind, delivery and newest
// execution; a name that is both is refused with --report unless --report-type picks one.
TEST_F(ReportsCommandTest, ExportsAreListedWithLegacyReports) {
  auto generate = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"curgen", "--out", (dir_.path() / "billing").string(), "--expected",
                                     (dir_.path() / "expected.json").string(), "--bucket", "billing",
                                     "--start-month", "2024-05", "--months", "2", "--line-items", "200", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunBillpipe(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(dir_.path() / "expected.json");
    return nlohmann::json::parse(in);
  };
  auto cur2 = generate({"--kind", "cur2", "--prefix", "exp", "--report-name", "usage", "--assemblies", "2"});
  auto focus = generate({"--kind", "focus", "--prefix", "exp", "--report-name", "focus", "--versioning",
                         "overwrite"});
  auto legacy = generate({"--prefix", "exp", "--report-name", "legacy"});
  generate({"--kind", "cur2", "--prefix", "exp", "--report-name", "legacy"});  // the same name as an export

  auto r = RunBillpipe({"reports", "s3://billing/exp", "--from-dir", dir_.path().string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  std::vector<std::string> listed;
  for (const auto& report : doc["reports"]) listed.push_back(report["name"].get<std::string>() + " " +
                                                            report["format"].get<std::string>());
  EXPECT_EQ(listed, (std::vector<std::string>{"focus data-export", "legacy data-export", "legacy legacy-csv",
                                              "usage data-export"}));
  const auto& f = doc["reports"][0];
  EXPECT_EQ(f["kind"], "FOCUS 1.2");
  EXPECT_EQ(f["delivery"], "overwrite");
  EXPECT_EQ(f["file_format"], "csv");
  EXPECT_EQ(f["supported"], true);
  EXPECT_EQ(f["columns"], focus["periods"][1]["column_count"]);
  ASSERT_EQ(f["periods"].size(), 2u);
  EXPECT_EQ(f["periods"][1]["version"], focus["periods"][1]["assembly_id"]);
  EXPECT_EQ(f["periods"][1]["manifest_key"], "exp/focus/metadata/BILLING_PERIOD=2024-06/focus-Manifest.json");
  const auto& u = doc["reports"][3];
  EXPECT_EQ(u["kind"], "CUR 2.0");
  EXPECT_EQ(u["delivery"], "create-new");
  EXPECT_EQ(u["periods"][0]["period"], "2024-05");
  EXPECT_EQ(u["periods"][0]["version"], cur2["periods"][0]["assembly_id"]);
  EXPECT_EQ(u["periods"][1]["data_files"], 1);
  EXPECT_EQ(doc["reports"][2]["periods"][1]["version"], legacy["periods"][1]["assembly_id"]);

  auto text = RunBillpipe({"reports", "s3://billing/exp", "--from-dir", dir_.path().string(), "--report", "usage"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::string first_lines = text.out.substr(0, text.out.find('\n', text.out.find('\n') + 1) + 1);
  EXPECT_EQ(first_lines, fmt::format("usage  s3://billing/exp/usage/\n"
                                     "  CUR 2.0 export, create-new delivery, gzip CSV, {} columns, 2 billing periods\n",
                                     cur2["periods"][1]["column_count"].get<int>()));
  EXPECT_EQ(text.out.substr(first_lines.size(), 36), "  2024-05  execution " +
                                                        cur2["periods"][0]["assembly_id"].get<std::string>().substr(0, 15));

  auto both = RunBillpipe({"reports", "s3://billing/exp", "--from-dir", dir_.path().string(), "--report", "legacy"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_EQ(both.err,
            "billpipe: report \"legacy\" under s3://billing/exp/ is both a legacy Cost and Usage Report "
            "(s3://billing/exp/legacy/) and a data export (s3://billing/exp/legacy/data/): pick one with "
            "--report-type legacy-cur or --report-type data-export (a dataset's report_type)\n");
  auto picked = RunBillpipe({"reports", "s3://billing/exp", "--from-dir", dir_.path().string(), "--report", "legacy",
                             "--report-type", "legacy-cur", "--json"});
  ASSERT_EQ(picked.exit_code, 0) << picked.err;
  auto one = nlohmann::json::parse(picked.out);
  ASSERT_EQ(one["reports"].size(), 1u);
  EXPECT_EQ(one["reports"][0]["format"], "legacy-csv");
}

}  // namespace
}  // namespace billpipe::cur
