// The credential chain against real HTTP doubles: every source alone, their precedence, roles with an
// external id, SSO, credential_process, containers, IMDSv2, and what happens when things go wrong.
// Each source's credentials are proven by listing a bucket of the S3 double, which accepts the
// temporary keys the AWS double issued only with their session token and until they expire.
#include "aws/credential_chain.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "aws/sts.h"
#include "aws_doubles.h"
#include "one_request_server.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::aws::test {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::kTestAccessKey;
using billpipe::testing::kTestSecretKey;

class CredentialChainTest : public ::testing::Test {
 protected:
  CredentialChainTest() : d_(SharedSignInDoubles()) {
    vars_["HOME"] = home_.path().string();
    vars_["AWS_ENDPOINT_URL_STS"] = d_.aws->endpoint();
    vars_["AWS_EC2_METADATA_DISABLED"] = "true";  // no machine's IMDS unless a test asks for the double
    fs::create_directories(home_.path() / ".aws");
  }

  std::string Home() const { return home_.path().string(); }
  void Write(const std::string& rel, const std::string& text, bool executable = false) {
    fs::create_directories((home_.path() / rel).parent_path());
    std::ofstream(home_.path() / rel) << text;
    if (executable) ::chmod((home_.path() / rel).c_str(), 0755);
  }
  EnvLookup Env() {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }
  ChainOptions Options(const std::string& profile = "") {
    ChainOptions o;
    o.profile = profile;
    o.region = "us-east-1";
    o.env = Env();
    o.transport = TestTransport();
    return o;
  }
  // Lists the S3 double's bucket with the provider's credentials: proves they are accepted.
  Status ListWith(std::shared_ptr<CredentialsProvider> provider) {
    s3::ClientOptions o;
    o.credentials_provider = std::move(provider);
    o.endpoint_url = d_.s3->endpoint();
    o.region = "us-east-1";
    o.env = Env();
    o.retry.max_attempts = 1;
    auto client = s3::S3Client::Make(o);
    if (!client) return Fail(client.error());
    auto listing = (*client)->List("billing", "", "/");
    if (!listing) return Fail(listing.error());
    return Ok();
  }
  Result<CallerIdentity> WhoIs(CredentialsProvider& provider) {
    BP_ASSIGN_OR_RETURN(Credentials c, provider.Get());
    StsOptions o;
    o.transport = transport_.get();
    o.env = Env();
    return StsClient(o).GetCallerIdentity(c);
  }
  // Temporary keys for the plain role, straight from STS.
  ExpiringCredentials TemporaryKeys() {
    StsOptions o;
    o.transport = transport_.get();
    o.env = Env();
    auto r = StsClient(o).AssumeRole({kTestAccessKey, kTestSecretKey, ""}, {kPlainRole, "env-test", "", 0});
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  SignInDoubles& d_;
  billpipe::testing::TempDir home_;
  std::map<std::string, std::string> vars_;
  std::shared_ptr<HttpTransport> transport_ = TestTransport();
};

std::string BaseProfileFiles() {
  return std::string("[base]\naws_access_key_id = ") + kTestAccessKey + "\naws_secret_access_key = " + kTestSecretKey +
         "\n";
}

TEST_F(CredentialChainTest, EnvironmentKeysWithASessionToken) {
  ExpiringCredentials t = TemporaryKeys();
  vars_["AWS_ACCESS_KEY_ID"] = t.credentials.access_key_id;
  vars_["AWS_SECRET_ACCESS_KEY"] = t.credentials.secret_access_key;
  vars_["AWS_SESSION_TOKEN"] = t.credentials.session_token;
  auto p = MakeCredentialsProvider(Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), "environment");
  EXPECT_TRUE(ListWith(*p));
  // Without the token S3 refuses the temporary key: the token really is sent.
  vars_.erase("AWS_SESSION_TOKEN");
  auto bare = MakeCredentialsProvider(Options());
  ASSERT_TRUE(bare);
  auto refused = ListWith(*bare);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAuth);
  EXPECT_EQ(refused.error().aws_code, "InvalidToken");
}

TEST_F(CredentialChainTest, WebIdentityTokenFileAndRoleArn) {
  Write("token", std::string(kWebIdentityToken) + "\n");
  vars_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Home() + "/token";
  vars_["AWS_ROLE_ARN"] = kPlainRole;
  vars_["AWS_ROLE_SESSION_NAME"] = "eks-pod";
  auto p = MakeCredentialsProvider(Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), std::string("role ") + kPlainRole + " with the web identity token in " + Home() +
                                  "/token (AWS_WEB_IDENTITY_TOKEN_FILE)");
  EXPECT_TRUE(ListWith(*p));
  auto who = WhoIs(**p);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->arn, "arn:aws:sts::444455556666:assumed-role/plain/eks-pod");
  EXPECT_EQ(who->account, "444455556666");
}

TEST_F(CredentialChainTest, RefusedWebIdentityTokenSaysSoWithoutTheToken) {
  Write("token", "not-the-token");
  vars_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Home() + "/token";
  vars_["AWS_ROLE_ARN"] = kPlainRole;
  auto p = MakeCredentialsProvider(Options());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kAuth);
  EXPECT_EQ(p.error().message, std::string("AWS STS refused the web identity token for role ") + kPlainRole +
                                   " (InvalidIdentityToken: Incorrect token audience). Check that the token file "
                                   "(AWS_WEB_IDENTITY_TOKEN_FILE) is current and that the role trusts its identity "
                                   "provider.");
  EXPECT_EQ(p.error().message.find("not-the-token"), std::string::npos);
}

TEST_F(CredentialChainTest, ProfileRoleWithSourceProfileAndExternalId) {
  Write(".aws/credentials", BaseProfileFiles());
  Write(".aws/config", std::string("[profile billing]\nrole_arn = ") + kRoleWithExternalId +
                           "\nsource_profile = base\nexternal_id = " + kExternalId +
                           "\nrole_session_name = bp-nightly\nduration_seconds = 1800\n");
  vars_["AWS_PROFILE"] = "billing";
  auto p = MakeCredentialsProvider(Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), std::string("role ") + kRoleWithExternalId +
                                  " (profile 'billing') assumed with profile 'base' in " + Home() +
                                  "/.aws/credentials");
  EXPECT_TRUE(ListWith(*p));
  auto calls = d_.aws->Calls();
  EXPECT_EQ(calls["lastExternalId"], kExternalId);
  EXPECT_EQ(calls["lastSessionName"], "bp-nightly");
  auto who = WhoIs(**p);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->arn, "arn:aws:sts::444455556666:assumed-role/billing-reader/bp-nightly");
}

TEST_F(CredentialChainTest, WrongExternalIdNamesTheRoleTrustPolicyAndExternalId) {
  Write(".aws/credentials", BaseProfileFiles());
  Write(".aws/config", std::string("[profile billing]\nrole_arn = ") + kRoleWithExternalId +
                           "\nsource_profile = base\nexternal_id = wrong-id\n");
  auto p = MakeCredentialsProvider(Options("billing"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kPermission);
  EXPECT_EQ(p.error().aws_code, "AccessDenied");
  EXPECT_EQ(p.error().message,
            std::string("Could not assume the role ") + kRoleWithExternalId +
                ": AWS STS said AccessDenied: User: arn:aws:iam::111122223333:user/billpipe-test is not authorized "
                "to perform: sts:AssumeRole on resource: " +
                kRoleWithExternalId +
                ". Check the role's trust policy: it must allow these credentials to call sts:AssumeRole, and its "
                "sts:ExternalId condition must match the external id given (or none when none is given).");
  EXPECT_EQ(p.error().message.find(kTestSecretKey), std::string::npos);
}

TEST_F(CredentialChainTest, RefusedBaseKeysGiveTheExactAuthenticationMessage) {
  Write(".aws/credentials", std::string("[base]\naws_access_key_id = ") + kTestAccessKey +
                                "\naws_secret_access_key = not-the-secret\n");
  Write(".aws/config", std::string("[profile billing]\nrole_arn = ") + kPlainRole + "\nsource_profile = base\n");
  auto p = MakeCredentialsProvider(Options("billing"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kAuth);
  EXPECT_EQ(p.error().message, std::string("Failed to authenticate. Verify the credentials and try again. billpipe is ready, "
                                           "but the credentials you entered are invalid. Verify your account "
                                           "credentials and try again. AWS error "
                                           "code: SignatureDoesNotMatch. (AWS STS refused the credentials used to "
                                           "assume ") +
                                   kPlainRole + ".)");
  EXPECT_EQ(p.error().message.find("not-the-secret"), std::string::npos);
}

TEST_F(CredentialChainTest, CredentialSourceEnvironmentWithANamedProfile) {
  vars_["AWS_ACCESS_KEY_ID"] = kTestAccessKey;
  vars_["AWS_SECRET_ACCESS_KEY"] = kTestSecretKey;
  Write(".aws/config", std::string("[profile from-env]\nrole_arn = ") + kPlainRole +
                           "\ncredential_source = Environment\n");
  auto p = MakeCredentialsProvider(Options("from-env"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), std::string("role ") + kPlainRole + " (profile 'from-env') assumed with environment");
  EXPECT_TRUE(ListWith(*p));
}

TEST_F(CredentialChainTest, ChainedRolesThroughTwoProfiles) {
  Write(".aws/credentials", BaseProfileFiles());
  Write(".aws/config", std::string("[profile first]\nrole_arn = ") + kPlainRole + "\nsource_profile = base\n" +
                           "[profile second]\nrole_arn = " + kRoleWithExternalId + "\nsource_profile = first\n" +
                           "external_id = " + kExternalId + "\nrole_session_name = chained\n" +
                           "[profile loop-a]\nrole_arn = " + kPlainRole + "\nsource_profile = loop-b\n" +
                           "[profile loop-b]\nrole_arn = " + kPlainRole + "\nsource_profile = loop-a\n");
  auto p = MakeCredentialsProvider(Options("second"));
  ASSERT_TRUE(p) << p.error().message;
  auto who = WhoIs(**p);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->arn, "arn:aws:sts::444455556666:assumed-role/billing-reader/chained");
  auto loop = MakeCredentialsProvider(Options("loop-a"));
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loop.error().message, "The source_profile of profile 'loop-b' leads back to 'loop-a': a loop.");
}

TEST_F(CredentialChainTest, CredentialProcess) {
  Write("creds.sh",
        std::string("#!/bin/sh\ncat <<'JSON'\n{\"Version\": 1, \"AccessKeyId\": \"") + kTestAccessKey +
            "\", \"SecretAccessKey\": \"" + kTestSecretKey + "\"}\nJSON\n",
        true);
  Write("broken.sh", "#!/bin/sh\necho '{\"SecretAccessKey\": \"leaked-secret\"}'\nexit 3\n", true);
  Write(".aws/config", "[profile proc]\ncredential_process = " + Home() + "/creds.sh\n[profile broken]\n" +
                           "credential_process = " + Home() + "/broken.sh\n");
  auto p = MakeCredentialsProvider(Options("proc"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), "credential_process of profile 'proc'");
  EXPECT_TRUE(ListWith(*p));
  auto broken = MakeCredentialsProvider(Options("broken"));
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kAuth);
  EXPECT_EQ(broken.error().message,
            "The credential_process of profile 'broken' failed (exit status 3). Its messages are not shown (they "
            "may hold a secret): run the command yourself to see them.");
}

// Issue 16: a credential_process that hangs is killed after the timeout (60 s by default; 1 s here),
// with the processes it started, and the error names the profile. What it wrote is not shown.
TEST_F(CredentialChainTest, CredentialProcessThatHangsIsStoppedAfterTheTimeout) {
  Write("hang.sh",
        "#!/bin/sh\necho 'hang-secret-on-stderr' >&2\nprintf '{\"SecretAccessKey\": \"hang-secret\"'\n"
        "sleep 30 &\nwait\n",
        true);
  Write(".aws/config", "[profile hang]\ncredential_process = " + Home() + "/hang.sh\n");
  auto o = Options("hang");
  o.process_timeout = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  auto p = MakeCredentialsProvider(o);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kRetryable);
  EXPECT_EQ(p.error().message,
            "The credential_process of profile 'hang' did not finish within 1 s and was stopped. Check that the "
            "command does not wait for input (it runs without a terminal) or for an unreachable service; run it "
            "yourself to see its messages.");
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(5));
  // A process that prints its answer at once is not held to the timeout.
  Write("quick.sh",
        std::string("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"") + kTestAccessKey +
            "\", \"SecretAccessKey\": \"" + kTestSecretKey + "\"}'\n",
        true);
  Write(".aws/config", "[profile quick]\ncredential_process = " + Home() + "/quick.sh\n");
  auto q = Options("quick");
  q.process_timeout = std::chrono::seconds(1);
  auto quick = MakeCredentialsProvider(q);
  ASSERT_TRUE(quick) << quick.error().message;
  EXPECT_TRUE(ListWith(*quick));
}

// Issue 16: STS is called with POST and a form body, so no token, external id or secret is ever in a
// URL (proxies and access logs keep URLs). The double records every request line it received.
TEST_F(CredentialChainTest, StsCallsArePostsAndNoTokenIsEverInAUrl) {
  Write("token", std::string(kWebIdentityToken) + "\n");
  vars_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Home() + "/token";
  vars_["AWS_ROLE_ARN"] = kPlainRole;
  auto web = MakeCredentialsProvider(Options());
  ASSERT_TRUE(web) << web.error().message;
  ASSERT_TRUE(WhoIs(**web));
  vars_.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  vars_.erase("AWS_ROLE_ARN");
  Write(".aws/credentials", BaseProfileFiles());
  Write(".aws/config", std::string("[profile billing]\nrole_arn = ") + kRoleWithExternalId +
                           "\nexternal_id = " + kExternalId + "\nsource_profile = base\n");
  auto role = MakeCredentialsProvider(Options("billing"));
  ASSERT_TRUE(role) << role.error().message;
  EXPECT_TRUE(ListWith(*role));
  EXPECT_EQ(d_.aws->Calls()["lastExternalId"], kExternalId);

  auto requests = d_.aws->Calls()["requests"];
  ASSERT_TRUE(requests.is_array());
  int sts_posts = 0;
  for (const auto& r : requests) {
    std::string line = r.get<std::string>();
    for (const char* hidden : {kWebIdentityToken, kExternalId, kSsoToken, kContainerToken, kTestSecretKey})
      EXPECT_EQ(line.find(hidden), std::string::npos) << line;
    EXPECT_EQ(line.find("Action="), std::string::npos) << line;
    if (line == "POST /") ++sts_posts;
  }
  EXPECT_GE(sts_posts, 3);  // AssumeRoleWithWebIdentity, GetCallerIdentity, AssumeRole at least
}

class SsoTest : public CredentialChainTest {
 protected:
  SsoTest() {
    vars_["AWS_ENDPOINT_URL_SSO"] = d_.aws->endpoint();
    Write(".aws/config", std::string("[profile sso]\nsso_session = corp\nsso_account_id = ") + kAccount +
                             "\nsso_role_name = " + kSsoRole +
                             "\nregion = eu-west-1\n[sso-session corp]\nsso_start_url = "
                             "https://corp.awsapps.com/start\nsso_region = us-east-1\n");
  }
  // `aws sso login --sso-session corp` writes ~/.aws/sso/cache/<sha1("corp")>.json.
  void CacheToken(const std::string& expires_at) {
    Write(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
          std::string("{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\", "
                      "\"accessToken\": \"") +
              kSsoToken + "\", \"expiresAt\": \"" + expires_at + "\"}");
  }
};

TEST_F(SsoTest, SsoSessionProfileUsesTheCachedToken) {
  CacheToken("2099-01-01T00:00:00Z");
  auto p = MakeCredentialsProvider(Options("sso"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), "SSO role BillingRead in account 444455556666 (profile 'sso')");
  EXPECT_TRUE(ListWith(*p));
}

TEST_F(SsoTest, ExpiredSsoTokenSaysToLogInAgain) {
  CacheToken("2020-01-01T00:00:00Z");
  int before = d_.aws->Count("sso");
  auto p = MakeCredentialsProvider(Options("sso"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kAuth);
  EXPECT_EQ(p.error().message, "The AWS SSO login for profile 'sso' is no longer valid: the SSO session expired at "
                               "2020-01-01T00:00:00Z. Run `aws sso login --sso-session corp` and try again.");
  EXPECT_EQ(d_.aws->Count("sso"), before);  // not even asked
  EXPECT_EQ(p.error().message.find(kSsoToken), std::string::npos);
}

TEST_F(SsoTest, RevokedSsoTokenSaysToLogInAgain) {
  Write(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
        "{\"accessToken\": \"revoked-token\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}");
  auto p = MakeCredentialsProvider(Options("sso"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "The AWS SSO login for profile 'sso' is no longer valid: the SSO portal refused the "
                               "cached token (HTTP 401). Run `aws sso login --sso-session corp` and try again.");
}

TEST_F(CredentialChainTest, ContainerCredentialsWithAndWithoutTheAuthorizationToken) {
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = d_.aws->endpoint() + "/container/credentials";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
  auto p = MakeCredentialsProvider(Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), "container credentials from " + d_.aws->endpoint() + "/container/credentials");
  EXPECT_TRUE(ListWith(*p));

  // The token file wins over the variable (EKS Pod Identity).
  Write("pod-token", std::string(kContainerToken) + "\n");
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "stale";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = Home() + "/pod-token";
  auto from_file = MakeCredentialsProvider(Options());
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_TRUE(ListWith(*from_file));

  vars_.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  vars_.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  auto refused = MakeCredentialsProvider(Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAuth);
  EXPECT_EQ(refused.error().message,
            "The container credentials endpoint " + d_.aws->endpoint() +
                "/container/credentials refused the request (HTTP 401): check AWS_CONTAINER_AUTHORIZATION_TOKEN or "
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.");
}

TEST_F(CredentialChainTest, ContainerRelativeUriAndRefusedFullUriHost) {
  vars_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/container/v2/credentials/task-id";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
  auto o = Options();
  o.container_host = d_.aws->endpoint();  // instead of 169.254.170.2
  auto p = MakeCredentialsProvider(o);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(ListWith(*p));
  vars_.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://metadata.example.com/creds";
  auto refused = MakeCredentialsProvider(Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI http://metadata.example.com/creds must be https, or http on a "
            "loopback address or 169.254.170.2 / 169.254.170.23 (the container agent).");
}

TEST_F(CredentialChainTest, InstanceMetadataWithImdsV2Tokens) {
  vars_.erase("AWS_EC2_METADATA_DISABLED");
  vars_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = d_.aws->endpoint();
  int tokens = d_.aws->Count("imds-token");
  auto p = MakeCredentialsProvider(Options());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->Describe(), "EC2 instance metadata at " + d_.aws->endpoint() + " (role billpipe-instance)");
  EXPECT_EQ(d_.aws->Count("imds-token"), tokens + 1);
  EXPECT_TRUE(ListWith(*p));
}

TEST_F(CredentialChainTest, UnreachableInstanceMetadataTimesOutQuickly) {
  vars_.erase("AWS_EC2_METADATA_DISABLED");
  billpipe::testing::OneRequestServer silent(200, /*answer=*/false);  // accepts, never answers
  std::string endpoint = "http://127.0.0.1:" + std::to_string(silent.port());
  vars_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoint;
  auto start = std::chrono::steady_clock::now();
  auto p = MakeCredentialsProvider(Options());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(p);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(p.error().code, ErrorCode::kAuth);
  EXPECT_TRUE(p.error().message.starts_with(
      "No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add aws_access_key_id and "
      "aws_secret_access_key to profile 'default' in " +
      Home() + "/.aws/credentials. Also tried: EC2 instance metadata at " + endpoint + " did not answer ("))
      << p.error().message;
  EXPECT_TRUE(p.error().message.ends_with("). Roles, SSO and containers: see docs/credentials.md.")) << p.error().message;
}

TEST_F(CredentialChainTest, DisabledInstanceMetadataIsNotAsked) {
  vars_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = d_.aws->endpoint();
  int tokens = d_.aws->Count("imds-token");
  auto p = MakeCredentialsProvider(Options());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                               "aws_access_key_id and aws_secret_access_key to profile 'default' in " +
                                   Home() + "/.aws/credentials.");
  EXPECT_EQ(d_.aws->Count("imds-token"), tokens);
}

TEST_F(CredentialChainTest, PrecedenceFollowsTheSdkOrder) {
  // Everything at once; then take the winner away, one by one.
  vars_["AWS_ACCESS_KEY_ID"] = kTestAccessKey;
  vars_["AWS_SECRET_ACCESS_KEY"] = kTestSecretKey;
  Write("token", kWebIdentityToken);
  vars_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Home() + "/token";
  vars_["AWS_ROLE_ARN"] = kPlainRole;
  Write(".aws/credentials", std::string("[default]\naws_access_key_id = ") + kTestAccessKey +
                                "\naws_secret_access_key = " + kTestSecretKey + "\n");
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = d_.aws->endpoint() + "/container/credentials";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
  vars_.erase("AWS_EC2_METADATA_DISABLED");
  vars_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = d_.aws->endpoint();

  auto describe = [&]() -> std::string {
    auto p = MakeCredentialsProvider(Options());
    if (!p) return "error: " + p.error().message;
    EXPECT_TRUE(ListWith(*p));
    return (*p)->Describe();
  };
  EXPECT_EQ(describe(), "environment");
  vars_.erase("AWS_ACCESS_KEY_ID");
  EXPECT_TRUE(describe().starts_with("role " + std::string(kPlainRole) + " with the web identity token"));
  vars_.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  EXPECT_EQ(describe(), "profile 'default' in " + Home() + "/.aws/credentials");
  fs::remove(home_.path() / ".aws/credentials");
  EXPECT_EQ(describe(), "container credentials from " + d_.aws->endpoint() + "/container/credentials");
  vars_.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(describe(), "EC2 instance metadata at " + d_.aws->endpoint() + " (role billpipe-instance)");
  // An explicitly named profile is used alone, even with keys in the environment.
  vars_["AWS_ACCESS_KEY_ID"] = kTestAccessKey;
  Write(".aws/config", std::string("[profile named]\nrole_arn = ") + kPlainRole + "\nsource_profile = named\n" +
                           "aws_access_key_id = " + kTestAccessKey + "\naws_secret_access_key = " + kTestSecretKey +
                           "\n");
  auto named = MakeCredentialsProvider(Options("named"));
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ((*named)->Describe(), std::string("role ") + kPlainRole + " (profile 'named') assumed with profile 'named' in " +
                                      Home() + "/.aws/config");
}

TEST_F(CredentialChainTest, ProfilesSetUpWrongAreExplained) {
  Write(".aws/config", std::string("[profile no-source]\nrole_arn = ") + kPlainRole +
                           "\n[profile bad-duration]\nrole_arn = " + kPlainRole +
                           "\nsource_profile = x\nduration_seconds = 60\n[profile empty]\nregion = eu-west-1\n");
  auto no_source = MakeCredentialsProvider(Options("no-source"));
  ASSERT_FALSE(no_source);
  EXPECT_EQ(no_source.error().message,
            "Profile 'no-source' has role_arn but no source_profile, credential_source or web_identity_token_file: add "
            "one to say which credentials assume the role.");
  auto duration = MakeCredentialsProvider(Options("bad-duration"));
  ASSERT_FALSE(duration);
  EXPECT_EQ(duration.error().message,
            "duration_seconds of profile 'bad-duration' is '60': give a number of seconds from 900 to 43200.");
  auto empty = MakeCredentialsProvider(Options("empty"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kAuth);
  EXPECT_EQ(empty.error().message,
            "The AWS profile 'empty' has no credentials. Add aws_access_key_id and aws_secret_access_key to it in " +
                Home() + "/.aws/credentials, or role_arn, sso_session or credential_process (docs/credentials.md).");
  auto missing = MakeCredentialsProvider(Options("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CredentialChainTest, GetCallerIdentityAndRefusedKeys) {
  StsOptions o;
  o.transport = transport_.get();
  o.env = Env();
  StsClient sts(o);
  EXPECT_EQ(sts.endpoint(), d_.aws->endpoint());
  auto who = sts.GetCallerIdentity({kTestAccessKey, kTestSecretKey, ""});
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->account, "111122223333");
  EXPECT_EQ(who->arn, "arn:aws:iam::111122223333:user/billpipe-test");
  auto bad = sts.GetCallerIdentity({"AKIAUNKNOWNKEY000000", "x", ""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kAuth);
  EXPECT_EQ(bad.error().message,
            "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you "
            "entered are invalid. Verify your account credentials and try again. AWS error code: "
            "InvalidClientTokenId.");
}

TEST(StsEndpoint, RegionalByDefaultThenEnvironmentThenOption) {
  std::map<std::string, std::string> vars;
  StsOptions o;
  o.region = "eu-central-1";
  o.env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(StsClient(o).endpoint(), "https://sts.eu-central-1.amazonaws.com");
  vars["AWS_ENDPOINT_URL"] = "http://all.example";
  EXPECT_EQ(StsClient(o).endpoint(), "http://all.example");
  vars["AWS_ENDPOINT_URL_STS"] = "https://vpce-1.sts.eu-central-1.vpce.amazonaws.com/";
  EXPECT_EQ(StsClient(o).endpoint(), "https://vpce-1.sts.eu-central-1.vpce.amazonaws.com");
  o.endpoint_url = "http://127.0.0.1:1";
  EXPECT_EQ(StsClient(o).endpoint(), "http://127.0.0.1:1");
}

}  // namespace
}  // namespace billpipe::aws::test
