// Period planning over real files (LocalDirStore): newest version only, its reportKeys only, and one
// test per malformed manifest, each leaving the other period planned.
#include "cur/period_plan.h"
#include "cur/legacy_cur_reader.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cur_layout.h"
#include "s3/local_dir_store.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {

using namespace std::chrono;
using billpipe::testing::TempDir;
using testing::CurLayout;

constexpr int64_t kMay3 = 1525320306;  // 2018-05-03T04:05:06Z
constexpr int64_t kMay4 = 1525406706;
constexpr int64_t kMay5 = 1525493106;
constexpr int64_t kJune2 = 1527933600;  // 2018-06-02T10:00:00Z

constexpr const char* kMay = "20180501-20180601";
constexpr const char* kJune = "20180601-20180701";
constexpr const char* kMayManifest = "cur/hourly/20180501-20180601/hourly-Manifest.json";

DateWindow Window(year_month_day first, year_month_day last) { return {sys_days{first}, sys_days{last}}; }

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = s3::LocalDirStore::Create({.root = dir_.path(), .root_is_bucket = true});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  std::string Read(const std::string& key) {
    std::ifstream in(layout_.PathOf(key), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Plans May and June 2018; expects June (written by the test as a good period) to be planned whatever
  // happened to May, and returns May's outcome.
  Result<PeriodPlan> PlanMayWithGoodJune() {
    layout_.AddAssembly("cur/", "hourly", kJune, "june-1", "GZIP", 1, kJune2);
    auto outcomes = PlanPeriods(*store_, location_, Window(2018y / 5 / 1, 2018y / 6 / 30));
    EXPECT_TRUE(outcomes) << outcomes.error().message;
    if (!outcomes || outcomes->size() != 2) {
      ADD_FAILURE() << "expected two periods";
      return Fail(ErrorCode::kInternal, "test setup");
    }
    EXPECT_EQ((*outcomes)[1].period.FolderName(), kJune);
    EXPECT_TRUE((*outcomes)[1].plan) << (*outcomes)[1].plan.error().message;
    if ((*outcomes)[1].plan) {
      EXPECT_EQ((*outcomes)[1].plan->version_key, "june-1");
    }
    EXPECT_EQ((*outcomes)[0].period.FolderName(), kMay);
    return std::move((*outcomes)[0].plan);
  }

  void ExpectMayError(ErrorCode code, const std::string& message, const std::string& key) {
    auto plan = PlanMayWithGoodJune();
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, code);
    EXPECT_EQ(plan.error().message, message);
    EXPECT_EQ(plan.error().bucket, "billing");
    EXPECT_EQ(plan.error().key, key);
  }

  // Rewrites May's top-level manifest with one edit.
  void EditMayManifest(const std::string& from, const std::string& to) {
    std::string text = Read(kMayManifest);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    layout_.Write(kMayManifest, text);
  }

  TempDir dir_;
  CurLayout layout_{dir_.path()};
  std::unique_ptr<s3::LocalDirStore> store_;
  ReportLocation location_{"billing", "cur/", "hourly"};
};

TEST_F(PlanTest, CreateNewWithThreeAssembliesReadsOnlyTheNewestReportKeys) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 2, kMay3);
  layout_.AddAssembly("cur/", "hourly", kMay, "a2", "GZIP", 2, kMay4);
  auto newest = layout_.AddAssembly("cur/", "hourly", kMay, "a3", "GZIP", 3, kMay5);

  auto outcomes = PlanPeriods(*store_, location_, Window(2018y / 5 / 10, 2018y / 5 / 20));
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  ASSERT_EQ(outcomes->size(), 1u);
  ASSERT_TRUE((*outcomes)[0].plan) << (*outcomes)[0].plan.error().message;
  const PeriodPlan& plan = *(*outcomes)[0].plan;
  EXPECT_EQ(plan.period.FolderName(), kMay);
  EXPECT_EQ(plan.manifest_key, kMayManifest);
  EXPECT_EQ(plan.manifest_object.last_modified, "2018-05-05T04:05:06.000Z");
  EXPECT_EQ(plan.layout, ReportLayout::kCreateNew);
  EXPECT_EQ(plan.version_key, "a3");
  EXPECT_EQ(plan.compression, Compression::kGzip);
  EXPECT_EQ(plan.manifest.columns.size(), 5u);
  ASSERT_EQ(plan.files.size(), 3u);
  EXPECT_EQ(newest, (std::vector<std::string>{"cur/hourly/20180501-20180601/a3/hourly-1.csv.gz",
                                              "cur/hourly/20180501-20180601/a3/hourly-2.csv.gz",
                                              "cur/hourly/20180501-20180601/a3/hourly-3.csv.gz"}));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(plan.files[i].key, newest[i]);
    EXPECT_EQ(plan.files[i].size, std::filesystem::file_size(layout_.PathOf(newest[i])));
    EXPECT_EQ(plan.files[i].etag, testing::Md5Etag(Read(newest[i])));
  }
}

TEST_F(PlanTest, OverwriteModeUsesTheManifestEtagAsVersion) {
  auto keys = layout_.AddOverwrite("cur/", "hourly", kMay, "o1", "GZIP", 2, kMay3);
  auto first = PlanPeriod(*store_, location_, *ParsePeriodFolder(kMay));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->layout, ReportLayout::kOverwrite);
  EXPECT_EQ(first->version_key, testing::Md5Etag(Read(kMayManifest)));
  EXPECT_EQ(first->files.size(), 2u);
  EXPECT_EQ(first->files[0].key, "cur/hourly/20180501-20180601/hourly-1.csv.gz");

  // The next update replaces files and manifest in place: a new version.
  layout_.AddOverwrite("cur/", "hourly", kMay, "o2", "GZIP", 2, kMay4);
  auto second = PlanPeriod(*store_, location_, *ParsePeriodFolder(kMay));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->version_key, testing::Md5Etag(Read(kMayManifest)));
  EXPECT_NE(second->version_key, first->version_key);
  EXPECT_EQ(second->manifest_object.last_modified, "2018-05-04T04:05:06.000Z");
}

TEST_F(PlanTest, ZipWithSeveralFiles) {
  layout_.AddAssembly("cur/", "hourly", kMay, "z1", "ZIP", 4, kMay3);
  auto plan = PlanPeriod(*store_, location_, *ParsePeriodFolder(kMay));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->compression, Compression::kZip);
  ASSERT_EQ(plan->files.size(), 4u);
  EXPECT_EQ(plan->files[3].key, "cur/hourly/20180501-20180601/z1/hourly-4.csv.zip");
  // A real zip: local file header signature.
  EXPECT_EQ(Read(plan->files[3].key).substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST_F(PlanTest, OnlyPeriodsOverlappingTheWindowAreRead) {
  layout_.AddAssembly("cur/", "hourly", "20180401-20180501", "april", "GZIP", 1, kMay3);
  layout_.AddAssembly("cur/", "hourly", kMay, "may", "GZIP", 1, kMay3);
  layout_.AddAssembly("cur/", "hourly", kJune, "june", "GZIP", 1, kJune2);
  // A broken period outside the window must not matter.
  layout_.Write("cur/hourly/20180701-20180801/hourly-Manifest.json", "garbage");

  auto outcomes = PlanPeriods(*store_, location_, Window(2018y / 4 / 30, 2018y / 6 / 1));
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  ASSERT_EQ(outcomes->size(), 3u);
  EXPECT_EQ((*outcomes)[0].plan->version_key, "april");
  EXPECT_EQ((*outcomes)[1].plan->version_key, "may");
  EXPECT_EQ((*outcomes)[2].plan->version_key, "june");

  auto one_day = PlanPeriods(*store_, location_, Window(2018y / 5 / 31, 2018y / 5 / 31));
  ASSERT_TRUE(one_day);
  ASSERT_EQ(one_day->size(), 1u);
  EXPECT_EQ((*one_day)[0].period.FolderName(), kMay);

  auto none = PlanPeriods(*store_, location_, Window(2019y / 1 / 1, 2019y / 1 / 31));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(PlanTest, WindowStartingAfterItsEndIsRefused) {
  auto r = PlanPeriods(*store_, location_, Window(2018y / 6 / 2, 2018y / 6 / 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "the date window starts on 2018-06-02, after its last day 2018-06-01");
}

TEST_F(PlanTest, ManifestMissing) {
  layout_.Write("cur/hourly/20180501-20180601/a1/hourly-1.csv.gz", testing::GzipText("x"));
  ExpectMayError(ErrorCode::kNotFound,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): the manifest is "
                 "missing",
                 kMayManifest);
}

TEST_F(PlanTest, ManifestNotJson) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  layout_.Write(kMayManifest, "<Error>AccessDenied</Error>");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): the manifest is "
                 "not JSON: parse error at line 1, column 1: syntax error while parsing value - invalid literal; "
                 "last read: '<'",
                 kMayManifest);
}

TEST_F(PlanTest, ManifestLackingReportKeys) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("\"reportKeys\"", "\"reportKeysRenamed\"");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): manifest field "
                 "\"reportKeys\" is missing",
                 kMayManifest);
}

TEST_F(PlanTest, ManifestWithFieldOfWrongType) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("\"assemblyId\": \"a1\"", "\"assemblyId\": [\"a1\"]");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): manifest field "
                 "\"assemblyId\" is an array, expected a string",
                 kMayManifest);
}

TEST_F(PlanTest, ManifestNamingAKeyThatDoesNotExist) {
  auto keys = layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 2, kMay3);
  std::filesystem::remove(layout_.PathOf(keys[1]));
  ExpectMayError(ErrorCode::kNotFound,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): reportKeys[1] "
                 "s3://billing/cur/hourly/20180501-20180601/a1/hourly-2.csv.gz does not exist",
                 keys[1]);
}

TEST_F(PlanTest, CompressionNotMatchingTheFiles) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("\"compression\": \"GZIP\"", "\"compression\": \"ZIP\"");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): compression is "
                 "ZIP but reportKeys[0] s3://billing/cur/hourly/20180501-20180601/a1/hourly-1.csv.gz does not end "
                 "in .csv.zip",
                 "cur/hourly/20180501-20180601/a1/hourly-1.csv.gz");
}

// Issue 11 b: the bucket is not trusted; a manifest names files of its own report only.
TEST_F(PlanTest, ReportKeysOutsideTheReportFolderAreRefused) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("cur/hourly/20180501-20180601/a1/hourly-1.csv.gz", "private/other-team/payroll.csv.gz");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): reportKeys[0] "
                 "s3://billing/private/other-team/payroll.csv.gz is not a file of this report: a manifest may only "
                 "name keys under s3://billing/cur/hourly/ without '.' or '..' segments. The manifest is refused and "
                 "nothing of this period is loaded",
                 "private/other-team/payroll.csv.gz");
}

TEST_F(PlanTest, ReportKeysWithDotSegmentsAreRefused) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("cur/hourly/20180501-20180601/a1/hourly-1.csv.gz", "cur/hourly/../other/./x.csv.gz");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): reportKeys[0] "
                 "s3://billing/cur/hourly/../other/./x.csv.gz is not a file of this report: a manifest may only "
                 "name keys under s3://billing/cur/hourly/ without '.' or '..' segments. The manifest is refused and "
                 "nothing of this period is loaded",
                 "cur/hourly/../other/./x.csv.gz");
}

// Issue 11 j: a window from year 0 would list and read 24,000 periods.
TEST(LegacyCurReaderTest, AWindowOfMoreThan600PeriodsIsRefused) {
  billpipe::testing::TempDir dir;
  auto store = s3::LocalDirStore::Create({.root = dir.path(), .root_is_bucket = true});
  ASSERT_TRUE(store);
  LegacyCurReader reader(**store, "billing", "cur", "hourly");
  auto periods = reader.PeriodsIn(DateWindow{Date{0, 1, 1}, Date{9999, 12, 31}});
  ASSERT_FALSE(periods);
  EXPECT_EQ(periods.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(periods.error().message,
            "The window 0000-01-01 to 9999-12-31 spans 120000 billing periods; one run reads at most 600 (50 "
            "years). Choose a later start date.");
  auto fifty_years = reader.PeriodsIn(DateWindow{Date{1976, 1, 1}, Date{2025, 12, 31}});
  ASSERT_TRUE(fifty_years);
  EXPECT_EQ(fifty_years->size(), 600u);
}

TEST_F(PlanTest, CompressionUnknown) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("\"compression\": \"GZIP\"", "\"compression\": \"BZIP2\"");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): compression "
                 "\"BZIP2\" is neither GZIP, ZIP nor Parquet",
                 kMayManifest);
}

TEST_F(PlanTest, CompressionParquetNeedsParquetFiles) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("\"compression\": \"GZIP\"", "\"compression\": \"Parquet\"");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): compression is "
                 "Parquet but reportKeys[0] s3://billing/cur/hourly/20180501-20180601/a1/hourly-1.csv.gz does not "
                 "end in .snappy.parquet",
                 "cur/hourly/20180501-20180601/a1/hourly-1.csv.gz");
}

TEST_F(PlanTest, BillingPeriodNotTheFolders) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  EditMayManifest("\"start\": \"20180501T000000.000Z\"", "\"start\": \"20180401T000000.000Z\"");
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): the manifest's "
                 "billingPeriod 2018-04-01T00:00:00.000Z to 2018-06-01T00:00:00.000Z is not the folder's "
                 "2018-05-01T00:00:00.000Z to 2018-06-01T00:00:00.000Z",
                 kMayManifest);
}

TEST_F(PlanTest, ManifestTooLarge) {
  layout_.AddAssembly("cur/", "hourly", kMay, "a1", "GZIP", 1, kMay3);
  layout_.Write(kMayManifest, std::string(kMaxManifestBytes + 1, ' '));
  ExpectMayError(ErrorCode::kBadData,
                 "period 2018-05 (s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json): "
                 "s3://billing/cur/hourly/20180501-20180601/hourly-Manifest.json is 16777217 bytes, more than the "
                 "16777216 bytes expected",
                 kMayManifest);
}

TEST_F(PlanTest, EmptyMonthHasNoFiles) {
  layout_.Write(kMayManifest, CurLayout::Manifest("hourly", kMay, "e1", "GZIP", {}));
  auto plan = PlanPeriod(*store_, location_, *ParsePeriodFolder(kMay));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->files.empty());
  EXPECT_EQ(plan->layout, ReportLayout::kOverwrite);
}

}  // namespace
}  // namespace billpipe::cur
