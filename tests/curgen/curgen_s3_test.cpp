// A generated layout uploaded to the S3 double and listed back with a reference client (the AWS CLI
// from Debian's awscli, always /usr/bin/aws: a pyenv shim may shadow `aws` on PATH).
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "curgen/generator.h"
#include "test_support.h"

namespace billpipe::curgen {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::CommandResult;
using billpipe::testing::kTestAccessKey;
using billpipe::testing::kTestSecretKey;
using billpipe::testing::RunCommand;
using billpipe::testing::S3TestServer;
using billpipe::testing::TempDir;

constexpr const char* kAws = "/usr/bin/aws";

// The AWS CLI with only the given credentials: no config files, no instance metadata.
CommandResult Aws(const S3TestServer& server, const std::vector<std::string>& args,
                  const std::string& secret = kTestSecretKey) {
  std::vector<std::string> argv = {kAws, "--endpoint-url", server.endpoint()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey, "AWS_SECRET_ACCESS_KEY=" + secret,
                           "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
                           "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
                           "AWS_PAGER="});
}

class CurgenS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kAws)) GTEST_SKIP() << "/usr/bin/aws missing: run scripts/setup";
    server_ = S3TestServer::Start().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static S3TestServer* server_;
};
S3TestServer* CurgenS3Test::server_ = nullptr;

TEST_F(CurgenS3Test, UploadedLayoutListsEveryKeyWithItsSize) {
  TempDir dir;
  CurgenOptions o;
  o.bucket = "billing";
  o.prefix = "cur";
  o.report_name = "s3-upload";
  o.months = 2;
  o.line_items_per_month = 2000;
  o.files_per_period = 3;
  o.assemblies_per_month = 3;
  DirectoryObjectWriter writer(dir.path());
  auto report = GenerateCur(o, writer);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  ASSERT_EQ(report->objects.size(), 2u * (3u * (3u + 1u) + 1u));

  auto up = Aws(*server_, {"s3", "cp", "--recursive", "--only-show-errors", dir.path().string(), "s3://billing/"});
  ASSERT_EQ(up.exit_code, 0) << up.err;

  auto ls = Aws(*server_, {"s3api", "list-objects-v2", "--bucket", "billing", "--prefix", "cur/s3-upload/",
                           "--output", "json"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::map<std::string, uint64_t> listed;
  auto listing = nlohmann::json::parse(ls.out);
  for (const auto& c : listing.at("Contents")) {
    listed[c.at("Key").get<std::string>()] = c.at("Size").get<uint64_t>();
  }
  std::map<std::string, uint64_t> written;
  for (const auto& obj : report->objects) written[obj.key] = obj.size;
  EXPECT_EQ(listed, written);

  // A period folder holds only folders and the top-level manifest; S3 reports the folders as prefixes.
  auto folders = Aws(*server_, {"s3api", "list-objects-v2", "--bucket", "billing", "--prefix",
                                "cur/s3-upload/20191201-20200101/", "--delimiter", "/", "--output", "json"});
  ASSERT_EQ(folders.exit_code, 0) << folders.err;
  auto j = nlohmann::json::parse(folders.out);
  ASSERT_EQ(j.at("Contents").size(), 1u);
  EXPECT_EQ(j["Contents"][0]["Key"], "cur/s3-upload/20191201-20200101/s3-upload-Manifest.json");
  EXPECT_EQ(j.at("CommonPrefixes").size(), 3u);
}

TEST_F(CurgenS3Test, WrongSecretIsRefusedWithSignatureDoesNotMatch) {
  auto r = Aws(*server_, {"s3api", "list-objects-v2", "--bucket", "billing"}, "not-the-secret");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("An error occurred (SignatureDoesNotMatch) when calling the ListObjectsV2 operation"),
            std::string::npos)
      << r.err;
  auto ok = Aws(*server_, {"s3api", "list-objects-v2", "--bucket", "billing"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
}  // namespace billpipe::curgen
