// Report discovery over real files (LocalDirStore) in hand-built CUR layouts.
#include "cur/report_discovery.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cur_layout.h"
#include "s3/local_dir_store.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {

using billpipe::testing::TempDir;
using testing::CurLayout;

constexpr int64_t kMay3 = 1525320306;  // 2018-05-03T04:05:06Z
constexpr int64_t kMay4 = 1525406706;
constexpr int64_t kMay5 = 1525493106;
constexpr int64_t kJune2 = 1527933600;  // 2018-06-02T10:00:00Z

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = s3::LocalDirStore::Create({.root = dir_.path(), .root_is_bucket = true});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  std::vector<ReportSummary> Discover(const std::string& prefix) {
    auto reports = DiscoverReports(*store_, "billing", prefix);
    EXPECT_TRUE(reports) << reports.error().message;
    return reports ? *reports : std::vector<ReportSummary>{};
  }

  TempDir dir_;
  CurLayout layout_{dir_.path()};
  std::unique_ptr<s3::LocalDirStore> store_;
};

TEST_F(DiscoveryTest, CreateNewReportShowsTheNewestAssemblyPerPeriod) {
  layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a1", "GZIP", 2, kMay3);
  layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a2", "GZIP", 2, kMay4);
  layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a3", "GZIP", 3, kMay5);
  layout_.AddAssembly("cur/", "hourly", "20180601-20180701", "b1", "GZIP", 1, kJune2);

  auto reports = Discover("cur");
  ASSERT_EQ(reports.size(), 1u);
  const ReportSummary& r = reports[0];
  EXPECT_EQ(r.format, ReportFormat::kLegacyCsv);
  EXPECT_TRUE(r.supported());
  EXPECT_EQ(r.location.bucket, "billing");
  EXPECT_EQ(r.location.prefix, "cur/");
  EXPECT_EQ(r.location.name, "hourly");
  EXPECT_EQ(r.layout, ReportLayout::kCreateNew);
  EXPECT_EQ(r.compression, "GZIP");
  EXPECT_EQ(r.column_count, 5u);
  ASSERT_EQ(r.periods.size(), 2u);
  EXPECT_EQ(r.periods[0].period.FolderName(), "20180501-20180601");
  EXPECT_EQ(r.periods[0].assembly_id, "a3");
  EXPECT_EQ(r.periods[0].last_modified, "2018-05-05T04:05:06.000Z");
  EXPECT_EQ(r.periods[0].manifest_key, "cur/hourly/20180501-20180601/hourly-Manifest.json");
  EXPECT_EQ(r.periods[0].layout, ReportLayout::kCreateNew);
  EXPECT_EQ(r.periods[0].error, "");
  EXPECT_EQ(r.periods[1].period.FolderName(), "20180601-20180701");
  EXPECT_EQ(r.periods[1].assembly_id, "b1");
  EXPECT_EQ(r.periods[1].last_modified, "2018-06-02T10:00:00.000Z");
}

TEST_F(DiscoveryTest, OverwriteReportAndZip) {
  layout_.AddOverwrite("", "daily", "20180501-20180601", "x1", "ZIP", 2, kMay4);
  auto reports = Discover("");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].location.prefix, "");
  EXPECT_EQ(reports[0].location.name, "daily");
  EXPECT_EQ(reports[0].layout, ReportLayout::kOverwrite);
  EXPECT_EQ(reports[0].compression, "ZIP");
  ASSERT_EQ(reports[0].periods.size(), 1u);
  std::ifstream in(layout_.PathOf("daily/20180501-20180601/daily-Manifest.json"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(reports[0].periods[0].etag, testing::Md5Etag(text.str()));
  EXPECT_EQ(reports[0].periods[0].assembly_id, "x1");
}

TEST_F(DiscoveryTest, MixedPrefixRecognisesParquetAndDataExports) {
  layout_.AddAssembly("billing/", "csv-report", "20180501-20180601", "a1", "GZIP", 1, kMay3);
  // Legacy Parquet for Athena: <report>/<report>/year=YYYY/month=M/ and the status table.
  layout_.Write("billing/athena/athena/year=2018/month=5/athena-00001.snappy.parquet", "PAR1");
  layout_.Write("billing/athena/athena/year=2018/month=12/athena-00001.snappy.parquet", "PAR1");
  layout_.Write("billing/athena/athena/year=2019/month=1/athena-00001.snappy.parquet", "PAR1");
  layout_.Write("billing/athena/cost_and_usage_data_status/cost_and_usage_data_status.parquet", "PAR1");
  // CUR 2.0 and FOCUS exports.
  layout_.Write("billing/cur2/data/BILLING_PERIOD=2024-05/cur2-00001.csv.gz", testing::GzipText("x"));
  layout_.Write("billing/cur2/metadata/BILLING_PERIOD=2024-05/cur2-Manifest.json", "{}");
  layout_.Write("billing/cur2/metadata/BILLING_PERIOD=2024-06/cur2-Manifest.json", "{}");
  layout_.Write("billing/focus/data/BILLING_PERIOD=2024-06/focus-00001.snappy.parquet", "PAR1");
  layout_.Write("billing/focus/metadata/BILLING_PERIOD=2024-06/focus-Manifest.json", "{}");
  // Unrelated files and a report nested deeper.
  layout_.Write("billing/README.txt", "hello");
  layout_.Write("billing/misc/notes/a.txt", "a");
  layout_.AddOverwrite("billing/team/eu/", "eu-daily", "20180601-20180701", "e1", "GZIP", 1, kJune2);

  auto reports = Discover("billing/");
  ASSERT_EQ(reports.size(), 5u);
  auto line = [](const ReportSummary& r) {
    std::string periods;
    for (const auto& p : r.periods) periods += " " + p.period.Label();
    return fmt::format("{}{} | {} | {} |{}", r.location.prefix, r.location.name, ReportFormatName(r.format),
                       r.compression, periods);
  };
  EXPECT_EQ(line(reports[0]), "billing/athena | legacy Parquet | Parquet | 2018-05 2018-12 2019-01");
  EXPECT_EQ(line(reports[1]), "billing/csv-report | legacy CSV | GZIP | 2018-05");
  EXPECT_EQ(line(reports[2]), "billing/cur2 | CUR 2.0 / FOCUS export |  | 2024-05 2024-06");
  EXPECT_EQ(line(reports[3]), "billing/focus | CUR 2.0 / FOCUS export |  | 2024-06");
  EXPECT_EQ(line(reports[4]), "billing/team/eu/eu-daily | legacy CSV | GZIP | 2018-06");
  EXPECT_TRUE(reports[0].supported());  // legacy Parquet is read (issue 13)
  EXPECT_EQ(reports[0].layout, ReportLayout::kOverwrite);
  EXPECT_EQ(reports[0].periods[1].data_folder, "billing/athena/athena/year=2018/month=12/");
  EXPECT_FALSE(reports[2].supported());
  EXPECT_TRUE(reports[4].supported());
}

TEST_F(DiscoveryTest, PrefixNamingTheReportFolderItselfFindsIt) {
  layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a1", "GZIP", 1, kMay3);
  auto reports = Discover("cur/hourly");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].location.prefix, "cur/");
  EXPECT_EQ(reports[0].location.name, "hourly");
}

TEST_F(DiscoveryTest, AManifestThatCannotBeReadMarksOnlyItsPeriod) {
  layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a1", "GZIP", 1, kMay3);
  layout_.AddAssembly("cur/", "hourly", "20180601-20180701", "b1", "GZIP", 1, kJune2);
  layout_.Write("cur/hourly/20180601-20180701/hourly-Manifest.json", "{not json");
  // A period folder without a top-level manifest (only an assembly folder).
  layout_.Write("cur/hourly/20180701-20180801/c1/hourly-1.csv.gz", testing::GzipText("x"));
  // A manifest copied into the wrong period folder.
  layout_.Write("cur/hourly/20180801-20180901/hourly-Manifest.json",
                CurLayout::Manifest("hourly", "20180501-20180601", "m1", "GZIP", {}));
  auto reports = Discover("cur/");
  ASSERT_EQ(reports.size(), 1u);
  const ReportSummary& r = reports[0];
  ASSERT_EQ(r.periods.size(), 4u);
  EXPECT_EQ(r.periods[0].error, "");
  EXPECT_EQ(r.periods[0].assembly_id, "a1");
  EXPECT_EQ(r.periods[1].error,
            "s3://billing/cur/hourly/20180601-20180701/hourly-Manifest.json: the manifest is not JSON: parse error "
            "at line 1, column 3: syntax error while parsing object key - invalid literal; last read: '{no'; "
            "expected string literal");
  EXPECT_EQ(r.periods[2].error, "s3://billing/cur/hourly/20180701-20180801/hourly-Manifest.json is missing");
  EXPECT_EQ(r.periods[3].error,
            "s3://billing/cur/hourly/20180801-20180901/hourly-Manifest.json: the manifest's billingPeriod "
            "2018-05-01T00:00:00.000Z to 2018-06-01T00:00:00.000Z is not the folder's 2018-08-01T00:00:00.000Z to "
            "2018-09-01T00:00:00.000Z");
  // The report's summary comes from the newest period that could be read.
  EXPECT_EQ(r.layout, ReportLayout::kCreateNew);
  EXPECT_EQ(r.column_count, 5u);
}

TEST_F(DiscoveryTest, RealDecember2019ManifestAsATopLevelManifest) {
  std::filesystem::path shared = billpipe::testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is not there: real-manifest discovery test skipped";
  std::ifstream in(shared / "testdata/cur-manifests/manifest-2019-12.json");
  std::stringstream text;
  text << in.rdbuf();
  layout_.Write("ReportName/20191201-20200101/ReportName-Manifest.json", text.str());
  auto reports = Discover("");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].location.name, "ReportName");
  EXPECT_EQ(reports[0].column_count, 275u);
  EXPECT_EQ(reports[0].compression, "GZIP");
  EXPECT_EQ(reports[0].layout, ReportLayout::kOverwrite);  // no report keys, no assembly folders
  ASSERT_EQ(reports[0].periods.size(), 1u);
  EXPECT_EQ(reports[0].periods[0].assembly_id, "11111111-2222-3333-4444-555555555555");
}

TEST_F(DiscoveryTest, InvalidPrefixIsRefusedBeforeListing) {
  auto r = DiscoverReports(*store_, "billing", "cur/my reports");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "\"cur/my reports\" is not a valid report path prefix: a prefix has at most 256 characters, each a "
            "letter, a digit or one of ! - _ . * ' ( ) /");
}

TEST_F(DiscoveryTest, SelectReportByName) {
  layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a1", "GZIP", 1, kMay3);
  layout_.AddOverwrite("cur/", "daily", "20180501-20180601", "d1", "ZIP", 1, kMay3);
  layout_.Write("cur/athena/athena/year=2018/month=5/athena-00001.snappy.parquet", "PAR1");
  auto reports = Discover("cur");

  auto hourly = SelectReport(reports, "billing", "cur", "hourly");
  ASSERT_TRUE(hourly) << hourly.error().message;
  EXPECT_EQ(hourly->location.Root(), "cur/hourly/");

  auto missing = SelectReport(reports, "billing", "cur", "monthly");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message,
            "report \"monthly\" was not found under s3://billing/cur/. Reports there: athena, daily, hourly");

  auto parquet = SelectReport(reports, "billing", "cur", "athena");
  ASSERT_TRUE(parquet) << parquet.error().message;
  EXPECT_EQ(parquet->format, ReportFormat::kLegacyParquet);

  auto bad = SelectReport(reports, "billing", "cur", "hourly report");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message,
            "\"hourly report\" is not a valid report name: a report name has 1 to 256 characters, each a letter, a "
            "digit or one of ! - _ . * ' ( )");

  auto none = SelectReport({}, "billing", "", "hourly");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(none.error().message,
            "report \"hourly\" was not found under s3://billing/: there is no Cost and Usage Report there");
}

TEST_F(DiscoveryTest, SameNameUnderTwoPrefixesAsksForThePrefix) {
  layout_.AddAssembly("a/", "hourly", "20180501-20180601", "a1", "GZIP", 1, kMay3);
  layout_.AddAssembly("b/", "hourly", "20180501-20180601", "b1", "GZIP", 1, kMay3);
  auto reports = Discover("");
  ASSERT_EQ(reports.size(), 2u);
  auto both = SelectReport(reports, "billing", "", "hourly");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(both.error().message,
            "report \"hourly\" is under several prefixes: s3://billing/a/, s3://billing/b/. Give the one to use in "
            "the s3:// URL");
}

}  // namespace
}  // namespace billpipe::cur
