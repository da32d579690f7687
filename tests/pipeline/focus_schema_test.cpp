// "FOCUS from any report" (--schema focus) end to end against the S3 double into real SQLite files: a
// legacy CUR report and a CUR 2.0 export generated from one seed load into FOCUS 1.2 columns with the
// source's exact totals, and into the same rows as the FOCUS export curgen writes from that seed; the
// Invoiced / Estimated filters, period status, verify and preview work on FOCUS's role columns; a
// dataset's column set is never mixed with another.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cur/focus_mapping.h"
#include "curgen/export_generator.h"
#include "curgen/generator.h"
#include "pipeline/preview.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "s3/client.h"
#include "sink/sqlite_sink.h"
#include "sqlite_query.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

using billpipe::testing::QueryOne;
using billpipe::testing::S3TestServer;
using namespace std::chrono;

constexpr int64_t kDec20 = 1576843200000;  // 2019-12-20T12:00:00Z

class FocusSchemaTest : public ::testing::Test {
 protected:
  // One seed, three layouts: legacy CUR under lg/, CUR 2.0 under c2/, FOCUS 1.2 under fx/ (November 2019
  // invoiced, December estimated).
  static void SetUpTestSuite() {
    server_ = S3TestServer::Start().release();
    auto store = Client();
    curgen::ObjectStoreWriter writer(*store, "billing");
    curgen::CurgenOptions base;
    base.start_month = 11;
    base.months = 2;
    base.line_items_per_month = 500;
    base.files_per_period = 2;
    base.seed = 7;
    base.prefix = "lg";
    base.report_name = "r";
    auto legacy = curgen::GenerateCur(base, writer);
    ASSERT_TRUE(legacy) << legacy.error().message;
    legacy_ = new curgen::GeneratedReport(*legacy);
    for (auto [prefix, kind] : {std::pair{"c2", cur::ExportKind::kCur2}, std::pair{"fx", cur::ExportKind::kFocus12}}) {
      curgen::ExportOptions o;
      o.base = base;
      o.base.prefix = prefix;
      o.kind = kind;
      auto report = curgen::GenerateExport(o, writer);
      ASSERT_TRUE(report) << report.error().message;
      (kind == cur::ExportKind::kCur2 ? cur2_ : focus_) = new curgen::GeneratedReport(*report);
    }
  }
  static void TearDownTestSuite() {
    delete legacy_;
    delete cur2_;
    delete focus_;
    delete server_;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(focus_, nullptr);
    store_ = Client();
    sink_ = *sink::SqliteSink::Open(db_, clock_);
  }

  static std::unique_ptr<s3::ObjectStore> Client() {
    s3::ClientOptions options;
    options.credentials = {billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey, ""};
    options.endpoint_url = server_->endpoint();
    options.region = "us-east-1";
    options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    auto client = s3::MakeClient(options);
    EXPECT_TRUE(client) << client.error().message;
    return client ? std::move(*client) : nullptr;
  }

  static RunRequest Request(const std::string& prefix, const std::string& dataset,
                            OutputSchema schema = OutputSchema::kFocus, Filter filter = Filter::kAll) {
    RunRequest r;
    r.dataset = dataset;
    r.bucket = "billing";
    r.prefix = prefix;
    r.report_name = "r";
    r.filter = filter;
    r.schema = schema;
    r.duration = Duration{*DateSpec::Parse("2019-11-01"), *DateSpec::Parse("2019-12-31")};
    r.workers = 2;
    return r;
  }
  Result<RunSummary> Run(const RunRequest& r) {
    RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return RunDataset(r, env);
  }
  Result<VerifyReport> Verify(const RunRequest& r) {
    RunEnvironment env{*store_, *sink_, clock_, dir_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    return VerifyDataset(r, env);
  }

  // Per service code of one period: lines and BilledCost, as the dataset sums them.
  std::string ByService(const std::string& table, const std::string& month) {
    return QueryOne(db_, "SELECT group_concat(k, ';') FROM (SELECT x_ServiceCode || ':' || count(*) || ':' || "
                         "printf('%.4f', sum(BilledCost)) AS k FROM " + table +
                         " WHERE substr(ChargePeriodStart, 1, 7) = '" + month +
                         "' GROUP BY x_ServiceCode ORDER BY x_ServiceCode)");
  }
  // The same from the generator's exact totals.
  static std::string ExpectedByService(const curgen::PeriodTotals& p) {
    std::string out;
    for (const auto& [code, v] : p.by_product_code) {
      if (!out.empty()) out += ";";
      out += fmt::format("{}:{}:{:.4f}", code, v.rows, std::strtod(v.unblended_cost.ToString().c_str(), nullptr));
    }
    return out;
  }
  // Per FOCUS ServiceName and ChargeCategory: lines and BilledCost.
  std::string ByServiceName(const std::string& table) {
    return QueryOne(db_, "SELECT group_concat(k, ';') FROM (SELECT substr(ChargePeriodStart, 1, 7) || ':' || "
                         "ServiceName || ':' || ChargeCategory || ':' || count(*) || ':' || printf('%.6f', "
                         "sum(BilledCost)) AS k FROM " + table +
                             " GROUP BY substr(ChargePeriodStart, 1, 7), ServiceName, ChargeCategory ORDER BY k)");
  }
  // Rows of a that are not rows of b, over the FOCUS columns (Tags left out when !with_tags).
  std::string RowsNotIn(const std::string& a, const std::string& b, bool with_tags) {
    std::string columns;
    for (const auto& c : cur::FocusMapping()) {
      if (c.focus_column == "Tags" && !with_tags) continue;
      if (!columns.empty()) columns += ", ";
      columns += std::string(c.focus_column);
    }
    return QueryOne(db_, "SELECT count(*) FROM (SELECT " + columns + " FROM " + a + " EXCEPT SELECT " + columns +
                             " FROM " + b + ")");
  }

  static S3TestServer* server_;
  static curgen::GeneratedReport* legacy_;
  static curgen::GeneratedReport* cur2_;
  static curgen::GeneratedReport* focus_;
  billpipe::testing::TempDir dir_;
  std::string db_ = (dir_.path() / "data.db").string();
  FakeClock clock_{SysTime(milliseconds(kDec20))};
  std::unique_ptr<s3::ObjectStore> store_;
  std::unique_ptr<sink::SqliteSink> sink_;
};
S3TestServer* FocusSchemaTest::server_ = nullptr;
curgen::GeneratedReport* FocusSchemaTest::legacy_ = nullptr;
curgen::GeneratedReport* FocusSchemaTest::cur2_ = nullptr;
curgen::GeneratedReport* FocusSchemaTest::focus_ = nullptr;

TEST_F(FocusSchemaTest, LegacyAndCur2LoadAsTheFocusExportOfTheSameSeedWithExactTotals) {
  auto from_legacy = Run(Request("lg", "from_legacy"));
  ASSERT_TRUE(from_legacy) << from_legacy.error().message;
  auto from_cur2 = Run(Request("c2", "from_cur2"));
  ASSERT_TRUE(from_cur2) << from_cur2.error().message;
  auto focus = Run(Request("fx", "focus_export"));
  ASSERT_TRUE(focus) << focus.error().message;
  // On a FOCUS export the schema changes nothing.
  auto focus_as_cur = Run(Request("fx", "focus_as_cur", OutputSchema::kCur));
  ASSERT_TRUE(focus_as_cur) << focus_as_cur.error().message;

  ASSERT_EQ(legacy_->periods.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const std::string month = i == 0 ? "2019-11" : "2019-12";
    // The three reports hold the same lines, and the source's totals are loaded exactly.
    EXPECT_EQ(legacy_->periods[i].unblended_cost, focus_->periods[i].unblended_cost);
    EXPECT_EQ(cur2_->periods[i].unblended_cost, focus_->periods[i].unblended_cost);
    for (const RunSummary* run : {&*from_legacy, &*from_cur2, &*focus, &*focus_as_cur}) {
      const PeriodSummary& p = run->periods[i];
      EXPECT_EQ(p.period, month);
      EXPECT_EQ(p.action, "loaded");
      EXPECT_EQ(p.line_items_loaded, 500);
      EXPECT_EQ(p.unblended_cost, legacy_->periods[i].unblended_cost.ToString());
      EXPECT_EQ(p.status, i == 0 ? "final" : "estimated");
    }
    const std::string expected = ExpectedByService(legacy_->periods[i]);
    EXPECT_EQ(ByService("from_legacy", month), expected);
    EXPECT_EQ(ByService("from_cur2", month), expected);
    EXPECT_EQ(ByService("focus_export", month), expected);
  }
  EXPECT_EQ(from_legacy->periods[0].version_key, legacy_->periods[0].newest_assembly_id);
  const std::string by_name = ByServiceName("focus_export");
  EXPECT_NE(by_name.find("2019-11:Amazon Elastic Compute Cloud:Usage:"), std::string::npos) << by_name;
  EXPECT_EQ(ByServiceName("from_legacy"), by_name);
  EXPECT_EQ(ByServiceName("from_cur2"), by_name);

  // The charts' rollups group the FOCUS columns, so the three datasets' charts agree (they grouped nothing
  // when a report loaded as FOCUS kept its own kind's dimension columns).
  auto rollup = [&](const std::string& dataset) {
    return QueryOne(db_, "SELECT group_concat(k, ';') FROM (SELECT dimension || ':' || day || ':' || value || ':' || "
                         "line_items AS k FROM _billpipe_rollup_totals WHERE dataset = '" + dataset + "' ORDER BY k)");
  };
  const std::string export_rollup = rollup("focus_export");
  EXPECT_EQ(QueryOne(db_, "SELECT count(DISTINCT value) > 1 FROM _billpipe_rollup_totals WHERE dataset = "
                          "'focus_export' AND dimension = 'service' AND value <> ''"),
            "1");
  EXPECT_EQ(rollup("from_legacy"), export_rollup);
  EXPECT_EQ(rollup("from_cur2"), export_rollup);

  // Row by row: CUR 2.0 as FOCUS is the FOCUS export, Tags included; legacy CUR too, but for Tags (the
  // legacy report has no tags with awkward keys, which curgen adds to exports only).
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM from_cur2"), "1000");
  EXPECT_EQ(RowsNotIn("from_cur2", "focus_export", true), "0");
  EXPECT_EQ(RowsNotIn("focus_export", "from_cur2", true), "0");
  EXPECT_EQ(RowsNotIn("from_legacy", "focus_export", false), "0");
  EXPECT_EQ(RowsNotIn("focus_export", "from_legacy", false), "0");
  EXPECT_EQ(RowsNotIn("focus_as_cur", "focus_export", true), "0");
  // Legacy tags become one JSON object with AWS's keys.
  const std::string team =
      "SELECT group_concat(k, ';') FROM (SELECT json_extract(Tags, '$.\"user:Team\"') || ':' || count(*) AS k FROM {} "
      "WHERE json_extract(Tags, '$.\"user:Team\"') IS NOT NULL GROUP BY 1 ORDER BY 1)";
  const std::string teams = QueryOne(db_, fmt::format(fmt::runtime(team), "focus_export"));
  EXPECT_NE(teams, "NULL");
  EXPECT_EQ(QueryOne(db_, fmt::format(fmt::runtime(team), "from_legacy")), teams);
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM from_legacy WHERE json_valid(Tags) AND Tags LIKE '{%}'"), "1000");
  // The columns FOCUS 1.2 names, in the mapping's order, typed as a FOCUS export's.
  EXPECT_EQ(QueryOne(db_, "SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('from_legacy') WHERE "
                          "name IN ('BilledCost', 'ChargePeriodStart', 'InvoiceId', 'ProviderName', 'Tags')"),
            QueryOne(db_, "SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('focus_export') WHERE "
                          "name IN ('BilledCost', 'ChargePeriodStart', 'InvoiceId', 'ProviderName', 'Tags')"));
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pragma_table_info('from_legacy')"),
            QueryOne(db_, "SELECT count(*) FROM pragma_table_info('focus_export')"));
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pragma_table_info('from_cur2')"),
            QueryOne(db_, "SELECT count(*) FROM pragma_table_info('focus_export')"));
  EXPECT_EQ(QueryOne(db_, "SELECT DISTINCT ProviderName FROM from_cur2"), "AWS");
}

TEST_F(FocusSchemaTest, InvoicedAndEstimatedFiltersUseInvoiceId) {
  for (const auto& [prefix, name] : {std::pair{"lg", "legacy"}, std::pair{"c2", "cur2"}}) {
    SCOPED_TRACE(prefix);
    auto invoiced = Run(Request(prefix, std::string("inv_") + name, OutputSchema::kFocus, Filter::kInvoiced));
    ASSERT_TRUE(invoiced) << invoiced.error().message;
    auto estimated = Run(Request(prefix, std::string("est_") + name, OutputSchema::kFocus, Filter::kEstimated));
    ASSERT_TRUE(estimated) << estimated.error().message;
    const curgen::GeneratedReport& report = std::string(prefix) == "lg" ? *legacy_ : *cur2_;
    EXPECT_EQ(invoiced->periods[0].line_items_loaded, 500);
    EXPECT_EQ(invoiced->periods[0].unblended_cost, report.periods[0].with_invoice_id.unblended_cost.ToString());
    EXPECT_EQ(invoiced->periods[0].status, "final");
    EXPECT_EQ(invoiced->periods[1].line_items_loaded, 0);
    EXPECT_EQ(estimated->periods[0].line_items_loaded, 0);
    EXPECT_EQ(estimated->periods[1].line_items_loaded, 500);
    EXPECT_EQ(estimated->periods[1].unblended_cost, report.periods[1].without_invoice_id.unblended_cost.ToString());
    EXPECT_EQ(estimated->periods[1].status, "estimated");
    EXPECT_EQ(QueryOne(db_, fmt::format("SELECT count(*) FROM inv_{} WHERE InvoiceId <> ''", name)), "500");
    EXPECT_EQ(QueryOne(db_, fmt::format("SELECT count(*) FROM est_{} WHERE InvoiceId = ''", name)), "500");
  }
}

TEST_F(FocusSchemaTest, VerifyReconcilesTheSourcesCostWithBilledCost) {
  for (const auto& prefix : {"lg", "c2"}) {
    SCOPED_TRACE(prefix);
    const std::string dataset = std::string("v_") + prefix;
    ASSERT_TRUE(Run(Request(prefix, dataset)));
    auto verified = Verify(Request(prefix, dataset));
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_TRUE(verified->ok()) << FormatVerifyReport(*verified);
    ASSERT_EQ(verified->periods.size(), 2u);
    EXPECT_EQ(verified->periods[0].s3_unblended_cost, legacy_->periods[0].unblended_cost.ToString());
    EXPECT_EQ(verified->periods[1].s3_line_items, 500);
    EXPECT_NEAR(verified->periods[1].stored_unblended_cost,
                std::strtod(legacy_->periods[1].unblended_cost.ToString().c_str(), nullptr), 1e-6);
  }
}

TEST_F(FocusSchemaTest, PreviewShowsFocusColumns) {
  auto preview = PreviewDataset(Request("lg", "p"), *store_, clock_, 3);
  ASSERT_TRUE(preview) << preview.error().message;
  ASSERT_EQ(preview->columns.size(), cur::FocusMapping().size());
  EXPECT_EQ(preview->columns[0].name, "BilledCost");
  EXPECT_EQ(preview->columns[0].type, "decimal");
  EXPECT_EQ(preview->columns[0].original_header, "BilledCost");
  ASSERT_EQ(preview->rows.size(), 3u);
  size_t provider = 0;
  while (preview->columns[provider].name != "ProviderName") ++provider;
  EXPECT_EQ(preview->rows[0][provider], std::optional<std::string>("AWS"));
}

TEST_F(FocusSchemaTest, SwitchingALoadedDatasetsSchemaIsRefusedAndLeavesItUnchanged) {
  auto loaded = Run(Request("lg", "costs", OutputSchema::kCur));
  ASSERT_TRUE(loaded) << loaded.error().message;
  const std::string before = QueryOne(db_, "SELECT count(*) || '|' || printf('%.4f', sum(line_item_unblended_cost)) "
                                           "FROM costs");
  auto to_focus = Run(Request("lg", "costs"));
  ASSERT_FALSE(to_focus);
  EXPECT_EQ(to_focus.error().code, ErrorCode::kConflict);
  EXPECT_EQ(to_focus.error().message,
            "Dataset 'costs' holds CUR columns (dates in line_item_usage_start_date), and this run would load FOCUS "
            "1.2 columns (dates in ChargePeriodStart) from the legacy CUR report with schema focus: one table cannot "
            "hold both column sets. Load it into a dataset of another name, or keep the schema the dataset was "
            "loaded with (--schema cur, or billpipe dataset edit costs --schema cur).");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) || '|' || printf('%.4f', sum(line_item_unblended_cost)) FROM costs"),
            before);
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pragma_table_info('costs') WHERE name = 'BilledCost'"), "0");

  ASSERT_TRUE(Run(Request("c2", "focused")));
  auto to_cur = Run(Request("c2", "focused", OutputSchema::kCur));
  ASSERT_FALSE(to_cur);
  EXPECT_EQ(to_cur.error().message,
            "Dataset 'focused' holds FOCUS columns (dates in ChargePeriodStart), and this run would load the "
            "report's own columns (dates in line_item_usage_start_date) from the CUR 2.0 report with schema cur: one "
            "table cannot hold both column sets. Load it into a dataset of another name, or keep the schema the "
            "dataset was loaded with (--schema focus, or billpipe dataset edit focused --schema focus).");
  // The FOCUS export's own columns are FOCUS columns: either schema may load it into a FOCUS dataset (here
  // its periods are "unchanged": curgen gave both exports of the seed the same execution ids).
  const std::string columns = QueryOne(db_, "SELECT count(*) FROM pragma_table_info('focused')");
  auto export_into_focused = Run(Request("fx", "focused", OutputSchema::kCur));
  ASSERT_TRUE(export_into_focused) << export_into_focused.error().message;
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM focused"), "1000");
  EXPECT_EQ(QueryOne(db_, "SELECT count(*) FROM pragma_table_info('focused')"), columns);
}

}  // namespace
}  // namespace billpipe::pipeline
