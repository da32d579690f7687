// Role accounts: validation, the role assumed from another account's keys or from the ambient chain,
// and `account test` telling who the credentials are (sts:GetCallerIdentity), against the real STS and
// S3 doubles.
#include "catalog/role_account.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "../aws/aws_doubles.h"
#include "catalog/credential_check.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::catalog {
namespace {

using aws::test::kExternalId;
using aws::test::kRoleWithExternalId;
using billpipe::testing::kTestAccessKey;
using billpipe::testing::kTestSecretKey;

TEST(RoleAccountSpec, ValidationNamesTheFieldAndTheForm) {
  EXPECT_TRUE(ValidateRoleAccountSpec({"arn:aws:iam::444455556666:role/billing/billpipe-reader", "ext-1", "bp", 3600}));
  EXPECT_TRUE(ValidateRoleAccountSpec({"arn:aws-cn:iam::444455556666:role/r", "", "", 0}));
  auto arn = ValidateRoleAccountSpec({"arn:aws:iam::4444:role/r", "", "", 0});
  ASSERT_FALSE(arn);
  EXPECT_EQ(arn.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(arn.error().message,
            "The role ARN 'arn:aws:iam::4444:role/r' is not valid: write it as arn:aws:iam::123456789012:role/NAME.");
  EXPECT_EQ(ValidateRoleAccountSpec({"arn:aws:iam::444455556666:role/r", "has space", "", 0}).error().message,
            "The external id must be 2 to 1224 characters: letters, digits and + = , . @ : / - _.");
  EXPECT_EQ(ValidateRoleAccountSpec({"arn:aws:iam::444455556666:role/r", "", "a", 0}).error().message,
            "The session name must be 2 to 64 characters: letters, digits and + = , . @ - _.");
  EXPECT_EQ(ValidateRoleAccountSpec({"arn:aws:iam::444455556666:role/r", "", "", 600}).error().message,
            "The session duration 600 s is not allowed: give 900 to 43200 seconds (15 minutes to 12 hours), at most "
            "the role's maximum session duration.");
}

class RoleAccountTest : public ::testing::Test {
 protected:
  RoleAccountTest() : d_(aws::test::SharedSignInDoubles()) {}
  RoleProviderOptions Options() {
    RoleProviderOptions o;
    o.region = "us-east-1";
    o.sts_endpoint_url = d_.aws->endpoint();
    o.env = [this](const std::string& n) -> std::optional<std::string> {
      auto it = vars_.find(n);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
    o.transport = aws::test::TestTransport();
    return o;
  }
  static Account KeysAccount() {
    Account a;
    a.name = "payer keys";
    a.source = CredentialSource::kKeys;
    a.access_key_id = kTestAccessKey;
    a.region = "us-east-1";
    return a;
  }
  Status ListWith(std::shared_ptr<aws::CredentialsProvider> provider) {
    s3::ClientOptions o;
    o.credentials_provider = std::move(provider);
    o.endpoint_url = d_.s3->endpoint();
    o.region = "us-east-1";
    o.env = Options().env;
    auto c = s3::S3Client::Make(o);
    if (!c) return Fail(c.error());
    auto l = (*c)->List("billing", "", "/");
    if (!l) return Fail(l.error());
    return Ok();
  }

  aws::test::SignInDoubles& d_;
  std::map<std::string, std::string> vars_ = {{"AWS_EC2_METADATA_DISABLED", "true"}};
};

TEST_F(RoleAccountTest, RoleAssumedFromAnotherAccountsKeysWithTheExternalId) {
  Account base = KeysAccount();
  AccountSecrets secrets{kTestSecretKey, ""};
  auto p = MakeRoleAccountProvider({kRoleWithExternalId, kExternalId, "bp-account", 1800}, &base, &secrets, Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(ListWith(*p));
  auto who = WhoAmI(**p, Options());
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->account, "444455556666");
  EXPECT_EQ(who->arn, "arn:aws:sts::444455556666:assumed-role/billing-reader/bp-account");
  EXPECT_EQ(d_.aws->Calls()["lastExternalId"], kExternalId);
}

TEST_F(RoleAccountTest, WrongExternalIdIsRefusedNamingTheRole) {
  Account base = KeysAccount();
  AccountSecrets secrets{kTestSecretKey, ""};
  auto p = MakeRoleAccountProvider({kRoleWithExternalId, "not-agreed", "", 0}, &base, &secrets, Options());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kPermission);
  EXPECT_TRUE(p.error().message.starts_with(std::string("Could not assume the role ") + kRoleWithExternalId + ": "))
      << p.error().message;
  EXPECT_NE(p.error().message.find("external id"), std::string::npos);
  EXPECT_EQ(p.error().message.find(kTestSecretKey), std::string::npos);
}

TEST_F(RoleAccountTest, RoleAssumedFromTheAmbientChain) {
  vars_["AWS_ACCESS_KEY_ID"] = kTestAccessKey;
  vars_["AWS_SECRET_ACCESS_KEY"] = kTestSecretKey;
  auto p = MakeRoleAccountProvider({kRoleWithExternalId, kExternalId, "ambient", 0}, nullptr, nullptr, Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), std::string("role ") + kRoleWithExternalId + " assumed with environment");
  auto who = WhoAmI(**p, Options());
  ASSERT_TRUE(who);
  EXPECT_EQ(who->arn, "arn:aws:sts::444455556666:assumed-role/billing-reader/ambient");
}

TEST_F(RoleAccountTest, AccountTestSaysWhoTheCredentialsAre) {
  Account a = KeysAccount();
  a.endpoint = d_.s3->endpoint();
  AccountSecrets secrets{kTestSecretKey, ""};
  auto checker = MakeS3CredentialChecker();
  // A custom S3 endpoint and no STS endpoint: no identity (an S3-compatible store has no STS).
  ::unsetenv("AWS_ENDPOINT_URL_STS");
  auto plain = checker->Check(a, AccountClientOptions(a, secrets), "billing");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(DescribeCheck(*plain), "listing bucket 'billing'");
  ::setenv("AWS_ENDPOINT_URL_STS", d_.aws->endpoint().c_str(), 1);
  auto check = checker->Check(a, AccountClientOptions(a, secrets), "billing");
  ::unsetenv("AWS_ENDPOINT_URL_STS");
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(check->caller_account, "111122223333");
  EXPECT_EQ(DescribeCheck(*check), "listing bucket 'billing'; signed in as arn:aws:iam::111122223333:user/billpipe-test "
                                   "in account 111122223333");
}

// Stored role accounts: the options a run uses assume the role from the source account's stored keys
// (or the ambient chain), and `account test` says the credentials are the assumed role.
class StoredRoleAccountTest : public RoleAccountTest {
 protected:
  void SetUp() override {
    ::unsetenv(kMasterKeyEnv);
    ::setenv("AWS_ENDPOINT_URL_STS", d_.aws->endpoint().c_str(), 1);
    auto c = Catalog::Open(home_.path(), clock_);
    ASSERT_TRUE(c) << c.error().message;
    catalog_ = std::move(*c);
    AccountInput payer;
    payer.name = "payer";
    payer.access_key_id = kTestAccessKey;
    payer.secret_access_key = kTestSecretKey;
    payer.endpoint = d_.s3->endpoint();
    ASSERT_TRUE(AccountStore(*catalog_).Add(payer));
  }
  void TearDown() override { ::unsetenv("AWS_ENDPOINT_URL_STS"); }
  Result<Account> AddRole(const std::string& name, const std::string& external_id, const std::string& source) {
    AccountInput in;
    in.name = name;
    in.role_arn = kRoleWithExternalId;
    in.external_id = external_id;
    in.session_name = "stored-" + name;
    if (!source.empty()) in.source_account = source;
    in.endpoint = d_.s3->endpoint();
    return AccountStore(*catalog_).Add(in);
  }
  billpipe::testing::TempDir home_;
  FakeClock clock_{SysTime(std::chrono::milliseconds(1'764'403'200'000))};
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(StoredRoleAccountTest, ClientOptionsAssumeTheRoleFromTheSourceAccount) {
  auto role = AddRole("reader", kExternalId, "payer");
  ASSERT_TRUE(role) << role.error().message;
  AccountStore store(*catalog_);
  int before = d_.aws->Count("AssumeRole");
  auto options = ClientOptionsForAccount(store, *role);
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(d_.aws->Count("AssumeRole"), before + 1);
  EXPECT_EQ(d_.aws->Calls()["lastExternalId"], kExternalId);
  ASSERT_NE(options->credentials_provider, nullptr);
  EXPECT_EQ(options->credentials_provider->Describe(),
            std::string("role ") + kRoleWithExternalId + " assumed with explicit");
  auto check = MakeS3CredentialChecker()->Check(*role, *options, "billing");
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(check->caller_account, "444455556666");
  EXPECT_EQ(check->caller_arn, "arn:aws:sts::444455556666:assumed-role/billing-reader/stored-reader");
}

TEST_F(StoredRoleAccountTest, WrongStoredExternalIdNamesTheRoleAndTheAccount) {
  auto role = AddRole("wrong", "not-the-agreed-id", "payer");
  ASSERT_TRUE(role) << role.error().message;
  AccountStore store(*catalog_);
  auto options = ClientOptionsForAccount(store, *role);
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error().code, ErrorCode::kPermission);
  EXPECT_EQ(options.error().message,
            std::string("role account 'wrong': Could not assume the role ") + kRoleWithExternalId +
                ": AWS STS said AccessDenied: User: arn:aws:iam::111122223333:user/billpipe-test is not authorized "
                "to perform: sts:AssumeRole on resource: " + kRoleWithExternalId +
                ". Check the role's trust policy: it must allow these credentials to call sts:AssumeRole, and its "
                "sts:ExternalId condition must match the external id given (or none when none is given).");
  EXPECT_EQ(options.error().message.find("not-the-agreed-id"), std::string::npos);
}

TEST_F(StoredRoleAccountTest, RefusedSourceKeysGiveTheExactAuthenticationMessage) {
  AccountInput bad;
  bad.name = "bad keys";
  bad.access_key_id = "AKIAUNKNOWNKEY000000";
  bad.secret_access_key = "not-a-secret-anyone-knows";
  ASSERT_TRUE(AccountStore(*catalog_).Add(bad));
  auto role = AddRole("via-bad", kExternalId, "bad keys");
  ASSERT_TRUE(role) << role.error().message;
  AccountStore store(*catalog_);
  auto options = ClientOptionsForAccount(store, *role);
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error().code, ErrorCode::kAuth);
  EXPECT_EQ(options.error().message,
            std::string("Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the "
                        "credentials you entered are invalid. Verify your account credentials and try again. AWS "
                        "error code: InvalidClientTokenId. (AWS STS refused the credentials used to assume ") +
                kRoleWithExternalId + ".)");
}

}  // namespace
}  // namespace billpipe::catalog
