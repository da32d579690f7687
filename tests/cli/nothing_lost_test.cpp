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

class NothingLostTest : public ::testing::Test {
 protected:
  void WriteVersion(const std::string& suffix, int rows_per_file, const std::string& cost) {
    CurFixture f(bucket_);
    for (int month : {9, 10}) {
      std::vector<std::vector<Line>> files(3, Lines(month, rows_per_file, cost));
      f.WritePeriod(2026, month, "v" + suffix + "-" + std::to_string(month), files, false, false, "big");
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

TEST_F(NothingLostTest, KilledAtAnyStepTheDatasetIsAsBefore) {
  WriteVersion("1", 1000, "0.0100000000");
  auto first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string before = "6000|60.000000";
  ASSERT_EQ(Totals(Db()), before);
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
  auto status = RunBillpipe({"status", "--table", "big", "--json"}, {"BILLPIPE_HOME=" + home_.string()});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["periods"][0]["version_key"], "v1-9");
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

// The same with the report in CSV (gzip) and in Parquet for Athena (testing/athena_layout.js).
class NothingLostFormatTest : public NothingLostTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void WriteFormatVersion(const std::string& suffix, int rows_per_file, const std::string& cost) {
    if (GetParam() == "csv") return WriteVersion(suffix, rows_per_file, cost);
    const std::filesystem::path csv = dir_.path() / "csv/billing";
    CurFixture f(csv);
    for (int month : {9, 10}) {
      std::vector<std::vector<Line>> files(3, Lines(month, rows_per_file, cost));
      f.WritePeriod(2026, month, "v" + suffix + "-" + std::to_string(month), files, false, false, "big");
    }
    ConvertToAthena(csv, bucket_, {"--prefix", "cur", "--report", "big", "--row-group-size", "4096"});
  }
};

TEST_P(NothingLostFormatTest, KilledRunIsFinishedByTheNextOne) {
  WriteFormatVersion("1", 5000, "0.0100000000");
  auto killed = Run({"BILLPIPE_TEST_KILL_AT=batch:7"});
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  EXPECT_EQ(Totals(Db()), "error: no such table: big");
  auto next = Run();
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(Totals(Db()), "30000|300.000000");
}

INSTANTIATE_TEST_SUITE_P(Formats, NothingLostFormatTest, ::testing::Values("csv", "parquet"));

TEST_F(NothingLostTest, FullDiskFailsTheRunAndKeepsTheDataset) {
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

}  // namespace
}  // namespace billpipe::testing
