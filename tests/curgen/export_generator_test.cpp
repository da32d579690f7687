// The Data Exports writer of the CUR generator: CUR 2.0 and FOCUS layouts in both delivery options, the
// same lines as the legacy generator, map columns that are JSON objects with awkward keys, and expected
// totals that the files hold to the last decimal (read back here with an independent CSV reader).
#include <sqlite3.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur/export_layout.h"
#include "curgen/export_generator.h"
#include "curgen/fixed_decimal.h"
#include "curgen/generator.h"
#include "sqlite_query.h"
#include "test_support.h"

namespace billpipe::curgen {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;

std::string GunzipFile(const fs::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c != '"') {
        row.back().push_back(c);
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        row.back().push_back('"');
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.emplace_back();
    } else if (c == '\n') {
      rows.push_back(std::move(row));
      row.assign(1, "");
    } else {
      row.back().push_back(c);
    }
  }
  return rows;
}

// "-12.5" -> units of 1e-10; "" -> 0.
Decimal10 ParseDecimal(const std::string& s) {
  if (s.empty()) return Decimal10();
  bool negative = s[0] == '-';
  Int128 units = 0;
  int fraction = -1;
  for (size_t i = negative ? 1 : 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      fraction = 0;
      continue;
    }
    units = units * 10 + (s[i] - '0');
    if (fraction >= 0) ++fraction;
  }
  for (int f = fraction < 0 ? 0 : fraction; f < 10; ++f) units *= 10;
  return Decimal10::FromUnits(negative ? -units : units);
}

ExportOptions Small(cur::ExportKind kind) {
  ExportOptions o;
  o.base.prefix = "exports";
  o.base.report_name = "team";
  o.base.start_year = 2019;
  o.base.start_month = 11;
  o.base.months = 3;
  o.base.line_items_per_month = 1200;
  o.base.files_per_period = 2;
  o.base.month_status = {MonthStatus::kInvoiced, MonthStatus::kEstimated, MonthStatus::kInvoiced};
  o.base.seed = 11;
  o.kind = kind;
  o.executions_per_month = 2;
  return o;
}

GeneratedReport Generate(const ExportOptions& o, const fs::path& dir) {
  DirectoryObjectWriter writer(dir);
  auto report = GenerateExport(o, writer);
  EXPECT_TRUE(report.has_value()) << report.error().message;
  return report.value_or(GeneratedReport{});
}

size_t IndexOf(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  EXPECT_NE(it, header.end()) << name;
  return static_cast<size_t>(it - header.begin());
}

// What the newest execution's files of one period hold, read back.
struct ReadBack {
  uint64_t rows = 0;
  Decimal10 cost;
  uint64_t invoiced_rows = 0;
  uint64_t empty_files = 0;
  std::map<std::string, uint64_t> tag_keys;  // resource tag key -> lines carrying it
  std::vector<std::string> map_errors;
};

ReadBack ReadPeriod(const fs::path& dir, const PeriodTotals& period, cur::ExportKind kind) {
  ReadBack r;
  const auto& roles = cur::ExportRoles(kind);
  std::string tags_column = kind == cur::ExportKind::kCur2 ? "resource_tags" : "Tags";
  for (const auto& key : period.assemblies.back().report_keys) {
    if (fs::file_size(dir / key) == 0) {
      ++r.empty_files;
      continue;
    }
    auto rows = ParseCsv(GunzipFile(dir / key));
    EXPECT_EQ(rows.at(0), ExportColumnNames(kind)) << key;
    const auto& header = rows[0];
    size_t cost = IndexOf(header, roles.cost);
    size_t tags = IndexOf(header, tags_column);
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      EXPECT_EQ(row.size(), header.size()) << key << " line " << i + 1;
      if (row.size() != header.size()) continue;
      ++r.rows;
      r.cost += ParseDecimal(row[cost]);
      if (!roles.invoice_id.empty() && !row[IndexOf(header, roles.invoice_id)].empty()) ++r.invoiced_rows;
      for (size_t c = 0; c < header.size(); ++c) {
        if (!cur::IsMapColumn(kind, header[c])) continue;
        if (auto error = cur::CheckMapValue(header[c], row[c])) r.map_errors.push_back(*error);
      }
      auto parsed = nlohmann::json::parse(row[tags], nullptr, false);
      if (parsed.is_object()) {
        for (const auto& [k, v] : parsed.items()) ++r.tag_keys[k];
      }
    }
  }
  return r;
}

TEST(ExportGeneratorTest, ColumnsPerKind) {
  auto cur2 = ExportColumnNames(cur::ExportKind::kCur2);
  for (const char* name : {"identity_line_item_id", "bill_invoice_id", "line_item_usage_start_date",
                           "line_item_unblended_cost", "line_item_usage_amount", "savings_plan_savings_plan_a_r_n",
                           "product", "resource_tags", "cost_category", "discount"}) {
    EXPECT_NE(std::find(cur2.begin(), cur2.end(), name), cur2.end()) << name;
  }
  for (const auto& name : cur2) {
    EXPECT_FALSE(name.starts_with("product_")) << name;        // in the product map
    EXPECT_FALSE(name.starts_with("resource_tags_")) << name;  // in the resource_tags map
  }
  auto focus12 = ExportColumnNames(cur::ExportKind::kFocus12);
  auto focus10 = ExportColumnNames(cur::ExportKind::kFocus10);
  EXPECT_EQ(focus12.size(), focus10.size() + 1);
  EXPECT_NE(std::find(focus12.begin(), focus12.end(), "InvoiceId"), focus12.end());
  EXPECT_EQ(std::find(focus10.begin(), focus10.end(), "InvoiceId"), focus10.end());
  EXPECT_EQ(focus12.front(), "BilledCost");
}

TEST(ExportGeneratorTest, Cur2HoldsTheSameLinesAsTheLegacyReportOfTheSameSeed) {
  TempDir legacy_dir, export_dir;
  auto o = Small(cur::ExportKind::kCur2);
  DirectoryObjectWriter legacy_writer(legacy_dir.path());
  auto legacy = GenerateCur(o.base, legacy_writer);
  ASSERT_TRUE(legacy) << legacy.error().message;
  auto exported = Generate(o, export_dir.path());
  ASSERT_EQ(exported.periods.size(), 3u);
  for (size_t p = 0; p < 3; ++p) {
    const auto& l = legacy->periods[p];
    const auto& e = exported.periods[p];
    EXPECT_EQ(e.rows, l.rows);
    EXPECT_EQ(e.unblended_cost, l.unblended_cost) << e.unblended_cost.ToString() << " " << l.unblended_cost.ToString();
    EXPECT_EQ(e.blended_cost, l.blended_cost);
    EXPECT_EQ(e.usage_amount, l.usage_amount);
    EXPECT_EQ(e.with_invoice_id.unblended_cost, l.with_invoice_id.unblended_cost);
    EXPECT_EQ(e.by_usage_day.size(), l.by_usage_day.size());
    for (const auto& [day, v] : l.by_usage_day) EXPECT_EQ(e.by_usage_day.at(day).unblended_cost, v.unblended_cost);
    for (const auto& [code, v] : l.by_product_code) EXPECT_EQ(e.by_product_code.at(code).rows, v.rows) << code;
    EXPECT_EQ(e.billing_period_start, l.billing_period_start);
  }
  EXPECT_EQ(exported.periods[0].period, "BILLING_PERIOD=2019-11");
  EXPECT_EQ(exported.periods[2].period, "BILLING_PERIOD=2020-01");
}

TEST(ExportGeneratorTest, FilesHoldExactlyTheExpectedTotalsForEveryKind) {
  TempDir cur2_dir;
  auto cur2 = Generate(Small(cur::ExportKind::kCur2), cur2_dir.path());
  ASSERT_EQ(cur2.periods.size(), 3u);
  for (auto kind : {cur::ExportKind::kCur2, cur::ExportKind::kFocus12, cur::ExportKind::kFocus10}) {
    SCOPED_TRACE(std::string(cur::ExportKindName(kind)));
    TempDir dir;
    auto report = Generate(Small(kind), dir.path());
    ASSERT_EQ(report.periods.size(), 3u);
    for (size_t p = 0; p < 3; ++p) {
      const auto& period = report.periods[p];
      SCOPED_TRACE(period.period);
      ReadBack r = ReadPeriod(dir.path(), period, kind);
      EXPECT_EQ(r.rows, 1200u);
      EXPECT_EQ(r.rows, period.rows);
      EXPECT_EQ(r.cost, period.unblended_cost) << r.cost.ToString() << " " << period.unblended_cost.ToString();
      // FOCUS BilledCost and CUR 2.0 line_item_unblended_cost: the same lines, the same total.
      EXPECT_EQ(period.unblended_cost, cur2.periods[p].unblended_cost);
      EXPECT_EQ(r.map_errors, std::vector<std::string>{});
      bool invoiced = p != 1 && kind != cur::ExportKind::kFocus10;
      EXPECT_EQ(period.invoiced, invoiced);
      EXPECT_EQ(r.invoiced_rows, invoiced ? 1200u : 0u);
      EXPECT_EQ(period.with_invoice_id.rows, invoiced ? 1200u : 0u);
      EXPECT_EQ(period.without_invoice_id.rows, invoiced ? 0u : 1200u);
      // Awkward tag keys (commas, quotes, a line break, non-ASCII) come through as JSON object keys.
      EXPECT_GT(r.tag_keys["user:Cost Center, \"EU\""], 0u);
      EXPECT_GT(r.tag_keys["user:Kostenstelle Größe"], 0u);
      EXPECT_GT(r.tag_keys["user:チーム"], 0u);
      EXPECT_GT(r.tag_keys["user:note\nsecond line"], 0u);
      EXPECT_GT(r.tag_keys["user:Team"], 0u);
    }
    // The older execution of each month is a month-to-date prefix: fewer rows, recorded with its own total.
    EXPECT_LT(report.periods[0].assemblies[0].rows, report.periods[0].assemblies[1].rows);
    EXPECT_EQ(report.periods[0].assemblies[1].rows, 1200u);
    EXPECT_EQ(report.periods[0].assemblies[1].unblended_cost, report.periods[0].unblended_cost);
  }
}

// The queries docs/exports.md shows, run by SQLite on the map columns as the generator writes them.
TEST(ExportGeneratorTest, DocumentedJsonQueriesReadTheMapColumns) {
  TempDir dir;
  auto o = Small(cur::ExportKind::kCur2);
  o.base.months = 1;
  o.base.month_status = {MonthStatus::kInvoiced};
  o.executions_per_month = 1;
  auto report = Generate(o, dir.path());
  fs::path db_path = dir.path() / "maps.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE cur2 (resource_tags TEXT, cost_category TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO cur2 VALUES (?, ?)", -1, &insert, nullptr), SQLITE_OK);
  std::map<std::string, uint64_t> team, cost_center, note, unit;
  for (const auto& key : report.periods.at(0).assemblies.back().report_keys) {
    auto rows = ParseCsv(GunzipFile(dir.path() / key));
    size_t tags = IndexOf(rows[0], "resource_tags"), categories = IndexOf(rows[0], "cost_category");
    for (size_t i = 1; i < rows.size(); ++i) {
      sqlite3_bind_text(insert, 1, rows[i][tags].c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 2, rows[i][categories].c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
      sqlite3_reset(insert);
      auto t = nlohmann::json::parse(rows[i][tags]);
      auto c = nlohmann::json::parse(rows[i][categories]);
      if (t.contains("user:Team")) ++team[t["user:Team"]];
      if (t.contains("user:Cost Center, \"EU\"")) ++cost_center[t["user:Cost Center, \"EU\""]];
      if (t.contains("user:note\nsecond line")) ++note[t["user:note\nsecond line"]];
      if (c.contains("Business Unit")) ++unit[c["Business Unit"]];
    }
  }
  sqlite3_finalize(insert);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_FALSE(team.empty());
  ASSERT_FALSE(cost_center.empty());
  ASSERT_FALSE(note.empty());
  ASSERT_FALSE(unit.empty());
  using billpipe::testing::QueryOne;
  for (const auto& [value, n] : team) {
    EXPECT_EQ(QueryOne(db_path, "SELECT count(*) FROM cur2 WHERE json_extract(resource_tags, '$.\"user:Team\"') = '" +
                                    value + "'"),
              std::to_string(n))
        << value;
  }
  for (const auto& [value, n] : unit) {
    EXPECT_EQ(QueryOne(db_path, "SELECT count(*) FROM cur2 WHERE json_extract(cost_category, '$.\"Business Unit\"') "
                                "= '" + value + "'"),
              std::to_string(n))
        << value;
  }
  uint64_t cost_center_lines = 0, note_lines = 0;
  for (const auto& [value, n] : cost_center) cost_center_lines += n;
  for (const auto& [value, n] : note) note_lines += n;
  EXPECT_EQ(QueryOne(db_path, "SELECT count(*) FROM cur2 WHERE (SELECT value FROM json_each(resource_tags) WHERE key = "
                              "'user:Cost Center, \"EU\"') = 'Retail, \"Online\"'"),
            std::to_string(cost_center_lines));
  EXPECT_EQ(QueryOne(db_path, "SELECT count(*) FROM cur2 WHERE (SELECT value FROM json_each(resource_tags) WHERE key = "
                              "'user:note' || char(10) || 'second line') IS NOT NULL"),
            std::to_string(note_lines));
  EXPECT_EQ(QueryOne(db_path, "SELECT count(*) FROM cur2 WHERE json_extract(resource_tags, '$.\"user:チーム\"') = "
                              "'データ基盤'"),
            QueryOne(db_path, "SELECT count(*) FROM cur2, json_each(cur2.resource_tags) AS t WHERE "
                              "t.key = 'user:チーム'"));
}

TEST(ExportGeneratorTest, CreateNewLayout) {
  TempDir dir;
  auto o = Small(cur::ExportKind::kCur2);
  o.base.months = 1;
  o.base.month_status = {MonthStatus::kInvoiced};
  o.in_progress_execution = true;
  auto report = Generate(o, dir.path());
  ASSERT_EQ(report.periods.size(), 1u);
  const auto& p = report.periods[0];
  ASSERT_EQ(p.assemblies.size(), 2u);
  EXPECT_EQ(p.top_manifest_key, "exports/team/metadata/BILLING_PERIOD=2019-11/team-Manifest.json");
  const auto& newest = p.assemblies[1];
  std::string folder = "20191201T060200Z-" + newest.assembly_id + "/";
  EXPECT_EQ(newest.manifest_key, "exports/team/metadata/BILLING_PERIOD=2019-11/" + folder + "team-Manifest.json");
  EXPECT_EQ(newest.report_keys, (std::vector<std::string>{
                                    "exports/team/data/BILLING_PERIOD=2019-11/" + folder + "team-00001.csv.gz",
                                    "exports/team/data/BILLING_PERIOD=2019-11/" + folder + "team-00002.csv.gz"}));
  EXPECT_TRUE(p.assemblies[0].manifest_key.starts_with(
      "exports/team/metadata/BILLING_PERIOD=2019-11/20191116T060100Z-" + p.assemblies[0].assembly_id));
  auto top = nlohmann::json::parse(std::ifstream(dir.path() / p.top_manifest_key));
  auto own = nlohmann::json::parse(std::ifstream(dir.path() / newest.manifest_key));
  EXPECT_EQ(top, own);
  EXPECT_EQ(top["executionId"], newest.assembly_id);
  EXPECT_EQ(top["dataFiles"][1], "s3://billing/" + newest.report_keys[1]);
  EXPECT_EQ(top["columns"].size(), ExportColumnNames(cur::ExportKind::kCur2).size());
  EXPECT_EQ(top["columns"][0], (nlohmann::json{{"name", "identity_line_item_id"}, {"type", "string"}}));
  EXPECT_EQ(top["additionalOutputFiles"], nlohmann::json::array());
  auto parsed = cur::ParseExportManifest(nlohmann::json(top).dump());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(cur::DetectExportKind(parsed->columns), cur::ExportKind::kCur2);

  // The execution in progress: a third data folder, last in key order, with one chunk and no manifest.
  std::vector<std::string> data_folders, metadata_entries;
  for (const auto& e : fs::directory_iterator(dir.path() / "exports/team/data/BILLING_PERIOD=2019-11")) {
    data_folders.push_back(e.path().filename().string());
  }
  for (const auto& e : fs::directory_iterator(dir.path() / "exports/team/metadata/BILLING_PERIOD=2019-11")) {
    metadata_entries.push_back(e.path().filename().string());
  }
  std::sort(data_folders.begin(), data_folders.end());
  std::sort(metadata_entries.begin(), metadata_entries.end());
  ASSERT_EQ(data_folders.size(), 3u);
  EXPECT_EQ(data_folders[1] + "/", folder);
  EXPECT_TRUE(data_folders[2].starts_with("20191201T060300Z-")) << data_folders[2];
  EXPECT_EQ(metadata_entries.size(), 3u);  // two execution folders and the top-level manifest
  size_t in_progress_files = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "exports/team/data/BILLING_PERIOD=2019-11" /
                                              data_folders[2])) {
    ++in_progress_files;
    EXPECT_EQ(e.path().filename(), "team-00001.csv.gz");
  }
  EXPECT_EQ(in_progress_files, 1u);
}

TEST(ExportGeneratorTest, OverwriteLayoutThatShrankLeavesEmptyTrailingChunks) {
  TempDir dir;
  auto o = Small(cur::ExportKind::kFocus12);
  o.base.months = 1;
  o.base.month_status = {MonthStatus::kInvoiced};
  o.delivery = cur::ExportDelivery::kOverwrite;
  o.executions_per_month = 3;
  o.shrink_chunks = 2;
  auto report = Generate(o, dir.path());
  const auto& p = report.periods.at(0);
  ASSERT_EQ(p.assemblies.size(), 3u);
  for (const auto& a : p.assemblies) EXPECT_EQ(a.manifest_key, p.top_manifest_key);
  EXPECT_EQ(p.assemblies[0].report_keys.size(), 4u);
  const auto& keys = p.assemblies[2].report_keys;
  ASSERT_EQ(keys.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(keys[static_cast<size_t>(i)],
              "exports/team/data/BILLING_PERIOD=2019-11/team-0000" + std::to_string(i + 1) + ".csv.gz");
  }
  EXPECT_GT(fs::file_size(dir.path() / keys[1]), 0u);
  EXPECT_EQ(fs::file_size(dir.path() / keys[2]), 0u);
  EXPECT_EQ(fs::file_size(dir.path() / keys[3]), 0u);
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "exports/team")) {
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), dir.path()).string());
  }
  EXPECT_EQ(files.size(), 5u);  // four chunks and the top-level manifest: nothing else
  ReadBack r = ReadPeriod(dir.path(), p, cur::ExportKind::kFocus12);
  EXPECT_EQ(r.empty_files, 2u);
  EXPECT_EQ(r.rows, 1200u);
  EXPECT_EQ(r.cost, p.unblended_cost);
  auto top = nlohmann::json::parse(std::ifstream(dir.path() / p.top_manifest_key));
  EXPECT_EQ(top["executionId"], p.newest_assembly_id);
  EXPECT_EQ(top["dataFiles"].size(), 4u);
}

TEST(ExportGeneratorTest, SameOptionsSameBytes) {
  TempDir a, b;
  auto o = Small(cur::ExportKind::kCur2);
  o.base.months = 1;
  o.base.month_status = {MonthStatus::kInvoiced};
  auto ra = Generate(o, a.path());
  auto rb = Generate(o, b.path());
  EXPECT_EQ(ExpectedJson(ra, ExportOptionsJson(o)), ExpectedJson(rb, ExportOptionsJson(o)));
  for (const auto& obj : ra.objects) {
    std::ifstream fa(a.path() / obj.key, std::ios::binary), fb(b.path() / obj.key, std::ios::binary);
    std::stringstream sa, sb;
    sa << fa.rdbuf();
    sb << fb.rdbuf();
    EXPECT_EQ(sa.str(), sb.str()) << obj.key;
  }
}

TEST(ExportGeneratorTest, RefusesImpossibleOptions) {
  auto error = [](ExportOptions o) {
    auto st = ValidateExportOptions(o);
    return st ? std::string("(valid)") : st.error().message;
  };
  ExportOptions o = Small(cur::ExportKind::kCur2);
  EXPECT_EQ(error(o), "(valid)");
  o.shrink_chunks = 1;
  EXPECT_EQ(error(o), "shrunk chunks need the overwrite delivery option and at least two executions per month");
  o = Small(cur::ExportKind::kCur2);
  o.delivery = cur::ExportDelivery::kOverwrite;
  o.in_progress_execution = true;
  EXPECT_EQ(error(o), "an execution in progress needs the create-new delivery option");
  o = Small(cur::ExportKind::kCur2);
  o.executions_per_month = 0;
  EXPECT_EQ(error(o), "executions per month must be 1 to 100, not 0");
  o = Small(cur::ExportKind::kCur2);
  o.base.compression = Compression::kZip;
  EXPECT_EQ(error(o), "exports are written as gzip CSV: compression must be gzip");
  o = Small(cur::ExportKind::kCur2);
  o.base.report_name = "a/b";
  EXPECT_EQ(error(o), "report name 'a/b' is not valid: use letters, digits and !-_.*'()");
}

TEST(ExportGeneratorCommandTest, WritesAnExportAndExpectedJson) {
  TempDir dir;
  auto r = RunBillpipe({"curgen", "--kind", "focus", "--out", dir.path().string(), "--months", "2", "--line-items",
                        "300", "--versioning", "overwrite", "--assemblies", "2", "--shrink-chunks", "1", "--files",
                        "2", "--seed", "5", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto expected = nlohmann::json::parse(std::ifstream(dir.path() / "expected.json"));
  EXPECT_EQ(expected["generator"]["kind"], "FOCUS 1.2");
  EXPECT_EQ(expected["generator"]["delivery"], "overwrite");
  EXPECT_EQ(expected["generator"]["shrink_chunks"], 1);
  EXPECT_EQ(expected["totals"]["rows"], 600);
  EXPECT_EQ(expected["periods"][0]["period"], "BILLING_PERIOD=2019-12");
  EXPECT_EQ(expected["periods"][1]["invoiced"], false);
  EXPECT_TRUE(fs::exists(dir.path() / "cur/billpipe-demo/metadata/BILLING_PERIOD=2020-01/billpipe-demo-Manifest.json"));
  EXPECT_EQ(fs::file_size(dir.path() / "cur/billpipe-demo/data/BILLING_PERIOD=2020-01/billpipe-demo-00003.csv.gz"),
            0u);

  auto bad = RunBillpipe({"curgen", "--out", dir.path().string(), "--shrink-chunks", "1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "billpipe curgen: --shrink-chunks and --in-progress-execution are for exports: give --kind cur2, "
                     "focus or focus-1.0\n");
  bad = RunBillpipe({"curgen", "--kind", "cur2", "--out", dir.path().string(), "--in-progress-execution",
                     "--versioning", "overwrite"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "billpipe curgen: an execution in progress needs the create-new delivery option\n");
  bad = RunBillpipe({"curgen", "--kind", "cur3", "--out", dir.path().string()});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace billpipe::curgen
