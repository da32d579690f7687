// Legacy manifest parsing: every real AWS manifest in ../shared/testdata/cur-manifests, and each way a
// manifest can be malformed.
#include "cur/manifest.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cur/billing_period.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {
namespace fs = std::filesystem;

// The real manifest's text, or empty when ../shared is absent (the caller skips).
std::string RealManifest(const std::string& name) {
  fs::path shared = billpipe::testing::SharedDir();
  if (shared.empty()) return "";
  std::ifstream in(shared / "testdata/cur-manifests" / name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

#define LOAD_REAL_MANIFEST(var, name)                                                          \
  std::string var = RealManifest(name);                                                        \
  if (var.empty()) GTEST_SKIP() << "../shared/testdata/cur-manifests/" name " is not there: " \
                                   "real-manifest tests skipped (set BILLPIPE_SHARED_DIR)";

size_t TypedColumns(const LegacyManifest& m) {
  size_t n = 0;
  for (const auto& c : m.columns) n += !c.type.empty();
  return n;
}

TEST(RealManifestTest, August2017HasTwoReportKeysAndNoTypes) {
  LOAD_REAL_MANIFEST(text, "manifestTest.json");
  auto m = ParseLegacyManifest(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->assembly_id, "abcdefgh-e98d-48d6-86b4-29967358fe6c");
  EXPECT_EQ(m->account, "123456789012");
  EXPECT_EQ(m->charset, "UTF-8");
  EXPECT_EQ(m->compression, "GZIP");
  EXPECT_EQ(EncodingFromManifest(m->compression)->compression, Compression::kGzip);
  EXPECT_EQ(m->content_type, "text/csv");
  EXPECT_EQ(m->report_id, "16040782d03abcdefgh144edc39a0c0011bb0760f3c9dc00432f4c450045c9c");
  EXPECT_EQ(m->report_name, "hourly-cost-and-usage");
  EXPECT_EQ(m->bucket, "cost-and-usage-reports");
  EXPECT_EQ(FormatIsoTime(m->billing_period_start), "2017-08-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(m->billing_period_end), "2017-09-01T00:00:00.000Z");
  ASSERT_EQ(m->columns.size(), 158u);
  EXPECT_EQ(TypedColumns(*m), 0u);
  EXPECT_EQ(m->columns.front(), (ManifestColumn{"identity", "LineItemId", ""}));
  EXPECT_EQ(m->columns.back(), (ManifestColumn{"resourceTags", "user:Product", ""}));
  EXPECT_EQ(m->report_keys,
            (std::vector<std::string>{
                "hourly/hourly-cost-and-usage/20170801-20170901/abcdefgh-e98d-48d6-86b4-29967358fe6c/"
                "hourly-cost-and-usage-01.csv.gz",
                "hourly/hourly-cost-and-usage/20170801-20170901/abcdefgh-e98d-48d6-86b4-29967358fe6c/"
                "hourly-cost-and-usage-02.csv.gz"}));
  EXPECT_TRUE(m->additional_artifact_keys.empty());
}

TEST(RealManifestTest, January2018Has168UntypedColumns) {
  LOAD_REAL_MANIFEST(text, "manifest-2018-01.json");
  auto m = ParseLegacyManifest(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->assembly_id, "abcdefgh-a820-4572-8c9e-df096ab9b3c4");
  EXPECT_EQ(m->report_name, "hourly-cost-and-usage");
  EXPECT_EQ(FormatIsoTime(m->billing_period_start), "2018-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(m->billing_period_end), "2018-02-01T00:00:00.000Z");
  ASSERT_EQ(m->columns.size(), 168u);
  EXPECT_EQ(TypedColumns(*m), 0u);
  EXPECT_EQ(m->columns.front().Header(), "identity/LineItemId");
  EXPECT_EQ(m->columns.back().Header(), "resourceTags/user:Email");
  EXPECT_TRUE(m->report_keys.empty());
}

TEST(RealManifestTest, May2018QuicksightIsUnredactedWithRedshiftArtifacts) {
  LOAD_REAL_MANIFEST(text, "test-quicksight-Manifest-2018-05.json");
  auto m = ParseLegacyManifest(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->assembly_id, "afe8b092-dc87-405a-a0b7-fc743e14adff");
  EXPECT_EQ(m->account, "141375116029");
  EXPECT_EQ(m->report_id, "1fbc20f088082669ee179c61999326b3b329325738afe67a98931c03b07cc613");
  EXPECT_EQ(m->report_name, "test-quicksight");
  EXPECT_EQ(m->bucket, "qezz-xproject-test-bucket-91739124");
  EXPECT_EQ(FormatIsoTime(m->billing_period_start), "2018-05-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(m->billing_period_end), "2018-06-01T00:00:00.000Z");
  ASSERT_EQ(m->columns.size(), 99u);
  EXPECT_EQ(TypedColumns(*m), 0u);
  EXPECT_EQ(m->columns.front().Header(), "identity/LineItemId");
  EXPECT_EQ(m->columns.back().Header(), "reservation/UpfrontValue");
  EXPECT_EQ(m->report_keys, std::vector<std::string>{"quicksight/test-quicksight/20180501-20180601/"
                                                     "afe8b092-dc87-405a-a0b7-fc743e14adff/test-quicksight-1.csv.gz"});
  ASSERT_EQ(m->additional_artifact_keys.size(), 2u);
  EXPECT_EQ(m->additional_artifact_keys[0].artifact_type, "RedshiftCommands");
  EXPECT_EQ(m->additional_artifact_keys[0].name,
            "quicksight/test-quicksight/20180501-20180601/afe8b092-dc87-405a-a0b7-fc743e14adff/"
            "test-quicksight-RedshiftCommands.sql");
  EXPECT_EQ(m->additional_artifact_keys[1].artifact_type, "RedshiftManifest");
  EXPECT_EQ(m->additional_artifact_keys[1].name,
            "quicksight/test-quicksight/20180501-20180601/afe8b092-dc87-405a-a0b7-fc743e14adff/"
            "test-quicksight-RedshiftManifest.json");
}

TEST(RealManifestTest, January2019MixesTypedAndUntypedColumns) {
  LOAD_REAL_MANIFEST(text, "manifest-2019-01.json");
  auto m = ParseLegacyManifest(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->assembly_id, "abcdefgh-ee56-403f-a678-1fb54efd4b4e");
  EXPECT_EQ(FormatIsoTime(m->billing_period_start), "2019-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(m->billing_period_end), "2019-02-01T00:00:00.000Z");
  ASSERT_EQ(m->columns.size(), 205u);
  EXPECT_EQ(TypedColumns(*m), 203u);  // the two tag columns carry no type
  EXPECT_EQ(m->columns.front(), (ManifestColumn{"identity", "LineItemId", "String"}));
  EXPECT_EQ(m->columns[203], (ManifestColumn{"resourceTags", "user:Environment", ""}));
  EXPECT_EQ(m->columns.back(), (ManifestColumn{"resourceTags", "user:Email", ""}));
}

TEST(RealManifestTest, December2019Has275TypedColumns) {
  LOAD_REAL_MANIFEST(text, "manifest-2019-12.json");
  auto m = ParseLegacyManifest(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->assembly_id, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(m->report_id, "abcdefg");
  EXPECT_EQ(m->report_name, "ReportName");
  EXPECT_EQ(m->bucket, "ReportBucket");
  EXPECT_EQ(FormatIsoTime(m->billing_period_start), "2019-12-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(m->billing_period_end), "2020-01-01T00:00:00.000Z");
  ASSERT_EQ(m->columns.size(), 275u);
  EXPECT_EQ(TypedColumns(*m), 275u);
  std::map<std::string, int> types;
  for (const auto& c : m->columns) ++types[c.type];
  EXPECT_EQ(types, (std::map<std::string, int>{{"BigDecimal", 4}, {"DateTime", 4}, {"Interval", 1},
                                                {"OptionalBigDecimal", 31}, {"OptionalString", 5},
                                                {"String", 230}}));
  EXPECT_EQ(m->columns[1], (ManifestColumn{"identity", "TimeInterval", "Interval"}));
  EXPECT_EQ(m->columns[10], (ManifestColumn{"lineItem", "UsageStartDate", "DateTime"}));
  EXPECT_EQ(m->columns.back(), (ManifestColumn{"resourceTags", "aws:cloudformation:stack-name", "String"}));
  EXPECT_TRUE(m->report_keys.empty());
}

// A minimal valid manifest; tests break one thing at a time.
std::string Minimal(const std::string& replace_from = "", const std::string& replace_to = "") {
  std::string text = R"({"assemblyId":"a1","compression":"ZIP",)"
                     R"("billingPeriod":{"start":"20180501T000000.000Z","end":"20180601T000000.000Z"},)"
                     R"("columns":[{"category":"bill","name":"InvoiceId"}],"reportKeys":["k/r-1.csv.zip"]})";
  if (!replace_from.empty()) {
    size_t at = text.find(replace_from);
    EXPECT_NE(at, std::string::npos) << replace_from;
    text.replace(at, replace_from.size(), replace_to);
  }
  return text;
}

void ExpectBad(const std::string& text, const std::string& message) {
  auto m = ParseLegacyManifest(text);
  ASSERT_FALSE(m) << text;
  EXPECT_EQ(m.error().code, ErrorCode::kBadData);
  EXPECT_EQ(m.error().message, message);
}

TEST(ManifestTest, MinimalManifestParsesAndUnknownFieldsAreIgnored) {
  auto m = ParseLegacyManifest(Minimal("{", R"({"futureField":{"x":[1,2]},"reportKeyz":7,)"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->assembly_id, "a1");
  EXPECT_EQ(EncodingFromManifest(m->compression)->compression, Compression::kZip);
  EXPECT_EQ(m->report_keys, std::vector<std::string>{"k/r-1.csv.zip"});
  EXPECT_EQ(m->columns, (std::vector<ManifestColumn>{{"bill", "InvoiceId", ""}}));
  EXPECT_EQ(m->account, "");
  EXPECT_TRUE(m->additional_artifact_keys.empty());
}

TEST(ManifestTest, TimesWithoutMillisecondsAndWithThem) {
  auto m = ParseLegacyManifest(Minimal("20180501T000000.000Z", "20180501T123456Z"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(FormatIsoTime(m->billing_period_start), "2018-05-01T12:34:56.000Z");
  auto ms = ParseManifestTime("20180501T000000.250Z");
  ASSERT_TRUE(ms);
  EXPECT_EQ(FormatIsoTime(*ms), "2018-05-01T00:00:00.250Z");
}

TEST(ManifestTest, NotJson) {
  ExpectBad("{\"assemblyId\":", "the manifest is not JSON: parse error at line 1, column 15: syntax error while "
                                "parsing value - unexpected end of input; expected '[', '{', or a literal");
}

TEST(ManifestTest, NotAnObject) { ExpectBad("[1,2]", "the manifest is an array, expected a JSON object"); }

TEST(ManifestTest, EmptyFile) {
  ExpectBad("", "the manifest is not JSON: parse error at line 1, column 1: syntax error while parsing value - "
                "unexpected end of input; expected '[', '{', or a literal");
}

TEST(ManifestTest, MissingAssemblyId) {
  ExpectBad(Minimal(R"("assemblyId":"a1",)", ""), "manifest field \"assemblyId\" is missing");
}

TEST(ManifestTest, MissingCompression) {
  ExpectBad(Minimal(R"("compression":"ZIP",)", ""), "manifest field \"compression\" is missing");
}

TEST(ManifestTest, MissingBillingPeriod) {
  ExpectBad(Minimal(R"("billingPeriod":{"start":"20180501T000000.000Z","end":"20180601T000000.000Z"},)", ""),
            "manifest field \"billingPeriod\" is missing");
}

TEST(ManifestTest, MissingBillingPeriodEnd) {
  ExpectBad(Minimal(R"(,"end":"20180601T000000.000Z")", ""), "manifest field \"billingPeriod.end\" is missing");
}

TEST(ManifestTest, MissingColumns) {
  ExpectBad(Minimal(R"("columns":[{"category":"bill","name":"InvoiceId"}],)", ""),
            "manifest field \"columns\" is missing");
}

TEST(ManifestTest, MissingReportKeys) {
  ExpectBad(Minimal(R"(,"reportKeys":["k/r-1.csv.zip"])", ""), "manifest field \"reportKeys\" is missing");
}

TEST(ManifestTest, MissingColumnName) {
  ExpectBad(Minimal(R"(,"name":"InvoiceId")", ""), "manifest field \"columns[0].name\" is missing");
}

TEST(ManifestTest, AssemblyIdOfWrongType) {
  ExpectBad(Minimal(R"("a1")", "12"), "manifest field \"assemblyId\" is a number, expected a string");
}

TEST(ManifestTest, ColumnsOfWrongType) {
  ExpectBad(Minimal(R"([{"category":"bill","name":"InvoiceId"}])", R"({"a":1})"),
            "manifest field \"columns\" is an object, expected an array");
}

TEST(ManifestTest, ColumnOfWrongType) {
  ExpectBad(Minimal(R"({"category":"bill","name":"InvoiceId"})", R"("bill/InvoiceId")"),
            "manifest field \"columns[0]\" is a string, expected an object");
}

TEST(ManifestTest, ColumnTypeOfWrongType) {
  ExpectBad(Minimal(R"("name":"InvoiceId")", R"("name":"InvoiceId","type":null)"),
            "manifest field \"columns[0].type\" is null, expected a string");
}

TEST(ManifestTest, ReportKeyOfWrongType) {
  ExpectBad(Minimal(R"(["k/r-1.csv.zip"])", R"(["k/r-1.csv.zip",{"key":"x"}])"),
            "manifest field \"reportKeys[1]\" is an object, expected a string");
}

TEST(ManifestTest, OptionalFieldOfWrongType) {
  ExpectBad(Minimal("{", R"({"account":123456789012,)"),
            "manifest field \"account\" is a number, expected a string");
  ExpectBad(Minimal("{", R"({"additionalArtifactKeys":[{"artifactType":"X"}],)"),
            "manifest field \"additionalArtifactKeys[0].name\" is missing");
}

TEST(ManifestTest, BillingPeriodTimeNotParsable) {
  ExpectBad(Minimal("20180601T000000.000Z", "2018-06-01"),
            "manifest field \"billingPeriod.end\": \"2018-06-01\" is not a time like 20180501T000000.000Z");
  ExpectBad(Minimal("20180601T000000.000Z", "20180231T000000.000Z"),
            "manifest field \"billingPeriod.end\": \"20180231T000000.000Z\" is not a time like "
            "20180501T000000.000Z");
}

TEST(ManifestTest, BillingPeriodEndBeforeStart) {
  ExpectBad(Minimal("20180601T000000.000Z", "20180401T000000.000Z"),
            "manifest field \"billingPeriod\": end 2018-04-01T00:00:00.000Z is not after start "
            "2018-05-01T00:00:00.000Z");
}

TEST(BillingPeriodTest, FolderNamesRoundTripAndOverlapInclusiveWindows) {
  using namespace std::chrono;
  auto p = ParsePeriodFolder("20180501-20180601");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->FolderName(), "20180501-20180601");
  EXPECT_EQ(p->Label(), "2018-05");
  EXPECT_EQ(FormatDate(p->start), "2018-05-01");
  EXPECT_EQ(FormatDate(p->end), "2018-06-01");
  EXPECT_TRUE(p->Overlaps(sys_days{2018y / 4 / 1}, sys_days{2018y / 5 / 1}));
  EXPECT_TRUE(p->Overlaps(sys_days{2018y / 5 / 31}, sys_days{2018y / 7 / 1}));
  EXPECT_FALSE(p->Overlaps(sys_days{2018y / 6 / 1}, sys_days{2018y / 7 / 1}));
  EXPECT_FALSE(p->Overlaps(sys_days{2018y / 4 / 1}, sys_days{2018y / 4 / 30}));
  for (const char* bad : {"20180501-20180501", "20180601-20180501", "2018050-20180601", "20180532-20180601",
                          "20180501_20180601", "x0180501-20180601", "20180501-201806011"}) {
    EXPECT_FALSE(ParsePeriodFolder(bad)) << bad;
  }
  EXPECT_EQ(ParseDate("2024-02-29"), sys_days{2024y / 2 / 29});
  EXPECT_FALSE(ParseDate("2023-02-29"));
  EXPECT_FALSE(ParseDate("2023-2-28"));
}

}  // namespace
}  // namespace billpipe::cur

namespace billpipe::cur {
namespace {

// Every truncation and a few thousand seeded byte mutations of a real manifest: the parser returns a
// manifest or kBadData with a message, never anything else (and never crashes: run under ASan + UBSan).
TEST(ManifestRobustnessTest, TruncatedAndMutatedRealManifests) {
  LOAD_REAL_MANIFEST(text, "test-quicksight-Manifest-2018-05.json");
  size_t parsed = 0;
  auto check = [&](const std::string& input) {
    auto m = ParseLegacyManifest(input);
    if (m) {
      ++parsed;
      return;
    }
    ASSERT_EQ(m.error().code, ErrorCode::kBadData) << m.error().message;
    ASSERT_FALSE(m.error().message.empty());
  };
  for (size_t n = 0; n < text.size(); ++n) check(text.substr(0, n));
  // Only the prefixes that lack nothing but trailing whitespace are whole JSON objects.
  size_t whole = text.rfind('}') + 1;
  EXPECT_EQ(parsed, text.size() - whole);
  check(text);
  EXPECT_EQ(parsed, text.size() - whole + 1);

  uint64_t state = 0x9e3779b97f4a7c15ull;  // splitmix64: the same mutations on every run
  auto next = [&state] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  const std::string interesting = "\"{}[],:0-.eE\\\x00\xff\xc3tfn ";
  for (int i = 0; i < 3000; ++i) {
    std::string mutated = text;
    int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = next() % mutated.size();
      switch (next() % 3) {
        case 0: mutated[at] = interesting[next() % interesting.size()]; break;
        case 1: mutated.erase(at, 1 + next() % 8); break;
        default: mutated.insert(at, 1, interesting[next() % interesting.size()]); break;
      }
      if (mutated.empty()) mutated = "{";
    }
    check(mutated);
  }
}

// Issue 11 d: no report has thousands of columns; every column costs work in every later step.
TEST(ManifestTest, MoreThan5000ColumnsAreRefused) {
  auto columns = [](size_t n) {
    std::string list;
    for (size_t i = 0; i < n; ++i) list += fmt::format("{}{{\"category\":\"t\",\"name\":\"c{}\"}}", i ? "," : "", i);
    return list;
  };
  const std::string one = R"({"category":"bill","name":"InvoiceId"})";
  EXPECT_TRUE(ParseLegacyManifest(Minimal(one, columns(5000))));
  ExpectBad(Minimal(one, columns(5001)), "the manifest lists 5001 columns; no report has more than 5000, so it is refused");
}

}  // namespace
}  // namespace billpipe::cur
