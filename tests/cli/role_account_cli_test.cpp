// Issue 16: role accounts as a user runs them, against the real doubles: the STS double (which checks
// SigV4 with the base keys and the external id, and issues temporary keys) and the S3 double that
// accepts those keys until they expire. A dataset on a role account loads with exact totals; a wrong
// external id fails naming the role and what to check; `account test` says who the credentials are.
// Every output (text, JSON, errors, the run history) is scanned for every secret: the base secret key,
// the full external id, and each temporary secret key and session token the STS double issued.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../aws/aws_doubles.h"
#include "cur_fixture.h"
#include "cur_upload.h"
#include "sqlite_query.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using aws::test::kExternalId;
using aws::test::kPlainRole;
using aws::test::kRoleWithExternalId;
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

class RoleAccountCliTest : public ::testing::Test {
 protected:
  RoleAccountCliTest() : d_(aws::test::SharedSignInDoubles()) {}

  // Runs billpipe with the STS double as STS, no ambient keys unless given, and scans what it printed.
  CommandResult Run(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    std::vector<std::string> base = {"BILLPIPE_HOME=" + home_.path().string(),
                                     "BILLPIPE_MASTER_KEY=",
                                     "AWS_ACCESS_KEY_ID=",
                                     "AWS_SECRET_ACCESS_KEY=",
                                     "AWS_SESSION_TOKEN=",
                                     "AWS_PROFILE=",
                                     "AWS_REGION=us-east-1",
                                     "AWS_EC2_METADATA_DISABLED=true",
                                     "AWS_SHARED_CREDENTIALS_FILE=" + (home_.path() / "no-credentials").string(),
                                     "AWS_CONFIG_FILE=" + (home_.path() / "no-config").string(),
                                     "AWS_ENDPOINT_URL_STS=" + d_.aws->endpoint(),
                                     std::string("GOOD_SECRET=") + kTestSecretKey};
    // The test's own entries replace the defaults (the child's getenv sees the first of a name).
    for (const auto& e : env) {
      std::string name = e.substr(0, e.find('='));
      std::erase_if(base, [&](const std::string& b) { return b.substr(0, b.find('=')) == name; });
      base.push_back(e);
    }
    auto r = RunBillpipe(args, base);
    ScanForSecrets(args, r.out);
    ScanForSecrets(args, r.err);
    return r;
  }
  void ScanForSecrets(const std::vector<std::string>& args, const std::string& text) {
    std::vector<std::string> secrets = {kTestSecretKey, kExternalId, aws::test::kWebIdentityToken};
    std::ifstream issued(d_.dir.path() / "temp-keys.jsonl");
    for (std::string line; std::getline(issued, line);) {
      auto k = nlohmann::json::parse(line);
      secrets.push_back(k["secret"].get<std::string>());
      secrets.push_back(k["token"].get<std::string>());
    }
    for (const auto& s : secrets) {
      EXPECT_EQ(text.find(s), std::string::npos) << "a secret in what `" << args[0] << " " << args[1]
                                                  << "` printed: " << text;
    }
  }
  CommandResult AddPayer() {
    return Run({"account", "add", "payer", "--access-key-id", kTestAccessKey, "--secret-env", "GOOD_SECRET",
                "--endpoint", d_.s3->endpoint(), "--bucket", "billing"});
  }
  CommandResult AddRole(const std::string& name, const std::string& external_id, bool test = true) {
    std::vector<std::string> args = {"account", "add", name, "--role-arn", kRoleWithExternalId, "--external-id",
                                     external_id, "--session-name", "bp-" + name, "--source-account", "payer",
                                     "--endpoint", d_.s3->endpoint(), "--bucket", "billing"};
    if (!test) args.push_back("--no-test");
    return Run(args);
  }
  std::string Db() const { return (home_.path() / "billpipe.db").string(); }

  aws::test::SignInDoubles& d_;
  TempDir home_;
};

TEST_F(RoleAccountCliTest, DatasetOnARoleAccountLoadsWithExactTotals) {
  UploadCurLayout(S3UploadOptions(d_.s3->endpoint()), "billing", [](CurFixture& f) {
    f.WritePeriod(2026, 11, "r1", {Days(11, 1, 10, "0.5000000001"), Days(11, 11, 20, "1.2500000000")}, false,
                  false, "rolecur");
  });
  ASSERT_EQ(AddPayer().exit_code, 0);
  int assumed = d_.aws->Count("AssumeRole");
  auto add = AddRole("reader", kExternalId);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, std::string("Added account 'reader' (role ") + kRoleWithExternalId +
                         ", us-east-1), credentials tested.\n");
  EXPECT_GT(d_.aws->Count("AssumeRole"), assumed);
  EXPECT_EQ(d_.aws->Calls()["lastExternalId"], kExternalId);

  auto create = Run({"dataset", "create", "rolecur", "--account", "reader", "--bucket", "billing", "--prefix", "cur",
                     "--report", "rolecur", "--start", "2026-11-01", "--end", "2026-11-30"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  assumed = d_.aws->Count("AssumeRole");
  auto run = Run({"run", "rolecur", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["line_items_loaded"], 20);
  EXPECT_EQ(j["periods"][0]["unblended_cost"], "17.5000000010");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM rolecur"), "20");
  EXPECT_EQ(QueryOne(Db(), "SELECT printf('%.10f', sum(line_item_unblended_cost)) FROM rolecur"), "17.5000000010");
  EXPECT_GT(d_.aws->Count("AssumeRole"), assumed);  // the run signed with the role's temporary keys
  EXPECT_EQ(d_.aws->Calls()["lastSessionName"], "bp-reader");
  auto runs = Run({"runs", "rolecur", "--json"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(nlohmann::json::parse(runs.out)[0]["status"], "succeeded");
}

TEST_F(RoleAccountCliTest, AccountTestSaysWhoTheCredentialsAre) {
  ASSERT_EQ(AddPayer().exit_code, 0);
  ASSERT_EQ(AddRole("reader", kExternalId).exit_code, 0);
  auto role = Run({"account", "test", "reader", "--bucket", "billing"});
  ASSERT_EQ(role.exit_code, 0) << role.err;
  EXPECT_EQ(role.out,
            "The credentials of 'reader' work.\n"
            "AWS account:   444455556666\n"
            "Signed in as:  arn:aws:sts::444455556666:assumed-role/billing-reader/bp-reader\n");
  auto role_json = Run({"account", "test", "reader", "--bucket", "billing", "--json"});
  ASSERT_EQ(role_json.exit_code, 0) << role_json.err;
  auto j = nlohmann::json::parse(role_json.out);
  EXPECT_EQ(j["account"], "reader");
  EXPECT_EQ(j["bucket"], "billing");
  EXPECT_TRUE(j["buckets"].is_null());
  EXPECT_EQ(j["caller"]["account"], "444455556666");
  EXPECT_EQ(j["caller"]["arn"], "arn:aws:sts::444455556666:assumed-role/billing-reader/bp-reader");

  auto keys = Run({"account", "test", "payer", "--json"});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  auto k = nlohmann::json::parse(keys.out);
  EXPECT_TRUE(k["bucket"].is_null());
  EXPECT_EQ(k["buckets"], 1);
  EXPECT_EQ(k["caller"]["account"], "111122223333");
  EXPECT_EQ(k["caller"]["arn"], "arn:aws:iam::111122223333:user/billpipe-test");
  auto keys_text = Run({"account", "test", "payer"});
  EXPECT_EQ(keys_text.out,
            "The credentials of 'payer' work (ListBuckets: 1 bucket).\n"
            "AWS account:   111122223333\n"
            "Signed in as:  arn:aws:iam::111122223333:user/billpipe-test\n");

  // A role assumed with the ambient credentials (here the environment's keys).
  auto ambient = Run({"account", "add", "ambient", "--role-arn", kPlainRole, "--session-name", "bp-ambient",
                      "--endpoint", d_.s3->endpoint(), "--bucket", "billing"},
                     {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey,
                      std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey});
  ASSERT_EQ(ambient.exit_code, 0) << ambient.err;
  auto ambient_test = Run({"account", "test", "ambient", "--bucket", "billing"},
                          {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey,
                           std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey});
  ASSERT_EQ(ambient_test.exit_code, 0) << ambient_test.err;
  EXPECT_EQ(ambient_test.out,
            "The credentials of 'ambient' work.\n"
            "AWS account:   444455556666\n"
            "Signed in as:  arn:aws:sts::444455556666:assumed-role/plain/bp-ambient\n");
  // Without ambient credentials, the chain says what it tried.
  auto none = Run({"account", "test", "ambient", "--bucket", "billing"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_TRUE(none.err.starts_with("billpipe: role account 'ambient': No AWS credentials found.")) << none.err;
}

TEST_F(RoleAccountCliTest, WrongExternalIdNamesTheRoleAndWhatToCheck) {
  ASSERT_EQ(AddPayer().exit_code, 0);
  const std::string wrong = "bp-not-the-agreed-id";
  const std::string expected =
      std::string("billpipe: role account 'wrong': Could not assume the role ") + kRoleWithExternalId +
      ": AWS STS said AccessDenied: User: arn:aws:iam::111122223333:user/billpipe-test is not authorized to perform: "
      "sts:AssumeRole on resource: " + kRoleWithExternalId +
      ". Check the role's trust policy: it must allow these credentials to call sts:AssumeRole, and its "
      "sts:ExternalId condition must match the external id given (or none when none is given).\n";
  auto add = AddRole("wrong", wrong);
  EXPECT_EQ(add.exit_code, 1);
  EXPECT_EQ(add.err, expected);
  EXPECT_EQ(add.out.find(wrong), std::string::npos);
  EXPECT_EQ(Run({"account", "show", "wrong"}).exit_code, 1);  // a failed test keeps nothing

  // Kept untested, a run on it fails with the same words, and so does its history row.
  ASSERT_EQ(AddRole("wrong", wrong, /*test=*/false).exit_code, 0);
  auto create = Run({"dataset", "create", "refused", "--account", "wrong", "--bucket", "billing", "--prefix", "cur",
                     "--report", "rolecur", "--start", "2026-11-01", "--end", "2026-11-30", "--no-check"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  auto run = Run({"run", "refused"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(expected.substr(10, expected.size() - 11)), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(wrong), std::string::npos);
  auto runs = Run({"runs", "refused", "--json"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  auto history = nlohmann::json::parse(runs.out);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["status"], "failed");
  EXPECT_EQ(history[0]["error"], expected.substr(10, expected.size() - 11));
  EXPECT_EQ(runs.out.find(wrong), std::string::npos);
  auto test = Run({"account", "test", "wrong", "--bucket", "billing"});
  EXPECT_EQ(test.exit_code, 1);
  EXPECT_EQ(test.err, expected);
}

TEST_F(RoleAccountCliTest, RefusedSourceKeysGiveTheExactAuthenticationMessage) {
  auto payer = Run({"account", "add", "payer", "--access-key-id", "AKIAUNKNOWNKEY000000", "--secret-env", "BAD",
                    "--endpoint", d_.s3->endpoint(), "--no-test"},
                   {"BAD=notTheSecretOfAnyKey00000000000000000"});
  ASSERT_EQ(payer.exit_code, 0) << payer.err;
  auto add = AddRole("reader", kExternalId);
  EXPECT_EQ(add.exit_code, 1);
  EXPECT_EQ(add.err,
            std::string("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, "
                        "but the credentials you entered are invalid. Verify your account credentials and try again. "
                        "AWS error code: InvalidClientTokenId. (AWS STS refused the credentials used to assume ") +
                kRoleWithExternalId + ".)\n");
  EXPECT_EQ(add.err.find("notTheSecretOfAnyKey"), std::string::npos);
}

}  // namespace
}  // namespace billpipe::testing
