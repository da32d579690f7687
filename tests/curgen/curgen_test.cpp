// The CUR generator: layouts, manifests, values, determinism, and its expected totals checked by an
// independent reader (testing/verify_cur.py).
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur/column_catalog.h"
#include "curgen/fixed_decimal.h"
#include "curgen/generator.h"
#include "test_support.h"

namespace billpipe::curgen {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::RunBillpipe;
using billpipe::testing::RunCommand;
using billpipe::testing::SourceDir;
using billpipe::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string Gunzip(const fs::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

// Every regular file under root: relative path -> size.
std::map<std::string, uint64_t> ListFiles(const fs::path& root) {
  std::map<std::string, uint64_t> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = e.file_size();
  }
  return files;
}

GeneratedReport Generate(const CurgenOptions& o, const fs::path& dir) {
  DirectoryObjectWriter writer(dir);
  auto report = GenerateCur(o, writer);
  EXPECT_TRUE(report.has_value()) << report.error().message;
  return report.value_or(GeneratedReport{});
}

void WriteExpected(const GeneratedReport& r, const CurgenOptions& o, const fs::path& path) {
  std::ofstream f(path);
  f << ExpectedJson(r, OptionsJson(o)).dump(2);
}

nlohmann::json ReadJson(const fs::path& p) { return nlohmann::json::parse(ReadFile(p)); }

// Small create-new layout: 3 months, 3 assemblies each, 2 gzip files per assembly.
CurgenOptions SmallCreateNew() {
  CurgenOptions o;
  o.bucket = "billing";
  o.prefix = "cur/team";
  o.report_name = "hourly";
  o.start_year = 2019;
  o.start_month = 11;
  o.months = 3;
  o.line_items_per_month = 1500;
  o.files_per_period = 2;
  o.assemblies_per_month = 3;
  o.month_status = {MonthStatus::kInvoiced, MonthStatus::kEstimated, MonthStatus::kInvoiced};
  o.seed = 7;
  return o;
}

// ---------------------------------------------------------------------------------------------------

TEST(ColumnCatalogTest, HoldsThe275ColumnsOfTheReal2019Manifest) {
  auto catalog = cur::ColumnCatalog();
  ASSERT_EQ(catalog.size(), 275u);
  EXPECT_EQ(catalog.front().category, "identity");
  EXPECT_EQ(catalog.front().name, "LineItemId");
  EXPECT_EQ(catalog.back().category, "resourceTags");
  EXPECT_EQ(catalog.back().name, "aws:cloudformation:stack-name");
  std::map<std::string, int> by_category;
  for (const auto& c : catalog) ++by_category[std::string(c.category)];
  EXPECT_EQ(by_category, (std::map<std::string, int>{{"bill", 6}, {"discount", 3}, {"identity", 2},
                                                      {"lineItem", 22}, {"pricing", 8}, {"product", 187},
                                                      {"reservation", 27}, {"resourceTags", 4},
                                                      {"savingsPlan", 16}}));
  auto pos = cur::FindCatalogColumn("lineItem", "UnblendedCost");
  ASSERT_TRUE(pos.has_value());
  EXPECT_EQ(catalog[*pos].type, "BigDecimal");
  EXPECT_EQ(catalog[*cur::FindCatalogColumn("lineItem", "UnblendedRate")].type, "String");
  EXPECT_FALSE(cur::FindCatalogColumn("lineItem", "NoSuchColumn").has_value());

  fs::path manifest = billpipe::testing::SharedDir() / "testdata/cur-manifests/manifest-2019-12.json";
  if (!fs::exists(manifest)) GTEST_SKIP() << "shared test data not present";
  auto columns = ReadJson(manifest).at("columns");
  ASSERT_EQ(columns.size(), catalog.size());
  for (size_t i = 0; i < catalog.size(); ++i) {
    EXPECT_EQ(columns[i].at("category").get<std::string>(), catalog[i].category) << i;
    EXPECT_EQ(columns[i].at("name").get<std::string>(), catalog[i].name) << i;
    EXPECT_EQ(columns[i].at("type").get<std::string>(), catalog[i].type) << i;
  }
}

TEST(Decimal10Test, FormatsTenPlacesAndMultipliesExactly) {
  EXPECT_EQ(Decimal10().ToString(), "0.0000000000");
  EXPECT_EQ(Decimal10::FromUnits(15).ToString(), "0.0000000015");
  EXPECT_EQ(Decimal10::FromUnits(-15).ToString(), "-0.0000000015");
  EXPECT_EQ(Decimal10::FromInt(24).ToString(), "24.0000000000");
  EXPECT_EQ(Decimal10::FromUnits(-1234567890123456789).ToString(), "-123456789.0123456789");
  // 0.096 * 1.5 = 0.144; 0.0000000001 * 0.5 = 0.00000000005 rounds away from zero.
  EXPECT_EQ(Decimal10::Multiply(Decimal10::FromUnits(960'000'000), Decimal10::FromUnits(15'000'000'000)).ToString(),
            "0.1440000000");
  EXPECT_EQ(Decimal10::Multiply(Decimal10::FromUnits(1), Decimal10::FromUnits(5'000'000'000)).ToString(),
            "0.0000000001");
  EXPECT_EQ(Decimal10::Multiply(Decimal10::FromUnits(-1), Decimal10::FromUnits(5'000'000'000)).ToString(),
            "-0.0000000001");
  EXPECT_EQ(Decimal10::Multiply(Decimal10::FromUnits(1), Decimal10::FromUnits(4'999'999'999)).ToString(),
            "0.0000000000");
}

TEST(CurgenTest, CreateNewLayoutHasAssemblyFoldersAndTopLevelManifests) {
  TempDir dir;
  CurgenOptions o = SmallCreateNew();
  GeneratedReport r = Generate(o, dir.path());
  ASSERT_EQ(r.periods.size(), 3u);
  EXPECT_EQ(r.periods[0].period, "20191101-20191201");
  EXPECT_EQ(r.periods[1].period, "20191201-20200101");
  EXPECT_EQ(r.periods[2].period, "20200101-20200201");

  // Exactly these keys: per month 3 x (2 data files + manifest) + the top-level manifest.
  std::set<std::string> keys;
  for (const auto& p : r.periods) {
    ASSERT_EQ(p.assemblies.size(), 3u);
    std::string base = "cur/team/hourly/" + p.period + "/";
    keys.insert(base + "hourly-Manifest.json");
    for (const auto& a : p.assemblies) {
      keys.insert(base + a.assembly_id + "/hourly-Manifest.json");
      keys.insert(base + a.assembly_id + "/hourly-1.csv.gz");
      keys.insert(base + a.assembly_id + "/hourly-2.csv.gz");
      EXPECT_THAT(a.report_keys, ElementsAre(base + a.assembly_id + "/hourly-1.csv.gz",
                                             base + a.assembly_id + "/hourly-2.csv.gz"));
    }
  }
  auto files = ListFiles(dir.path());
  std::set<std::string> on_disk;
  for (const auto& [k, size] : files) on_disk.insert(k);
  EXPECT_EQ(on_disk, keys);
  ASSERT_EQ(r.objects.size(), keys.size());
  for (const auto& obj : r.objects) EXPECT_EQ(files.at(obj.key), obj.size) << obj.key;

  // The top-level manifest is the newest assembly's, byte for byte, and points at the newest files.
  for (const auto& p : r.periods) {
    std::string base = "cur/team/hourly/" + p.period + "/";
    const auto& newest = p.assemblies.back();
    EXPECT_EQ(ReadFile(dir.path() / (base + "hourly-Manifest.json")),
              ReadFile(dir.path() / (base + newest.assembly_id + "/hourly-Manifest.json")));
    EXPECT_EQ(p.newest_assembly_id, newest.assembly_id);
    EXPECT_EQ(p.top_manifest_key, base + "hourly-Manifest.json");
    // Older assemblies are month-to-date: fewer lines, the newest has them all.
    EXPECT_LT(p.assemblies[0].rows, p.assemblies[1].rows);
    EXPECT_LT(p.assemblies[1].rows, p.assemblies[2].rows);
    EXPECT_EQ(p.assemblies[2].rows, 1500u);
    EXPECT_EQ(p.rows, 1500u);
  }
}

TEST(CurgenTest, ManifestHasEveryFieldAwsWritesInOrder) {
  TempDir dir;
  CurgenOptions o = SmallCreateNew();
  GeneratedReport r = Generate(o, dir.path());
  auto m = nlohmann::ordered_json::parse(ReadFile(dir.path() / r.periods[1].top_manifest_key));
  std::vector<std::string> fields;
  for (const auto& [k, v] : m.items()) fields.push_back(k);
  EXPECT_THAT(fields, ElementsAre("assemblyId", "account", "columns", "charset", "compression", "contentType",
                                  "reportId", "reportName", "billingPeriod", "bucket", "reportKeys",
                                  "additionalArtifactKeys"));
  EXPECT_EQ(m["assemblyId"], r.periods[1].newest_assembly_id);
  EXPECT_THAT(m["account"].get<std::string>(), ::testing::MatchesRegex("[1-9][0-9]{11}"));
  EXPECT_EQ(m["charset"], "UTF-8");
  EXPECT_EQ(m["compression"], "GZIP");
  EXPECT_EQ(m["contentType"], "text/csv");
  EXPECT_THAT(m["reportId"].get<std::string>(), ::testing::MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(m["reportName"], "hourly");
  EXPECT_EQ(m["billingPeriod"], nlohmann::ordered_json({{"start", "20191201T000000.000Z"},
                                                        {"end", "20200101T000000.000Z"}}));
  EXPECT_EQ(m["bucket"], "billing");
  EXPECT_EQ(m["reportKeys"].get<std::vector<std::string>>(), r.periods[1].assemblies.back().report_keys);
  EXPECT_TRUE(m["additionalArtifactKeys"].is_array() && m["additionalArtifactKeys"].empty());
  ASSERT_EQ(m["columns"].size(), r.periods[1].columns.size());
  EXPECT_EQ(m["columns"][0], nlohmann::ordered_json({{"category", "identity"}, {"name", "LineItemId"},
                                                     {"type", "String"}}));
  EXPECT_EQ(m["columns"].back()["category"], "resourceTags");
  EXPECT_EQ(m["columns"].back()["type"], "String");
}

TEST(CurgenTest, TagColumnsAppearAndDisappearFromMonthToMonth) {
  TempDir dir;
  GeneratedReport r = Generate(SmallCreateNew(), dir.path());
  // Drift depends on the calendar month: 2019-11, 2019-12, 2020-01.
  EXPECT_THAT(r.periods[0].tag_columns,
              ElementsAre("resourceTags/user:Team", "resourceTags/user:Cost Center", "resourceTags/user:Owner"));
  EXPECT_THAT(r.periods[1].tag_columns,
              ElementsAre("resourceTags/user:Team", "resourceTags/user:Environment", "resourceTags/user:Owner"));
  EXPECT_THAT(r.periods[2].tag_columns,
              ElementsAre("resourceTags/user:Team", "resourceTags/user:Cost Center",
                          "resourceTags/user:Environment", "resourceTags/user:Project"));
  EXPECT_EQ(r.periods[0].columns.size(), 278u);
  EXPECT_EQ(r.periods[1].columns.size(), 278u);
  EXPECT_EQ(r.periods[2].columns.size(), 279u);
  // The CSV header is the manifest's columns, "category/name" in order.
  std::string csv = Gunzip(dir.path() / r.periods[2].assemblies.back().report_keys[0]);
  std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_TRUE(header.starts_with("identity/LineItemId,identity/TimeInterval,bill/InvoiceId,"));
  EXPECT_TRUE(header.ends_with(
      ",resourceTags/aws:cloudformation:stack-name,resourceTags/user:Team,resourceTags/user:Cost Center,"
      "resourceTags/user:Environment,resourceTags/user:Project"));

  CurgenOptions fixed = SmallCreateNew();
  fixed.tag_drift = false;
  TempDir dir2;
  GeneratedReport r2 = Generate(fixed, dir2.path());
  EXPECT_EQ(r2.periods[0].tag_columns, r2.periods[1].tag_columns);
  EXPECT_EQ(r2.periods[0].tag_columns.size(), 5u);
}

TEST(CurgenTest, InvoicedMonthsFillInvoiceIdOnlyInTheNewestAssembly) {
  TempDir dir;
  GeneratedReport r = Generate(SmallCreateNew(), dir.path());
  // Months: invoiced, estimated, invoiced.
  EXPECT_TRUE(r.periods[0].invoiced);
  EXPECT_FALSE(r.periods[1].invoiced);
  EXPECT_TRUE(r.periods[2].invoiced);
  EXPECT_EQ(r.periods[0].with_invoice_id.rows, 1500u);
  EXPECT_EQ(r.periods[0].without_invoice_id.rows, 0u);
  EXPECT_EQ(r.periods[1].with_invoice_id.rows, 0u);
  EXPECT_EQ(r.periods[1].without_invoice_id.rows, 1500u);
  EXPECT_EQ(r.periods[0].with_invoice_id.unblended_cost, r.periods[0].unblended_cost);
  for (const auto& p : r.periods) {
    EXPECT_FALSE(p.assemblies[0].invoiced);
    EXPECT_FALSE(p.assemblies[1].invoiced);
  }
  // The second column of the newest invoiced data is a 9-digit invoice id; older assemblies leave it empty.
  std::string newest = Gunzip(dir.path() / r.periods[0].assemblies.back().report_keys[0]);
  std::string line = newest.substr(newest.find('\n') + 1, 200);
  EXPECT_THAT(line, ::testing::MatchesRegex("[a-z2-7]{52},[-0-9TZ:/]+,[0-9]{9},.*"));
  std::string older = Gunzip(dir.path() / r.periods[0].assemblies[0].report_keys[0]);
  line = older.substr(older.find('\n') + 1, 200);
  EXPECT_THAT(line, ::testing::MatchesRegex("[a-z2-7]{52},[-0-9TZ:/]+,,AWS,.*"));
}

TEST(CurgenTest, ValuesNeedingQuotesAreQuotedAsAwsDoes) {
  TempDir dir;
  CurgenOptions o = SmallCreateNew();
  o.start_year = 2020;
  o.start_month = 1;  // a month with the user:Project tag
  o.months = 1;
  o.assemblies_per_month = 1;
  o.month_status.clear();
  GeneratedReport r = Generate(o, dir.path());
  std::string csv;
  for (const auto& k : r.periods[0].assemblies.back().report_keys) csv += Gunzip(dir.path() / k);
  auto has = [&csv](std::string_view s) { return csv.find(s) != std::string::npos; };
  EXPECT_TRUE(has(",\"Amazon Web Services, Inc.\","));
  EXPECT_TRUE(has(",\"NGINX Plus - \"\"Premium\"\" Edition, by NGINX, Inc.\","));
  EXPECT_TRUE(has(",\"Metric usage, including \"\"custom\"\" and detailed monitoring metrics\","));
  EXPECT_TRUE(has(",\"Project \"\"Phoenix\"\"\""));
  EXPECT_TRUE(has(",\"web, mobile\","));
  // Unquoted where nothing needs it.
  EXPECT_TRUE(has(",AWS,Anniversary,"));
  EXPECT_FALSE(has(",\"AWS\","));
  // Credits are negative.
  EXPECT_TRUE(std::regex_search(csv, std::regex(",Credit,[^\n]*,-[0-9]+\\.[0-9]{10},")));
  EXPECT_LT(r.periods[0].by_line_item_type.at("Refund").unblended_cost.units(), 0);
  EXPECT_GT(r.periods[0].by_line_item_type.at("Tax").rows, 0u);
}

TEST(CurgenTest, OverwriteZipLayoutHasNoAssemblyFolders) {
  TempDir dir;
  CurgenOptions o;
  o.prefix = "";
  o.report_name = "daily";
  o.months = 2;
  o.line_items_per_month = 700;
  o.files_per_period = 3;
  o.file_number_width = 5;
  o.compression = Compression::kZip;
  o.versioning = Versioning::kOverwrite;
  o.time_unit = TimeUnit::kDaily;
  GeneratedReport r = Generate(o, dir.path());
  auto files = ListFiles(dir.path());
  std::vector<std::string> keys;
  for (const auto& [k, s] : files) keys.push_back(k);
  EXPECT_THAT(keys, ElementsAre("daily/20191201-20200101/daily-00001.csv.zip",
                                "daily/20191201-20200101/daily-00002.csv.zip",
                                "daily/20191201-20200101/daily-00003.csv.zip",
                                "daily/20191201-20200101/daily-Manifest.json",
                                "daily/20200101-20200201/daily-00001.csv.zip",
                                "daily/20200101-20200201/daily-00002.csv.zip",
                                "daily/20200101-20200201/daily-00003.csv.zip",
                                "daily/20200101-20200201/daily-Manifest.json"));
  auto m = ReadJson(dir.path() / "daily/20200101-20200201/daily-Manifest.json");
  EXPECT_EQ(m["compression"], "ZIP");
  EXPECT_EQ(m["assemblyId"], r.periods[1].newest_assembly_id);
  // Default statuses: all months invoiced but the last.
  EXPECT_TRUE(r.periods[0].invoiced);
  EXPECT_FALSE(r.periods[1].invoiced);

  // Each ZIP holds one CSV member that libzip reads back.
  int err = 0;
  zip_t* z = zip_open((dir.path() / "daily/20191201-20200101/daily-00002.csv.zip").c_str(), ZIP_RDONLY, &err);
  ASSERT_NE(z, nullptr);
  ASSERT_EQ(zip_get_num_entries(z, 0), 1);
  EXPECT_STREQ(zip_get_name(z, 0, 0), "daily-00002.csv");
  zip_stat_t st;
  ASSERT_EQ(zip_stat_index(z, 0, 0, &st), 0);
  std::string text(st.size, '\0');
  zip_file_t* f = zip_fopen_index(z, 0, 0);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(zip_fread(f, text.data(), st.size), static_cast<zip_int64_t>(st.size));
  zip_fclose(f);
  zip_close(z);
  EXPECT_TRUE(text.starts_with("identity/LineItemId,"));
  // Daily lines run from midnight to midnight.
  EXPECT_THAT(text, ::testing::ContainsRegex(",2019-12-([0-9]{2})T00:00:00Z/2019-12-[0-9]{2}T00:00:00Z,"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 233);  // header + lines 233..465 of 700
}

TEST(CurgenTest, SameSeedGivesSameBytesOtherSeedOtherBytes) {
  TempDir a, b, c;
  CurgenOptions o = SmallCreateNew();
  Generate(o, a.path());
  Generate(o, b.path());
  o.seed = 8;
  Generate(o, c.path());
  auto fa = ListFiles(a.path());
  auto fb = ListFiles(b.path());
  ASSERT_EQ(fa, fb);
  for (const auto& [k, s] : fa) EXPECT_EQ(ReadFile(a.path() / k), ReadFile(b.path() / k)) << k;
  EXPECT_NE(ListFiles(c.path()), fa);  // other assembly ids, other sizes
}

TEST(CurgenTest, RefusesImpossibleOptions) {
  TempDir dir;
  DirectoryObjectWriter writer(dir.path());
  auto check = [&](CurgenOptions o, const std::string& message) {
    auto r = GenerateCur(o, writer);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, message);
  };
  CurgenOptions o;
  o.bucket = "my/bucket";
  check(o, "bucket 'my/bucket' is not a valid S3 bucket name: use 3 to 63 lowercase letters, digits, '.' and '-'");
  o = {};
  o.prefix = "cur/";
  check(o, "prefix 'cur/' is not valid: up to 256 of letters, digits, !-_.*'() and '/', without a leading, "
           "trailing or double '/'");
  o = {};
  o.versioning = Versioning::kOverwrite;
  o.assemblies_per_month = 2;
  check(o, "overwrite versioning keeps one version per month: assemblies per month must be 1");
  o = {};
  o.months = 2;
  o.month_status = {MonthStatus::kInvoiced};
  check(o, "1 month statuses given for 2 months: give one per month");
  EXPECT_TRUE(ListFiles(dir.path()).empty());
}

TEST(DirectoryObjectWriterTest, AnUnclosedObjectLeavesNothing) {
  TempDir dir;
  DirectoryObjectWriter writer(dir.path());
  {
    auto out = writer.Create("a/b/c.txt");
    ASSERT_TRUE(out.has_value());
    ASSERT_TRUE((*out)->Write("partial").has_value());
  }
  EXPECT_TRUE(ListFiles(dir.path()).empty());
  auto out = writer.Create("a/b/c.txt");
  ASSERT_TRUE((*out)->Write("whole").has_value());
  auto size = (*out)->Close();
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(*size, 5u);
  EXPECT_EQ(ReadFile(dir.path() / "a/b/c.txt"), "whole");
  auto bad = writer.Create("../escape");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------------
// The independent reader.

testing::CommandResult Verify(const fs::path& root, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"/usr/bin/python3", (SourceDir() / "testing/verify_cur.py").string(),
                                   root.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunCommand(argv);
}

TEST(VerifyCurTest, IndependentReaderAgreesWithExpectedJsonToTheLastDecimal) {
  TempDir dir;
  CurgenOptions o = SmallCreateNew();
  GeneratedReport r = Generate(o, dir.path());
  WriteExpected(r, o, dir.path() / "expected.json");
  Decimal10 total;
  for (const auto& p : r.periods) total += p.unblended_cost;
  auto v = Verify(dir.path(), {"--check-assemblies"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.out, "OK 3 periods, 4500 rows, unblended cost " + total.ToString() + "\n");
}

TEST(VerifyCurTest, IndependentReaderReadsZipOverwriteLayouts) {
  TempDir dir;
  CurgenOptions o;
  o.prefix = "exports/billing";
  o.months = 2;
  o.line_items_per_month = 900;
  o.files_per_period = 2;
  o.compression = Compression::kZip;
  o.versioning = Versioning::kOverwrite;
  o.time_unit = TimeUnit::kDaily;
  GeneratedReport r = Generate(o, dir.path());
  WriteExpected(r, o, dir.path() / "expected.json");
  auto v = Verify(dir.path());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, ::testing::StartsWith("OK 2 periods, 1800 rows, unblended cost "));
}

TEST(VerifyCurTest, IndependentReaderCatchesAWrongTotal) {
  TempDir dir;
  CurgenOptions o = SmallCreateNew();
  o.assemblies_per_month = 1;
  GeneratedReport r = Generate(o, dir.path());
  // One ten-billionth of a dollar off in one period's total.
  r.periods[1].unblended_cost += Decimal10::FromUnits(1);
  WriteExpected(r, o, dir.path() / "expected.json");
  auto v = Verify(dir.path());
  EXPECT_EQ(v.exit_code, 1);
  Decimal10 wrong = r.periods[1].unblended_cost;
  Decimal10 right = wrong - Decimal10::FromUnits(1);
  EXPECT_THAT(v.out, HasSubstr("MISMATCH 20191201-20200101: unblended_cost: read " + right.ToString() +
                               ", expected.json says " + wrong.ToString() + "\n"));
}

// ---------------------------------------------------------------------------------------------------
// The command.

TEST(CurgenCommandTest, WritesLayoutAndExpectedJson) {
  TempDir dir;
  auto r = RunBillpipe({"curgen", "--out", dir.path().string(), "--months", "2", "--line-items", "500",
                        "--invoiced-months", "1", "--assemblies", "2", "--seed", "3", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  auto expected = ReadJson(dir.path() / "expected.json");
  EXPECT_EQ(expected["periods"].size(), 2u);
  EXPECT_EQ(expected["periods"][0]["invoiced"], true);
  EXPECT_EQ(expected["periods"][1]["invoiced"], false);
  EXPECT_EQ(expected["generator"]["seed"], 3);
  EXPECT_EQ(expected["totals"]["rows"], 1000);
  auto v = Verify(dir.path());
  EXPECT_EQ(v.exit_code, 0) << v.out;
}

TEST(CurgenCommandTest, BadOptionsAreUsageErrors) {
  TempDir dir;
  auto r = RunBillpipe({"curgen", "--out", dir.path().string(), "--start-month", "2019-13"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "billpipe curgen: start month 2019-13 is not valid: use YYYY-MM between 2000-01 and 2200-12\n");
  r = RunBillpipe({"curgen", "--out", dir.path().string(), "--months", "2", "--invoiced-months", "3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "billpipe curgen: --invoiced-months 3 is more than --months 2\n");
  r = RunBillpipe({"curgen", "--out", dir.path().string(), "--month-status", "invoiced,final"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "billpipe curgen: --month-status entry 'final' is not valid: use invoiced or estimated\n");
  r = RunBillpipe({"curgen", "--out", dir.path().string(), "--compression", "bzip2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(ListFiles(dir.path()).empty());
}

}  // namespace
}  // namespace billpipe::curgen
