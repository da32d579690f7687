// A run into the two-shard ClickHouse cluster end to end: generated reports in the S3 double loaded by the
// billpipe binary, totals exact per period and product through the Distributed view on either server, verify.
#include <curl/curl.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_upload.h"
#include "s3/client.h"
#include "clickhouse_query.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

TEST(ClickHouseRunTest, GeneratedReportsLoadIntoTheClusterWithExactTotals) {
  if (Env("BILLPIPE_TEST_CLICKHOUSE").empty()) {
    if (Env("CI") == "true") FAIL() << "BILLPIPE_TEST_CLICKHOUSE is not set (CI=true): run scripts/test";
    GTEST_SKIP() << "BILLPIPE_TEST_CLICKHOUSE is not set: ClickHouse tests skipped (run scripts/test)";
  }
  std::string url = Env("BILLPIPE_TEST_CLICKHOUSE");
  std::string port = url.substr(url.rfind(':') + 1);
  std::string host = url.substr(7, url.rfind(':') - 7);
  std::vector<std::string> servers = {url, Env("BILLPIPE_TEST_CLICKHOUSE_SHARD2")};
  const std::string db = "run_e2e";
  for (const auto& s : servers) Ch(s, "DROP DATABASE IF EXISTS " + db);

  auto server = S3TestServer::Start();
  TempDir gen, home;
  auto g = RunBillpipe({"curgen", "--out", (gen.path() / "billing").string(), "--bucket", "billing", "--prefix", "cur",
                        "--report-name", "gen", "--start-month", "2026-08", "--quiet", "--months", "3",
                        "--line-items", "4000", "--files", "3", "--assemblies", "2", "--invoiced-months", "2"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  std::ifstream in(gen.path() / "billing/expected.json");
  auto expected = nlohmann::json::parse(in);
  {
    auto client = s3::MakeClient(S3UploadOptions(server->endpoint()));
    ASSERT_TRUE(client) << client.error().message;
    for (const auto& e : std::filesystem::recursive_directory_iterator(gen.path() / "billing")) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(f)), {});
      StringSource body(data);
      ASSERT_TRUE((*client)->Put("billing", std::filesystem::relative(e.path(), gen.path() / "billing").string(), body,
                                 data.size()));
    }
  }
  std::vector<std::string> env = {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey,
                                  std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey,
                                  "BILLPIPE_HOME=" + home.path().string(), "AWS_REGION=us-east-1"};
  std::string to = fmt::format("clickhouse://{}:{}/{}?cluster={}", host, port, db, Env("BILLPIPE_TEST_CLICKHOUSE_CLUSTER"));
  std::vector<std::string> run = {"run", "--bucket", "billing", "--prefix", "cur", "--report-name", "gen",
                                  "--start", "2026-08-01", "--end", "2026-10-31", "--endpoint-url",
                                  server->endpoint(), "--to", to, "--workers", "2", "--json"};
  auto r = RunBillpipe(run, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int64_t rows = 0;
  for (const auto& p : expected["periods"]) {
    std::string bp = p["billing_period_start"].get<std::string>();
    SCOPED_TRACE(bp);
    for (const auto& s : servers) {
      EXPECT_EQ(Ch(s, fmt::format("SELECT count(), sum(line_item_unblended_cost), sum(line_item_blended_cost) FROM "
                                  "{}.gen WHERE billing_period = '{}' FORMAT TabSeparated", db, bp)),
                fmt::format("{}\t{}\t{}", p["rows"].get<int64_t>(), p["unblended_cost"].get<std::string>(),
                            p["blended_cost"].get<std::string>()));
    }
    for (const auto& [code, totals] : p["by_product_code"].items()) {
      EXPECT_EQ(Ch(url, fmt::format("SELECT count(), sum(line_item_unblended_cost) FROM {}.gen WHERE billing_period = "
                                    "'{}' AND line_item_product_code = '{}' FORMAT TabSeparated", db, bp, code)),
                fmt::format("{}\t{}", totals["rows"].get<int64_t>(), totals["unblended_cost"].get<std::string>()))
          << code;
    }
    rows += p["rows"].get<int64_t>();
  }
  // Both shards hold rows.
  for (const auto& s : servers) {
    EXPECT_GT(std::stoll(Ch(s, fmt::format("SELECT count() FROM {}.gen__local", db))), rows / 4);
  }
  // The example queries of docs/destinations.md run.
  EXPECT_EQ(Ch(url, fmt::format("SELECT count() FROM (SELECT billing_period, line_item_product_code, "
                                "sum(line_item_unblended_cost) AS cost FROM {}.gen GROUP BY billing_period, "
                                "line_item_product_code ORDER BY billing_period, cost DESC)", db)).find("Exception"),
            std::string::npos);
  EXPECT_EQ(Ch(url, fmt::format("SELECT toDate(line_item_usage_start_date) AS day, sum(line_item_unblended_cost) AS "
                                "cost FROM {}.gen WHERE line_item_usage_start_date >= toDateTime('2026-10-01 00:00:00') "
                                "GROUP BY day ORDER BY day LIMIT 1", db)).find("Exception"),
            std::string::npos);

  auto again = RunBillpipe(run, env);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["message"], "Nothing new: every period in the window is up to date.");
  auto verify = RunBillpipe({"verify", "--bucket", "billing", "--prefix", "cur", "--report-name", "gen",
                             "--endpoint-url", server->endpoint(), "--to", to},
                            env);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  for (const auto& s : servers) Ch(s, "DROP DATABASE IF EXISTS " + db);
}

}  // namespace
}  // namespace billpipe::testing
