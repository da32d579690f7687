// Data Exports layout rules that need no bucket: partitions, kinds, column roles, map columns, delivery
// option, confinement, version keys, FOCUS period status, the FOCUS mapping table.
#include <gtest/gtest.h>

#include <set>

#include "cur/export_layout.h"
#include "cur/focus_mapping.h"

namespace billpipe::cur {
namespace {

using namespace std::chrono;

BillingPeriod May2024() { return {sys_days{2024y / 5 / 1}, sys_days{2024y / 6 / 1}}; }

std::vector<ExportColumn> Columns(std::initializer_list<const char*> names) {
  std::vector<ExportColumn> out;
  for (const char* n : names) out.push_back({n, "string"});
  return out;
}

ExportManifest WithFiles(std::string execution_id, std::initializer_list<const char*> uris) {
  ExportManifest m;
  m.execution_id = std::move(execution_id);
  for (const char* uri : uris) m.data_files.push_back(*ParseDataFileUri(uri));
  return m;
}

const ExportLocation kLocation{"billing", "cur/", "team"};

TEST(ExportLayoutTest, KeysAndPartitions) {
  EXPECT_EQ(kLocation.DataFolder(May2024()), "cur/team/data/BILLING_PERIOD=2024-05/");
  EXPECT_EQ(kLocation.ManifestKey(May2024()), "cur/team/metadata/BILLING_PERIOD=2024-05/team-Manifest.json");
  EXPECT_EQ(ParsePartitionName("BILLING_PERIOD=2024-05"), May2024());
  EXPECT_EQ(ParsePartitionName("BILLING_PERIOD=2024-12")->end, sys_days{2025y / 1 / 1});
  for (const char* bad : {"BILLING_PERIOD=2024-5", "BILLING_PERIOD=2024-13", "BILLING_PERIOD=2024-00",
                          "BILLING_PERIOD=2024-05x", "billing_period=2024-05", "BILLING_PERIOD=20a4-05"}) {
    EXPECT_EQ(ParsePartitionName(bad), std::nullopt) << bad;
  }
}

TEST(ExportLayoutTest, KindFromColumns) {
  EXPECT_EQ(DetectExportKind(Columns({"bill_invoice_id", "line_item_usage_start_date", "line_item_unblended_cost"})),
            ExportKind::kCur2);
  EXPECT_EQ(DetectExportKind(Columns({"BilledCost", "ChargePeriodStart", "Tags"})), ExportKind::kFocus10);
  EXPECT_EQ(DetectExportKind(Columns({"BilledCost", "ChargePeriodStart", "InvoiceId"})), ExportKind::kFocus12);
  auto neither = DetectExportKind(Columns({"BilledCost", "identity_line_item_id"}));
  ASSERT_FALSE(neither.has_value());
  EXPECT_EQ(neither.error().message,
            "the export's columns are neither CUR 2.0 (line_item_usage_start_date and line_item_unblended_cost) nor "
            "FOCUS (ChargePeriodStart and BilledCost)");
  EXPECT_EQ(ExportKindName(ExportKind::kFocus12), "FOCUS 1.2");
}

TEST(ExportLayoutTest, ColumnRolesPerKind) {
  auto cur2 = ResolveColumnRoles(ExportKind::kCur2, Columns({"bill_invoice_id", "line_item_usage_start_date",
                                                             "line_item_unblended_cost", "line_item_usage_amount"}));
  ASSERT_TRUE(cur2.has_value());
  EXPECT_EQ(cur2->usage_start, "line_item_usage_start_date");
  EXPECT_EQ(cur2->invoice_id, "bill_invoice_id");
  EXPECT_EQ(cur2->cost, "line_item_unblended_cost");
  EXPECT_EQ(cur2->usage_amount, "line_item_usage_amount");
  auto focus10 = ResolveColumnRoles(ExportKind::kFocus10, Columns({"ChargePeriodStart", "BilledCost"}));
  ASSERT_TRUE(focus10.has_value());
  EXPECT_EQ(focus10->invoice_id, "");
  EXPECT_EQ(focus10->usage_amount, "");  // ConsumedQuantity not in this export: not required
  auto focus12 = ResolveColumnRoles(ExportKind::kFocus12,
                                    Columns({"ChargePeriodStart", "BilledCost", "InvoiceId", "ConsumedQuantity"}));
  ASSERT_TRUE(focus12.has_value());
  EXPECT_EQ(focus12->invoice_id, "InvoiceId");
  EXPECT_EQ(focus12->usage_amount, "ConsumedQuantity");
  auto missing = ResolveColumnRoles(ExportKind::kCur2, Columns({"line_item_usage_start_date",
                                                                "line_item_unblended_cost"}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "the CUR 2.0 export has no column \"bill_invoice_id\": add it to the export's query");
}

TEST(ExportLayoutTest, InvoiceFiltersNeedAnInvoiceColumn) {
  EXPECT_TRUE(CheckInvoiceFilter(ExportKind::kCur2, "Invoiced"));
  EXPECT_TRUE(CheckInvoiceFilter(ExportKind::kFocus12, "Estimated"));
  EXPECT_TRUE(CheckInvoiceFilter(ExportKind::kFocus10, "All"));
  auto invoiced = CheckInvoiceFilter(ExportKind::kFocus10, "Invoiced");
  ASSERT_FALSE(invoiced);
  EXPECT_EQ(invoiced.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(invoiced.error().message,
            "the Invoiced filter needs an invoice column, and FOCUS 1.0 exports have none (InvoiceId came with FOCUS "
            "1.2): use the All filter, or a FOCUS 1.2 or CUR 2.0 export");
  EXPECT_FALSE(CheckInvoiceFilter(ExportKind::kFocus10, "Estimated"));
}

TEST(ExportLayoutTest, MapColumnsAndTheirValues) {
  EXPECT_TRUE(IsMapColumn(ExportKind::kCur2, "resource_tags"));
  EXPECT_TRUE(IsMapColumn(ExportKind::kCur2, "cost_category"));
  EXPECT_TRUE(IsMapColumn(ExportKind::kCur2, "product"));
  EXPECT_TRUE(IsMapColumn(ExportKind::kCur2, "discount"));
  EXPECT_FALSE(IsMapColumn(ExportKind::kCur2, "Tags"));
  EXPECT_TRUE(IsMapColumn(ExportKind::kFocus12, "Tags"));
  EXPECT_FALSE(IsMapColumn(ExportKind::kFocus10, "resource_tags"));

  EXPECT_EQ(CheckMapValue("resource_tags", ""), std::nullopt);
  EXPECT_EQ(CheckMapValue("resource_tags", "{}"), std::nullopt);
  EXPECT_EQ(CheckMapValue("resource_tags", R"( {"user:Cost Center, \"EU\"":"a,b","user:チーム":"x\ny"} )"),
            std::nullopt);
  EXPECT_EQ(CheckMapValue("resource_tags", R"(["a"])"),
            "map column \"resource_tags\" holds a JSON array, expected a JSON object");
  EXPECT_EQ(CheckMapValue("Tags", R"("text")"), "map column \"Tags\" holds a JSON string, expected a JSON object");
  EXPECT_EQ(CheckMapValue("Tags", "12"), "map column \"Tags\" holds a JSON number, expected a JSON object");
  EXPECT_EQ(CheckMapValue("Tags", "null"), "map column \"Tags\" holds null, expected a JSON object");
  EXPECT_EQ(CheckMapValue("Tags", R"({"a":"b")"), "map column \"Tags\" is not JSON: syntax error at byte 9");
  EXPECT_EQ(CheckMapValue("Tags", "user:team=web"), "map column \"Tags\" is not JSON: syntax error at byte 1");
  EXPECT_EQ(CheckMapValue("Tags", R"({"a":1} x)"), "map column \"Tags\" is not JSON: syntax error at byte 9");
  std::string deep(100000, '[');  // deep nesting: refused, no stack overflow
  EXPECT_EQ(CheckMapValue("Tags", deep), "map column \"Tags\" is not JSON: syntax error at byte 100001");
}

TEST(ExportLayoutTest, DeliveryOptionFromTheManifestsFiles) {
  auto create_new = WithFiles("exec-2", {"s3://billing/cur/team/data/BILLING_PERIOD=2024-05/20240502T060100Z-exec-2/"
                                         "team-00001.csv.gz"});
  EXPECT_EQ(DetectDelivery(kLocation, May2024(), create_new, false), ExportDelivery::kCreateNew);
  auto other_execution = WithFiles("exec-3", {"s3://billing/cur/team/data/BILLING_PERIOD=2024-05/"
                                              "20240502T060100Z-exec-2/team-00001.csv.gz"});
  EXPECT_EQ(DetectDelivery(kLocation, May2024(), other_execution, false), ExportDelivery::kUnknown);
  auto overwrite = WithFiles("exec-2", {"s3://billing/cur/team/data/BILLING_PERIOD=2024-05/team-00001.csv.gz",
                                        "s3://billing/cur/team/data/BILLING_PERIOD=2024-05/team-00002.csv.gz"});
  EXPECT_EQ(DetectDelivery(kLocation, May2024(), overwrite, false), ExportDelivery::kOverwrite);
  auto mixed = WithFiles("exec-2", {"s3://billing/cur/team/data/BILLING_PERIOD=2024-05/team-00001.csv.gz",
                                    "s3://billing/cur/team/data/BILLING_PERIOD=2024-05/20240502T060100Z-exec-2/"
                                    "team-00002.csv.gz"});
  EXPECT_EQ(DetectDelivery(kLocation, May2024(), mixed, false), ExportDelivery::kUnknown);
  EXPECT_EQ(DetectDelivery(kLocation, May2024(), WithFiles("e", {}), true), ExportDelivery::kCreateNew);
  EXPECT_EQ(DetectDelivery(kLocation, May2024(), WithFiles("e", {}), false), ExportDelivery::kOverwrite);
}

std::string ConfinementError(std::initializer_list<const char*> uris) {
  auto status = CheckDataFilesConfined(kLocation, WithFiles("e", uris));
  return status ? "(confined)" : status.error().message;
}

TEST(ExportLayoutTest, DataFilesOutsideTheExportAreRefused) {
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team/data/BILLING_PERIOD=2024-05/team-00001.csv.gz",
                              "s3://billing/cur/team/data/BILLING_PERIOD=2024-04/x/team-00001.csv.gz"}),
            "(confined)");
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team/data/BILLING_PERIOD=2024-05/team-00001.csv.gz",
                              "s3://payroll/cur/team/data/BILLING_PERIOD=2024-05/team-00002.csv.gz"}),
            "dataFiles[1] s3://payroll/cur/team/data/BILLING_PERIOD=2024-05/team-00002.csv.gz is in bucket "
            "\"payroll\", not the export's bucket \"billing\": refused");
  EXPECT_EQ(ConfinementError({"s3://billing/private/other-team/payroll.csv.gz"}),
            "dataFiles[0] s3://billing/private/other-team/payroll.csv.gz is outside the export's data folder "
            "s3://billing/cur/team/data/: refused");
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team/metadata/BILLING_PERIOD=2024-05/team-Manifest.json"}),
            "dataFiles[0] s3://billing/cur/team/metadata/BILLING_PERIOD=2024-05/team-Manifest.json is outside the "
            "export's data folder s3://billing/cur/team/data/: refused");
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team/data/../../../private/payroll.csv.gz"}),
            "dataFiles[0] s3://billing/cur/team/data/../../../private/payroll.csv.gz has an empty, \".\" or \"..\" "
            "path segment: refused");
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team/data/./x.csv.gz"}),
            "dataFiles[0] s3://billing/cur/team/data/./x.csv.gz has an empty, \".\" or \"..\" path segment: refused");
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team/data//x.csv.gz"}),
            "dataFiles[0] s3://billing/cur/team/data//x.csv.gz has an empty, \".\" or \"..\" path segment: refused");
  // What came from the bucket is escaped in the message.
  EXPECT_EQ(ConfinementError({"s3://billing/private/\x1b[2Jpayroll.csv.gz"}),
            "dataFiles[0] s3://billing/private/\\x1b[2Jpayroll.csv.gz is outside the export's data folder "
            "s3://billing/cur/team/data/: refused");
  // Another export whose name starts with this one's is not this export.
  EXPECT_EQ(ConfinementError({"s3://billing/cur/team-b/data/x.csv.gz"}),
            "dataFiles[0] s3://billing/cur/team-b/data/x.csv.gz is outside the export's data folder "
            "s3://billing/cur/team/data/: refused");
}

TEST(ExportLayoutTest, VersionKeys) {
  ExportManifest m = WithFiles("exec-9", {});
  std::vector<s3::ObjectInfo> files = {{"a", 1, "\"etag-a\"", ""}, {"b", 0, "\"etag-b\"", ""}};
  EXPECT_EQ(ExportVersionKey(ExportDelivery::kCreateNew, m, files), "exec-9");
  std::string overwrite = ExportVersionKey(ExportDelivery::kOverwrite, m, files);
  EXPECT_TRUE(overwrite.starts_with("exec-9/")) << overwrite;
  EXPECT_EQ(overwrite.size(), std::string("exec-9/").size() + 16);
  EXPECT_EQ(ExportVersionKey(ExportDelivery::kOverwrite, m, files), overwrite);  // stable
  std::vector<s3::ObjectInfo> rewritten = files;
  rewritten[1].etag = "\"etag-c\"";
  EXPECT_NE(ExportVersionKey(ExportDelivery::kOverwrite, m, rewritten), overwrite);
  // ETags are separated: moving a character from one to the next changes the key.
  std::vector<s3::ObjectInfo> shifted = {{"a", 1, "\"etag-a\"\"", ""}, {"b", 0, "etag-b\"", ""}};
  EXPECT_NE(ExportVersionKey(ExportDelivery::kOverwrite, m, shifted), overwrite);
  EXPECT_NE(ExportVersionKey(ExportDelivery::kOverwrite, WithFiles("exec-10", {}), files), overwrite);
}

TEST(ExportLayoutTest, FocusPeriodStatusWithoutInvoiceColumn) {
  BillingPeriod may = May2024();  // ends 2024-06-01T00:00Z; closed after 2024-06-16T00:00Z
  SysTime during = SysTime(sys_days{2024y / 5 / 20});
  SysTime day15 = SysTime(sys_days{2024y / 6 / 16});  // exactly 15 days after the end: still open
  SysTime after = day15 + milliseconds(1);
  EXPECT_EQ(StatusWithoutInvoice(may, during, "e1", std::nullopt), ExportPeriodStatus::kOpen);
  EXPECT_EQ(StatusWithoutInvoice(may, day15, "e1", std::nullopt), ExportPeriodStatus::kOpen);
  EXPECT_EQ(StatusWithoutInvoice(may, after, "e1", std::nullopt), ExportPeriodStatus::kClosed);
  PriorPeriodState open{ExportPeriodStatus::kOpen, "e1"};
  EXPECT_EQ(StatusWithoutInvoice(may, after, "e2", open), ExportPeriodStatus::kClosed);
  PriorPeriodState closed{ExportPeriodStatus::kClosed, "e2"};
  EXPECT_EQ(StatusWithoutInvoice(may, after, "e2", closed), ExportPeriodStatus::kClosed);
  EXPECT_EQ(StatusWithoutInvoice(may, after, "e3", closed), ExportPeriodStatus::kRestated);
  PriorPeriodState restated{ExportPeriodStatus::kRestated, "e3"};
  EXPECT_EQ(StatusWithoutInvoice(may, after, "e3", restated), ExportPeriodStatus::kRestated);
  EXPECT_EQ(ExportPeriodStatusName(ExportPeriodStatus::kRestated), "restated");
}

TEST(FocusMappingTest, EveryColumnOnceWithItsSources) {
  std::set<std::string_view> names;
  for (const auto& c : FocusMapping()) {
    EXPECT_TRUE(names.insert(c.focus_column).second) << c.focus_column;
    EXPECT_TRUE(c.type == "decimal" || c.type == "timestamp" || c.type == "string" || c.type == "map")
        << c.focus_column;
    switch (c.rule) {
      case FocusRule::kCopy:
        EXPECT_FALSE(c.cur2_column.empty()) << c.focus_column;
        EXPECT_FALSE(c.legacy_column.empty()) << c.focus_column;
        break;
      case FocusRule::kComputed:
      case FocusRule::kConstant:
      case FocusRule::kEmpty:
        EXPECT_FALSE(c.how.empty()) << c.focus_column;
        break;
    }
  }
  // The loader's roles are all there, with the roles' own sources.
  EXPECT_EQ(FindFocusColumn("BilledCost")->cur2_column, "line_item_unblended_cost");
  EXPECT_EQ(FindFocusColumn("BilledCost")->legacy_column, "lineItem/UnblendedCost");
  EXPECT_EQ(FindFocusColumn("ChargePeriodStart")->cur2_column, "line_item_usage_start_date");
  EXPECT_EQ(FindFocusColumn("InvoiceId")->cur2_column, "bill_invoice_id");
  EXPECT_TRUE(FindFocusColumn("InvoiceId")->since_focus_12);
  EXPECT_EQ(FindFocusColumn("ConsumedQuantity")->cur2_column, "line_item_usage_amount");
  EXPECT_EQ(FindFocusColumn("Tags")->type, "map");
  EXPECT_EQ(FindFocusColumn("ProviderName")->how, "AWS");
  EXPECT_EQ(FindFocusColumn("NoSuchColumn"), nullptr);
}

TEST(FocusMappingTest, ComputedRules) {
  EXPECT_EQ(FocusChargeCategory("Usage"), "Usage");
  EXPECT_EQ(FocusChargeCategory("DiscountedUsage"), "Usage");
  EXPECT_EQ(FocusChargeCategory("SavingsPlanNegation"), "Usage");
  EXPECT_EQ(FocusChargeCategory("Tax"), "Tax");
  EXPECT_EQ(FocusChargeCategory("Credit"), "Credit");
  EXPECT_EQ(FocusChargeCategory("Refund"), "Credit");
  EXPECT_EQ(FocusChargeCategory("RIFee"), "Purchase");
  EXPECT_EQ(FocusChargeFrequency("Fee"), "Recurring");
  EXPECT_EQ(FocusChargeFrequency("Tax"), "One-Time");
  EXPECT_EQ(FocusChargeFrequency("Usage"), "Usage-Based");
  EXPECT_EQ(FocusPricingCategory("OnDemand"), "Standard");
  EXPECT_EQ(FocusPricingCategory("Reserved"), "Committed");
  EXPECT_EQ(FocusPricingCategory(""), "");
  EXPECT_EQ(FocusPricingCategory("Spot"), "Other");
}

}  // namespace
}  // namespace billpipe::cur
