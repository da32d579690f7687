// Uploads a CUR layout written by CurFixture to a bucket of the S3 double, file by file.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "cur_fixture.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::testing {

// Writes the layout into a temporary folder with `write`, then puts every file under its relative path
// as the key. options: the S3 double's endpoint and the test credentials (S3UploadOptions) unless given.
inline void UploadCurLayout(const s3::ClientOptions& options, const std::string& bucket,
                            const std::function<void(pipeline::testing::CurFixture&)>& write) {
  TempDir local;
  pipeline::testing::CurFixture fixture(local.path());
  write(fixture);
  auto client = s3::MakeClient(options);
  ASSERT_TRUE(client) << client.error().message;
  for (const auto& e : std::filesystem::recursive_directory_iterator(local.path())) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    StringSource body(data);
    auto key = std::filesystem::relative(e.path(), local.path()).string();
    ASSERT_TRUE((*client)->Put(bucket, key, body, data.size())) << key;
  }
}

// Options for the S3 double at endpoint with the test credentials.
inline s3::ClientOptions S3UploadOptions(const std::string& endpoint) {
  s3::ClientOptions options;
  options.endpoint_url = endpoint;
  options.credentials = {kTestAccessKey, kTestSecretKey, ""};
  return options;
}

}  // namespace billpipe::testing
