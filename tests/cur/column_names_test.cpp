// Athena column naming and the schema union, on made-up and real CUR headers.
#include "cur/column_names.h"

#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "cur/schema_union.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {

TEST(AthenaColumnNameTest, ExamplesFromDesignAndAwsDocs) {
  EXPECT_EQ(AthenaColumnName("lineItem/UsageStartDate"), "line_item_usage_start_date");
  EXPECT_EQ(AthenaColumnName("reservation/ReservationARN"), "reservation_reservation_a_r_n");
  EXPECT_EQ(AthenaColumnName("resourceTags/user:Cost Center"), "resource_tags_user_cost_center");
  // The CUR user guide's own example.
  EXPECT_EQ(AthenaColumnName("ExampleColumnName : Example Column Name Continued"),
            "example_column_name_example_column_name_continued");
}

TEST(AthenaColumnNameTest, SeparatorsDigitsAndEdges) {
  EXPECT_EQ(AthenaColumnName("resourceTags/user:cost_center"), "resource_tags_user_cost_center");
  EXPECT_EQ(AthenaColumnName("resourceTags/user:__a--b__"), "resource_tags_user_a_b");
  EXPECT_EQ(AthenaColumnName("product/intelAvx2Available"), "product_intel_avx2_available");
  EXPECT_EQ(AthenaColumnName("costCategory/Team 2024 (EU)"), "cost_category_team_2024_e_u");
  EXPECT_EQ(AthenaColumnName("_Leading/Trailing_"), "leading_trailing");
  EXPECT_EQ(AthenaColumnName("resourceTags/user:Kostenstelle-\xc3\xa4x"), "resource_tags_user_kostenstelle_x");
  EXPECT_EQ(AthenaColumnName("ABC"), "a_b_c");
  EXPECT_EQ(AthenaColumnName("9lives/x"), "9lives_x");
  EXPECT_EQ(AthenaColumnName("/:- "), "");
  EXPECT_EQ(AthenaColumnName(""), "");
}

TEST(AthenaColumnNameTest, TooLongNamesLoseUnderscoresFromTheLeft) {
  // 200 one-letter words: "a_a_..._a" is 399 characters; the first 144 underscores go.
  std::string header;
  for (int i = 0; i < 200; ++i) header += "A";
  std::string expected = std::string(145, 'a');
  for (int i = 0; i < 55; ++i) expected += "_a";
  EXPECT_EQ(AthenaColumnName(header), expected);
  EXPECT_EQ(expected.size(), kMaxColumnNameLength);
  // Nothing left to remove: cut at the limit.
  EXPECT_EQ(AthenaColumnName(std::string(300, 'b')), std::string(255, 'b'));
}

// Athena names of real headers, as AWS's Athena integration and the CUR query library spell them.
TEST(AthenaColumnNameTest, RealHeadersOfDecember2019) {
  std::filesystem::path shared = billpipe::testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is not there: real-manifest naming test skipped";
  std::ifstream in(shared / "testdata/cur-manifests/manifest-2019-12.json");
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = ParseLegacyManifest(text.str());
  ASSERT_TRUE(manifest) << manifest.error().message;
  std::vector<std::string> headers;
  for (const auto& c : manifest->columns) headers.push_back(c.Header());
  ColumnNaming naming = NameColumns(headers);
  ASSERT_EQ(naming.columns.size(), 275u);
  EXPECT_TRUE(naming.collisions.empty());
  std::map<std::string, std::string> by_header;
  std::regex snake("[a-z0-9]+(_[a-z0-9]+)*");
  for (const auto& c : naming.columns) {
    by_header[c.header] = c.name;
    EXPECT_TRUE(std::regex_match(c.name, snake)) << c.name;
  }
  const std::map<std::string, std::string> expected = {
      {"identity/LineItemId", "identity_line_item_id"},
      {"identity/TimeInterval", "identity_time_interval"},
      {"bill/InvoiceId", "bill_invoice_id"},
      {"bill/BillingEntity", "bill_billing_entity"},
      {"bill/PayerAccountId", "bill_payer_account_id"},
      {"bill/BillingPeriodStartDate", "bill_billing_period_start_date"},
      {"lineItem/UsageAccountId", "line_item_usage_account_id"},
      {"lineItem/LineItemType", "line_item_line_item_type"},
      {"lineItem/UsageStartDate", "line_item_usage_start_date"},
      {"lineItem/ResourceId", "line_item_resource_id"},
      {"lineItem/NormalizedUsageAmount", "line_item_normalized_usage_amount"},
      {"lineItem/UnblendedCost", "line_item_unblended_cost"},
      {"lineItem/NetUnblendedCost", "line_item_net_unblended_cost"},
      {"lineItem/LineItemDescription", "line_item_line_item_description"},
      {"product/ProductName", "product_product_name"},
      {"product/capacitystatus", "product_capacitystatus"},
      {"product/caseSeverityresponseTimes", "product_case_severityresponse_times"},
      {"product/instanceType", "product_instance_type"},
      {"product/intelAvx2Available", "product_intel_avx2_available"},
      {"product/maxIopsvolume", "product_max_iopsvolume"},
      {"product/memoryGib", "product_memory_gib"},
      {"product/fromLocation", "product_from_location"},
      {"product/servicecode", "product_servicecode"},
      {"product/usagetype", "product_usagetype"},
      {"product/ecu", "product_ecu"},
      {"pricing/publicOnDemandCost", "pricing_public_on_demand_cost"},
      {"pricing/LeaseContractLength", "pricing_lease_contract_length"},
      {"pricing/RateId", "pricing_rate_id"},
      {"reservation/ReservationARN", "reservation_reservation_a_r_n"},
      {"reservation/AmortizedUpfrontFeeForBillingPeriod", "reservation_amortized_upfront_fee_for_billing_period"},
      {"discount/RiVolumeDiscount", "discount_ri_volume_discount"},
      {"discount/EdpDiscount", "discount_edp_discount"},
      {"savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"},
      {"savingsPlan/SavingsPlanEffectiveCost", "savings_plan_savings_plan_effective_cost"},
      {"resourceTags/aws:autoscaling:groupName", "resource_tags_aws_autoscaling_group_name"},
      {"resourceTags/aws:cloudformation:stack-name", "resource_tags_aws_cloudformation_stack_name"},
  };
  for (const auto& [header, name] : expected) EXPECT_EQ(by_header[header], name) << header;
}

TEST(NameColumnsTest, CollisionsKeepBothWithASuffixAndAreReported) {
  ColumnNaming naming = NameColumns({"resourceTags/user:Cost Center", "resourceTags/user:cost_center",
                                     "resourceTags/user:cost-center", "resourceTags/user:cost_center_2",
                                     "lineItem/UsageStartDate", "/:"});
  std::vector<std::string> names;
  for (const auto& c : naming.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"resource_tags_user_cost_center", "resource_tags_user_cost_center_2",
                                             "resource_tags_user_cost_center_3",
                                             "resource_tags_user_cost_center_2_2", "line_item_usage_start_date",
                                             "column_6"}));
  EXPECT_EQ(naming.columns[1].header, "resourceTags/user:cost_center");
  ASSERT_EQ(naming.collisions.size(), 3u);
  EXPECT_EQ(naming.collisions[0].header, "resourceTags/user:cost_center");
  EXPECT_EQ(naming.collisions[0].first_header, "resourceTags/user:Cost Center");
  EXPECT_EQ(naming.collisions[0].athena_name, "resource_tags_user_cost_center");
  EXPECT_EQ(naming.collisions[0].assigned_name, "resource_tags_user_cost_center_2");
  EXPECT_EQ(naming.collisions[1].assigned_name, "resource_tags_user_cost_center_3");
  EXPECT_EQ(naming.collisions[2].header, "resourceTags/user:cost_center_2");
  EXPECT_EQ(naming.collisions[2].first_header, "resourceTags/user:cost_center");
  EXPECT_EQ(naming.collisions[2].athena_name, "resource_tags_user_cost_center_2");
  EXPECT_EQ(naming.collisions[2].assigned_name, "resource_tags_user_cost_center_2_2");
}

TEST(SchemaUnionTest, WiderTypes) {
  EXPECT_EQ(WiderColumnType("DateTime", "DateTime"), "DateTime");
  EXPECT_EQ(WiderColumnType("", "BigDecimal"), "BigDecimal");
  EXPECT_EQ(WiderColumnType("BigDecimal", ""), "BigDecimal");
  EXPECT_EQ(WiderColumnType("BigDecimal", "OptionalBigDecimal"), "OptionalBigDecimal");
  EXPECT_EQ(WiderColumnType("OptionalString", "String"), "OptionalString");
  EXPECT_EQ(WiderColumnType("DateTime", "String"), "String");
  EXPECT_EQ(WiderColumnType("OptionalBigDecimal", "DateTime"), "String");
  EXPECT_EQ(WiderColumnType("Interval", "OptionalString"), "String");
}

TEST(SchemaUnionTest, UnionInFirstSeenOrderWithWideningAndCollisions) {
  std::vector<std::vector<ManifestColumn>> periods = {
      {{"identity", "LineItemId", ""}, {"lineItem", "UnblendedCost", ""}, {"resourceTags", "user:Team", ""}},
      {{"identity", "LineItemId", "String"},
       {"lineItem", "UnblendedCost", "BigDecimal"},
       {"product", "instanceType", "String"},
       {"resourceTags", "user:team", "String"}},
      {{"lineItem", "UnblendedCost", "OptionalBigDecimal"},
       {"product", "instanceType", "DateTime"},
       {"identity", "LineItemId", "String"}},
  };
  DatasetSchema schema = UnionSchema(periods);
  ASSERT_EQ(schema.columns.size(), 5u);
  auto col = [&](size_t i) { return schema.columns[i].name + "|" + schema.columns[i].header + "|" + schema.columns[i].type; };
  EXPECT_EQ(col(0), "identity_line_item_id|identity/LineItemId|String");
  EXPECT_EQ(col(1), "line_item_unblended_cost|lineItem/UnblendedCost|OptionalBigDecimal");
  EXPECT_EQ(col(2), "resource_tags_user_team|resourceTags/user:Team|");
  EXPECT_EQ(col(3), "product_instance_type|product/instanceType|String");
  EXPECT_EQ(col(4), "resource_tags_user_team_2|resourceTags/user:team|String");
  ASSERT_EQ(schema.collisions.size(), 1u);
  EXPECT_EQ(schema.collisions[0].header, "resourceTags/user:team");
  EXPECT_EQ(schema.collisions[0].first_header, "resourceTags/user:Team");
  // instanceType: String then DateTime stays String, which is no change.
  ASSERT_EQ(schema.widenings.size(), 1u);
  EXPECT_EQ(schema.widenings[0].header, "lineItem/UnblendedCost");
  EXPECT_EQ(schema.widenings[0].from, "BigDecimal");
  EXPECT_EQ(schema.widenings[0].to, "OptionalBigDecimal");
}

// Issue 11 d: naming was quadratic in collisions (20,000 colliding headers took 14.5 s).
TEST(NameColumnsTest, ManyCollidingHeadersAreNamedInLinearTime) {
  std::vector<std::string> headers;
  for (int i = 0; i < 20000; ++i) headers.push_back(i % 2 ? "resourceTags/user:team" : "resourceTags/user:Team");
  // CPU time, not wall time: the test machine may be busy with other work.
  const std::clock_t started = std::clock();
  ColumnNaming naming = NameColumns(headers);
  const double seconds = static_cast<double>(std::clock() - started) / CLOCKS_PER_SEC;
  ASSERT_EQ(naming.columns.size(), 20000u);
  EXPECT_EQ(naming.columns[0].name, "resource_tags_user_team");
  EXPECT_EQ(naming.columns[1].name, "resource_tags_user_team_2");
  EXPECT_EQ(naming.columns[19999].name, "resource_tags_user_team_20000");
  EXPECT_EQ(naming.collisions.size(), 19999u);
  EXPECT_LT(seconds, 3.0);  // linear: about 0.1 s of CPU (more under sanitizers); quadratic took 14.5 s
}

}  // namespace
}  // namespace billpipe::cur
