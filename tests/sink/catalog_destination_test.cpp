// Issue 15: a catalog dataset has a destination. Datasets created with --to postgresql://... and
// --to clickhouse://... load there by name (billpipe run NAME) with exact totals, with a password stored
// encrypted in the catalog that never appears in any output; a password in the destination is refused, by
// dataset create and by run --to before the AWS credentials are looked for.
#include <curl/curl.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/datasets.h"
#include "app/runs.h"
#include "cur_fixture.h"
#include "cur_upload.h"
#include "pg_test_db.h"
#include "clickhouse_query.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using pipeline::testing::CurFixture;
using pipeline::testing::Line;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Days from..to of 2026-MM, one line each costing cost.
std::vector<Line> Days(int month, int from, int to, const std::string& cost) {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-%02d-%02dT00:00:00Z", month, d);
    out.push_back(Line{ts, cost, "", "AmazonS3", ""});
  }
  return out;
}

class CatalogDestinationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = S3TestServer::Start().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Runs billpipe in the test's data directory with no AWS keys and no PostgreSQL or ClickHouse password
  // in the environment (the catalog's are used); every output is checked for the passwords.
  CommandResult Run(const std::vector<std::string>& args, std::vector<std::string> env = {},
                    const std::string* stdin_text = nullptr) {
    env.insert(env.end(), {"BILLPIPE_HOME=" + home_.path().string(), "BILLPIPE_MASTER_KEY=", "AWS_ACCESS_KEY_ID=",
                           "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=", "AWS_REGION=us-east-1",
                           "PGPASSFILE=/nonexistent/billpipe-test-pgpass", "CLICKHOUSE_PASSWORD=",
                           std::string("GOOD_SECRET=") + kTestSecretKey});
    std::vector<std::string> argv = {BILLPIPE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> full_env = env;
    auto r = RunCommand(argv, full_env, stdin_text);
    for (const std::string& secret : secrets_) {
      EXPECT_EQ(r.out.find(secret), std::string::npos) << "password in the output of " << args[0] << " " << args[1];
      EXPECT_EQ(r.err.find(secret), std::string::npos) << "password in the errors of " << args[0] << " " << args[1];
    }
    auto catalog_files = {home_.path() / "catalog.db", home_.path() / "catalog.db-wal"};
    for (const auto& file : catalog_files) {
      if (!std::filesystem::exists(file)) continue;
      std::ifstream in(file, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      for (const std::string& secret : secrets_) {
        EXPECT_EQ(bytes.find(secret), std::string::npos) << "password in clear in " << file;
      }
    }
    return r;
  }
  void AddAccount() {
    auto r = Run({"account", "add", "--name", "main", "--access-key-id", kTestAccessKey, "--secret-env", "GOOD_SECRET",
                  "--endpoint", server_->endpoint()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::vector<std::string> Create(const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {"dataset", "create", name, "--account", "main", "--bucket", "billing",
                                     "--prefix", "cur", "--report", name, "--start", "2026-11-01", "--end",
                                     "2026-11-30"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static void Upload(const std::string& report, const std::string& cost) {
    UploadCurLayout(S3UploadOptions(server_->endpoint()), "billing", [&](CurFixture& f) {
      f.WritePeriod(2026, 11, report + "-1", {Days(11, 1, 10, cost), Days(11, 11, 20, cost)}, false, false, report);
    });
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    auto path = (home_.path() / name).string();
    std::ofstream(path) << text;
    return path;
  }

  static S3TestServer* server_;
  TempDir home_;
  std::vector<std::string> secrets_;
};
S3TestServer* CatalogDestinationTest::server_ = nullptr;

TEST_F(CatalogDestinationTest, ACatalogDatasetLoadsIntoPostgresWithItsStoredPassword) {
  BP_REQUIRE_TEST_PG();
  const std::string role = Env("BILLPIPE_TEST_PG_PASSWORD_ROLE");
  ASSERT_FALSE(role.empty()) << "testing/postgres.sh exports BILLPIPE_TEST_PG_PASSWORD_ROLE";
  const std::string password = "pg-Catalog-Stored-91c2e";
  secrets_ = {password};
  PgTestSchema schema("c_pg_catalog_destination");
  schema.admin().One(fmt::format("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{0}') THEN CREATE "
                                 "ROLE {0} LOGIN; END IF; END $$", role));
  ASSERT_EQ(schema.admin().One(fmt::format("ALTER ROLE {} PASSWORD '{}'", role, password)), "");
  ASSERT_EQ(schema.admin().One(fmt::format("GRANT USAGE, CREATE ON SCHEMA c_pg_catalog_destination TO {}", role)), "");
  PgTestConn reader(schema.conninfo());
  const std::string to = "postgresql:" + schema.conninfo() + " user=" + role;

  Upload("pgcosts", "0.25");
  AddAccount();
  // The password in the destination is refused, and nothing is created.
  auto in_url = Run(Create("pgcosts", {"--to", "postgresql://" + role + ":" + password + "@127.0.0.1/db"}));
  EXPECT_EQ(in_url.exit_code, 2);
  EXPECT_EQ(in_url.err.rfind("billpipe: The PostgreSQL destination contains a password.", 0), 0u) << in_url.err;
  auto on_argv = Run(Create("pgcosts", {"--to", to, "--to-password", password}));
  EXPECT_EQ(on_argv.exit_code, 2);
  EXPECT_EQ(on_argv.err,
            "billpipe: Passwords are never taken from the command line (other users can see it). Give the "
            "destination's password with --to-password-stdin, --to-password-file FILE or --to-password-env VAR.\n");
  EXPECT_EQ(Run({"dataset", "show", "pgcosts"}).exit_code, 1);

  auto created = Run(Create("pgcosts", {"--to", to, "--to-password-file", WriteFile("pw.txt", password + "\n")}));
  ASSERT_EQ(created.exit_code, 0) << created.err;

  auto show = Run({"dataset", "show", "pgcosts"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Destination:   " + to + "\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("Dest password: ******** (stored encrypted)\n"), std::string::npos) << show.out;
  auto json = nlohmann::json::parse(Run({"dataset", "show", "pgcosts", "--json"}).out);
  EXPECT_EQ(json["destination"], to);
  EXPECT_EQ(json["destination_password"], "********");
  // The TOML keeps the destination, never the password: imported again, the password is to be stored again.
  auto exported = Run({"dataset", "export", "pgcosts"});
  ASSERT_EQ(exported.exit_code, 0);
  EXPECT_NE(exported.out.find("destination = "), std::string::npos) << exported.out;
  const std::string toml = WriteFile("pgcosts.toml", exported.out);
  ASSERT_EQ(Run({"dataset", "delete", "pgcosts", "--keep-data"}).exit_code, 0);
  auto imported = Run({"dataset", "import", toml, "--no-check"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  json = nlohmann::json::parse(Run({"dataset", "show", "pgcosts", "--json"}).out);
  EXPECT_EQ(json["destination"], to);
  EXPECT_EQ(json["destination_password"], nullptr);
  auto restored = Run({"dataset", "edit", "pgcosts", "--to-password-file", (home_.path() / "pw.txt").string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;

  // The daemon's runner loads into the dataset's destination, with the stored password.
  {
    auto cat = app::OpenCatalog(home_.path());
    ASSERT_TRUE(cat) << cat.error().message;
    auto def = app::GetDataset(**cat, "pgcosts");
    ASSERT_TRUE(def);
    std::atomic<bool> stop{false};
    sched::RunOutcome outcome = app::MakeDaemonRunner(home_.path())(*def, catalog::Trigger::kSchedule, 1, stop);
    ASSERT_TRUE(outcome.status) << outcome.status.error().message;
    EXPECT_EQ(outcome.line_items, 20);
  }
  EXPECT_EQ(reader.One("SELECT count(*) || ' ' || sum(line_item_unblended_cost) FROM pgcosts"), "20 5.00");
  EXPECT_EQ(reader.One("SELECT sum(line_item_unblended_cost) FROM pgcosts WHERE line_item_usage_start_date < "
                       "'2026-11-11'"),
            "2.50");
  EXPECT_FALSE(std::filesystem::exists(home_.path() / "billpipe.db"));  // nothing went to the default file

  auto status = Run({"status", "pgcosts", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto st = nlohmann::json::parse(status.out);
  EXPECT_EQ(st["destination"].get<std::string>().rfind("postgresql://" + role + "@127.0.0.1:", 0), 0u);
  EXPECT_EQ(st["periods"][0]["line_items"], 20);
  EXPECT_EQ(st["periods"][0]["unblended_cost"], "5.00");
  auto verify = Run({"verify", "pgcosts"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(Run({"run", "pgcosts", "--to", "sqlite:x.db"}).exit_code, 2);

  // Without the stored password the server refuses the role; a new one from stdin makes it work again.
  auto forget = Run({"dataset", "edit", "pgcosts", "--no-to-password"});
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(nlohmann::json::parse(Run({"dataset", "show", "pgcosts", "--json"}).out)["destination_password"], nullptr);
  auto refused = Run({"run", "pgcosts"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Check the user, and the password in PGPASSWORD or ~/.pgpass."), std::string::npos)
      << refused.err;
  const std::string piped = password + "\n";
  auto again = Run({"dataset", "edit", "pgcosts", "--to-password-stdin"}, {}, &piped);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto nothing_new = Run({"run", "pgcosts", "--json"});
  ASSERT_EQ(nothing_new.exit_code, 0) << nothing_new.err;
  EXPECT_EQ(nlohmann::json::parse(nothing_new.out)["message"], "Nothing new: every period in the window is up to date.");

  // Moving the dataset forgets the password meant for the old server, and says so.
  auto moved = Run({"dataset", "edit", "pgcosts", "--to", "sqlite:" + (home_.path() / "moved.db").string()});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.err.find("billpipe: warning: The password stored for " + to + " was forgotten"), std::string::npos)
      << moved.err;
  EXPECT_NE(moved.err.find("billpipe: warning: The data already loaded stays in " + to +
                           "; the next run loads the dataset into sqlite:"),
            std::string::npos)
      << moved.err;
  EXPECT_EQ(nlohmann::json::parse(Run({"dataset", "show", "pgcosts", "--json"}).out)["destination_password"], nullptr);
  auto sqlite_pw = Run({"dataset", "edit", "pgcosts", "--to-password-file", (home_.path() / "pw.txt").string()});
  EXPECT_EQ(sqlite_pw.exit_code, 2);
  EXPECT_EQ(sqlite_pw.err,
            "billpipe: A SQLite destination takes no password. Give a PostgreSQL or ClickHouse destination with --to.\n");

  // Back on PostgreSQL with the password: delete drops the data there.
  auto back = Run({"dataset", "edit", "pgcosts", "--to", to, "--to-password-file", (home_.path() / "pw.txt").string()});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  auto del = Run({"dataset", "delete", "pgcosts", "--yes"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out.rfind("Deleted dataset 'pgcosts' and dropped its data from postgresql://" + role + "@127.0.0.1:", 0),
            0u)
      << del.out;
  EXPECT_EQ(reader.One("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgcosts%'"), "0");
}

TEST_F(CatalogDestinationTest, ACatalogDatasetLoadsIntoTheClickHouseClusterWithItsStoredPassword) {
  if (Env("BILLPIPE_TEST_CLICKHOUSE").empty()) {
    if (Env("CI") == "true") FAIL() << "BILLPIPE_TEST_CLICKHOUSE is not set (CI=true): run scripts/test";
    GTEST_SKIP() << "BILLPIPE_TEST_CLICKHOUSE is not set: ClickHouse tests skipped";
  }
  const std::string url = Env("BILLPIPE_TEST_CLICKHOUSE"), shard2 = Env("BILLPIPE_TEST_CLICKHOUSE_SHARD2");
  const std::string user = Env("BILLPIPE_TEST_CLICKHOUSE_PASSWORD_USER");
  const std::string password = Env("BILLPIPE_TEST_CLICKHOUSE_PASSWORD");
  ASSERT_FALSE(password.empty()) << "testing/clickhouse.sh exports BILLPIPE_TEST_CLICKHOUSE_PASSWORD";
  secrets_ = {password};
  const std::string db = "c_catalog_destination";
  for (const auto& u : {url, shard2}) Ch(u, "DROP DATABASE IF EXISTS " + db);
  const std::string to = fmt::format("clickhouse://{}@{}/{}?cluster={}", user, url.substr(7), db,
                                     Env("BILLPIPE_TEST_CLICKHOUSE_CLUSTER"));

  Upload("chcosts", "0.125");
  AddAccount();
  auto created = Run(Create("chcosts", {"--to", to, "--to-password-env", "CH_PW"}), {"CH_PW=" + password});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto json = nlohmann::json::parse(Run({"dataset", "show", "chcosts", "--json"}).out);
  EXPECT_EQ(json["destination"], to);
  EXPECT_EQ(json["destination_password"], "********");

  auto run = Run({"run", "chcosts", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["line_items_loaded"], 20);
  for (const auto& server : {url, shard2}) {
    EXPECT_EQ(Ch(server, fmt::format("SELECT count(), sum(line_item_unblended_cost) FROM {}.chcosts", db)),
              "20\t2.5000000000");
  }
  // Both shards hold rows of the dataset.
  for (const auto& server : {url, shard2}) {
    EXPECT_NE(Ch(server, fmt::format("SELECT count() FROM {}.chcosts__local", db)), "0");
  }
  auto status = Run({"status", "chcosts", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["destination"], to);

  auto forget = Run({"dataset", "edit", "chcosts", "--no-to-password"});
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  auto refused = Run({"run", "chcosts"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("ClickHouse at http://"), std::string::npos) << refused.err;
  for (const auto& u : {url, shard2}) Ch(u, "DROP DATABASE IF EXISTS " + db);
}

// Fix 3 of issue 15: the destination is checked first, so a password in it is what a run without AWS
// keys reports (not the missing credentials).
TEST_F(CatalogDestinationTest, RunToAPasswordInTheDestinationIsRefusedBeforeTheCredentialsAreLookedFor) {
  secrets_ = {"hunter2-in-the-url"};
  auto r = Run({"run", "--bucket", "billing", "--prefix", "cur", "--report-name", "nokeys", "--endpoint-url",
                server_->endpoint(), "--to", "postgresql://u:hunter2-in-the-url@127.0.0.1/db"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "billpipe: The PostgreSQL destination contains a password. Passwords do not go on the command line: put "
            "it in PGPASSWORD or ~/.pgpass (see the PostgreSQL documentation on the password file) and leave it out "
            "of the destination.\n");
  auto ch = Run({"run", "--bucket", "billing", "--report-name", "nokeys", "--endpoint-url", server_->endpoint(),
                 "--to", "clickhouse://u:hunter2-in-the-url@127.0.0.1/db"});
  EXPECT_EQ(ch.exit_code, 2);
  EXPECT_EQ(ch.err.rfind("billpipe: The ClickHouse destination contains a password.", 0), 0u) << ch.err;
}

}  // namespace
}  // namespace billpipe::testing
