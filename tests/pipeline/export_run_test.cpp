// AWS Data Exports (CUR 2.0, FOCUS) loaded end to end against the S3 double (real SigV4 client, real
// listings) into real SQLite files: exact totals against the generator's, newest delivery only, the
// refusals that leave the dataset as it was, map columns as JSON objects, the filters and period status
// by kind, a legacy report and an export under one prefix, and the fault proxy's faults on every kind.
#include <zlib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "curgen/export_generator.h"
#include "curgen/generator.h"
#include "pipeline/preview.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "s3/client.h"
#include "sink/sqlite_sink.h"
#include "sqlite_query.h"
#include "test_support.h"
#include "util/byte_source.h"

namespace billpipe::pipeline {
namespace {

using billpipe::testing::FaultProxy;
using billpipe::testing::QueryOne;
using billpipe::testing::S3TestServer;
using namespace std::chrono;

constexpr int64_t kDec20 = 1576843200000;  // 2019-12-20T12:00:00Z
constexpr int64_t kJan20 = 1579521600000;  // 2020-01-20T12:00:00Z: December 2019 ended 19 days before

std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class ExportRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    S3TestServer::Options options;
    options.buckets = {"billing", "payroll"};
    server_ = S3TestServer::Start(options).release();
    proxy_ = FaultProxy::Start(server_->endpoint()).release();
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete server_;
    proxy_ = nullptr;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    proxy_->Clear();
    store_ = Client(server_->endpoint());
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }
  void TearDown() override { proxy_->Clear(); }

  static std::unique_ptr<s3::ObjectStore> Client(const std::string& endpoint) {
    s3::ClientOptions options;
    options.credentials = {billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey, ""};
    options.endpoint_url = endpoint;
    options.region = "us-east-1";
    options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    options.retry.base_delay = milliseconds(1);
    options.retry.max_delay = milliseconds(8);
    options.low_speed_time = seconds(10);
    auto client = s3::MakeClient(options);
    EXPECT_TRUE(client) << client.error().message;
    return client ? std::move(*client) : nullptr;
  }

  curgen::GeneratedReport Generate(const curgen::ExportOptions& o) {
    curgen::ObjectStoreWriter writer(*store_, "billing");
    auto report = curgen::GenerateExport(o, writer);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report ? *report : curgen::GeneratedReport{};
  }
  curgen::GeneratedReport GenerateLegacy(const curgen::CurgenOptions& o) {
    curgen::ObjectStoreWriter writer(*store_, "billing");
    auto report = curgen::GenerateCur(o, writer);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report ? *report : curgen::GeneratedReport{};
  }

  static curgen::ExportOptions Options(const std::string& prefix, const std::string& name,
                                       cur::ExportKind kind = cur::ExportKind::kCur2) {
    curgen::ExportOptions o;
    o.base.bucket = "billing";
    o.base.prefix = prefix;
    o.base.report_name = name;
    o.base.months = 1;
    o.base.line_items_per_month = 300;
    o.base.files_per_period = 2;
    o.kind = kind;
    return o;
  }

  static RunRequest Request(const std::string& prefix, const std::string& name, Filter filter = Filter::kAll,
                            const std::string& dataset = "costs") {
    RunRequest r;
    r.dataset = dataset;
    r.bucket = "billing";
    r.prefix = prefix;
    r.report_name = name;
    r.filter = filter;
    r.duration = Duration{*DateSpec::Parse("2019-11-01"), *DateSpec::Parse("2019-12-31")};
    r.workers = 2;
    return r;
  }

  Result<RunSummary> Run(const RunRequest& r, s3::ObjectStore* store = nullptr) {
    RunEnvironment env{store ? *store : *store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr,
                       nullptr};
    return RunDataset(r, env);
  }
  Result<VerifyReport> Verify(const RunRequest& r) {
    RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return VerifyDataset(r, env);
  }

  // "rows|cost" of a dataset as a user's SQL sum gives it (floating point: four places); the exact
  // decimal totals are the run summary's.
  std::string Total(const std::string& cost_column, const std::string& dataset = "costs") {
    return QueryOne(db_, "SELECT count(*) || '|' || printf('%.4f', coalesce(sum(" + cost_column + "), 0)) FROM " +
                             dataset);
  }
  static std::string Expected(uint64_t rows, const curgen::Decimal10& cost) {
    return fmt::format("{}|{:.4f}", rows, std::strtod(cost.ToString().c_str(), nullptr));
  }
  static std::string Expected(const curgen::PeriodTotals& p) { return Expected(p.rows, p.unblended_cost); }

  void Put(const std::string& bucket, const std::string& key, const std::string& bytes) {
    StringSource body(bytes, key);
    auto put = store_->Put(bucket, key, body, bytes.size());
    ASSERT_TRUE(put) << put.error().message;
  }
  std::string Get(const std::string& key) {
    auto text = store_->GetSmall("billing", key, 10'000'000);
    EXPECT_TRUE(text) << text.error().message;
    return text ? *text : "";
  }

  // A hand-written CUR 2.0 export of one execution for December 2019 under prefix/name: the CSV text of
  // each data file, gzipped, and its top-level manifest.
  void WriteCur2(const std::string& prefix, const std::string& name, const std::string& execution,
                 const std::vector<std::string>& csv_files) {
    std::string data = prefix + "/" + name + "/data/BILLING_PERIOD=2019-12/20191215T000000Z-" + execution + "/";
    nlohmann::json m;
    m["executionId"] = execution;
    m["exportArn"] = "arn:aws:bcm-data-exports:us-east-1:123456789012:export/" + name + "-1";
    m["columns"] = nlohmann::json::array({{{"name", "bill_invoice_id"}, {"type", "string"}},
                                          {{"name", "line_item_usage_start_date"}, {"type", "timestamp"}},
                                          {{"name", "line_item_unblended_cost"}, {"type", "decimal"}},
                                          {{"name", "resource_tags"}, {"type", "map<string,string>"}},
                                          {{"name", "cost_category"}, {"type", "map<string,string>"}}});
    m["dataFiles"] = nlohmann::json::array();
    for (size_t i = 0; i < csv_files.size(); ++i) {
      std::string key = data + name + fmt::format("-{:05d}.csv.gz", i + 1);
      Put("billing", key, Gzip(csv_files[i]));
      m["dataFiles"].push_back("s3://billing/" + key);
    }
    std::string metadata = prefix + "/" + name + "/metadata/BILLING_PERIOD=2019-12/";
    Put("billing", metadata + "20191215T000000Z-" + execution + "/" + name + "-Manifest.json", m.dump());
    Put("billing", metadata + name + "-Manifest.json", m.dump());
  }

  static S3TestServer* server_;
  static FaultProxy* proxy_;
  billpipe::testing::TempDir dir_;
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(milliseconds(kDec20))};
  std::unique_ptr<s3::ObjectStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
};
S3TestServer* ExportRunTest::server_ = nullptr;
FaultProxy* ExportRunTest::proxy_ = nullptr;

constexpr const char* kCur2Header =
    "bill_invoice_id,line_item_usage_start_date,line_item_unblended_cost,resource_tags,cost_category\n";

TEST_F(ExportRunTest, CreateNewThreeExecutionsLoadsTheOneTheTopLevelManifestNames) {
  auto o = Options("cn", "cur2");
  o.executions_per_month = 2;
  o.in_progress_execution = true;  // a third execution folder after the newest complete one, in key order
  auto report = Generate(o);
  ASSERT_EQ(report.periods.size(), 1u);
  const auto& expected = report.periods[0];

  auto first = Run(Request("cn", "cur2"));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->periods.size(), 2u);
  EXPECT_EQ(first->periods[0].action, "no report yet");  // November 2019
  const auto& dec = first->periods[1];
  EXPECT_EQ(dec.action, "loaded");
  EXPECT_EQ(dec.version_key, expected.newest_assembly_id);
  EXPECT_EQ(dec.files, 2);
  EXPECT_EQ(dec.line_items_loaded, 300);
  EXPECT_EQ(dec.unblended_cost, expected.unblended_cost.ToString());
  EXPECT_EQ(dec.status, "estimated");
  EXPECT_EQ(Total("line_item_unblended_cost"), Expected(expected));

  auto again = Run(Request("cn", "cur2"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->version, 0);
  EXPECT_EQ(again->periods[1].action, "unchanged");
  EXPECT_EQ(Total("line_item_unblended_cost"), Expected(expected));

  auto verified = Verify(Request("cn", "cur2"));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->ok()) << FormatVerifyReport(*verified);
  ASSERT_EQ(verified->periods.size(), 1u);
  EXPECT_EQ(verified->periods[0].s3_unblended_cost, expected.unblended_cost.ToString());
}

TEST_F(ExportRunTest, OverwritePeriodThatShrankLoadsTheEmptyTrailingChunkAsNoRows) {
  auto o = Options("ow", "focus", cur::ExportKind::kFocus12);
  o.delivery = cur::ExportDelivery::kOverwrite;
  o.executions_per_month = 2;
  o.shrink_chunks = 1;
  auto report = Generate(o);
  ASSERT_EQ(report.periods.size(), 1u);
  auto run = Run(Request("ow", "focus"));
  ASSERT_TRUE(run) << run.error().message;
  const auto& dec = run->periods[1];
  EXPECT_EQ(dec.action, "loaded");
  EXPECT_EQ(dec.files, 3);  // the third is the empty trailing chunk
  EXPECT_TRUE(dec.version_key.starts_with(report.periods[0].newest_assembly_id + "/")) << dec.version_key;
  EXPECT_EQ(dec.line_items_loaded, 300);
  EXPECT_EQ(dec.unblended_cost, report.periods[0].unblended_cost.ToString());
  // FOCUS columns keep their own names.
  EXPECT_EQ(Total("BilledCost"), Expected(report.periods[0]));
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM costs WHERE ChargePeriodStart >= '2019-12-01'"), "300");
}

TEST_F(ExportRunTest, Focus12FiltersInvoicedAndEstimatedLines) {
  auto o = Options("f12", "focus", cur::ExportKind::kFocus12);
  o.base.start_month = 11;
  o.base.months = 2;  // November invoiced, December estimated
  auto report = Generate(o);
  ASSERT_EQ(report.periods.size(), 2u);
  auto invoiced = Run(Request("f12", "focus", Filter::kInvoiced, "invoiced"));
  ASSERT_TRUE(invoiced) << invoiced.error().message;
  auto estimated = Run(Request("f12", "focus", Filter::kEstimated, "estimated"));
  ASSERT_TRUE(estimated) << estimated.error().message;
  for (size_t i = 0; i < 2; ++i) {
    const auto& p = report.periods[i];
    SCOPED_TRACE(p.period);
    EXPECT_EQ(invoiced->periods[i].line_items_loaded, static_cast<int64_t>(p.with_invoice_id.rows));
    EXPECT_EQ(estimated->periods[i].line_items_loaded, static_cast<int64_t>(p.without_invoice_id.rows));
  }
  EXPECT_EQ(report.periods[0].without_invoice_id.rows, 0u);
  EXPECT_EQ(report.periods[1].with_invoice_id.rows, 0u);
  EXPECT_EQ(invoiced->periods[0].status, "final");
  EXPECT_EQ(estimated->periods[1].status, "estimated");
  EXPECT_EQ(invoiced->periods[0].unblended_cost, report.periods[0].with_invoice_id.unblended_cost.ToString());
  EXPECT_EQ(estimated->periods[1].unblended_cost, report.periods[1].without_invoice_id.unblended_cost.ToString());
  EXPECT_EQ(Total("BilledCost", "invoiced"),
            Expected(report.periods[0].with_invoice_id.rows, report.periods[0].with_invoice_id.unblended_cost));
  EXPECT_EQ(Total("BilledCost", "estimated"),
            Expected(report.periods[1].without_invoice_id.rows, report.periods[1].without_invoice_id.unblended_cost));
}

TEST_F(ExportRunTest, Focus10RefusesTheInvoicedFilterAndIsOpenThenClosedThenRestated) {
  auto report = Generate(Options("f10", "focus", cur::ExportKind::kFocus10));
  auto refused = Run(Request("f10", "focus", Filter::kInvoiced));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message,
            "the invoiced filter needs an invoice column, and FOCUS 1.0 reports have none (period 2019-12; FOCUS has "
            "InvoiceId from version 1.2): use the all filter, or a FOCUS 1.2 or CUR 2.0 export");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM costs"), "error: no such table: costs");

  auto open = Run(Request("f10", "focus"));
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_EQ(open->periods[1].status, "open");
  EXPECT_EQ(Total("BilledCost"), Expected(report.periods[0]));

  clock_.Set(SysTime(milliseconds(kJan20)));
  auto closed = Run(Request("f10", "focus", Filter::kAll, "later"));
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_EQ(closed->periods[1].status, "closed");

  auto o = Options("f10", "focus", cur::ExportKind::kFocus10);
  o.base.seed = 2;  // a new delivery after the period closed
  auto again = Generate(o);
  ASSERT_NE(again.periods[0].newest_assembly_id, report.periods[0].newest_assembly_id);
  auto restated = Run(Request("f10", "focus", Filter::kAll, "later"));
  ASSERT_TRUE(restated) << restated.error().message;
  EXPECT_EQ(restated->periods[1].action, "loaded");
  EXPECT_EQ(restated->periods[1].status, "restated");
  EXPECT_EQ(Total("BilledCost", "later"), Expected(again.periods[0]));
}

TEST_F(ExportRunTest, ExportAndLegacyReportUnderOnePrefix) {
  curgen::CurgenOptions legacy;
  legacy.prefix = "mixed";
  legacy.report_name = "legacy";
  legacy.line_items_per_month = 200;
  auto legacy_report = GenerateLegacy(legacy);
  auto export_report = Generate(Options("mixed", "exp"));

  auto l = Run(Request("mixed", "legacy", Filter::kAll, "l"));
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(Total("line_item_unblended_cost", "l"), Expected(legacy_report.periods[0]));
  auto e = Run(Request("mixed", "exp", Filter::kAll, "e"));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(Total("line_item_unblended_cost", "e"), Expected(export_report.periods[0]));

  // One name that is both.
  legacy.prefix = "both";
  legacy.report_name = "same";
  auto legacy_same = GenerateLegacy(legacy);
  auto export_same = Generate(Options("both", "same"));
  auto ambiguous = Run(Request("both", "same"));
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ambiguous.error().message,
            "report \"same\" under s3://billing/both/ is both a legacy Cost and Usage Report "
            "(s3://billing/both/same/) and a data export (s3://billing/both/same/data/): pick one with --report-type "
            "legacy-cur or --report-type data-export (a dataset's report_type)");
  RunRequest as_legacy = Request("both", "same", Filter::kAll, "as_legacy");
  as_legacy.report_kind = cur::ReportKind::kLegacyCur;
  auto a = Run(as_legacy);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(Total("line_item_unblended_cost", "as_legacy"), Expected(legacy_same.periods[0]));
  RunRequest as_export = Request("both", "same", Filter::kAll, "as_export");
  as_export.report_kind = cur::ReportKind::kDataExport;
  auto b = Run(as_export);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(Total("line_item_unblended_cost", "as_export"), Expected(export_same.periods[0]));
}

TEST_F(ExportRunTest, DataFilesOutsideTheExportAreRefusedAndTheDatasetIsUnchanged) {
  auto report = Generate(Options("conf", "cur2"));
  ASSERT_TRUE(Run(Request("conf", "cur2")));
  const std::string before = Expected(report.periods[0]);
  ASSERT_EQ(Total("line_item_unblended_cost"), before);
  Put("payroll", "salaries.csv.gz", Gzip(kCur2Header));
  Put("billing", "private/payroll.csv.gz", Gzip(kCur2Header));

  const std::string manifest_key = "conf/cur2/metadata/BILLING_PERIOD=2019-12/cur2-Manifest.json";
  const std::string where = "export period 2019-12 (s3://billing/" + manifest_key + "): ";
  auto manifest = nlohmann::json::parse(Get(manifest_key));
  manifest["executionId"] = "later-execution";
  manifest["dataFiles"].push_back("s3://payroll/salaries.csv.gz");
  Put("billing", manifest_key, manifest.dump());
  auto other_bucket = Run(Request("conf", "cur2"));
  ASSERT_FALSE(other_bucket);
  EXPECT_EQ(other_bucket.error().code, ErrorCode::kBadData);
  EXPECT_EQ(other_bucket.error().message, where + "dataFiles[2] s3://payroll/salaries.csv.gz is in bucket "
                                                  "\"payroll\", not the export's bucket \"billing\": refused");
  EXPECT_EQ(Total("line_item_unblended_cost"), before);

  manifest["dataFiles"][2] = "s3://billing/private/payroll.csv.gz";
  Put("billing", manifest_key, manifest.dump());
  auto outside = Run(Request("conf", "cur2"));
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().message, where + "dataFiles[2] s3://billing/private/payroll.csv.gz is outside the "
                                             "export's data folder s3://billing/conf/cur2/data/: refused");
  EXPECT_EQ(Total("line_item_unblended_cost"), before);
}

TEST_F(ExportRunTest, MissingDataFileFailsTheRunAndTheDatasetIsUnchanged) {
  auto report = Generate(Options("miss", "cur2"));
  ASSERT_TRUE(Run(Request("miss", "cur2")));
  const std::string before = Expected(report.periods[0]);
  const std::string manifest_key = "miss/cur2/metadata/BILLING_PERIOD=2019-12/cur2-Manifest.json";
  auto manifest = nlohmann::json::parse(Get(manifest_key));
  manifest["executionId"] = "later-execution";
  manifest["dataFiles"].push_back("s3://billing/miss/cur2/data/BILLING_PERIOD=2019-12/cur2-00003.csv.gz");
  Put("billing", manifest_key, manifest.dump());
  auto missing = Run(Request("miss", "cur2"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message,
            "export period 2019-12 (s3://billing/" + manifest_key + "): data file dataFiles[2] "
            "s3://billing/miss/cur2/data/BILLING_PERIOD=2019-12/cur2-00003.csv.gz is missing");
  EXPECT_EQ(Total("line_item_unblended_cost"), before);
}

TEST_F(ExportRunTest, MapColumnsWithAwkwardKeysAreStoredAsJsonObjects) {
  // Keys and values with commas, quotes, a line break and non-ASCII text; CSV quoting doubles the quotes.
  std::string csv = std::string(kCur2Header) +
                    "INV-1,2019-12-01T00:00:00Z,1.2500000000,\"{\"\"user:Cost Center, \\\"\"EU\\\"\"\"\":\"\"Retail, "
                    "\\\"\"Online\\\"\"\"\",\"\"user:チーム\"\":\"\"データ基盤\"\"}\",\"{\"\"Business Unit\"\":\"\"Retail, "
                    "EU\"\"}\"\n"
                    "INV-1,2019-12-02T00:00:00Z,2.5000000000,\"{\"\"user:note\\nsecond line\"\":\"\"line 1\\nline "
                    "2\"\",\n\"\"user:x\"\":\"\"y\"\"}\",{}\n"
                    "INV-1,2019-12-03T00:00:00Z,4.0000000000,,\"{\"\"Business Unit\"\":\"\"Platform\"\"}\"\n";
  WriteCur2("maps", "tags", "exec-1", {csv});
  auto run = Run(Request("maps", "tags"));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(Total("line_item_unblended_cost"), "3|7.7500");
  // A tag query and a cost category query with SQLite's JSON functions (docs/exports.md).
  EXPECT_EQ(QueryOne(db_, "SELECT json_extract(resource_tags, '$.\"user:チーム\"') FROM costs "
                          "WHERE line_item_unblended_cost = 1.25"),
            "データ基盤");
  // A key holding a double quote cannot be named in a JSON path in SQLite 3.40: json_each finds it.
  EXPECT_EQ(QueryOne(db_, "SELECT value FROM costs, json_each(costs.resource_tags) "
                          "WHERE key = 'user:Cost Center, \"EU\"'"),
            "Retail, \"Online\"");
  EXPECT_EQ(QueryOne(db_, "SELECT group_concat(k || '=' || v, ';') FROM (SELECT json_extract(cost_category, "
                          "'$.\"Business Unit\"') AS k, printf('%.2f', sum(line_item_unblended_cost)) AS v FROM "
                          "costs GROUP BY 1 ORDER BY 1)"),
            "Platform=4.00;Retail, EU=1.25");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM costs, json_each(costs.resource_tags) WHERE json_each.key = "
                          "'user:note' || char(10) || 'second line' AND json_each.value = 'line 1' || char(10) || "
                          "'line 2'"),
            "1");

  // A value that is not a JSON object is a bad row, named by file, line and column.
  WriteCur2("maps", "bad", "exec-1",
            {std::string(kCur2Header) + "INV-1,2019-12-01T00:00:00Z,1.0000000000,{},{}\n" +
             "INV-1,2019-12-02T00:00:00Z,2.0000000000,\"[\"\"a\"\"]\",{}\n"});
  auto bad = Run(Request("maps", "bad", Filter::kAll, "bad"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadData);
  EXPECT_EQ(bad.error().message,
            "gzip(s3://billing/maps/bad/data/BILLING_PERIOD=2019-12/20191215T000000Z-exec-1/bad-00001.csv.gz): line "
            "3 (byte 142), column 4 'resource_tags': bad value: map column \"resource_tags\" holds a JSON array, "
            "expected a JSON object: row \"\"");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM bad"), "error: no such table: bad");
  RunRequest skip = Request("maps", "bad", Filter::kAll, "bad");
  skip.bad_rows = BadRowPolicy::kSkip;
  auto skipped = Run(skip);
  ASSERT_TRUE(skipped) << skipped.error().message;
  EXPECT_EQ(skipped->rejected, 1);
  EXPECT_EQ(Total("line_item_unblended_cost", "bad"), "1|1.0000");
}

TEST_F(ExportRunTest, PreviewShowsTheExportsOwnColumnNames) {
  Generate(Options("pv", "focus", cur::ExportKind::kFocus12));
  auto preview = PreviewDataset(Request("pv", "focus"), *store_, clock_, 2);
  ASSERT_TRUE(preview) << preview.error().message;
  EXPECT_EQ(preview->rows.size(), 2u);
  bool billed = false;
  for (const auto& c : preview->columns) billed |= c.name == "BilledCost" && c.type == "decimal";
  EXPECT_TRUE(billed);
}

TEST_F(ExportRunTest, VerifyReadsTheOlderExecutionTheDatasetHolds) {
  auto first = Generate(Options("old", "cur2"));
  ASSERT_TRUE(Run(Request("old", "cur2")));
  auto o = Options("old", "cur2");
  o.base.seed = 2;  // a newer execution arrives; the dataset still holds the first
  auto second = Generate(o);
  ASSERT_NE(second.periods[0].newest_assembly_id, first.periods[0].newest_assembly_id);
  auto verified = Verify(Request("old", "cur2"));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->ok()) << FormatVerifyReport(*verified);
  ASSERT_EQ(verified->periods.size(), 1u);
  EXPECT_EQ(verified->periods[0].version_key, first.periods[0].newest_assembly_id);
  EXPECT_EQ(verified->periods[0].s3_unblended_cost, first.periods[0].unblended_cost.ToString());
}

TEST_F(ExportRunTest, ParquetDataFilesGiveAParquetVersion) {
  // The reader takes the format from the files' names and hands it on; the loader picks the batch source.
  const std::string data = "pq/e/data/BILLING_PERIOD=2019-12/";
  Put("billing", data + "e-00001.snappy.parquet", "PAR1");
  nlohmann::json m;
  m["executionId"] = "exec-1";
  m["exportArn"] = "arn:aws:bcm-data-exports:us-east-1:123456789012:export/e-1";
  m["columns"] = nlohmann::json::array({{{"name", "bill_invoice_id"}, {"type", "string"}},
                                        {{"name", "line_item_usage_start_date"}, {"type", "timestamp"}},
                                        {{"name", "line_item_unblended_cost"}, {"type", "double"}},
                                        {{"name", "resource_tags"}, {"type", "map<string,string>"}}});
  m["dataFiles"] = {"s3://billing/" + data + "e-00001.snappy.parquet"};
  Put("billing", "pq/e/metadata/BILLING_PERIOD=2019-12/e-Manifest.json", m.dump());
  auto reader = cur::OpenReportReader(cur::ReportKind::kAny, *store_, "billing", "pq", "e");
  ASSERT_TRUE(reader->CheckExists());
  EXPECT_EQ(reader->kind(), cur::ReportKind::kDataExport);
  auto version = reader->Newest(BillingPeriod{sys_days{2019y / 12 / 1}, sys_days{2020y / 1 / 1}});
  ASSERT_TRUE(version) << version.error().message;
  ASSERT_TRUE(version->has_value());
  const cur::PeriodVersion& v = **version;
  EXPECT_EQ(v.format, table::DataFormat::kParquet);
  EXPECT_EQ(v.compression, codec::Compression::kNone);
  EXPECT_EQ(v.kind_name, "CUR 2.0");
  // Files directly in the partition folder: overwrite delivery, keyed by the files' ETags too.
  EXPECT_TRUE(v.version_key.starts_with("exec-1/")) << v.version_key;
  ASSERT_EQ(v.files.size(), 1u);
  EXPECT_EQ(v.files[0].size, 4);
  EXPECT_EQ(v.roles.json_objects, (std::vector<std::string>{"resource_tags"}));
  EXPECT_TRUE(v.keep_column_names);
  ASSERT_EQ(v.columns.size(), 4u);
  EXPECT_EQ(v.columns[1].type, table::ColumnType::kDateTime);
  EXPECT_EQ(v.columns[2].type, table::ColumnType::kOptionalBigDecimal);
  EXPECT_EQ(v.columns[3].type, table::ColumnType::kOptionalString);
}

// The fault proxy's faults, on every kind of report: the run retries and resumes, and the totals are
// exact.
struct FaultCase {
  std::string name;
  std::string kind;  // "legacy", "cur2", "focus-overwrite"
};

class ExportFaultTest : public ExportRunTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(ExportFaultTest, TruncatedResetAndFailingRequestsStillGiveExactTotals) {
  const std::string prefix = "faults-" + GetParam().name;
  curgen::GeneratedReport report;
  std::string data_path;
  if (GetParam().kind == "legacy") {
    curgen::CurgenOptions o;
    o.prefix = prefix;
    o.report_name = "r";
    o.line_items_per_month = 3000;
    o.files_per_period = 2;
    report = GenerateLegacy(o);
    data_path = "/billing/" + prefix + "/r/20191201-20200101/" + report.periods[0].newest_assembly_id + "/";
  } else {
    auto o = Options(prefix, "r", GetParam().kind == "cur2" ? cur::ExportKind::kCur2 : cur::ExportKind::kFocus12);
    o.base.line_items_per_month = 3000;
    if (GetParam().kind != "cur2") o.delivery = cur::ExportDelivery::kOverwrite;
    report = Generate(o);
    data_path = "/billing/" + prefix + "/r/data/";
  }
  ASSERT_EQ(report.periods.size(), 1u);
  proxy_->SetFaults(fmt::format(R"([{{"action":"error500","method":"GET","path":"/billing","times":2}},
                                    {{"action":"truncate","method":"GET","path":"{0}","after_bytes":3000}},
                                    {{"action":"reset","method":"GET","path":"{0}","after_bytes":5000}}])",
                                data_path));
  auto through_proxy = Client(proxy_->endpoint());
  auto run = Run(Request(prefix, "r"), through_proxy.get());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->periods[1].line_items_loaded, 3000);
  EXPECT_EQ(run->periods[1].unblended_cost, report.periods[0].unblended_cost.ToString());
  const std::string cost = GetParam().kind == "focus-overwrite" ? "BilledCost" : "line_item_unblended_cost";
  EXPECT_EQ(Total(cost), Expected(report.periods[0]));
  std::vector<std::string> faults;
  for (const auto& e : nlohmann::json::parse(proxy_->LogJson())) {
    if (!e["fault"].is_null()) faults.push_back(e["fault"].get<std::string>());
  }
  EXPECT_EQ(faults, (std::vector<std::string>{"error500", "error500", "truncate", "reset"}));
}

INSTANTIATE_TEST_SUITE_P(Kinds, ExportFaultTest,
                         ::testing::Values(FaultCase{"Legacy", "legacy"}, FaultCase{"Cur2CreateNew", "cur2"},
                                           FaultCase{"Focus12Overwrite", "focus-overwrite"}),
                         [](const ::testing::TestParamInfo<FaultCase>& info) { return info.param.name; });

}  // namespace
}  // namespace billpipe::pipeline
