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
