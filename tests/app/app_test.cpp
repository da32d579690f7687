// The app operations called directly, as a server would: structured input, structured output.
#include <cstdlib>

#include <gtest/gtest.h>

#include "app/accounts.h"
#include "app/datasets.h"
#include "app/runs.h"
#include "test_support.h"

namespace billpipe::app {
namespace {

using billpipe::testing::TempDir;

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(catalog::kMasterKeyEnv);
    auto c = OpenCatalog(tmp_.path());
    ASSERT_TRUE(c) << c.error().message;
    catalog_ = std::move(*c);
    catalog::AccountInput in;
    in.name = "prod";
    in.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    in.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
    auto added = AddAccount(*catalog_, in, {/*enabled=*/false, ""});
    ASSERT_TRUE(added) << added.error().message;
  }
  DatasetFields Fields() {
    DatasetFields f;
    f.account = "prod";
    f.bucket = "billing";
    f.prefix = "/cur/";
    f.report_name = "daily";
    f.duration.days_back = 3;
    f.keep_versions = 4;
    f.skip_bad_rows = true;
    return f;
  }
  TempDir tmp_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(AppTest, CreateEditAndTheJsonViews) {
  auto created = CreateDataset(*catalog_, "aws_costs", Fields(), /*check=*/false);
  ASSERT_TRUE(created) << created.error().message;
  nlohmann::json j = DatasetJson(created->dataset);
  EXPECT_EQ(j["prefix"], "cur");
  EXPECT_EQ(j["duration"].dump(), R"({"start":"3d"})");
  EXPECT_EQ(j["keep_versions"], 4);
  EXPECT_EQ(j["skip_bad_rows"], true);
  EXPECT_EQ(j["account"], "prod");

  DatasetEdit edit;
  edit.fields.schedule = "every day at 06:00 in Asia/Tokyo";
  edit.fields.skip_bad_rows = false;
  edit.pause = true;
  auto edited = EditDataset(*catalog_, "aws_costs", edit);
  ASSERT_TRUE(edited) << edited.error().message;
  EXPECT_EQ(DatasetJson(edited->dataset)["schedule"], "every day at 06:00 in Asia/Tokyo");
  EXPECT_EQ(DatasetJson(edited->dataset)["paused"], true);
  EXPECT_EQ(edited->dataset.keep_versions, 4);  // unset fields keep their value

  // The job a run would use carries the run settings and the account's S3 options.
  auto job = LoadCatalogJob(*catalog_, "aws_costs");
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->request.keep_versions, 4);
  EXPECT_EQ(job->request.bad_rows, pipeline::BadRowPolicy::kFail);
  EXPECT_EQ(job->client.credentials.access_key_id, "AKIAIOSFODNN7EXAMPLE");

  nlohmann::json account = AccountJson(*GetAccount(*catalog_, "prod"));
  EXPECT_EQ(account["access_key_id"], "AKIA…MPLE");
  EXPECT_EQ(account.dump().find("SECRET"), std::string::npos);
}

// Issue 15: a dataset's destination and its stored password, which no view shows.
TEST_F(AppTest, ADatasetHasADestinationAndAStoredPasswordThatIsNeverShown) {
  const std::string password = "pg-App-Secret-55";
  DatasetFields f = Fields();
  f.destination = "postgresql://billing@db.example.com/costs";
  f.destination_password = password;
  auto created = CreateDataset(*catalog_, "pg_costs", f, /*check=*/false);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(created->dataset.destination_password_stored);
  nlohmann::json j = DatasetJson(created->dataset);
  EXPECT_EQ(j["destination"], "postgresql://billing@db.example.com/costs");
  EXPECT_EQ(j["destination_password"], "********");
  EXPECT_EQ(j.dump().find(password), std::string::npos);
  auto job = LoadCatalogJob(*catalog_, "pg_costs");
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->destination.destination, "postgresql://billing@db.example.com/costs");
  EXPECT_EQ(job->destination.password, password);
  auto toml = ExportDataset(*catalog_, "pg_costs");
  ASSERT_TRUE(toml);
  EXPECT_NE(toml->find("destination = 'postgresql://billing@db.example.com/costs'"), std::string::npos) << *toml;
  EXPECT_EQ(toml->find(password), std::string::npos);

  // Without --to: the data directory's SQLite file, no password.
  ASSERT_TRUE(CreateDataset(*catalog_, "local", Fields(), false));
  auto local = LoadCatalogJob(*catalog_, "local");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->destination.destination, "sqlite:" + (tmp_.path() / "billpipe.db").string());
  EXPECT_EQ(local->destination.password, "");
  EXPECT_EQ(DatasetJson(*GetDataset(*catalog_, "local"))["destination"], nullptr);
  EXPECT_EQ(DatasetJson(*GetDataset(*catalog_, "local"))["destination_password"], nullptr);

  // Refused, and nothing saved: a password in the destination; a password for the SQLite file.
  DatasetFields in_url = Fields();
  in_url.destination = "postgresql://billing:" + password + "@db.example.com/costs";
  auto refused = CreateDataset(*catalog_, "in_url", in_url, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message.rfind("The PostgreSQL destination contains a password.", 0), 0u);
  EXPECT_EQ(refused.error().message.find(password), std::string::npos);
  DatasetFields sqlite_pw = Fields();
  sqlite_pw.destination_password = password;
  auto no_pw = CreateDataset(*catalog_, "local2", sqlite_pw, false);
  ASSERT_FALSE(no_pw);
  EXPECT_EQ(no_pw.error().message,
            "The dataset loads into the data directory's SQLite file, which takes no password. Give the destination "
            "that needs it with --to.");
  EXPECT_FALSE(GetDataset(*catalog_, "local2"));  // the whole save was rolled back
  DatasetFields unknown = Fields();
  unknown.destination = "mysql://db/costs";
  EXPECT_EQ(CreateDataset(*catalog_, "mysql", unknown, false).error().code, ErrorCode::kInvalidArgument);

  // Moving to another server forgets the password, with a warning.
  DatasetEdit move;
  move.fields.destination = "clickhouse://db.example.com:8123/costs";
  auto moved = EditDataset(*catalog_, "pg_costs", move);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_FALSE(moved->dataset.destination_password_stored);
  ASSERT_EQ(moved->warnings.size(), 2u);
  EXPECT_EQ(moved->warnings[0],
            "The password stored for postgresql://billing@db.example.com/costs was forgotten with the old "
            "destination; store one for clickhouse://db.example.com:8123/costs with --to-password-stdin (or "
            "--to-password-file) if it needs one.");
  EXPECT_EQ(moved->warnings[1],
            "The data already loaded stays in postgresql://billing@db.example.com/costs; the next run loads the "
            "dataset into clickhouse://db.example.com:8123/costs from the start.");
  EXPECT_EQ(LoadCatalogJob(*catalog_, "pg_costs")->destination.password, "");
}

TEST_F(AppTest, TheDaemonRunnerReportsADatasetWithoutAnAccount) {
  ASSERT_TRUE(CreateDataset(*catalog_, "orphan", Fields(), false));
  ASSERT_TRUE(DeleteAccount(*catalog_, "prod", /*force=*/true));
  auto def = GetDataset(*catalog_, "orphan");
  ASSERT_TRUE(def);
  std::atomic<bool> stop{false};
  sched::RunOutcome outcome = MakeDaemonRunner(tmp_.path())(*def, catalog::Trigger::kSchedule, 1, stop);
  ASSERT_FALSE(outcome.status);
  EXPECT_EQ(outcome.status.error().message,
            "Dataset 'orphan' has no account (its account was deleted). Attach one with billpipe dataset edit orphan "
            "--account NAME.");
  auto runs = ListRuns(*catalog_, "orphan", 10);
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty());  // the daemon records its runs itself
}

}  // namespace
}  // namespace billpipe::app
