// The FOCUS transform (cur/focus_transform.h) on hand-written CSV batches, the mapping table's own
// consistency, and the JSON object reader it (and the map column check) relies on, compared with
// nlohmann::json::accept on hand-picked and generated texts.
#include <fstream>
#include <map>
#include <sstream>
#include <optional>
#include <random>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cur/export_layout.h"
#include "cur/focus_mapping.h"
#include "cur/focus_transform.h"
#include "cur/json_object_reader.h"
#include "table/batch_source.h"
#include "table/column_batch.h"
#include "test_support.h"
#include "util/byte_source.h"

namespace billpipe::cur {
namespace {

bool NlohmannSaysObject(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{' && nlohmann::json::accept(text);
}

TEST(JsonObjectReaderTest, AcceptsExactlyWhatNlohmannAcceptsAsAnObject) {
  const std::vector<std::string> cases = {
      "{}", " { } ", "{\"a\":\"b\"}", "{\"a\":1}", "{\"a\":-0.5e+10}", "{\"a\":[1,[2,{\"b\":null}],true]}",
      "{\"a\":{}}", "{\"a\":\"\\u00e9\\n\\\"\\\\\\/\"}", "{\"\\ud83d\\ude00\":\"x\"}", "{\"a\":\"Zürich – Büro\"}",
      "{\"a\":\"b\",}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}",
      "{\"a\":tru}", "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}",
      "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}", "[]", "\"x\"", "1", "null", "", "   ", "{} {}", "{}x",
      "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":{\"b\"}}", "{\"a\":{\"b\":1,}}", "{\"a\":[}", "{\"a\":{]}",
      "\xef\xbb\xbf{}", "{\"a\":1e5}", "{\"a\":1E-5}", "{\"a\":\"\t\"}", "{'a':1}", "{\"a\":\"b\"\"c\":1}",
      "{\"a\":\"\\u12\"}", "{\"a\":\"\\uD800\\u0041\"}", "{\"a\":1e400}", "{\"a\":-1e400}",
      "{\"a\":1e-400}", "{\"a\":[[[[[[[[]]]]]]]]}", "{\"a\":[[[[[[[[]]]]]]]}"};
  for (const auto& text : cases) {
    EXPECT_EQ(JsonObjectReader::IsObject(text), NlohmannSaysObject(text)) << text;
  }
}

TEST(JsonObjectReaderTest, GeneratedTextsAgreeWithNlohmann) {
  // Mutations of valid objects: a byte changed, deleted or inserted, from an alphabet of JSON's tokens.
  const std::vector<std::string> seeds = {
      R"({"user:Cost Center, \"EU\"":"Retail, \"Online\"","user:チーム":"データ基盤","n":[1,2.5e-3,{"x":null}]})",
      R"({"region":"us-east-1","product_name":"Amazon S3","sku":"A\u00e9\ud83d\ude00","t":true,"f":false})", "{}"};
  const std::string alphabet = "{}[]:,\"\\/ -+.0123456789eEabfnrtuxyzDdC\t\n\x01\xc3\xa9\xff";
  std::mt19937 rng(12345);
  int agreed = 0, objects = 0;
  for (int i = 0; i < 60000; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: text[at] = c; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
      }
    }
    const bool expected = NlohmannSaysObject(text);
    ASSERT_EQ(JsonObjectReader::IsObject(text), expected) << text;
    ++agreed;
    objects += expected;
  }
  EXPECT_EQ(agreed, 60000);
  EXPECT_GT(objects, 1000);  // the generated texts were not all broken
}

TEST(JsonObjectReaderTest, MembersAndUnescapedValues) {
  JsonObjectReader reader(R"( {"a":"x","b\"q":"line\nbreak \u00e9\ud83d\ude00","c":[1,{"d":2}],"e":null,"f":-1.5} )");
  JsonMember m;
  std::vector<std::string> seen;
  while (reader.Next(m)) {
    std::string key, value;
    AppendJsonUnescaped(m.key, key);
    if (m.value_is_string) AppendJsonUnescaped(m.value, value); else value = std::string(m.value);
    seen.push_back(key + "=" + value + (m.value_is_null ? " (null)" : "") + (m.value_escaped ? " (escaped)" : ""));
  }
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a=x", "b\"q=line\nbreak é😀 (escaped)", "c=[1,{\"d\":2}]",
                                            "e=null (null)", "f=-1.5"}));
  std::string out;
  AppendJsonString("a\"b\\c\nd\x01 é", out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001 é\"");
}

// The mapping's CUR 2.0 column for every source is its legacy header's CUR 2.0 name (one source of truth:
// the transform reads legacy_column and derives the rest).
TEST(FocusMappingTest, Cur2ColumnsFollowFromTheLegacyHeaders) {
  size_t checked = 0;
  for (const FocusColumnSource& c : FocusMapping()) {
    if (c.legacy_column.empty() || c.focus_column == "Tags") continue;
    EXPECT_EQ(Cur2SourceName(c.legacy_column), c.cur2_column) << c.focus_column;
    ++checked;
  }
  EXPECT_EQ(checked, 32u);
  EXPECT_EQ(Cur2SourceName("product/ProductName"), "product.product_name");
  EXPECT_EQ(Cur2SourceName("lineItem/UnblendedCost"), "line_item_unblended_cost");
}

// docs/exports.md's column-by-column table is rendered from the mapping: change the table in
// src/cur/focus_mapping.cpp, then paste the table this test prints.
TEST(FocusMappingTest, DocsTableIsTheMapping) {
  std::string table = "| FOCUS 1.2 column | type | CUR 2.0 | legacy CUR | how |\n|---|---|---|---|---|\n";
  for (const FocusColumnSource& c : FocusMapping()) {
    std::string how;
    switch (c.rule) {
      case FocusRule::kCopy: how = "copied"; break;
      case FocusRule::kComputed: how = "computed: " + std::string(c.how); break;
      case FocusRule::kConstant: how = "constant `" + std::string(c.how) + "`"; break;
      case FocusRule::kEmpty: how = "empty: " + std::string(c.how); break;
    }
    if (c.since_focus_12) how += " (FOCUS 1.2 only)";
    auto cell = [](std::string_view v) { return v.empty() ? std::string("—") : std::string(v); };
    table += fmt::format("| {} | {} | {} | {} | {} |\n", c.focus_column, c.type, cell(c.cur2_column),
                         cell(c.legacy_column), how);
  }
  std::ifstream in(billpipe::testing::SourceDir() / "docs/exports.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(table), std::string::npos) << "docs/exports.md should hold this table:\n" << table;
}

PeriodVersion LegacyVersion(std::vector<ReportColumn> columns) {
  PeriodVersion v;
  v.kind_name = "legacy CUR";
  v.columns = std::move(columns);
  v.roles = ColumnRoles{"lineItem/UsageStartDate", "bill/InvoiceId", "lineItem/UnblendedCost", "lineItem/UsageAmount",
                        "identity/LineItemId", {}};
  return v;
}

// The FOCUS rows of a CSV text read as `version`'s files.
struct Transformed {
  std::vector<table::ColumnSchema> schema;
  std::vector<std::map<std::string, std::string>> rows;  // column -> value ("NULL" for NULL)
  std::vector<std::string> rejected;
  std::optional<Error> error;
};

Transformed Transform(const PeriodVersion& version, const std::string& csv,
                      RowErrorPolicy policy = RowErrorPolicy::kFail) {
  Transformed out;
  table::BatchSourceOptions options;
  options.policy = policy;
  options.where = "s3://b/k.csv";
  for (const auto& c : version.file_columns) options.expected.push_back({c.name, c.type});
  auto source = table::OpenCsvBatchSource(std::make_unique<StringSource>(csv, "k.csv"), options);
  EXPECT_TRUE(source) << source.error().message;
  auto focus = version.transform->Apply(std::move(*source), options);
  out.schema = focus->schema();
  table::ColumnBatch batch;
  while (true) {
    auto more = focus->NextBatch(batch);
    if (!more) {
      out.error = more.error();
      break;
    }
    if (!*more) break;
    for (const auto& e : batch.rejected()) out.rejected.push_back(e.Message());
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::map<std::string, std::string> row;
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        const table::Column& col = batch.column(c);
        std::string v = "NULL";
        if (!col.is_null(r)) {
          switch (col.type) {
            case table::ColumnType::kDateTime: v = std::to_string(col.micros[r]); break;
            case table::ColumnType::kOptionalBigDecimal: v = col.decimal[r].ToString(); break;
            default: v = std::string(col.text[r]);
          }
        }
        row[batch.schema(c).name] = v;
      }
      out.rows.push_back(std::move(row));
    }
  }
  return out;
}

TEST(FocusTransformTest, LegacyCsvRowsBecomeFocusRows) {
  PeriodVersion v = LegacyVersion({{"identity/LineItemId", table::ColumnType::kString},
                                   {"bill/InvoiceId", table::ColumnType::kOptionalString},
                                   {"lineItem/UsageStartDate", table::ColumnType::kDateTime},
                                   {"lineItem/LineItemType", table::ColumnType::kString},
                                   {"lineItem/UnblendedCost", table::ColumnType::kBigDecimal},
                                   {"lineItem/UsageAmount", table::ColumnType::kBigDecimal},
                                   {"lineItem/ProductCode", table::ColumnType::kString},
                                   {"pricing/unit", table::ColumnType::kString},
                                   {"pricing/term", table::ColumnType::kString},
                                   {"pricing/publicOnDemandRate", table::ColumnType::kString},
                                   {"reservation/EffectiveCost", table::ColumnType::kBigDecimal},
                                   {"savingsPlan/SavingsPlanARN", table::ColumnType::kString},
                                   {"product/ProductName", table::ColumnType::kString},
                                   {"resourceTags/user:Team", table::ColumnType::kString},
                                   {"resourceTags/user:Cost \"Center\"", table::ColumnType::kString}});
  PeriodVersion f = AsFocus(v);
  ASSERT_NE(f.transform, nullptr);
  EXPECT_EQ(f.kind_name, "legacy CUR as FOCUS 1.2");
  EXPECT_TRUE(f.keep_column_names);
  EXPECT_EQ(f.roles.usage_start, "ChargePeriodStart");
  EXPECT_EQ(f.roles.invoice_id, "InvoiceId");
  EXPECT_EQ(f.roles.cost, "BilledCost");
  EXPECT_EQ(f.roles.usage_amount, "ConsumedQuantity");
  EXPECT_EQ(f.roles.json_objects, std::vector<std::string>{"Tags"});
  ASSERT_EQ(f.columns.size(), FocusMapping().size());
  EXPECT_EQ(f.columns[0], (ReportColumn{"BilledCost", table::ColumnType::kOptionalBigDecimal}));
  // The files' columns: the version's, typed as the mapping reads them; the rest unconverted text.
  ASSERT_EQ(f.file_columns.size(), v.columns.size());
  EXPECT_EQ(f.file_columns[0].type, table::ColumnType::kString);        // identity/LineItemId: not read
  EXPECT_EQ(f.file_columns[1].type, table::ColumnType::kOptionalString);  // a text source keeps its type
  EXPECT_EQ(f.file_columns[5].type, table::ColumnType::kOptionalBigDecimal);
  EXPECT_EQ(f.file_columns[9].type, table::ColumnType::kOptionalBigDecimal);  // ListUnitPrice is a decimal

  const std::string header =
      "identity/LineItemId,bill/InvoiceId,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UnblendedCost,"
      "lineItem/UsageAmount,lineItem/ProductCode,pricing/unit,pricing/term,pricing/publicOnDemandRate,"
      "reservation/EffectiveCost,savingsPlan/SavingsPlanARN,product/ProductName,resourceTags/user:Team,"
      "\"resourceTags/user:Cost \"\"Center\"\"\"\n";
  auto t = Transform(f, header +
                            "a,INV-1,2019-12-01T00:00:00Z,Usage,1.2500000000,2,AmazonEC2,Hrs,OnDemand,0.625,,,Amazon "
                            "Elastic Compute Cloud,web,\"R&D, \"\"EU\"\"\"\n"
                            "b,,2019-12-02T00:00:00Z,DiscountedUsage,0.0000000000,3,AmazonEC2,Hrs,Reserved,,0.75,,"
                            "Amazon Elastic Compute Cloud,,\n"
                            "c,,2019-12-03T00:00:00Z,SavingsPlanNegation,-0.5000000000,1,AmazonEC2,Hrs,,,,arn:sp,,,\n"
                            "d,INV-1,2019-12-04T00:00:00Z,Tax,0.1000000000,,AWS,,,,,,,,\n");
  ASSERT_FALSE(t.error) << t.error->message;
  ASSERT_EQ(t.rows.size(), 4u);
  const auto& u = t.rows[0];
  EXPECT_EQ(u.at("BilledCost"), "1.2500000000");
  EXPECT_EQ(u.at("EffectiveCost"), "1.2500000000");
  EXPECT_EQ(u.at("ContractedCost"), "1.2500000000");
  EXPECT_EQ(u.at("InvoiceId"), "INV-1");
  EXPECT_EQ(u.at("ChargePeriodStart"), "1575158400000000");
  EXPECT_EQ(u.at("ChargeCategory"), "Usage");
  EXPECT_EQ(u.at("ChargeFrequency"), "Usage-Based");
  EXPECT_EQ(u.at("PricingCategory"), "Standard");
  EXPECT_EQ(u.at("ConsumedQuantity"), "2");
  EXPECT_EQ(u.at("ConsumedUnit"), "Hrs");
  EXPECT_EQ(u.at("PricingQuantity"), "2");
  EXPECT_EQ(u.at("ListUnitPrice"), "0.625");
  EXPECT_EQ(u.at("ServiceName"), "Amazon Elastic Compute Cloud");
  EXPECT_EQ(u.at("x_ServiceCode"), "AmazonEC2");
  EXPECT_EQ(u.at("ProviderName"), "AWS");
  EXPECT_EQ(u.at("ChargeClass"), "");      // empty text, as a FOCUS export's empty field loads
  EXPECT_EQ(u.at("BillingAccountId"), "");  // a source column this version does not have
  EXPECT_EQ(u.at("ListCost"), "NULL");      // a number without a source: NULL
  EXPECT_EQ(u.at("Tags"), R"({"user:Team":"web","user:Cost \"Center\"":"R&D, \"EU\""})");
  EXPECT_EQ(nlohmann::json::parse(u.at("Tags"))["user:Cost \"Center\""], "R&D, \"EU\"");
  const auto& ri = t.rows[1];
  EXPECT_EQ(ri.at("EffectiveCost"), "0.75");  // the reservation's effective cost, as written
  EXPECT_EQ(ri.at("PricingCategory"), "Committed");
  EXPECT_EQ(ri.at("InvoiceId"), "");
  EXPECT_EQ(ri.at("Tags"), "{}");
  const auto& sp = t.rows[2];
  EXPECT_EQ(sp.at("EffectiveCost"), "0.0000000000");  // zero, at the cost's scale
  EXPECT_EQ(sp.at("CommitmentDiscountId"), "arn:sp");
  EXPECT_EQ(sp.at("PricingCategory"), "");
  const auto& tax = t.rows[3];
  EXPECT_EQ(tax.at("ChargeCategory"), "Tax");
  EXPECT_EQ(tax.at("ChargeFrequency"), "One-Time");
  EXPECT_EQ(tax.at("ConsumedQuantity"), "NULL");  // not a usage line
  EXPECT_EQ(tax.at("ConsumedUnit"), "");
}

PeriodVersion Cur2Version() {
  PeriodVersion v;
  v.kind_name = "CUR 2.0";
  v.keep_column_names = true;
  v.columns = {{"bill_invoice_id", table::ColumnType::kString},
               {"line_item_usage_start_date", table::ColumnType::kDateTime},
               {"line_item_unblended_cost", table::ColumnType::kOptionalBigDecimal},
               {"product", table::ColumnType::kOptionalString},
               {"resource_tags", table::ColumnType::kOptionalString}};
  v.roles = ColumnRoles{"line_item_usage_start_date", "bill_invoice_id", "line_item_unblended_cost", "", "",
                        {"product", "resource_tags"}};
  return v;
}

TEST(FocusTransformTest, Cur2ProductMapValuesAndTagsAsTheyAre) {
  PeriodVersion f = AsFocus(Cur2Version());
  EXPECT_EQ(f.kind_name, "CUR 2.0 as FOCUS 1.2");
  const std::string header = "bill_invoice_id,line_item_usage_start_date,line_item_unblended_cost,product,resource_tags\n";
  auto t = Transform(f, header +
                            "INV,2019-12-01T00:00:00Z,1.5,\"{\"\"region\"\":\"\"eu-west-3\"\",\"\"product_name\"\":"
                            "\"\"Amazon \\\"\"S3\\\"\"\"\",\"\"sku\"\":null,\"\"location\"\":\"\"EU (Paris) \\u00e9\"\"}\","
                            "\"{\"\"user:Team\"\":\"\"web\"\"}\"\n"
                            ",2019-12-02T00:00:00Z,2.5,,\n");
  ASSERT_FALSE(t.error) << t.error->message;
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].at("RegionId"), "eu-west-3");
  EXPECT_EQ(t.rows[0].at("ServiceName"), "Amazon \"S3\"");
  EXPECT_EQ(t.rows[0].at("RegionName"), "EU (Paris) é");
  EXPECT_EQ(t.rows[0].at("SkuId"), "");
  EXPECT_EQ(t.rows[0].at("Tags"), "{\"user:Team\":\"web\"}");
  EXPECT_EQ(t.rows[0].at("BilledCost"), "1.5");
  EXPECT_EQ(t.rows[1].at("RegionId"), "");
  EXPECT_EQ(t.rows[1].at("Tags"), "NULL");
  EXPECT_EQ(t.rows[1].at("InvoiceId"), "");
}

TEST(FocusTransformTest, Cur2ProductThatIsNotAJsonObjectIsABadRow) {
  PeriodVersion f = AsFocus(Cur2Version());
  const std::string csv =
      "bill_invoice_id,line_item_usage_start_date,line_item_unblended_cost,product,resource_tags\n"
      "INV,2019-12-01T00:00:00Z,1.5,{},{}\n"
      "INV,2019-12-02T00:00:00Z,2.5,\"[\"\"a\"\"]\",{}\n"
      "INV,2019-12-03T00:00:00Z,3.5,{},{}\n";
  auto failed = Transform(f, csv);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, ErrorCode::kBadData);
  EXPECT_EQ(failed.error->message,
            "k.csv: line 3 (byte 125), column 4 'product': bad value: map column \"product\" holds a JSON array, "
            "expected a JSON object: row \"\"");
  auto skipped = Transform(f, csv, RowErrorPolicy::kSkip);
  ASSERT_FALSE(skipped.error) << skipped.error->message;
  ASSERT_EQ(skipped.rows.size(), 2u);
  EXPECT_EQ(skipped.rows[0].at("BilledCost"), "1.5");
  EXPECT_EQ(skipped.rows[1].at("BilledCost"), "3.5");
  EXPECT_EQ(skipped.rows[1].at("ChargePeriodStart"), "1575331200000000");
  ASSERT_EQ(skipped.rejected.size(), 1u);
}

TEST(FocusTransformTest, FocusVersionIsUnchanged) {
  PeriodVersion v;
  v.kind_name = "FOCUS 1.0";
  v.columns = {{"BilledCost", table::ColumnType::kOptionalBigDecimal}};
  PeriodVersion f = AsFocus(v);
  EXPECT_EQ(f.transform, nullptr);
  EXPECT_EQ(f.columns, v.columns);
  EXPECT_EQ(f.kind_name, "FOCUS 1.0");
}

TEST(MapValueTest, CheckMapValueStillNamesTheProblem) {
  EXPECT_EQ(CheckMapValue("Tags", "{\"a\":\"b\"}"), std::nullopt);
  EXPECT_EQ(CheckMapValue("Tags", "[1]"), "map column \"Tags\" holds a JSON array, expected a JSON object");
  EXPECT_EQ(CheckMapValue("Tags", "{\"a\":"), "map column \"Tags\" is not JSON: syntax error at byte 6");
}

}  // namespace
}  // namespace billpipe::cur
