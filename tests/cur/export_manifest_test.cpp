// The Data Exports manifest parser: AWS's documented fields, lenient with unknown ones, strict (with the
// field named) about missing or mistyped required ones.
#include <gtest/gtest.h>

#include "cur/export_manifest.h"

namespace billpipe::cur {
namespace {

// A manifest as AWS's "Data Exports manifest file reference" describes it, with fields it does not list.
constexpr const char* kGood = R"({
  "executionId": "2f4c7d2e-9a1b-4c3d-8e5f-0a1b2c3d4e5f",
  "exportArn": "arn:aws:bcm-data-exports:us-east-1:123456789012:export/team-cur2-7f0e",
  "exportName": "team-cur2",
  "billingPeriod": {"start": "2024-05-01", "end": "2024-06-01"},
  "columns": [
    {"name": "bill_invoice_id", "type": "string", "description": "ignored"},
    {"name": "line_item_usage_start_date", "type": "timestamp"},
    {"name": "line_item_unblended_cost", "type": "decimal"},
    {"name": "resource_tags", "type": "map"}
  ],
  "dataFiles": [
    "s3://billing/cur/team-cur2/data/BILLING_PERIOD=2024-05/team-cur2-00001.csv.gz",
    "s3://billing/cur/team-cur2/data/BILLING_PERIOD=2024-05/team-cur2-00002.csv.gz"
  ],
  "additionalOutputFiles": [{"type": "athena", "uri": "s3://billing/cur/team-cur2/metadata/x.sql", "extra": 1}]
})";

TEST(ExportManifestTest, ParsesDocumentedFieldsAndIgnoresUnknownOnes) {
  auto m = ParseExportManifest(kGood);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->execution_id, "2f4c7d2e-9a1b-4c3d-8e5f-0a1b2c3d4e5f");
  EXPECT_EQ(m->export_arn, "arn:aws:bcm-data-exports:us-east-1:123456789012:export/team-cur2-7f0e");
  ASSERT_EQ(m->columns.size(), 4u);
  EXPECT_EQ(m->columns[0], (ExportColumn{"bill_invoice_id", "string"}));
  EXPECT_EQ(m->columns[3], (ExportColumn{"resource_tags", "map"}));
  ASSERT_EQ(m->data_files.size(), 2u);
  EXPECT_EQ(m->data_files[1].uri, "s3://billing/cur/team-cur2/data/BILLING_PERIOD=2024-05/team-cur2-00002.csv.gz");
  EXPECT_EQ(m->data_files[1].bucket, "billing");
  EXPECT_EQ(m->data_files[1].key, "cur/team-cur2/data/BILLING_PERIOD=2024-05/team-cur2-00002.csv.gz");
  ASSERT_EQ(m->additional_output_files.size(), 1u);
  EXPECT_EQ(m->additional_output_files[0], R"({"extra":1,"type":"athena","uri":"s3://billing/cur/team-cur2/metadata/x.sql"})");
}

TEST(ExportManifestTest, AdditionalOutputFilesAndEmptyDataFilesAreFine) {
  auto m = ParseExportManifest(R"({"executionId":"e","exportArn":"a","columns":[],"dataFiles":[]})");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_TRUE(m->data_files.empty());
  EXPECT_TRUE(m->additional_output_files.empty());
}

std::string ErrorOf(std::string_view text) {
  auto m = ParseExportManifest(text);
  if (m) return "(parsed)";
  EXPECT_EQ(m.error().code, ErrorCode::kBadData);
  return m.error().message;
}

TEST(ExportManifestTest, MissingRequiredFieldsAreNamed) {
  EXPECT_EQ(ErrorOf(R"({"exportArn":"a","columns":[],"dataFiles":[]})"),
            "export manifest field \"executionId\" is missing");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","columns":[],"dataFiles":[]})"),
            "export manifest field \"exportArn\" is missing");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","dataFiles":[]})"),
            "export manifest field \"columns\" is missing");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[]})"),
            "export manifest field \"dataFiles\" is missing");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[{"name":"x","type":"string"},{"name":"y"}],
                        "dataFiles":[]})"),
            "export manifest field \"columns[1].type\" is missing");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[{"type":"string"}],"dataFiles":[]})"),
            "export manifest field \"columns[0].name\" is missing");
}

TEST(ExportManifestTest, TextFromTheBucketIsEscapedAndShortenedInErrors) {
  EXPECT_EQ(ShownFromBucket("plain key/ü.csv.gz"), "plain key/ü.csv.gz");
  EXPECT_EQ(ShownFromBucket("a\x1b[31mred\n\x7f"), "a\\x1b[31mred\\x0a\\x7f");
  EXPECT_EQ(ShownFromBucket(std::string(5000, 'k')), std::string(200, 'k') + "...");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[{"name":"x\u001b[2J","type":"string"},
                        {"name":"x\u001b[2J","type":"string"}],"dataFiles":[]})"),
            "export manifest field \"columns[1].name\" repeats the column \"x\\x1b[2J\"");
}

TEST(ExportManifestTest, WrongTypesAndBadValuesAreNamed) {
  EXPECT_EQ(ErrorOf(R"({"executionId":7,"exportArn":"a","columns":[],"dataFiles":[]})"),
            "export manifest field \"executionId\" is a number, expected a string");
  EXPECT_EQ(ErrorOf(R"({"executionId":"","exportArn":"a","columns":[],"dataFiles":[]})"),
            "export manifest field \"executionId\" is empty");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":{},"dataFiles":[]})"),
            "export manifest field \"columns\" is an object, expected an array");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":["x"],"dataFiles":[]})"),
            "export manifest field \"columns[0]\" is a string, expected an object");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[{"name":"x","type":"string"},
                        {"name":"x","type":"string"}],"dataFiles":[]})"),
            "export manifest field \"columns[1].name\" repeats the column \"x\"");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[],"dataFiles":[null]})"),
            "export manifest field \"dataFiles[0]\" is null, expected a string");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[],"dataFiles":["cur/x-00001.csv.gz"]})"),
            "export manifest field \"dataFiles[0]\" is not an s3://bucket/key URI");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[],"dataFiles":["s3://billing/"]})"),
            "export manifest field \"dataFiles[0]\" is not an s3://bucket/key URI");
  EXPECT_EQ(ErrorOf(R"({"executionId":"e","exportArn":"a","columns":[],"dataFiles":[],
                        "additionalOutputFiles":["x"]})"),
            "export manifest field \"additionalOutputFiles[0]\" is a string, expected an object");
  EXPECT_EQ(ErrorOf("[1]"), "the export manifest is an array, expected a JSON object");
  EXPECT_EQ(ErrorOf("{"), "the export manifest is not JSON: parse error at line 1, column 2: syntax error while "
                          "parsing object key - unexpected end of input; expected string literal");
}

}  // namespace
}  // namespace billpipe::cur
