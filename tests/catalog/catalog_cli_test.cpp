// The account and dataset commands as a user runs them, each output checked for the secret.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace billpipe::testing {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCLISECRET";
constexpr const char* kToken = "IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE";
constexpr const char* kKeyId = "AKIAIOSFODNN7EXAMPLE";

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CatalogCliTest : public ::testing::Test {
 protected:
  // Runs billpipe with --home, stdin from `input` when given; every output is checked for the secrets.
  CommandResult Run(std::vector<std::string> args, const std::string* input = nullptr,
                    std::vector<std::string> env = {}) {
    args.push_back("--home");
    args.push_back(home().string());
    std::vector<std::string> argv = {BillpipeBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("BILLPIPE_MASTER_KEY=");  // the key file, not the developer's environment
    auto r = RunCommand(argv, env, input);
    for (const char* secret : {kSecret, kToken, kTestSecretKey}) {
      EXPECT_EQ(r.out.find(secret), std::string::npos) << "secret in the output of " << args[0] << " " << args[1];
      EXPECT_EQ(r.err.find(secret), std::string::npos) << "secret in the errors of " << args[0] << " " << args[1];
    }
    return r;
  }
  CommandResult AddKeys(const std::string& name) {
    std::string input = std::string(kSecret) + "\n";
    return Run({"account", "add", "--name", name, "--access-key-id", kKeyId, "--secret-stdin", "--no-test"}, &input);
  }
  std::filesystem::path home() const { return tmp_.path() / "home"; }
  TempDir tmp_;
};

TEST_F(CatalogCliTest, AccountLifecycleNeverShowsTheSecret) {
  std::string input = std::string(kSecret) + "\n" + kToken + "\n";
  auto add = Run({"account", "add", "--access-key-id", kKeyId, "--secret-stdin", "--session-token-stdin", "--no-test"},
                 &input);
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "Added account 'AWS Billing Account' (AKIA…MPLE, us-east-1), not tested.\n");
  auto second = Run({"account", "add", "--access-key-id", kKeyId, "--secret-env", "MY_SECRET", "--region", "eu-west-3",
                     "--no-test"},
                    nullptr, {std::string("MY_SECRET=") + kSecret});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, "Added account 'AWS Billing Account 2' (AKIA…MPLE, eu-west-3), not tested.\n");

  auto list = Run({"account", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out,
            "NAME                   KEY        REGION     DATASETS\n"
            "AWS Billing Account    AKIA…MPLE  us-east-1  0\n"
            "AWS Billing Account 2  AKIA…MPLE  eu-west-3  0\n");
  auto json = Run({"account", "show", "AWS Billing Account", "--json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"access_key_id\": \"AKIA…MPLE\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"session_token\": true"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find(kKeyId), std::string::npos);
  EXPECT_EQ(Run({"account", "list", "--json"}).exit_code, 0);

  auto rename = Run({"account", "rename", "AWS Billing Account 2", "Paris"});
  EXPECT_EQ(rename.out, "Renamed account 'AWS Billing Account 2' to 'Paris'.\n");
  auto edit = Run({"account", "edit", "Paris", "--region", "eu-west-1", "--no-test"});
  EXPECT_EQ(edit.exit_code, 0) << edit.err;
  EXPECT_EQ(edit.out, "Updated account 'Paris' (AKIA…MPLE, eu-west-1).\n");
  auto show = Run({"account", "show", "Paris"});
  EXPECT_EQ(show.out,
            "Name:          Paris\nKind:          keys\nAccess key:    AKIA…MPLE\nSession token: no\n"
            "Region:        eu-west-1\n"
            "Endpoint:      AWS\nDatasets:      0\n");
  auto del = Run({"account", "delete", "Paris"});
  EXPECT_EQ(del.exit_code, 0);
  EXPECT_EQ(del.out, "Deleted account 'Paris'.\n");

  // The files at rest: private, and the secret nowhere in them.
  struct stat st {};
  ASSERT_EQ(::stat(home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& entry : std::filesystem::directory_iterator(home())) {
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path();
    std::string bytes = ReadAll(entry.path());
    EXPECT_EQ(bytes.find(kSecret), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(kToken), std::string::npos) << entry.path();
  }
}

// Issue 16: role accounts as the CLI adds, shows, lists, edits and deletes them. The external id is
// shown masked only (…last four), in text and JSON.
TEST_F(CatalogCliTest, RoleAccountLifecycle) {
  const std::string external_id = "bp-external-id-2c9d";
  const std::string arn = "arn:aws:iam::444455556666:role/billing-reader";
  auto check = [&](const CommandResult& r) {
    EXPECT_EQ(r.out.find(external_id), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(external_id), std::string::npos) << r.err;
  };
  ASSERT_EQ(AddKeys("payer").exit_code, 0);
  auto add = Run({"account", "add", "reader", "--role-arn", arn, "--external-id", external_id, "--session-name",
                  "billpipe-test", "--duration", "1800", "--source-account", "payer", "--no-test"});
  check(add);
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "Added account 'reader' (role " + arn + ", us-east-1), not tested.\n");
  auto ambient = Run({"account", "add", "--name", "ambient", "--role-arn", "arn:aws:iam::444455556666:role/plain",
                      "--no-test"});
  EXPECT_EQ(ambient.exit_code, 0) << ambient.err;

  auto show = Run({"account", "show", "reader"});
  check(show);
  EXPECT_EQ(show.out,
            "Name:          reader\nKind:          role\nRole ARN:      " + arn +
                "\nExternal id:   …2c9d\nSession name:  billpipe-test\nDuration:      1800 s\n"
                "Assumed with:  account 'payer'\nRegion:        us-east-1\nEndpoint:      AWS\nDatasets:      0\n");
  auto show_ambient = Run({"account", "show", "ambient"});
  EXPECT_EQ(show_ambient.out,
            "Name:          ambient\nKind:          role\nRole ARN:      arn:aws:iam::444455556666:role/plain\n"
            "External id:   none\nSession name:  billpipe-<epoch ms> (default)\nDuration:      STS default (1 hour)\n"
            "Assumed with:  the ambient credentials (environment, web identity, profile, container or instance "
            "metadata)\nRegion:        us-east-1\nEndpoint:      AWS\nDatasets:      0\n");
  auto json = Run({"account", "show", "reader", "--json"});
  check(json);
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["source"], "role");
  EXPECT_EQ(j["role_arn"], arn);
  EXPECT_EQ(j["external_id"], "…2c9d");
  EXPECT_EQ(j["session_name"], "billpipe-test");
  EXPECT_EQ(j["duration_seconds"], 1800);
  EXPECT_EQ(j["source_account"], "payer");
  EXPECT_FALSE(j.contains("access_key_id"));
  auto list_json = nlohmann::json::parse(Run({"account", "list", "--json"}).out);
  ASSERT_EQ(list_json.size(), 3u);
  EXPECT_EQ(list_json[0]["name"], "ambient");
  EXPECT_TRUE(list_json[0]["external_id"].is_null());
  EXPECT_TRUE(list_json[0]["source_account"].is_null());
  auto list = Run({"account", "list"});
  check(list);
  EXPECT_EQ(list.out,
            "NAME     KEY                                                 REGION     DATASETS\n"
            "ambient  role arn:aws:iam::444455556666:role/plain           us-east-1  0\n"
            "payer    AKIA…MPLE                                           us-east-1  0\n"
            "reader   role arn:aws:iam::444455556666:role/billing-reader  us-east-1  0\n");

  // The source account cannot go while the role uses it, not even with --force.
  auto del = Run({"account", "delete", "payer", "--force"});
  EXPECT_EQ(del.exit_code, 1);
  EXPECT_EQ(del.err,
            "billpipe: The account 'payer' is the source account of 1 role account: 'reader'. They assume their role "
            "with its credentials. Give them another source with 'billpipe account edit NAME --source-account OTHER' "
            "(or --ambient-credentials), or delete them first.\n");
  auto edit = Run({"account", "edit", "reader", "--ambient-credentials", "--no-external-id", "--no-test"});
  EXPECT_EQ(edit.exit_code, 0) << edit.err;
  EXPECT_EQ(edit.out, "Updated account 'reader' (role " + arn + ", us-east-1).\n");
  auto edited = nlohmann::json::parse(Run({"account", "show", "reader", "--json"}).out);
  EXPECT_TRUE(edited["source_account"].is_null());
  EXPECT_TRUE(edited["external_id"].is_null());
  EXPECT_EQ(Run({"account", "delete", "payer"}).exit_code, 0);

  // Flags that do not fit.
  auto mixed = Run({"account", "add", "x", "--role-arn", arn, "--profile", "p", "--no-test"});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_EQ(mixed.err,
            "billpipe: A role account (--role-arn) holds no keys or profile of its own: name the account whose "
            "credentials assume the role with --source-account, or none for the ambient credentials.\n");
  auto stray = Run({"account", "add", "y", "--profile", "p", "--external-id", external_id, "--no-test"});
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_EQ(stray.err, "billpipe: --external-id goes with --role-arn (a role account).\n");
  check(stray);

  // At rest the external id is sealed like a secret.
  for (const auto& entry : std::filesystem::directory_iterator(home())) {
    EXPECT_EQ(ReadAll(entry.path()).find(external_id), std::string::npos) << entry.path();
  }
}

TEST_F(CatalogCliTest, SecretIsNeverTakenFromTheCommandLine) {
  auto r = Run({"account", "add", "--access-key-id", kKeyId, "--no-test"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "billpipe: The secret access key is missing: pipe it with --secret-stdin, name an environment variable "
            "with --secret-env VAR, or run in a terminal to be asked. It is never taken from the command line.\n");
  for (const char* flag : {"--secret", "--secret-access-key", "--session-token"}) {
    auto given = Run({"account", "add", "--access-key-id", kKeyId, flag, kSecret, "--no-test"});
    EXPECT_EQ(given.exit_code, 2);
    EXPECT_EQ(given.err,
              "billpipe: Secrets are never taken from the command line (other users can see it). Give the secret "
              "with --secret-stdin, --secret-env VAR, or at the prompt.\n");
  }
  EXPECT_EQ(Run({"account", "list"}).out, "No accounts. Add one with 'billpipe account add'.\n");
  auto env = Run({"account", "add", "--access-key-id", kKeyId, "--secret-env", "UNSET_VAR_X", "--no-test"});
  EXPECT_EQ(env.err, "billpipe: The environment variable UNSET_VAR_X (from --secret-env) is not set or empty.\n");
}

// Against the S3 double, which verifies SigV4 signatures.
class AccountS3Test : public CatalogCliTest {
 protected:
  static void SetUpTestSuite() { server_ = S3TestServer::Start().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  CommandResult AddAccount(const std::string& name, const std::string& secret, bool test = true) {
    std::string input = secret + "\n";
    std::vector<std::string> args = {"account", "add", "--name", name, "--access-key-id", kTestAccessKey,
                                     "--secret-stdin", "--endpoint", server_->endpoint(), "--bucket", "billing"};
    if (!test) args.push_back("--no-test");
    return Run(args, &input);
  }
  static S3TestServer* server_;
};
S3TestServer* AccountS3Test::server_ = nullptr;

TEST_F(AccountS3Test, AddTestsTheCredentials) {
  auto r = AddAccount("good", kTestSecretKey);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Added account 'good' (AKIA…TKEY, us-east-1), credentials tested.\n");
  auto t = Run({"account", "test", "good", "--bucket", "billing"});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.out, "The credentials of 'good' work.\n");
  EXPECT_EQ(t.err.find(kTestSecretKey), std::string::npos);
}

TEST_F(AccountS3Test, WrongSecretFailsToAuthenticateAndIsNotSaved) {
  auto r = AddAccount("bad", kSecret);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.starts_with("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: "))
      << r.err;
  EXPECT_NE(r.err.find("SignatureDoesNotMatch"), std::string::npos) << r.err;
  EXPECT_EQ(Run({"account", "list"}).out, "No accounts. Add one with 'billpipe account add'.\n");
  // Saved untested, then tested: the same answer, and the edit that breaks it is rolled back.
  ASSERT_EQ(AddAccount("bad", kSecret, /*test=*/false).exit_code, 0);
  auto t = Run({"account", "test", "bad", "--bucket", "billing"});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_TRUE(t.err.starts_with("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: ")) << t.err;
  std::string good = std::string(kTestSecretKey) + "\n";
  auto fixed = Run({"account", "edit", "bad", "--secret-stdin", "--bucket", "billing"}, &good);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_EQ(Run({"account", "test", "bad", "--bucket", "billing"}).exit_code, 0);
  std::string wrong = std::string(kSecret) + "\n";
  auto broken = Run({"account", "edit", "bad", "--secret-stdin", "--bucket", "billing"}, &wrong);
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_EQ(Run({"account", "test", "bad", "--bucket", "billing"}).exit_code, 0);  // the old secret is kept
}

TEST_F(CatalogCliTest, WrongMasterKeyIsAClearErrorNotGarbage) {
  ASSERT_EQ(AddKeys("prod").exit_code, 0);
  std::vector<std::string> argv = {BillpipeBinary().string(), "account", "edit", "prod", "--session-token-env", "T",
                                   "--no-test", "--home", home().string()};
  auto r = RunCommand(argv, {"BILLPIPE_MASTER_KEY=" + std::string(64, 'a'), std::string("T=") + kToken});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "billpipe: The master key from BILLPIPE_MASTER_KEY is not the key this catalog's secrets were encrypted "
            "with. Restore the original master key (the file master.key in the data directory, or "
            "BILLPIPE_MASTER_KEY).\n");
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
}

TEST_F(CatalogCliTest, DatasetLifecycle) {
  ASSERT_EQ(AddKeys("prod").exit_code, 0);
  auto create = Run({"dataset", "create", "aws_costs", "--account", "prod", "--bucket", "billing", "--prefix", "cur",
                     "--report", "daily", "--start", "30d", "--end", "0d", "--schedule", "manual",
                     "--retry", "never", "--description", "Daily costs", "--no-check"});
  EXPECT_EQ(create.exit_code, 0) << create.err;
  EXPECT_EQ(create.out, "Created dataset 'aws_costs'. Next run: manual.\n");
  auto show = Run({"dataset", "show", "aws_costs"});
  EXPECT_EQ(show.out,
            "Name:          aws_costs\nDescription:   Daily costs\nAccount:       prod\nReport type:   cost-and-usage\n"
            "Report:        s3://billing/cur/daily\nFilter:        all\nDuration:      30d to 0d\n"
            "Update method: replace\nSchedule:      manual (UTC)\nRetry:         never\nStatus:        manual\n"
            "Next run:      manual\n");
  auto accounts = Run({"account", "list"});
  EXPECT_NE(accounts.out.find("us-east-1  1\n"), std::string::npos) << accounts.out;

  auto bad = Run({"dataset", "create", "x_costs", "--account", "prod", "--bucket", "bill/ing", "--report", "daily",
                  "--date", "1d"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "billpipe: Invalid bucket name 'bill/ing': a slash '/' at position 5 is not allowed. Allowed: letters, "
            "digits, dots (.), dashes (-) and underscores (_), 3 to 255 characters. Give the bucket alone; a path "
            "inside it goes in the prefix.\n");
  auto no_duration = Run({"dataset", "create", "x_costs", "--account", "prod", "--bucket", "billing", "--report", "d"});
  EXPECT_EQ(no_duration.exit_code, 2);
  EXPECT_EQ(no_duration.err,
            "billpipe: The duration is missing. Give one of: --date D (a single day), --days-back N (the single day N "
            "days back), or --start S --end E (a range, both days included); each date is YYYY-MM-DD or Nd (N days "
            "back).\n");
  // --days-back means what it means for `billpipe run`: the single day N days back (issue 11 n).
  auto one_day = Run({"dataset", "create", "y_costs", "--account", "prod", "--bucket", "billing", "--report", "daily",
                      "--days-back", "3", "--no-check"});
  EXPECT_EQ(one_day.exit_code, 0) << one_day.err;
  EXPECT_NE(Run({"dataset", "show", "y_costs"}).out.find("Duration:      3d\n"), std::string::npos);
  ASSERT_EQ(Run({"dataset", "delete", "y_costs", "--keep-data"}).exit_code, 0);

  auto exported = Run({"dataset", "export", "aws_costs", "-o", (tmp_.path() / "d.toml").string()});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  std::string toml = ReadAll(tmp_.path() / "d.toml");
  EXPECT_NE(toml.find("account = 'prod'"), std::string::npos) << toml;
  EXPECT_EQ(toml.find(kKeyId), std::string::npos);
  auto dup = Run({"dataset", "import", (tmp_.path() / "d.toml").string()});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.err, "billpipe: A dataset named 'aws_costs' already exists. Use --replace to update it from the file.\n");
  auto replaced = Run({"dataset", "import", (tmp_.path() / "d.toml").string(), "--replace", "--no-check"});
  EXPECT_EQ(replaced.out, "Updated dataset 'aws_costs'. Next run: manual.\n");

  auto edit = Run({"dataset", "edit", "aws_costs", "--schedule", "every day at 06:00", "--name", "costs"});
  EXPECT_EQ(edit.exit_code, 0) << edit.err;
  EXPECT_TRUE(edit.out.starts_with("Updated dataset 'costs'. Next run: ")) << edit.out;

  auto refused = Run({"account", "delete", "prod"});
  EXPECT_EQ(refused.exit_code, 1);
  auto forced = Run({"account", "delete", "prod", "--force"});
  EXPECT_EQ(forced.out, "Deleted account 'prod'. Detached and paused 1 dataset: costs.\n");
  auto list = Run({"dataset", "list"});
  EXPECT_EQ(list.out,
            "NAME   ACCOUNT  SCHEDULE            NEXT RUN\n"
            "costs  (none)   every day at 06:00  paused (account 'prod' was deleted)\n");

  auto ask = Run({"dataset", "delete", "costs"});
  EXPECT_EQ(ask.exit_code, 2);
  EXPECT_EQ(ask.err, "billpipe: Deleting 'costs' drops its data: confirm with --yes, or keep the data with --keep-data.\n");
  auto keep = Run({"dataset", "delete", "costs", "--keep-data"});
  EXPECT_EQ(keep.out, "Deleted dataset 'costs'; its data is kept.\n");
  EXPECT_EQ(Run({"dataset", "list"}).out, "No datasets. Create one with 'billpipe dataset create'.\n");
}

}  // namespace
}  // namespace billpipe::testing
