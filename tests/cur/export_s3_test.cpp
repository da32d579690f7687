// Data Exports against the S3 double (real SigV4 client, real listings): generated CUR 2.0 and FOCUS
// exports in both delivery options, read by the top-level manifest only; manifests that point outside the
// export refused; export discovery beside a legacy report of the same name.
#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur/export_discovery.h"
#include "cur/export_layout.h"
#include "curgen/export_generator.h"
#include "curgen/generator.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {

using namespace std::chrono;
using billpipe::testing::S3TestServer;

BillingPeriod Dec2019() { return {sys_days{2019y / 12 / 1}, sys_days{2020y / 1 / 1}}; }

class ExportS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    S3TestServer::Options options;
    options.buckets = {"billing", "payroll"};
    server_ = S3TestServer::Start(options).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    s3::ClientOptions options;
    options.credentials = {billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey, ""};
    options.endpoint_url = server_->endpoint();
    options.region = "us-east-1";
    auto client = s3::MakeClient(options);
    ASSERT_TRUE(client) << client.error().message;
    store_ = std::move(*client);
  }

  // Writes an export straight into the bucket; prefix "exports/<test name>" keeps tests apart.
  curgen::GeneratedReport Generate(curgen::ExportOptions o) {
    curgen::ObjectStoreWriter writer(*store_, "billing");
    auto report = curgen::GenerateExport(o, writer);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report ? *report : curgen::GeneratedReport{};
  }

  static curgen::ExportOptions Options(const std::string& prefix, const std::string& name) {
    curgen::ExportOptions o;
    o.base.bucket = "billing";
    o.base.prefix = prefix;
    o.base.report_name = name;
    o.base.months = 1;
    o.base.line_items_per_month = 300;
    o.base.files_per_period = 2;
    return o;
  }

  void Put(const std::string& bucket, const std::string& key, const std::string& bytes) {
    StringSource body(bytes, key);
    auto put = store_->Put(bucket, key, body, bytes.size());
    ASSERT_TRUE(put) << put.error().message;
  }

  static S3TestServer* server_;
  std::unique_ptr<s3::ObjectStore> store_;
};
S3TestServer* ExportS3Test::server_ = nullptr;

TEST_F(ExportS3Test, CreateNewThreeExecutionsTopLevelManifestNamesTheMiddleOneInKeyOrder) {
  auto o = Options("cn", "cur2");
  o.executions_per_month = 2;
  o.in_progress_execution = true;  // a third execution folder, after the newest complete one
  auto report = Generate(o);
  ASSERT_EQ(report.periods.size(), 1u);
  const auto& expected = report.periods[0];
  ExportLocation location{"billing", "cn/", "cur2"};

  auto data = store_->List("billing", location.DataFolder(Dec2019()), "/");
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(data->common_prefixes.size(), 3u);
  EXPECT_TRUE(data->common_prefixes[1].ends_with("-" + expected.newest_assembly_id + "/"))
      << data->common_prefixes[1];

  auto version = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(version->kind, ExportKind::kCur2);
  EXPECT_EQ(version->delivery, ExportDelivery::kCreateNew);
  EXPECT_EQ(version->manifest.execution_id, expected.newest_assembly_id);
  EXPECT_EQ(version->version_key, expected.newest_assembly_id);
  EXPECT_EQ(version->roles.usage_start, "line_item_usage_start_date");
  EXPECT_EQ(version->roles.invoice_id, "bill_invoice_id");
  ASSERT_EQ(version->files.size(), 2u);
  EXPECT_EQ(version->files[0].key, expected.assemblies.back().report_keys[0]);
  EXPECT_EQ(version->files[1].key, expected.assemblies.back().report_keys[1]);
  for (const auto& f : version->files) {
    EXPECT_TRUE(f.key.starts_with(data->common_prefixes[1])) << f.key;
    EXPECT_GT(f.size, 0u);
  }
  EXPECT_EQ(expected.rows, 300u);
}

TEST_F(ExportS3Test, OverwritePeriodThatShrankKeepsAnEmptyTrailingChunk) {
  auto o = Options("ow", "focus");
  o.kind = ExportKind::kFocus12;
  o.delivery = ExportDelivery::kOverwrite;
  o.executions_per_month = 2;
  o.shrink_chunks = 1;
  auto report = Generate(o);
  ASSERT_EQ(report.periods.size(), 1u);
  ExportLocation location{"billing", "ow/", "focus"};
  auto version = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(version->kind, ExportKind::kFocus12);
  EXPECT_EQ(version->delivery, ExportDelivery::kOverwrite);
  EXPECT_EQ(version->roles.invoice_id, "InvoiceId");
  EXPECT_EQ(version->roles.cost, "BilledCost");
  ASSERT_EQ(version->files.size(), 3u);
  EXPECT_EQ(version->files[2].key, "ow/focus/data/BILLING_PERIOD=2019-12/focus-00003.csv.gz");
  EXPECT_EQ(version->files[2].size, 0u);
  EXPECT_GT(version->files[1].size, 0u);
  std::string key = version->version_key;
  EXPECT_TRUE(key.starts_with(report.periods[0].newest_assembly_id + "/")) << key;

  // A file rewritten under an unchanged manifest is a new version.
  Put("billing", version->files[2].key, "");  // same bytes: same ETag, same version
  auto same = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->version_key, key);
  Put("billing", version->files[1].key, "rewritten");
  auto changed = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(changed->manifest.execution_id, report.periods[0].newest_assembly_id);
  EXPECT_NE(changed->version_key, key);
}

TEST_F(ExportS3Test, FocusWithoutInvoiceColumnIsFocus10) {
  auto o = Options("f10", "focus");
  o.kind = ExportKind::kFocus10;
  Generate(o);
  auto version = ReadExportPeriod(*store_, {"billing", "f10/", "focus"}, Dec2019());
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(version->kind, ExportKind::kFocus10);
  EXPECT_EQ(version->roles.invoice_id, "");
  EXPECT_EQ(version->roles.usage_start, "ChargePeriodStart");
  EXPECT_EQ(version->roles.usage_amount, "ConsumedQuantity");
}

// A hand-written manifest for cur/bad/ naming the given data files.
std::string ManifestNaming(const std::vector<std::string>& uris) {
  nlohmann::json m;
  m["executionId"] = "exec-1";
  m["exportArn"] = "arn:aws:bcm-data-exports:us-east-1:123456789012:export/bad-1";
  m["columns"] = nlohmann::json::array({{{"name", "bill_invoice_id"}, {"type", "string"}},
                                        {{"name", "line_item_usage_start_date"}, {"type", "timestamp"}},
                                        {{"name", "line_item_unblended_cost"}, {"type", "decimal"}}});
  m["dataFiles"] = uris;
  return m.dump();
}

TEST_F(ExportS3Test, DataFilesInAnotherBucketOrOutsideDataAreRefused) {
  const std::string manifest_key = "bad/cur2/metadata/BILLING_PERIOD=2019-12/cur2-Manifest.json";
  const std::string where = "export period 2019-12 (s3://billing/" + manifest_key + "): ";
  Put("payroll", "salaries.csv.gz", "secret");
  Put("billing", "private/other-team/payroll.csv.gz", "secret");
  ExportLocation location{"billing", "bad/", "cur2"};

  Put("billing", manifest_key, ManifestNaming({"s3://payroll/salaries.csv.gz"}));
  auto other_bucket = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_FALSE(other_bucket);
  EXPECT_EQ(other_bucket.error().code, ErrorCode::kBadData);
  EXPECT_EQ(other_bucket.error().message, where + "dataFiles[0] s3://payroll/salaries.csv.gz is in bucket "
                                                  "\"payroll\", not the export's bucket \"billing\": refused");
  EXPECT_EQ(other_bucket.error().bucket, "payroll");
  EXPECT_EQ(other_bucket.error().key, "salaries.csv.gz");

  Put("billing", manifest_key, ManifestNaming({"s3://billing/private/other-team/payroll.csv.gz"}));
  auto outside = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().message, where + "dataFiles[0] s3://billing/private/other-team/payroll.csv.gz is outside "
                                             "the export's data folder s3://billing/bad/cur2/data/: refused");

  Put("billing", manifest_key, ManifestNaming({"s3://billing/bad/cur2/data/../../../private/other-team/payroll.csv.gz"}));
  auto dots = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_FALSE(dots);
  EXPECT_EQ(dots.error().message, where + "dataFiles[0] s3://billing/bad/cur2/data/../../../private/other-team/"
                                          "payroll.csv.gz has an empty, \".\" or \"..\" path segment: refused");

  Put("billing", manifest_key,
      ManifestNaming({"s3://billing/bad/cur2/data/BILLING_PERIOD=2019-12/cur2-00001.csv.gz"}));
  auto missing = ReadExportPeriod(*store_, location, Dec2019());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message,
            where + "data file dataFiles[0] s3://billing/bad/cur2/data/BILLING_PERIOD=2019-12/cur2-00001.csv.gz is "
                    "missing");
  EXPECT_EQ(missing.error().key, "bad/cur2/data/BILLING_PERIOD=2019-12/cur2-00001.csv.gz");

  auto no_manifest = ReadExportPeriod(*store_, {"billing", "bad/", "none"}, Dec2019());
  ASSERT_FALSE(no_manifest);
  EXPECT_EQ(no_manifest.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(no_manifest.error().message,
            "export period 2019-12 (s3://billing/bad/none/metadata/BILLING_PERIOD=2019-12/none-Manifest.json): the "
            "manifest is missing");
}

TEST_F(ExportS3Test, ExportAndLegacyReportUnderOnePrefix) {
  curgen::ObjectStoreWriter writer(*store_, "billing");
  curgen::CurgenOptions legacy;
  legacy.prefix = "mixed";
  legacy.report_name = "both";
  legacy.line_items_per_month = 50;
  ASSERT_TRUE(curgen::GenerateCur(legacy, writer));
  legacy.report_name = "legacy-only";
  ASSERT_TRUE(curgen::GenerateCur(legacy, writer));
  auto cur2 = Options("mixed", "both");
  cur2.base.months = 2;
  Generate(cur2);
  auto focus = Options("mixed", "focus-only");
  focus.kind = ExportKind::kFocus12;
  focus.delivery = ExportDelivery::kOverwrite;
  Generate(focus);

  auto reports = DiscoverReports(*store_, "billing", "mixed");
  ASSERT_TRUE(reports) << reports.error().message;
  std::vector<std::string> found;
  for (const auto& r : *reports) found.push_back(r.location.name + " " + std::string(ReportFormatName(r.format)));
  std::sort(found.begin(), found.end());  // "both" twice: the two kinds in either order
  EXPECT_EQ(found, (std::vector<std::string>{"both CUR 2.0 / FOCUS export", "both legacy CSV",
                                             "focus-only CUR 2.0 / FOCUS export", "legacy-only legacy CSV"}));

  auto find = [&](const std::string& name, ReportFormat format) -> const ReportSummary& {
    for (const auto& r : *reports) {
      if (r.location.name == name && r.format == format) return r;
    }
    ADD_FAILURE() << name;
    return reports->front();
  };
  auto both_export = DescribeExport(*store_, find("both", ReportFormat::kDataExport));
  ASSERT_TRUE(both_export) << both_export.error().message;
  EXPECT_EQ(both_export->kind, ExportKind::kCur2);
  EXPECT_EQ(both_export->delivery, ExportDelivery::kCreateNew);
  ASSERT_EQ(both_export->periods.size(), 2u);
  EXPECT_EQ(both_export->periods[0].period, Dec2019());
  EXPECT_EQ(both_export->periods[1].period.Label(), "2020-01");
  EXPECT_EQ(both_export->periods[1].error, "");
  EXPECT_EQ(both_export->periods[1].data_file_count, 2u);
  EXPECT_FALSE(both_export->periods[1].execution_id.empty());
  auto focus_only = DescribeExport(*store_, find("focus-only", ReportFormat::kDataExport));
  ASSERT_TRUE(focus_only) << focus_only.error().message;
  EXPECT_EQ(focus_only->kind, ExportKind::kFocus12);
  EXPECT_EQ(focus_only->delivery, ExportDelivery::kOverwrite);
  auto not_export = DescribeExport(*store_, find("both", ReportFormat::kLegacyCsv));
  ASSERT_FALSE(not_export);
  EXPECT_EQ(not_export.error().message, "s3://billing/mixed/both/ is a legacy CSV report, not a data export");

  auto ambiguous = SelectReportOrExport(*reports, "billing", "mixed", "both");
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ambiguous.error().message,
            "report \"both\" under s3://billing/mixed/ is both a legacy Cost and Usage Report (s3://billing/mixed/both/) "
            "and a data export (s3://billing/mixed/both/data/): pick one with --report-type legacy-cur or "
            "--report-type data-export (a dataset's report_type)");
  auto as_export = SelectReportOrExport(*reports, "billing", "mixed", "both", ReportPick::kExport);
  ASSERT_TRUE(as_export) << as_export.error().message;
  EXPECT_EQ(as_export->format, ReportFormat::kDataExport);
  auto as_legacy = SelectReportOrExport(*reports, "billing", "mixed", "both", ReportPick::kLegacy);
  ASSERT_TRUE(as_legacy) << as_legacy.error().message;
  EXPECT_EQ(as_legacy->format, ReportFormat::kLegacyCsv);
  auto export_only = SelectReportOrExport(*reports, "billing", "mixed", "focus-only");
  ASSERT_TRUE(export_only) << export_only.error().message;
  EXPECT_EQ(export_only->format, ReportFormat::kDataExport);
  auto unknown = SelectReportOrExport(*reports, "billing", "mixed", "nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace billpipe::cur
