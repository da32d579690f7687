// billpipe run / status / restore as a user runs them: the binary against the S3 double.
#include <sqlite3.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_fixture.h"
#include "cur_upload.h"
#include "sqlite_query.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using pipeline::testing::CurFixture;
using pipeline::testing::Line;

std::vector<Line> Days(int month, int from, int to, const std::string& cost) {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-%02d-%02dT00:00:00Z", month, d);
    out.push_back(Line{ts, cost, "", "AmazonS3", ""});
  }
  return out;
}

class RunCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = S3TestServer::Start().release(); }
  static void TearDownTestSuite() { delete server_; }

  // Writes a CUR layout locally and uploads every file to the S3 double.
  void Upload(const std::function<void(CurFixture&)>& write) {
    UploadCurLayout(S3UploadOptions(server_->endpoint()), "billing", write);
  }

  std::vector<std::string> Env(const std::string& secret = kTestSecretKey) {
    return {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey, "AWS_SECRET_ACCESS_KEY=" + secret,
            "BILLPIPE_HOME=" + home_.path().string(), "AWS_REGION=us-east-1"};
  }
  std::vector<std::string> RunArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", "--bucket", "billing", "--prefix", "cur", "--report-name", "daily",
                                     "--start", "2026-10-01", "--end", "2026-11-30", "--endpoint-url",
                                     server_->endpoint()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::string Db() const { return (home_.path() / "billpipe.db").string(); }

  static S3TestServer* server_;
  TempDir home_;
};
S3TestServer* RunCliTest::server_ = nullptr;

TEST_F(RunCliTest, LoadsFromS3AndPrintsTheSummary) {
  Upload([](CurFixture& f) {
    f.WritePeriod(2026, 10, "a1", {Days(10, 1, 31, "0.1000000000"), Days(10, 1, 31, "0.2000000000")});
    f.WritePeriod(2026, 11, "b1", {Days(11, 1, 28, "1.0000000001")});
  });
  auto r = RunBillpipe(RunArgs({"--json"}), Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["line_items_loaded"], 90);
  EXPECT_EQ(j["periods"][0]["unblended_cost"], "9.3000000000");
  EXPECT_EQ(j["periods"][1]["unblended_cost"], "28.0000000028");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM daily"), "90");
  EXPECT_EQ(QueryOne(Db(), "SELECT printf('%.10f', sum(line_item_unblended_cost)) FROM daily"), "37.3000000028");

  auto again = RunBillpipe(RunArgs(), Env());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Nothing new: every period in the window is up to date."), std::string::npos) << again.out;

  auto status = RunBillpipe({"status", "--table", "daily", "--json"}, Env());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto s = nlohmann::json::parse(status.out);
  ASSERT_EQ(s["periods"].size(), 2u);
  EXPECT_EQ(s["periods"][0]["billing_period"], "2026-10-01");
  EXPECT_EQ(s["periods"][0]["status"], "estimated");
  EXPECT_EQ(s["periods"][0]["line_items"], 62);
}

TEST_F(RunCliTest, WrongSecretSaysFailedToAuthenticate) {
  auto r = RunBillpipe(RunArgs(), Env("not-the-secret"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: "
                      "SignatureDoesNotMatch, request id: ", 0),
            0u) << r.err;
  EXPECT_EQ(r.err.find("not-the-secret"), std::string::npos);
}

TEST_F(RunCliTest, BadArgumentsAreUsageErrors) {
  auto r = RunBillpipe({"run", "--bucket", "billing", "--report-name", "daily", "--start", "5d", "--end", "10d"}, Env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("after it ends"), std::string::npos) << r.err;
  auto bad_filter = RunBillpipe({"run", "--bucket", "billing", "--report-name", "daily", "--filter", "some"}, Env());
  EXPECT_EQ(bad_filter.exit_code, 2);
  EXPECT_EQ(bad_filter.err, "billpipe: Unknown filter 'some'. Choose one of: all, invoiced, estimated.\n");
  auto type = RunBillpipe({"run", "--bucket", "billing", "--report-name", "daily", "--report-type", "savings"}, Env());
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_EQ(type.err, "billpipe: Unknown report type 'savings'. Choose one of: cost-and-usage (a legacy Cost and "
                      "Usage Report or a CUR 2.0 / FOCUS data export, whichever the name is), legacy-cur (only a "
                      "legacy report), data-export (only a data export).\n");
}

TEST_F(RunCliTest, RestoreBringsBackThePreviousVersion) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "r1", {Days(11, 1, 5, "1")}, false, false, "restorable"); });
  std::vector<std::string> args = {"run", "--bucket", "billing", "--prefix", "cur", "--report-name", "restorable",
                                   "--start", "2026-11-01", "--end", "2026-11-30", "--endpoint-url", server_->endpoint()};
  ASSERT_EQ(RunBillpipe(args, Env()).exit_code, 0);
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "r2", {Days(11, 1, 9, "1")}, false, false, "restorable"); });
  ASSERT_EQ(RunBillpipe(args, Env()).exit_code, 0);
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM restorable"), "9");
  auto r = RunBillpipe({"restore", "--table", "restorable", "--version", "1"}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Dataset restorable restored to version 1 (recorded as version 3).\n");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM restorable"), "5");
}

TEST_F(RunCliTest, CatalogDatasetRunsByNameAndFromServe) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "c1", {Days(11, 1, 10, "0.5")}, false, false, "named"); });
  auto env = Env();
  env.push_back("BILLPIPE_MASTER_KEY=" + std::string(64, 'a'));
  env.push_back(std::string("TEST_SECRET=") + kTestSecretKey);
  auto account = RunBillpipe({"account", "add", "--name", "main", "--access-key-id", kTestAccessKey, "--secret-env",
                              "TEST_SECRET", "--endpoint", server_->endpoint(), "--bucket", "billing"},
                             env);
  ASSERT_EQ(account.exit_code, 0) << account.err;
  auto created = RunBillpipe({"dataset", "create", "named", "--account", "main", "--bucket", "billing", "--prefix",
                              "cur", "--report", "named", "--start", "2026-11-01", "--end", "2026-11-30",
                              "--schedule", "manual"},
                             env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  // The account's keys are used, not the environment's.
  auto no_env_keys = env;
  no_env_keys[0] = "AWS_ACCESS_KEY_ID=";
  no_env_keys[1] = "AWS_SECRET_ACCESS_KEY=";
  auto run = RunBillpipe({"run", "named", "--json"}, no_env_keys);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["line_items_loaded"], 10);
  EXPECT_EQ(j["periods"][0]["unblended_cost"], "5.0");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM named"), "10");
  EXPECT_EQ(run.out.find(kTestSecretKey), std::string::npos);

  auto both = RunBillpipe({"run", "named", "--bucket", "billing"}, env);
  EXPECT_EQ(both.exit_code, 2);
  auto unknown = RunBillpipe({"run", "nosuch"}, env);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("nosuch"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace billpipe::testing
