// The credentials chain and region resolution, in the AWS SDKs' order, over real files.
#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "test_support.h"

namespace billpipe::aws {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    vars_["HOME"] = dir_.path().string();
    std::filesystem::create_directories(dir_.path() / ".aws");
  }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_.path() / rel) << text;
  }
  CredentialSourceOptions Options(std::string profile = "") {
    CredentialSourceOptions o;
    o.profile = std::move(profile);
    o.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }
  std::string Home() { return dir_.path().string(); }

  billpipe::testing::TempDir dir_;
  std::map<std::string, std::string> vars_;
};

constexpr const char* kCredentialsFile =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT00000000\n"
    "aws_secret_access_key = default/secret\n"
    "\n"
    "[billing]\n"
    "aws_access_key_id=AKIDBILLING00000000\n"
    "aws_secret_access_key=billing+secret\n"
    "aws_session_token = tok==\n";

constexpr const char* kConfigFile =
    "[default]\n"
    "region = eu-west-1\n"
    "[profile billing]\n"
    "region = ap-southeast-2\n"
    "s3 =\n"
    "  addressing_style = path\n"
    "[profile cfgonly]\n"
    "aws_access_key_id = AKIDCONFIGONLY00000\n"
    "aws_secret_access_key = cfg\n";

TEST_F(CredentialsTest, ExplicitKeysComeFirst) {
  vars_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  vars_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto o = Options();
  o.explicit_credentials = {"AKIDEXPLICIT", "s", ""};
  auto r = ResolveCredentials(o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->credentials.access_key_id, "AKIDEXPLICIT");
  EXPECT_EQ(r->source, "explicit");
}

TEST_F(CredentialsTest, EnvironmentBeforeFilesAndAwsProfile) {
  Write(".aws/credentials", kCredentialsFile);
  vars_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  vars_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  vars_["AWS_SESSION_TOKEN"] = "envtoken";
  vars_["AWS_PROFILE"] = "billing";
  auto r = ResolveCredentials(Options());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(r->credentials.secret_access_key, "envsecret");
  EXPECT_EQ(r->credentials.session_token, "envtoken");
  EXPECT_EQ(r->source, "environment");
}

TEST_F(CredentialsTest, NamedProfileBeatsTheEnvironmentLikeTheCli) {
  Write(".aws/credentials", kCredentialsFile);
  vars_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  vars_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto r = ResolveCredentials(Options("billing"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->credentials.access_key_id, "AKIDBILLING00000000");
  EXPECT_EQ(r->credentials.secret_access_key, "billing+secret");
  EXPECT_EQ(r->credentials.session_token, "tok==");
  EXPECT_EQ(r->source, "profile 'billing' in " + Home() + "/.aws/credentials");
}

TEST_F(CredentialsTest, DefaultProfileAndAwsProfileFromFiles) {
  Write(".aws/credentials", kCredentialsFile);
  auto d = ResolveCredentials(Options());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->credentials.access_key_id, "AKIDDEFAULT00000000");
  EXPECT_EQ(d->credentials.secret_access_key, "default/secret");
  vars_["AWS_PROFILE"] = "billing";
  auto b = ResolveCredentials(Options());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->credentials.access_key_id, "AKIDBILLING00000000");
}

TEST_F(CredentialsTest, ConfigFileProfilesAndOverriddenPaths) {
  Write("creds", kCredentialsFile);
  Write("conf", kConfigFile);
  vars_["AWS_SHARED_CREDENTIALS_FILE"] = Home() + "/creds";
  vars_["AWS_CONFIG_FILE"] = Home() + "/conf";
  auto cfg = ResolveCredentials(Options("cfgonly"));
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->credentials.access_key_id, "AKIDCONFIGONLY00000");
  EXPECT_EQ(cfg->source, "profile 'cfgonly' in " + Home() + "/conf");
  auto b = ResolveCredentials(Options("billing"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->source, "profile 'billing' in " + Home() + "/creds");
}

TEST_F(CredentialsTest, MissingProfileAndMissingCredentialsAreExplained) {
  Write(".aws/credentials", kCredentialsFile);
  auto missing = ResolveCredentials(Options("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().message, "The AWS profile 'nope' does not exist in " + Home() + "/.aws/credentials or " +
                                         Home() + "/.aws/config. Name a profile defined there.");
  std::filesystem::remove(dir_.path() / ".aws/credentials");
  auto none = ResolveCredentials(Options());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kAuth);
  EXPECT_EQ(none.error().message, "No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                                  "aws_access_key_id and aws_secret_access_key to profile 'default' in " +
                                      Home() + "/.aws/credentials.");
}

TEST_F(CredentialsTest, RegionOrder) {
  Write(".aws/config", kConfigFile);
  EXPECT_EQ(ResolveRegion("us-west-2", Options()), "us-west-2");
  EXPECT_EQ(ResolveRegion("", Options()), "eu-west-1");            // [default] in config
  EXPECT_EQ(ResolveRegion("", Options("billing")), "ap-southeast-2");  // [profile billing]
  vars_["AWS_DEFAULT_REGION"] = "ca-central-1";
  EXPECT_EQ(ResolveRegion("", Options("billing")), "ca-central-1");
  vars_["AWS_REGION"] = "sa-east-1";
  EXPECT_EQ(ResolveRegion("", Options("billing")), "sa-east-1");
  std::filesystem::remove(dir_.path() / ".aws/config");
  vars_.erase("AWS_REGION");
  vars_.erase("AWS_DEFAULT_REGION");
  EXPECT_EQ(ResolveRegion("", Options()), "us-east-1");
}

TEST(MaskAccessKeyId, KeepsFourAtEachEnd) {
  EXPECT_EQ(MaskAccessKeyId("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
  EXPECT_EQ(MaskAccessKeyId("SHORT"), "…");
}

}  // namespace
}  // namespace billpipe::aws
