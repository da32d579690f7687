// Legacy Parquet (Athena) layouts for tests: testing/athena_layout.js converts a legacy CSV layout (curgen's
// or CurFixture's) with DuckDB, and UploadDir puts a folder into a bucket of the S3 double.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "s3/client.h"
#include "test_support.h"

namespace billpipe::testing {

// node testing/athena_layout.js SRC DEST ARGS... (see the script for ARGS); fails the test when it fails.
inline void ConvertToAthena(const std::filesystem::path& src, const std::filesystem::path& dest,
                            const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/node", (SourceDir() / "testing/athena_layout.js").string(), src.string(),
                                   dest.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunCommand(argv);
  ASSERT_EQ(r.exit_code, 0) << "testing/athena_layout.js: " << r.err;
}

// Puts every file under dir into bucket, its path relative to dir as the key.
inline void UploadDir(const s3::ClientOptions& options, const std::string& bucket, const std::filesystem::path& dir) {
  auto client = s3::MakeClient(options);
  ASSERT_TRUE(client) << client.error().message;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    StringSource body(data);
    auto key = std::filesystem::relative(e.path(), dir).string();
    ASSERT_TRUE((*client)->Put(bucket, key, body, data.size())) << key;
  }
}

}  // namespace billpipe::testing
