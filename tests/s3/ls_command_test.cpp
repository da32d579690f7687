// billpipe ls, the binary itself, against the S3 double: credentials from the environment or a
// profile, exact messages for refused credentials and missing buckets.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <fmt/core.h>

#include "s3_doubles.h"

namespace billpipe::s3::test {
namespace {

using billpipe::testing::CommandResult;
using billpipe::testing::RunBillpipe;

class LsCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FakeClock clock(RealNow());
    auto c = MakeTestClient(TestOptions(SharedDoubles().server->endpoint(), &clock));
    for (const auto& [key, data] : std::vector<std::pair<std::string, std::string>>{
             {"lsdemo/cur/manifest.json", "{}"},
             {"lsdemo/cur/2026/a.csv.gz", std::string(1234, 'a')},
             {"lsdemo/readme.txt", "hello"}}) {
      StringSource body(data);
      ASSERT_TRUE(c->Put("billing", key, body, data.size()));
    }
    auto listing = c->List("billing", "lsdemo/", "");
    ASSERT_TRUE(listing);
    for (const auto& o : listing->objects)
      (*times_)[o.key] = o.last_modified.substr(0, 10) + " " + o.last_modified.substr(11, 8);
  }

  // The environment of a person with no AWS setup but what the test gives.
  std::vector<std::string> Env(const std::string& key_id, const std::string& secret) {
    return {"HOME=" + home_.path().string(), "AWS_ACCESS_KEY_ID=" + key_id, "AWS_SECRET_ACCESS_KEY=" + secret,
            "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_REGION=", "AWS_DEFAULT_REGION=", "AWS_ENDPOINT_URL=",
            "AWS_ENDPOINT_URL_S3=", "AWS_SHARED_CREDENTIALS_FILE=" + home_.path().string() + "/credentials",
            "AWS_CONFIG_FILE=" + home_.path().string() + "/config"};
  }
  std::vector<std::string> GoodEnv() {
    return Env(billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey);
  }
  CommandResult Ls(std::vector<std::string> args, const std::vector<std::string>& env) {
    args.insert(args.begin(), "ls");
    args.push_back("--endpoint-url");
    args.push_back(SharedDoubles().server->endpoint());
    return RunBillpipe(args, env);
  }
  static std::string T(const std::string& key) { return (*times_)[key]; }

  billpipe::testing::TempDir home_;
  static std::map<std::string, std::string>* times_;
};
std::map<std::string, std::string>* LsCommandTest::times_ = new std::map<std::string, std::string>();

TEST_F(LsCommandTest, ListsOneFolderLevelLikeAwsS3Ls) {
  auto r = Ls({"s3://billing/lsdemo/"}, GoodEnv());
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "                           PRE cur/\n" + T("lsdemo/readme.txt") + "          5 readme.txt\n");
}

TEST_F(LsCommandTest, RecursiveListsEveryKey) {
  auto r = Ls({"s3://billing/lsdemo/", "--recursive"}, GoodEnv());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, T("lsdemo/cur/2026/a.csv.gz") + "       1234 lsdemo/cur/2026/a.csv.gz\n" +
                       T("lsdemo/cur/manifest.json") + "          2 lsdemo/cur/manifest.json\n" +
                       T("lsdemo/readme.txt") + "          5 lsdemo/readme.txt\n");
}

TEST_F(LsCommandTest, CredentialsFromANamedProfile) {
  std::ofstream(home_.path() / "credentials") << fmt::format(
      "[reports]\naws_access_key_id = {}\naws_secret_access_key = {}\n", billpipe::testing::kTestAccessKey,
      billpipe::testing::kTestSecretKey);
  auto r = Ls({"s3://billing/lsdemo/cur/", "--profile", "reports"}, Env("AKIDWRONG", "wrong"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "                           PRE 2026/\n" + T("lsdemo/cur/manifest.json") +
                       "          2 manifest.json\n");
}

TEST_F(LsCommandTest, WrongSecretPrintsExactlyFailedToAuthenticate) {
  auto r = Ls({"s3://billing/lsdemo/"}, Env(billpipe::testing::kTestAccessKey, "not-the-secret"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(std::regex_match(r.err, std::regex("billpipe: Failed to authenticate\\. Verify the credentials and try again\\. "
                                                 "billpipe is ready, but the credentials you entered are invalid\\. "
                                                 "Verify your account credentials and try again\\. "
                                                 "AWS error code: SignatureDoesNotMatch, request id: [0-9A-F]{16}\\.\n")))
      << r.err;
}

TEST_F(LsCommandTest, UnknownKeyIdPrintsFailedToAuthenticate) {
  auto r = Ls({"s3://billing/"}, Env("AKIAUNKNOWN000000000", "x"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("billpipe: Failed to authenticate\\. Verify the credentials and try again\\. "
                                                 "billpipe is ready, but the credentials you entered are invalid\\. "
                                                 "Verify your account credentials and try again\\. "
                                                 "AWS error code: InvalidAccessKeyId, request id: [0-9A-F]{16}\\.\n")))
      << r.err;
}

TEST_F(LsCommandTest, MissingBucketIsNamed) {
  auto r = Ls({"s3://no-such-bucket/cur/"}, GoodEnv());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("billpipe: The bucket 'no-such-bucket' does not exist\\. Check its name \\(and "
                                                 "the endpoint\\)\\. AWS error code: NoSuchBucket, request id: "
                                                 "[0-9A-F]{16}\\.\n")))
      << r.err;
}

TEST_F(LsCommandTest, BadLocationsAreUsageErrors) {
  auto slash = Ls({"s3://bad bucket/x"}, GoodEnv());
  EXPECT_EQ(slash.exit_code, 2);
  EXPECT_EQ(slash.err, "billpipe: Invalid bucket name 'bad bucket': a space at position 4 is not allowed. Allowed: letters, "
                       "digits, dots (.), dashes (-) and underscores (_), 3 to 255 characters.\n");
  auto scheme = Ls({"billing/cur"}, GoodEnv());
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_EQ(scheme.err, "billpipe: 'billing/cur' is not an S3 location: write it as s3://BUCKET/PREFIX.\n");
}

TEST_F(LsCommandTest, NoCredentialsAnywhereIsExplained) {
  auto env = Env("", "");
  auto r = Ls({"s3://billing/"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "billpipe: No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                   "aws_access_key_id and aws_secret_access_key to profile 'default' in " +
                       home_.path().string() + "/credentials.\n");
}

}  // namespace
}  // namespace billpipe::s3::test
