// Nothing lost: a run killed at any step, or stopped by a full disk, leaves the dataset and its state as
// they were, and the next run finishes the job with exact totals.
#include <sqlite3.h>
#include <sys/mount.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "athena_layout.h"
#include "cur_fixture.h"
#include "sqlite_query.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using pipeline::testing::CurFixture;
using pipeline::testing::Line;

std::string Totals(const std::string& db_path) {
  return QueryOne(db_path, "SELECT count(*) || '|' || printf('%.6f', sum(line_item_unblended_cost)) FROM big");
}

// Segment tables and segment rows that no kept version uses (a killed run's), as "tables|rows".
std::string Orphans(const std::string& db_path) {
  return QueryOne(db_path,
                  "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'big__s[0-9]*' AND "
                  "CAST(substr(name, 7) AS INTEGER) NOT IN (SELECT segment_id FROM _billpipe_version_segments)) || '|' || "
                  "(SELECT count(*) FROM _billpipe_segments WHERE id NOT IN "
                  "(SELECT segment_id FROM _billpipe_version_segments))");
}

// n lines spread over the days of 2026-MM, each costing `cost`.
std::vector<Line> Lines(int month, int n, const std::string& cost) {
  std::vector<Line> out;
  for (int i = 0; i < n; ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-%02d-%02dT%02d:00:00Z", month, 1 + i % 28, i % 24);
    out.push_back(Line{ts, cost, "", "AmazonEC2", ""});
  }
  return out;
}

// A CUR 2.0 export "big" (create-new delivery) with the same lines: execution ids as the legacy assembly ids.
void WriteExportPeriod(const std::filesystem::path& bucket, int month, const std::string& execution,
                       const std::vector<std::vector<Line>>& files) {
  char partition[32];
  std::snprintf(partition, sizeof partition, "BILLING_PERIOD=2026-%02d/", month);
  const std::string data = std::string("cur/big/data/") + partition + "20260901T000000Z-" + execution + "/";
  nlohmann::json m;
  m["executionId"] = execution;
  m["exportArn"] = "arn:aws:bcm-data-exports:us-east-1:123456789012:export/big-1";
  m["columns"] = nlohmann::json::array({{{"name", "bill_invoice_id"}, {"type", "string"}},
                                        {{"name", "line_item_usage_start_date"}, {"type", "timestamp"}},
                                        {{"name", "line_item_product_code"}, {"type", "string"}},
                                        {{"name", "line_item_unblended_cost"}, {"type", "decimal"}},
                                        {{"name", "resource_tags"}, {"type", "map<string,string>"}}});
  m["dataFiles"] = nlohmann::json::array();
  for (size_t f = 0; f < files.size(); ++f) {
    char name[32];
    std::snprintf(name, sizeof name, "big-%05zu.csv.gz", f + 1);
    std::string csv = "bill_invoice_id,line_item_usage_start_date,line_item_product_code,line_item_unblended_cost,"
                      "resource_tags\n";
    for (const auto& l : files[f]) {
      csv += l.invoice + "," + l.start + "," + l.product + "," + l.cost + ",\"{\"\"user:Team\"\":\"\"web, a\"\"}\"\n";
    }
    CurFixture::WriteGzip(bucket / (data + name), csv);
    m["dataFiles"].push_back("s3://billing/" + data + name);
  }
  const std::string metadata = std::string("cur/big/metadata/") + partition;
  CurFixture::WriteFile(bucket / (metadata + "20260901T000000Z-" + execution + "/big-Manifest.json"), m.dump());
  CurFixture::WriteFile(bucket / (metadata + "big-Manifest.json"), m.dump());
}

// Run for a legacy report (CSV, and Parquet for Athena) and for a CUR 2.0 export of the same lines.
class NothingLostTest : public ::testing::TestWithParam<std::string> {
 protected:
  void WriteVersion(const std::string& suffix, int rows_per_file, const std::string& cost) {
    CurFixture f(bucket_);
    for (int month : {9, 10}) {
      std::vector<std::vector<Line>> files(3, Lines(month, rows_per_file, cost));
      const std::string version = "v" + suffix + "-" + std::to_string(month);
      if (GetParam() == "Cur2Export") {
        WriteExportPeriod(bucket_, month, version, files);
      } else if (GetParam() == "LegacyParquet") {
        CurFixture csv(dir_.path() / "csv/billing");
        csv.WritePeriod(2026, month, version, files, false, false, "big");
      } else {
        f.WritePeriod(2026, month, version, files, false, false, "big");
      }
    }
    // The same report in Parquet for Athena, as testing/athena_layout.js writes it from the CSV one.
    if (GetParam() == "LegacyParquet") {
      ConvertToAthena(dir_.path() / "csv/billing", bucket_,
                      {"--prefix", "cur", "--report", "big", "--row-group-size", "4096"});
    }
  }
  CommandResult Run(const std::vector<std::string>& env_extra = {}) {
    std::vector<std::string> env = {"BILLPIPE_HOME=" + home_.string()};
    env.insert(env.end(), env_extra.begin(), env_extra.end());
    return RunBillpipe({"run", "--from-dir", (dir_.path() / "s3").string(), "--bucket", "billing", "--prefix", "cur",
                        "--report-name", "big", "--start", "2026-09-01", "--end", "2026-10-31", "--workers", "2"},
                       env);
  }
  std::string Db() const { return (home_ / "billpipe.db").string(); }

  TempDir dir_;
  std::filesystem::path bucket_ = dir_.path() / "s3/billing";
  std::filesystem::path home_ = dir_.path() / "home";
};

TEST_P(NothingLostTest, KilledAtAnyStepTheDatasetIsAsBefore) {
  WriteVersion("1", 1000, "0.0100000000");
  auto first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string before = "6000|60.000000";
  ASSERT_EQ(Totals(Db()), before);
  auto status_of = [&] {
    auto status = RunBillpipe({"status", "--table", "big", "--json"}, {"BILLPIPE_HOME=" + home_.string()});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    return nlohmann::json::parse(status.exit_code == 0 ? status.out : "{}");
  };
  // The first version's key: the manifest's assembly id, or for Parquet for Athena its ETag with the files'.
  const nlohmann::json first_key = status_of()["periods"][0]["version_key"];
  if (GetParam() != "LegacyParquet") {
    EXPECT_EQ(first_key, "v1-9");
  }
  WriteVersion("2", 10000, "0.0010000000");  // 60,000 lines: about 30 batches
  const std::string after = "60000|60.000000";
  for (std::string step : {"planned:1", "segment:1", "segment:2", "batch:1", "batch:5", "batch:12", "batch:20",
                           "batch:28", "published:1"}) {
    auto killed = Run({"BILLPIPE_TEST_KILL_AT=" + step});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << step << ": " << killed.err;
    EXPECT_EQ(Totals(Db()), before) << "killed at " << step;
  }
  // The runs killed after a chunk commit (batch:28, published:1) left segments behind, unused.
  EXPECT_NE(Orphans(Db()), "0|0");
  auto j = status_of();
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["periods"][0]["version_key"], first_key);
  EXPECT_EQ(j["periods"][0]["line_items"], 3000);

  // Killed right after the commit: the new version is in.
  auto committed = Run({"BILLPIPE_TEST_KILL_AT=committed:1"});
  EXPECT_EQ(committed.exit_code, 128 + SIGKILL);
  EXPECT_EQ(Totals(Db()), after);
  auto next = Run();
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.out.find("Nothing new"), std::string::npos) << next.out;
  EXPECT_EQ(Totals(Db()), after);
  // Rows are committed in chunks before the final commit: the runs killed after a chunk left segments
  // that no version uses, and the run that committed dropped them.
  EXPECT_EQ(Orphans(Db()), "0|0");
}

TEST_P(NothingLostTest, KilledRunIsFinishedByTheNextOne) {
  WriteVersion("1", 5000, "0.0100000000");
  auto killed = Run({"BILLPIPE_TEST_KILL_AT=batch:7"});
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  EXPECT_EQ(Totals(Db()), "error: no such table: big");
  auto next = Run();
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(Totals(Db()), "30000|300.000000");
}

TEST_P(NothingLostTest, FullDiskFailsTheRunAndKeepsTheDataset) {
  std::filesystem::create_directories(home_);
  if (mount("tmpfs", home_.c_str(), "tmpfs", 0, "size=4m") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs (needs root): the full-disk test did not run";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{home_.string()};
  WriteVersion("1", 500, "0.0100000000");
  auto first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(Totals(Db()), "3000|30.000000");
  WriteVersion("2", 20000, "0.0010000000");
  auto full = Run();
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_NE(full.err.find("the disk is full. Free some space and run again; the dataset is unchanged."),
            std::string::npos)
      << full.err;
  EXPECT_EQ(Totals(Db()), "3000|30.000000");
}

INSTANTIATE_TEST_SUITE_P(Kinds, NothingLostTest, ::testing::Values("LegacyCur", "Cur2Export", "LegacyParquet"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace billpipe::testing
