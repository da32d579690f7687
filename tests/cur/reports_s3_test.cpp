// `billpipe reports` against the S3 double (real SigV4 client, delimiter listings as real S3 answers
// them): the same reports as from a local copy of the same files.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_layout.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::cur {
namespace {

namespace fs = std::filesystem;
using billpipe::testing::RunBillpipe;
using billpipe::testing::TempDir;
using testing::CurLayout;

constexpr int64_t kMay3 = 1525320306;
constexpr int64_t kMay5 = 1525493106;
constexpr int64_t kJune2 = 1527933600;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Drops every "last_modified": S3 stamps the upload time, the local copy the file's.
void DropTimes(nlohmann::json& doc) {
  for (auto& report : doc["reports"]) {
    for (auto& period : report["periods"]) period.erase("last_modified");
  }
}

class ReportsS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = billpipe::testing::S3TestServer::Start().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a1", "GZIP", 2, kMay3);
    layout_.AddAssembly("cur/", "hourly", "20180501-20180601", "a2", "GZIP", 3, kMay5);
    layout_.AddAssembly("cur/", "hourly", "20180601-20180701", "b1", "GZIP", 1, kJune2);
    layout_.Write("cur/hourly/20180701-20180801/hourly-Manifest.json", "not json");
    layout_.AddOverwrite("cur/", "daily", "20180601-20180701", "d1", "ZIP", 2, kJune2);
    layout_.Write("cur/athena/athena/year=2018/month=5/athena-00001.snappy.parquet", "PAR1");
    layout_.Write("cur/export/data/BILLING_PERIOD=2024-06/export-00001.csv.gz", "x");
    layout_.Write("cur/export/metadata/BILLING_PERIOD=2024-06/export-Manifest.json", "{}");
    // Only folders above the reports: the double must still report "cur/" and "deep/" as common prefixes.
    layout_.AddAssembly("deep/a/b/", "nested", "20180501-20180601", "n1", "GZIP", 1, kMay3);

    s3::ClientOptions options;
    options.credentials = {billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey, ""};
    options.endpoint_url = server_->endpoint();
    options.region = "us-east-1";
    auto client = s3::S3Client::Make(options);
    ASSERT_TRUE(client) << client.error().message;
    for (const auto& entry : fs::recursive_directory_iterator(bucket_dir_)) {
      if (!entry.is_regular_file()) continue;
      std::string key = entry.path().lexically_relative(bucket_dir_).generic_string();
      std::string bytes = ReadFile(entry.path());
      StringSource body(bytes, key);
      auto put = (*client)->Put("billing", key, body, bytes.size());
      ASSERT_TRUE(put) << put.error().message;
    }
  }

  billpipe::testing::CommandResult Reports(std::vector<std::string> args) {
    args.insert(args.begin(), "reports");
    args.push_back("--endpoint-url");
    args.push_back(server_->endpoint());
    return RunBillpipe(args, {std::string("AWS_ACCESS_KEY_ID=") + billpipe::testing::kTestAccessKey,
                              std::string("AWS_SECRET_ACCESS_KEY=") + billpipe::testing::kTestSecretKey,
                              "AWS_REGION=us-east-1", "AWS_PROFILE=", "AWS_SESSION_TOKEN="});
  }

  static billpipe::testing::S3TestServer* server_;
  TempDir dir_;
  fs::path bucket_dir_ = dir_.path() / "billing";
  CurLayout layout_{bucket_dir_};
};

billpipe::testing::S3TestServer* ReportsS3Test::server_ = nullptr;

TEST_F(ReportsS3Test, SameReportsFromS3AsFromTheLocalCopy) {
  for (const std::string prefix : {"", "cur", "cur/", "deep/a"}) {
    auto from_s3 = Reports({"s3://billing/" + prefix, "--json"});
    ASSERT_EQ(from_s3.exit_code, 0) << prefix << ": " << from_s3.err;
    auto from_dir = RunBillpipe({"reports", "s3://billing/" + prefix, "--json", "--from-dir", dir_.path().string()});
    ASSERT_EQ(from_dir.exit_code, 0) << prefix << ": " << from_dir.err;
    auto s3_doc = nlohmann::json::parse(from_s3.out);
    auto dir_doc = nlohmann::json::parse(from_dir.out);
    DropTimes(s3_doc);
    DropTimes(dir_doc);
    EXPECT_EQ(s3_doc, dir_doc) << prefix;
  }
  auto all = nlohmann::json::parse(Reports({"s3://billing", "--json"}).out);
  std::vector<std::string> urls;
  for (const auto& r : all["reports"]) urls.push_back(r["url"]);
  EXPECT_EQ(urls, (std::vector<std::string>{"s3://billing/cur/athena/", "s3://billing/cur/daily/",
                                            "s3://billing/cur/export/", "s3://billing/cur/hourly/",
                                            "s3://billing/deep/a/b/nested/"}));
  const auto& hourly = all["reports"][3];
  EXPECT_EQ(hourly["periods"][0]["version"], "a2");
  EXPECT_EQ(hourly["periods"][1]["version"], "b1");
  EXPECT_EQ(hourly["periods"][2]["error"],
            "s3://billing/cur/hourly/20180701-20180801/hourly-Manifest.json: the manifest is not JSON: parse error at "
            "line 1, column 2: syntax error while parsing value - invalid literal; last read: 'no'");
  const auto& daily = all["reports"][1];
  EXPECT_EQ(daily["periods"][0]["version"],
            testing::Md5Etag(ReadFile(bucket_dir_ / "cur/daily/20180601-20180701/daily-Manifest.json")));
}

TEST_F(ReportsS3Test, UnknownReportNameListsTheNamesThere) {
  auto r = Reports({"s3://billing/cur", "--report", "monthly"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "billpipe: report \"monthly\" was not found under s3://billing/cur/. Reports there: athena, daily, export "
            "(CUR 2.0 / FOCUS export), hourly\n");
}

}  // namespace
}  // namespace billpipe::cur
