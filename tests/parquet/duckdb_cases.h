// The Parquet files testing/parquet_cases.js writes with DuckDB, made once per test binary (DuckDB takes
// some seconds), in a temporary directory removed at exit.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "test_support.h"

namespace billpipe::parquet::test {

inline const std::filesystem::path& CasesDir() {
  static billpipe::testing::TempDir dir;
  static bool made = [] {
    const std::string cmd = fmt::format("cd '{}' && node testing/parquet_cases.js '{}' > '{}/gen.log' 2>&1",
                                        billpipe::testing::SourceDir().string(), dir.path().string(),
                                        dir.path().string());
    return std::system(cmd.c_str()) == 0;
  }();
  if (!made) {
    std::ifstream log(dir.path() / "gen.log");
    std::stringstream s;
    s << log.rdbuf();
    ADD_FAILURE() << "testing/parquet_cases.js failed: " << s.str();
  }
  return dir.path();
}

}  // namespace billpipe::parquet::test
