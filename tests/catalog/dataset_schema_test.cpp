// The dataset's schema field (cur | focus, docs/exports.md "FOCUS from any report"): set by the CLI, shown,
// exported to TOML and imported back, in the Data Center's dataset document, and added to catalogs made
// before it (migration v6) as 'cur'.
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/dataset_document.h"
#include "catalog/catalog.h"
#include "catalog/dataset_toml.h"
#include "catalog/datasets.h"
#include "catalog/migrations.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCLISECRET";

class DatasetSchemaCliTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args, const std::string* input = nullptr) {
    args.push_back("--home");
    args.push_back((tmp_.path() / "home").string());
    std::vector<std::string> argv = {BillpipeBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {"BILLPIPE_MASTER_KEY="}, input);
  }
  TempDir tmp_;
};

TEST_F(DatasetSchemaCliTest, SchemaFocusByCliShownExportedAndImported) {
  std::string input = std::string(kSecret) + "\n";
  ASSERT_EQ(Run({"account", "add", "--name", "prod", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin",
                 "--no-test"},
                &input)
                .exit_code,
            0);
  auto create = Run({"dataset", "create", "focus_costs", "--account", "prod", "--bucket", "billing", "--report",
                     "daily", "--date", "1d", "--schema", "focus", "--schedule", "manual", "--no-check"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  auto show = Run({"dataset", "show", "focus_costs"});
  EXPECT_NE(show.out.find("Filter:        all\nSchema:        focus (FOCUS 1.2 columns)\nDuration:"),
            std::string::npos)
      << show.out;
  auto json = Run({"dataset", "show", "focus_costs", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["schema"], "focus");

  const auto file = tmp_.path() / "d.toml";
  ASSERT_EQ(Run({"dataset", "export", "focus_costs", "-o", file.string()}).exit_code, 0);
  std::ifstream in(file);
  std::stringstream toml;
  toml << in.rdbuf();
  EXPECT_NE(toml.str().find("schema = 'focus'"), std::string::npos) << toml.str();
  ASSERT_EQ(Run({"dataset", "delete", "focus_costs", "--keep-data"}).exit_code, 0);
  auto imported = Run({"dataset", "import", file.string(), "--no-check"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(Run({"dataset", "show", "focus_costs"}).out.find("Schema:        focus (FOCUS 1.2 columns)\n"),
            std::string::npos);

  // Switching it back warns that a loaded table keeps one column set.
  auto edit = Run({"dataset", "edit", "focus_costs", "--schema", "cur"});
  ASSERT_EQ(edit.exit_code, 0) << edit.err;
  EXPECT_EQ(edit.err,
            "billpipe: warning: The schema changed from focus to cur. If 'focus_costs' holds data already, its next "
            "run is refused until that data is gone (billpipe dataset delete focus_costs --yes drops it; create the "
            "dataset again), or load schema cur into a dataset of another name.\n");
  EXPECT_EQ(Run({"dataset", "show", "focus_costs"}).out.find("Schema:"), std::string::npos);

  auto bad = Run({"dataset", "edit", "focus_costs", "--schema", "focus-1.0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "billpipe: Unknown schema 'focus-1.0'. Choose one of: cur (the report's own columns), focus "
                     "(FOCUS 1.2 columns from any report).\n");
  auto run = Run({"run", "--bucket", "billing", "--report-name", "r", "--schema", "FOCUS"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "billpipe: Unknown schema 'FOCUS'. Choose one of: cur (the report's own columns), focus "
                     "(FOCUS 1.2 columns from any report).\n");
}

TEST(DatasetSchemaTest, TomlAndDocumentRoundTrip) {
  catalog::DatasetDefinition d;
  d.name = "costs";
  d.account = "prod";
  d.bucket = "billing";
  d.report_name = "daily";
  d.duration.start = *pipeline::DateSpec::Parse("1d");
  d.schema = pipeline::OutputSchema::kFocus;
  auto back = catalog::DatasetFromToml(catalog::DatasetToToml(d), "d.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->schema, pipeline::OutputSchema::kFocus);
  d.schema = pipeline::OutputSchema::kCur;
  back = catalog::DatasetFromToml(catalog::DatasetToToml(d), "d.toml");
  EXPECT_EQ(back->schema, pipeline::OutputSchema::kCur);
  auto bad = catalog::DatasetFromToml(
      "name = \"a\"\naccount = \"p\"\n[details]\nschema = \"focus2\"\nbucket = \"b\"\nreport_name = \"r\"\n"
      "start = \"1d\"\n",
      "d.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "d.toml:4: 'details.schema': Unknown schema 'focus2'. Choose one of: cur (the "
                                 "report's own columns), focus (FOCUS 1.2 columns from any report).");

  // The Data Center's document: shown under details, read back as a field.
  d.schema = pipeline::OutputSchema::kFocus;
  auto shown = app::DatasetDocumentJson(d);
  EXPECT_EQ(shown["details"]["schema"], "focus");
  auto doc = app::DatasetDocumentFromJson(nlohmann::json::parse(shown.dump()));
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->fields.schema, std::optional<std::string>("focus"));
  catalog::DatasetDefinition applied;
  ASSERT_TRUE(app::ApplyDatasetFields(doc->fields, applied));
  EXPECT_EQ(applied.schema, pipeline::OutputSchema::kFocus);
  auto wrong = app::DatasetDocumentFromJson(nlohmann::json::parse(R"({"details":{"schema":1}})"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "details.schema must be a string");
}

// A catalog made before the field (schema version 5) gets it as 'cur' for every dataset.
TEST(DatasetSchemaTest, MigrationSixGivesExistingDatasetsSchemaCur) {
  TempDir home;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((home.path() / catalog::kCatalogFileName).c_str(), &db), SQLITE_OK);
    for (size_t i = 0; i < 5; ++i) {
      ASSERT_EQ(sqlite3_exec(db, std::string(catalog::Migrations()[i]).c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
          << i;
    }
    const char* rows =
        "PRAGMA user_version = 5;"
        "INSERT INTO accounts(id, name, source, access_key_id, profile, region, created_at, updated_at) VALUES "
        "(7, 'prod', 'keys', 'AKIAIOSFODNN7EXAMPLE', '', 'us-east-1', 1, 1);"
        "INSERT INTO datasets(name, account_id, report_type, filter, bucket, prefix, report_name, duration_start, "
        "update_method, schedule, retry, created_at, updated_at) VALUES "
        "('costs', 7, 'cost-and-usage', 'all', 'billing', 'cur', 'daily', '1d', 'replace', 'manual', 'never', 0, 0);";
    ASSERT_EQ(sqlite3_exec(db, rows, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  FakeClock clock(SysTime(std::chrono::milliseconds(1'764'403'200'000)));
  auto c = catalog::Catalog::Open(home.path(), clock);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(*(*c)->SchemaVersion(), static_cast<int>(catalog::Migrations().size()));
  auto d = catalog::DatasetStore(**c).Get("costs");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->schema, pipeline::OutputSchema::kCur);
  d->schema = pipeline::OutputSchema::kFocus;
  auto updated = catalog::DatasetStore(**c).Update("costs", *d);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(catalog::DatasetStore(**c).Get("costs")->schema, pipeline::OutputSchema::kFocus);
}

}  // namespace
}  // namespace billpipe::testing
