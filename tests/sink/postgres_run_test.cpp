// Runs into PostgreSQL end to end: generated reports in the S3 double loaded by the billpipe binary with
// exact totals; a connection killed mid-load; status, verify and restore against the PostgreSQL dataset.
#include <csignal>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_fixture.h"
#include "cur_upload.h"
#include "pg_test_db.h"
#include "pipeline/run.h"
#include "s3/client.h"
#include "sink/postgres_sink.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using pipeline::testing::CurFixture;
using pipeline::testing::Line;

// Puts every file under dir into bucket, keyed by its path relative to dir.
void UploadDir(const std::string& endpoint, const std::filesystem::path& dir, const std::string& bucket) {
  auto client = s3::MakeClient(S3UploadOptions(endpoint));
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

class PostgresRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!TestPgConninfo().empty()) server_ = S3TestServer::Start().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    BP_REQUIRE_TEST_PG();
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    schema_ = std::make_unique<PgTestSchema>("r_" + name.substr(0, 50));
    reader_ = std::make_unique<PgTestConn>(schema_->conninfo());
  }
  std::vector<std::string> Env() {
    return {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey, std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey,
            "BILLPIPE_HOME=" + home_.path().string(), "AWS_REGION=us-east-1"};
  }
  std::string To() const { return "postgresql:" + schema_->conninfo(); }

  static S3TestServer* server_;
  TempDir home_;
  std::unique_ptr<PgTestSchema> schema_;
  std::unique_ptr<PgTestConn> reader_;
};
S3TestServer* PostgresRunTest::server_ = nullptr;

TEST_F(PostgresRunTest, GeneratedReportsLoadWithExactTotalsAndVerify) {
  TempDir gen;
  auto g = RunBillpipe({"curgen", "--out", (gen.path() / "billing").string(), "--bucket", "billing", "--prefix", "cur",
                        "--report-name", "gen", "--start-month", "2026-08", "--quiet", "--months", "3",
                        "--line-items", "4000", "--files", "3", "--assemblies", "2", "--invoiced-months", "2"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  std::ifstream in(gen.path() / "billing/expected.json");
  auto expected = nlohmann::json::parse(in);
  UploadDir(server_->endpoint(), gen.path() / "billing", "billing");

  std::vector<std::string> run = {"run", "--bucket", "billing", "--prefix", "cur", "--report-name", "gen",
                                  "--start", "2026-08-01", "--end", "2026-10-31", "--endpoint-url",
                                  server_->endpoint(), "--to", To(), "--workers", "2", "--json"};
  auto r = RunBillpipe(run, Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  int64_t rows = 0;
  for (size_t i = 0; i < expected["periods"].size(); ++i) {
    const auto& p = expected["periods"][i];
    std::string bp = p["billing_period_start"].get<std::string>();
    SCOPED_TRACE(bp);
    EXPECT_EQ(summary["periods"][i]["unblended_cost"], p["unblended_cost"]);
    // What a reader of the view gets: exact sums, NUMERIC.
    EXPECT_EQ(reader_->One(fmt::format("SELECT count(*) || ' ' || sum(line_item_unblended_cost) FROM gen WHERE "
                                       "billing_period = '{}'", bp)),
              fmt::format("{} {}", p["rows"].get<int64_t>(), p["unblended_cost"].get<std::string>()));
    EXPECT_EQ(reader_->One(fmt::format("SELECT sum(line_item_blended_cost) FROM gen WHERE billing_period = '{}'", bp)),
              p["blended_cost"].get<std::string>());
    for (const auto& [code, totals] : p["by_product_code"].items()) {
      EXPECT_EQ(reader_->One(fmt::format("SELECT count(*) || ' ' || sum(line_item_unblended_cost) FROM gen WHERE "
                                         "billing_period = '{}' AND line_item_product_code = '{}'", bp, code)),
                fmt::format("{} {}", totals["rows"].get<int64_t>(), totals["unblended_cost"].get<std::string>()))
          << code;
    }
    rows += p["rows"].get<int64_t>();
  }
  EXPECT_EQ(summary["line_items_loaded"], rows);

  auto again = RunBillpipe(run, Env());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["message"], "Nothing new: every period in the window is up to date.");

  auto verify = RunBillpipe({"verify", "--bucket", "billing", "--prefix", "cur", "--report-name", "gen", "--endpoint-url",
                             server_->endpoint(), "--to", To()},
                            Env());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto status = RunBillpipe({"status", "--table", "gen", "--to", To(), "--json"}, Env());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"final\""), std::string::npos) << status.out;
}

// n lines spread over the days of 2026-MM, each costing `cost`.
std::vector<Line> Lines(int month, int n, const std::string& cost) {
  std::vector<Line> out;
  for (int i = 0; i < n; ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-%02d-%02dT%02d:00:00Z", month, 1 + i % 28, i % 24);
    out.push_back(Line{ts, cost, "", "AmazonEC2", ""});
  }
  return out;
}

TEST_F(PostgresRunTest, AConnectionKilledMidLoadFailsClearlyAndTheNextRunFinishesTheJob) {
  auto write = [&](const std::string& suffix, int rows_per_file, const std::string& cost) {
    UploadCurLayout(S3UploadOptions(server_->endpoint()), "billing", [&](CurFixture& f) {
      for (int month : {9, 10}) {
        std::vector<std::vector<Line>> files(3, Lines(month, rows_per_file, cost));
        f.WritePeriod(2026, month, "k" + suffix + "-" + std::to_string(month), files, false, false, "killed");
      }
    });
  };
  auto store = s3::MakeClient(S3UploadOptions(server_->endpoint()));
  ASSERT_TRUE(store);
  FakeClock clock{SysTime(std::chrono::milliseconds(1795000000000))};  // 2026-11-17
  pipeline::RunRequest req;
  req.dataset = "killed";
  req.bucket = "billing";
  req.prefix = "cur";
  req.report_name = "killed";
  req.duration = pipeline::Duration{*pipeline::DateSpec::Parse("2026-09-01"), *pipeline::DateSpec::Parse("2026-10-31")};
  req.workers = 2;
  auto run = [&](std::function<void(std::string_view)> checkpoint) -> Result<pipeline::RunSummary> {
    BP_ASSIGN_OR_RETURN(auto sink, sink::PostgresSink::Open(schema_->conninfo(), clock));
    int batches = 0;
    pipeline::RunEnvironment env{**store, *sink, clock, home_.path() / "locks", nullptr, nullptr, nullptr, nullptr};
    if (checkpoint) {
      env.checkpoint = [&, pid = sink->BackendPid()](std::string_view step) {
        if (step == "batch" && ++batches == 12) {
          EXPECT_EQ(reader_->One(fmt::format("SELECT pg_terminate_backend({})", pid)), "t");
        }
        checkpoint(step);
      };
    }
    return pipeline::RunDataset(req, env);
  };
  auto totals = [&] {
    return reader_->One("SELECT count(*) || ' ' || sum(line_item_unblended_cost) FROM killed");
  };

  write("1", 1000, "0.0100000000");
  auto first = run(nullptr);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(totals(), "6000 60.0000000000");

  write("2", 10000, "0.0010000000");  // 60,000 lines: about 30 batches, two chunks
  auto killed = run([](std::string_view) {});
  ASSERT_FALSE(killed);
  EXPECT_EQ(killed.error().code, ErrorCode::kRetryable);
  EXPECT_NE(killed.error().message.find("Lost the connection to PostgreSQL"), std::string::npos)
      << killed.error().message;
  EXPECT_TRUE(killed.error().message.ends_with("Nothing of this run is visible; run it again."))
      << killed.error().message;
  EXPECT_EQ(totals(), "6000 60.0000000000");

  auto next = run(nullptr);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->line_items_loaded, 60000);
  EXPECT_EQ(totals(), "60000 60.0000000000");
  // The killed run's segments (a committed chunk) were collected by this one.
  EXPECT_EQ(reader_->One("SELECT count(*) FROM _billpipe_segments s WHERE NOT EXISTS (SELECT 1 FROM "
                         "_billpipe_version_segments v WHERE v.segment_id = s.id)"),
            "0");
  EXPECT_EQ(reader_->One("SELECT count(*) FROM pg_class WHERE relname ~ '^killed__s[0-9]+$' AND relnamespace = "
                         "current_schema()::regnamespace"),
            "4");  // two periods, the current version and the one kept
}

}  // namespace
}  // namespace billpipe::testing
