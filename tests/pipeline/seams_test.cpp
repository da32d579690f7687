// The seams of issue 11 and the data-path fixes that came with them: the report reader's checks on a
// manifest's files, the window cap, the schema union's widening, and a batch source that is not CSV.
#include <sqlite3.h>

#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "counting_store.h"
#include "cur_fixture.h"
#include "pipeline/file_loader.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "s3/local_dir_store.h"
#include "sink/sqlite_sink.h"
#include "sqlite_query.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

using testing::CurFixture;
using testing::Line;

std::vector<Line> Days(int month, int from, int to, const std::string& cost, const std::string& invoice = "") {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2019-%02d-%02dT00:00:00Z", month, d);
    out.push_back(Line{ts, cost, invoice, "AmazonEC2", ""});
  }
  return out;
}

class SeamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(bucket_);
    store_ = *s3::LocalDirStore::Create({dir_.path() / "s3", false});
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  RunRequest Request(std::string start, std::string end) {
    RunRequest r;
    r.dataset = "costs";
    r.bucket = "billing";
    r.prefix = "cur";
    r.report_name = "daily";
    r.duration = Duration{*DateSpec::Parse(start), *DateSpec::Parse(end)};
    r.workers = 2;
    return r;
  }

  Result<RunSummary> Run(const RunRequest& r, s3::ObjectStore* store = nullptr) {
    RunEnvironment env{store ? *store : *store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr,
                       nullptr};
    return RunDataset(r, env);
  }

  std::string One(const std::string& sql) { return billpipe::testing::QueryOne(db_, sql); }

  // Rewrites a period's manifests (the top-level one and its assembly's) with edit applied.
  void EditManifests(const std::string& period, const std::string& assembly,
                     const std::function<void(nlohmann::json&)>& edit) {
    for (auto path : {bucket_ / "cur/daily" / period / "daily-Manifest.json",
                      bucket_ / "cur/daily" / period / assembly / "daily-Manifest.json"}) {
      std::ifstream in(path);
      nlohmann::json m = nlohmann::json::parse(in);
      edit(m);
      CurFixture::WriteFile(path, m.dump(2));
    }
  }

  billpipe::testing::TempDir dir_;
  std::filesystem::path bucket_ = dir_.path() / "s3/billing";
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(std::chrono::milliseconds(1576843200000))};  // 2019-12-20T12:00:00Z
  CurFixture cur_{bucket_};
  std::unique_ptr<s3::LocalDirStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
};

TEST_F(SeamsTest, ReportKeysOutsideTheReportFolderAreRefusedAndTheDatasetIsUnchanged) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1.0000000000", "INV1")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-11-30")));
  const std::string before = One("SELECT count(*) || ' ' || total(line_item_unblended_cost) FROM costs");
  EXPECT_EQ(before, "30 30.0");

  // A new assembly whose manifest points at another team's file in the same bucket.
  cur_.WritePeriod(2019, 11, "a2", {Days(11, 1, 30, "2.0000000000", "INV1")});
  std::filesystem::create_directories(bucket_ / "private/other-team");
  std::filesystem::copy_file(bucket_ / "cur/daily/20191101-20191201/a2/daily-1.csv.gz",
                             bucket_ / "private/other-team/payroll.csv.gz");
  EditManifests("20191101-20191201", "a2", [](nlohmann::json& m) {
    m["reportKeys"] = {"private/other-team/payroll.csv.gz"};
  });
  auto s = Run(Request("2019-11-01", "2019-11-30"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kBadData);
  EXPECT_EQ(s.error().message,
            "period 2019-11 (s3://billing/cur/daily/20191101-20191201/daily-Manifest.json): reportKeys[0] "
            "s3://billing/private/other-team/payroll.csv.gz is not a file of this report: a manifest may only name "
            "keys under s3://billing/cur/daily/ without '.' or '..' segments. The manifest is refused and nothing of "
            "this period is loaded");
  EXPECT_EQ(One("SELECT count(*) || ' ' || total(line_item_unblended_cost) FROM costs"), before);
}

TEST_F(SeamsTest, ReportKeysWithDotSegmentsAreRefused) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1.0000000000", "INV1")});
  EditManifests("20191101-20191201", "a1", [](nlohmann::json& m) {
    m["reportKeys"] = {"cur/daily/20191101-20191201/a1/../../../../private/payroll.csv.gz"};
  });
  auto s = Run(Request("2019-11-01", "2019-11-30"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kBadData);
  EXPECT_NE(s.error().message.find("reportKeys[0] s3://billing/cur/daily/20191101-20191201/a1/../../../../private/"
                                   "payroll.csv.gz is not a file of this report"),
            std::string::npos)
      << s.error().message;
  EXPECT_EQ(One("SELECT count(*) FROM sqlite_master WHERE name = 'costs'"), "0");
}

TEST_F(SeamsTest, AWindowFromYearZeroIsRefusedBeforeAnyRequest) {
  billpipe::testing::CountingStore counting(*store_);
  auto s = Run(Request("0000-01-01", "2019-12-20"), &counting);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().message,
            "The window 0000-01-01 to 2019-12-20 spans 24240 billing periods; one run reads at most 600 (50 years). "
            "Choose a later start date.");
  EXPECT_EQ(counting.lists + counting.small_gets + counting.heads + counting.opens, 0);
}

TEST_F(SeamsTest, DecimalColumnsStayDecimalWhenPeriodsDisagreeOnOptional) {
  // November says BigDecimal, December OptionalBigDecimal: both decimal, so the column stays decimal
  // (only a real conflict, such as DateTime and String, becomes text; it used to take any difference).
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1.0000000000", "INV1")});
  cur_.WritePeriod(2019, 12, "b1", {Days(12, 1, 19, "2.5000000000")});
  EditManifests("20191201-20200101", "b1", [](nlohmann::json& m) {
    for (auto& c : m["columns"]) {
      if (c["name"] == "UnblendedCost") c["type"] = "OptionalBigDecimal";
    }
  });
  auto s = Run(Request("2019-11-01", "2019-12-31"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(One("SELECT kind FROM _billpipe_columns WHERE dataset = 'costs' AND name = 'line_item_unblended_cost'"),
            "decimal");
  EXPECT_EQ(One("SELECT printf('%.2f', total(line_item_unblended_cost)) FROM costs"), "77.50");
}

// Refuses every listing the way S3 refuses a bad key: the error s3/ makes of it.
class RefusingStore final : public s3::ObjectStore {
 public:
  explicit RefusingStore(s3::ObjectStore& inner) : inner_(inner) {}
  Result<s3::Listing> List(const std::string&, const std::string&, const std::string&) override {
    Error e(ErrorCode::kAuth, "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: "
                              "InvalidAccessKeyId, request id: R1.");
    e.aws_code = "InvalidAccessKeyId";
    e.request_id = "R1";
    return Fail(std::move(e));
  }
  Result<s3::ObjectInfo> Head(const std::string& bucket, const std::string& key) override {
    return inner_.Head(bucket, key);
  }
  Result<std::unique_ptr<ByteSource>> Open(const std::string& bucket, const std::string& key,
                                           const s3::ReadOptions& options = {}) override {
    return inner_.Open(bucket, key, options);
  }
  Result<std::string> GetSmall(const std::string& bucket, const std::string& key, size_t max_bytes) override {
    return inner_.GetSmall(bucket, key, max_bytes);
  }
  Status Put(const std::string& bucket, const std::string& key, ByteSource& body, uint64_t size) override {
    return inner_.Put(bucket, key, body, size);
  }

 private:
  s3::ObjectStore& inner_;
};

// Issue 11 o: where verify (and run) name the period and key of an error, a refused login still starts
// with its sentence, then the AWS error code and request id.
TEST_F(SeamsTest, ARefusedLoginStartsTheMessageWhereThePeriodIsNamed) {
  cur_.WritePeriod(2019, 11, "a1", {Days(11, 1, 30, "1.0000000000", "INV1")});
  ASSERT_TRUE(Run(Request("2019-11-01", "2019-11-30")));
  RefusingStore refusing(*store_);
  RunEnvironment env{refusing, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
  auto report = VerifyDataset(Request("2019-11-01", "2019-11-30"), env);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kAuth);
  EXPECT_EQ(report.error().message,
            "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: InvalidAccessKeyId, "
            "request id: R1. While reading period 2019-11 "
            "(s3://billing/cur/daily/20191101-20191201/daily-Manifest.json).");
}

// A batch source that is not CSV: rows filled through ColumnBatch's public filling methods.
class TwoRowSource final : public table::BatchSource {
 public:
  TwoRowSource() {
    schema_ = {{"usage_start", table::ColumnType::kDateTime}, {"invoice", table::ColumnType::kString},
               {"cost", table::ColumnType::kBigDecimal}};
  }
  const std::vector<table::ColumnSchema>& schema() const override { return schema_; }
  std::string Describe() const override { return "two rows"; }
  Result<bool> NextBatch(table::ColumnBatch& batch) override {
    if (done_) {
      batch.Start(&schema_, 0);
      return false;
    }
    done_ = true;
    batch.Start(&schema_, 3);
    auto& start = batch.mutable_column(0);
    start.null = {0, 0, 0};
    start.micros = {1575158400000000, 1575244800000000, 1577836800000000};  // Dec 1, Dec 2, Jan 1
    auto& invoice = batch.mutable_column(1);
    invoice.null = {0, 1, 0};
    invoice.SetText({"INV1", "", "INV2"});
    auto& cost = batch.mutable_column(2);
    cost.null = {0, 0, 0};
    cost.decimal = {*table::Decimal::Parse("1.25"), *table::Decimal::Parse("-0.5"), *table::Decimal::Parse("7")};
    for (size_t r = 0; r < 3; ++r) batch.set_position(r, static_cast<int64_t>(r + 1), 0);
    return true;
  }

 private:
  std::vector<table::ColumnSchema> schema_;
  bool done_ = false;
};

TEST(BatchSourceSeam, ABatchFilledThroughThePublicMethodsIsShapedByTheRoles) {
  cur::PeriodVersion version;
  version.columns = {{"usage_start", table::ColumnType::kDateTime}, {"invoice", table::ColumnType::kString},
                     {"cost", table::ColumnType::kBigDecimal}};
  version.roles = cur::ColumnRoles{"usage_start", "invoice", "cost", "", "", {}};
  PeriodShape shape = ShapeOf(version, Filter::kAll, DateWindow{Date{2019, 12, 1}, Date{2019, 12, 31}},
                              {{"cost", "the_cost"}});
  BoundedQueue<OwnedBatch> queue(4);
  TwoRowSource source;
  FileStats stats;
  ASSERT_TRUE(ShapeBatches(source, shape, FileTask{0, 7, "b", "k", 0, ""}, LoadTarget{BadRowPolicy::kFail, &queue}, stats));
  EXPECT_EQ(stats.read, 3);
  EXPECT_EQ(stats.loaded, 2);    // January 1 is outside the window
  EXPECT_EQ(stats.filtered, 1);
  EXPECT_EQ(stats.cost, "0.75");
  EXPECT_TRUE(stats.saw_invoice);
  queue.Close();
  auto batch = queue.Pop();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->segment, 7);
  EXPECT_EQ(*batch->column_names, (std::vector<std::string>{"usage_start", "invoice", "the_cost"}));
  ASSERT_EQ(batch->rows(), 2u);
  EXPECT_EQ(batch->Get(1, 2).text, "-0.5");
  EXPECT_EQ(batch->Get(0, 0).millis, 1575158400000);

  // Invoiced keeps only the line with an invoice id.
  shape.filter = Filter::kInvoiced;
  TwoRowSource again;
  FileStats invoiced;
  ASSERT_TRUE(ShapeBatches(again, shape, FileTask{}, LoadTarget{}, invoiced));
  EXPECT_EQ(invoiced.loaded, 1);
  EXPECT_EQ(invoiced.cost, "1.25");
}

}  // namespace
}  // namespace billpipe::pipeline
