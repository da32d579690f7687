// The Data Center's API against a real `billpipe serve --http` over HTTP, with the S3 double: the
// whole flow (an account with a wrong secret, then the right one; the Report Name menu; a dataset; the
// Load Preview; a run with its progress stream; periods with exact totals; cost series), and the access
// rules (a token off loopback, 401 without it; a cross-site POST refused; a rebound Host refused; an
// oversized body refused). Every response body of the suite is scanned for the secret key and the
// master key.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../aws/aws_doubles.h"
#include "aws/auth_failed.h"
#include "cur_fixture.h"
#include "cur_upload.h"
#include "s3/bucket_name.h"
#include "table/decimal.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using nlohmann::json;
using pipeline::testing::CurFixture;
using pipeline::testing::Line;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kMasterKey(64, 'b');
const std::string kToken = "0123456789abcdef-test-token";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Days from..to of a month of 2026, one line each of `cost`, of `product`, invoiced or not.
std::vector<Line> Days(int month, int from, int to, const std::string& cost, const std::string& product,
                       const std::string& invoice) {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    out.push_back(Line{fmt::format("2026-{:02d}-{:02d}T00:00:00Z", month, d), cost, invoice, product, ""});
  }
  return out;
}

// The same value, whatever the scale: "38.750" and "38.75" are equal.
bool SameAmount(const std::string& a, const std::string& b) {
  auto x = table::Decimal::Parse(a);
  auto y = table::Decimal::Parse(b);
  return x && y && *x == *y;
}

// Every body seen by the suite, for the secret scan.
std::vector<std::string>& Bodies() {
  static std::vector<std::string> bodies;
  return bodies;
}

struct Answer {
  int status = 0;
  json body;
  std::string raw;
  httplib::Headers headers;
};

class DataCenterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s3_ = S3TestServer::Start().release();
    UploadCurLayout(S3UploadOptions(s3_->endpoint()), "billing", [](CurFixture& f) {
      // October: invoiced (final), 31 days of EC2 at 1.25 and 10 days of S3 at 0.5.
      f.WritePeriod(2026, 10, "oct1", {Days(10, 1, 31, "1.25", "AmazonEC2", "INV-1"),
                                      Days(10, 1, 10, "0.5", "AmazonS3", "INV-1")});
      // November: estimated, 5 days of EC2 at 2.125.
      f.WritePeriod(2026, 11, "nov1", {Days(11, 1, 5, "2.125", "AmazonEC2", "")});
    });
  }
  static void TearDownTestSuite() {
    delete s3_;
    for (const auto& body : Bodies()) {
      EXPECT_EQ(body.find(kTestSecretKey), std::string::npos) << body;
      EXPECT_EQ(body.find(kMasterKey), std::string::npos) << body;
      EXPECT_EQ(body.find(kTestAccessKey), std::string::npos) << "an unmasked key id: " << body;
    }
  }

  void TearDown() override {
    for (pid_t pid : daemons_) {
      ::kill(pid, SIGTERM);
      int status = 0;
      for (int i = 0; i < 200 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(milliseconds(50));
      if (::kill(pid, 0) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    // The secret is in no output of serve and no file of the data directory.
    std::string out = ReadFile(tmp_.path() / "serve.out");
    EXPECT_EQ(out.find(kTestSecretKey), std::string::npos) << out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(tmp_.path())) {
      if (e.is_regular_file()) {
        EXPECT_EQ(ReadFile(e.path()).find(kTestSecretKey), std::string::npos) << e.path();
      }
    }
  }

  std::filesystem::path home() const { return tmp_.path() / "home"; }
  std::vector<std::string> Env(const std::string& token = "") const {
    std::vector<std::string> env = {"BILLPIPE_HOME=" + home().string(), "BILLPIPE_MASTER_KEY=" + kMasterKey,
                                    "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE="};
    env.push_back("BILLPIPE_TOKEN=" + token);
    env.insert(env.end(), extra_env_.begin(), extra_env_.end());
    return env;
  }

  // Starts serve with the Data Center on host:0 and returns the port it printed (0 if it did not start).
  int Serve(const std::string& host, const std::string& token = "") {
    pid_t pid = SpawnBillpipe({"serve", "--poll", "1s", "--http", host + ":0"}, Env(token), tmp_.path() / "serve.out");
    daemons_.push_back(pid);
    std::regex url(R"(billpipe Data Center: http://[^:]+:(\d+)/)");
    for (int i = 0; i < 600; ++i) {
      std::smatch m;
      std::string out = ReadFile(tmp_.path() / "serve.out");
      if (std::regex_search(out, m, url)) {
        host_ = host;
        port_ = std::stoi(m[1]);
        return port_;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    ADD_FAILURE() << "serve did not start: " << ReadFile(tmp_.path() / "serve.out");
    return 0;
  }

  Answer Call(const std::string& method, const std::string& path, const std::string& body = "",
              httplib::Headers headers = {}) {
    httplib::Client client(host_, port_);
    client.set_read_timeout(60, 0);
    if (bearer_) headers.emplace("Authorization", "Bearer " + kToken);
    auto send = [&]() -> httplib::Result {
      if (method == "POST") return client.Post(path.c_str(), headers, body, "application/json");
      if (method == "PUT") return client.Put(path.c_str(), headers, body, "application/json");
      if (method == "PATCH") return client.Patch(path.c_str(), headers, body, "application/json");
      if (method == "DELETE") return client.Delete(path.c_str(), headers);
      return client.Get(path.c_str(), headers);
    };
    httplib::Result r = send();
    Answer a;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": httplib error " << static_cast<int>(r.error());
      return a;
    }
    a.status = r->status;
    a.raw = r->body;
    a.headers = r->headers;
    Bodies().push_back(r->body);
    a.body = json::parse(r->body, nullptr, false);
    return a;
  }

  json AccountBody(const std::string& secret) const {
    return {{"name", "main"},
            {"access_key_id", kTestAccessKey},
            {"secret_access_key", secret},
            {"endpoint", s3_->endpoint()}};
  }

  json DatasetBody() const {
    return {{"name", "costs"},
            {"description", "AWS costs"},
            {"account", "main"},
            {"details",
             {{"report_type", "cost-and-usage"},
              {"filter", "all"},
              {"bucket", "billing"},
              {"prefix", "cur"},
              {"report_name", "daily"},
              {"start", "2026-10-01"},
              {"end", "2026-11-30"}}},
            {"scheduling", {{"schedule", "manual"}, {"retry", "never"}, {"update_method", "replace"}}}};
  }

  static S3TestServer* s3_;
  TempDir tmp_;
  std::vector<pid_t> daemons_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  bool bearer_ = false;
  std::vector<std::string> extra_env_;  // for serve
};
S3TestServer* DataCenterTest::s3_ = nullptr;

TEST_F(DataCenterTest, TheWholeFlowFromAccountToCostSeries) {
  ASSERT_GT(Serve("127.0.0.1"), 0);
  auto health = Call("GET", "/api/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["status"], "ok");
  EXPECT_EQ(health.body["version"], BILLPIPE_VERSION);

  // A wrong secret: 422 with the exact authentication message, and nothing saved.
  auto wrong = Call("POST", "/api/accounts", AccountBody("wrongSecretKeyWrongSecretKeyWrong0000").dump());
  EXPECT_EQ(wrong.status, 422) << wrong.raw;
  EXPECT_EQ(wrong.body["code"], "auth");
  std::string error = wrong.body.value("error", "");
  EXPECT_TRUE(error.starts_with(aws::kAuthFailedMessage)) << error;
  EXPECT_NE(error.find("SignatureDoesNotMatch"), std::string::npos) << error;
  EXPECT_EQ(Call("GET", "/api/accounts").body, json::array());

  // The right secret: saved, the key id masked.
  auto added = Call("POST", "/api/accounts", AccountBody(kTestSecretKey).dump());
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["name"], "main");
  EXPECT_EQ(added.body["access_key_id"], "AKIA…TKEY");
  auto tested = Call("POST", "/api/accounts/main/test", R"({"bucket":"billing"})");
  EXPECT_EQ(tested.status, 200) << tested.raw;

  // The Report Name menu: a bucket name with a slash is refused with the rule's message.
  auto bad_bucket = Call("GET", "/api/reports?account=main&bucket=bill%2Fing&prefix=cur");
  EXPECT_EQ(bad_bucket.status, 400) << bad_bucket.raw;
  EXPECT_EQ(bad_bucket.body["code"], "invalid_argument");
  EXPECT_EQ(bad_bucket.body["error"], s3::ValidateBucketName("bill/ing").error().message);
  auto reports = Call("GET", "/api/reports?account=main&bucket=billing&prefix=cur");
  ASSERT_EQ(reports.status, 200) << reports.raw;
  ASSERT_EQ(reports.body["reports"].size(), 1u) << reports.raw;
  EXPECT_EQ(reports.body["reports"][0]["name"], "daily");
  EXPECT_EQ(reports.body["reports"][0]["kind"], "cost-and-usage");
  ASSERT_EQ(reports.body["reports"][0]["periods"].size(), 2u);
  EXPECT_EQ(reports.body["reports"][0]["periods"][0]["period"], "2026-10");
  EXPECT_EQ(reports.body["reports"][0]["periods"][0]["version"], "oct1");

  // The Load Preview of a draft, then the dataset, shown with the TOML export's nesting.
  json draft = DatasetBody();
  auto draft_preview = Call("POST", "/api/preview?rows=2", draft.dump());
  ASSERT_EQ(draft_preview.status, 200) << draft_preview.raw;
  EXPECT_EQ(draft_preview.body["rows"].size(), 2u);
  auto created = Call("POST", "/api/datasets", DatasetBody().dump());
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["details"]["bucket"], "billing");
  EXPECT_EQ(created.body["details"]["start"], "2026-10-01");
  EXPECT_EQ(created.body["details"]["end"], "2026-11-30");
  EXPECT_EQ(created.body["scheduling"]["schedule"], "manual");
  auto shown = Call("GET", "/api/datasets/costs");
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body["account"], "main");
  EXPECT_EQ(shown.body["last_run"], nullptr);
  auto duplicate = Call("POST", "/api/datasets", DatasetBody().dump());
  EXPECT_EQ(duplicate.status, 409) << duplicate.raw;

  auto preview = Call("GET", "/api/datasets/costs/preview?rows=3");
  ASSERT_EQ(preview.status, 200) << preview.raw;
  ASSERT_EQ(preview.body["rows"].size(), 3u);
  bool has_cost = false;
  for (const auto& c : preview.body["columns"]) has_cost |= c["name"] == "line_item_unblended_cost";
  EXPECT_TRUE(has_cost) << preview.raw;

  // Run now: 202 with the daemon's run id; its progress stream ends with the run.
  auto started = Call("POST", "/api/datasets/costs/runs");
  ASSERT_EQ(started.status, 202) << started.raw;
  ASSERT_TRUE(started.body["run_id"].is_number()) << started.raw;
  int64_t run_id = started.body["run_id"];
  std::string stream;
  {
    httplib::Client client(host_, port_);
    client.set_read_timeout(120, 0);
    auto r = client.Get(fmt::format("/api/runs/{}/events", run_id).c_str(), [&](const char* data, size_t n) {
      stream.append(data, n);
      return true;
    });
    ASSERT_TRUE(r) << "httplib error " << static_cast<int>(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  }
  Bodies().push_back(stream);
  auto end = stream.rfind("event: end\ndata: ");
  ASSERT_NE(end, std::string::npos) << stream;
  json ended = json::parse(stream.substr(end + 17, stream.find('\n', end + 17) - end - 17));
  EXPECT_EQ(ended["state"], "succeeded") << ended.dump();
  EXPECT_EQ(ended["id"], run_id);

  auto run = Call("GET", fmt::format("/api/runs/{}", run_id));
  ASSERT_EQ(run.status, 200);
  EXPECT_EQ(run.body["state"], "succeeded") << run.raw;
  EXPECT_EQ(run.body["trigger"], "manual");
  EXPECT_EQ(run.body["line_items"], 46);
  EXPECT_EQ(run.body["progress"]["line_items"], 46) << run.raw;
  EXPECT_EQ(run.body["progress"]["files_done"], run.body["progress"]["files_total"]);
  ASSERT_EQ(run.body["summary"]["periods"].size(), 2u) << run.raw;
  EXPECT_TRUE(SameAmount(run.body["summary"]["periods"][0]["unblended_cost"], "43.75")) << run.raw;
  EXPECT_TRUE(SameAmount(run.body["summary"]["periods"][1]["unblended_cost"], "10.625")) << run.raw;
  auto runs = Call("GET", "/api/runs?dataset=costs");
  ASSERT_EQ(runs.body.size(), 1u);
  EXPECT_EQ(runs.body[0]["id"], run_id);

  // Periods with exact totals: October final 31 × 1.25 + 10 × 0.5 = 43.75; November estimated 5 × 2.125.
  auto periods = Call("GET", "/api/datasets/costs/periods");
  ASSERT_EQ(periods.status, 200) << periods.raw;
  ASSERT_EQ(periods.body["periods"].size(), 2u) << periods.raw;
  const auto& oct = periods.body["periods"][0];
  const auto& nov = periods.body["periods"][1];
  EXPECT_EQ(oct["period"], "2026-10");
  EXPECT_EQ(oct["status"], "final");
  EXPECT_EQ(oct["line_items"], 41);
  EXPECT_EQ(oct["version"], "oct1");
  EXPECT_TRUE(SameAmount(oct["unblended_cost"], "43.75")) << oct.dump();
  EXPECT_EQ(nov["status"], "estimated");
  EXPECT_EQ(nov["line_items"], 5);
  EXPECT_TRUE(SameAmount(nov["unblended_cost"], "10.625")) << nov.dump();

  // Cost series: by month and service, exact, and each month's sum is its period's total.
  auto by_month = Call("GET", "/api/datasets/costs/costs?group_by=service&granularity=month");
  ASSERT_EQ(by_month.status, 200) << by_month.raw;
  json expected_month = {{"series",
                          {{{"key", "AmazonEC2"},
                            {"points", {{{"date", "2026-10-01"}, {"cost", "38.75"}},
                                        {{"date", "2026-11-01"}, {"cost", "10.625"}}}}},
                           {{"key", "AmazonS3"}, {"points", {{{"date", "2026-10-01"}, {"cost", "5.0"}}}}}}}};
  EXPECT_EQ(by_month.body, expected_month) << by_month.raw;
  // From the rollup the run wrote with its rows; the same from the rows.
  ASSERT_TRUE(by_month.headers.count("X-Billpipe-Costs-Source"));
  EXPECT_EQ(by_month.headers.find("X-Billpipe-Costs-Source")->second, "rollup");
  auto from_rows = Call("GET", "/api/datasets/costs/costs?group_by=service&granularity=month&source=rows");
  ASSERT_EQ(from_rows.status, 200) << from_rows.raw;
  EXPECT_EQ(from_rows.headers.find("X-Billpipe-Costs-Source")->second, "rows");
  EXPECT_EQ(from_rows.body, expected_month) << from_rows.raw;
  // By day, in a window: 2026-10-30 to 2026-11-02.
  auto by_day = Call("GET", "/api/datasets/costs/costs?group_by=service&granularity=day&start=2026-10-30&end=2026-11-02");
  ASSERT_EQ(by_day.status, 200) << by_day.raw;
  json expected_day = {{"series",
                        {{{"key", "AmazonEC2"},
                          {"points", {{{"date", "2026-10-30"}, {"cost", "1.25"}},
                                      {{"date", "2026-10-31"}, {"cost", "1.25"}},
                                      {{"date", "2026-11-01"}, {"cost", "2.125"}},
                                      {{"date", "2026-11-02"}, {"cost", "2.125"}}}}}}}};
  EXPECT_EQ(by_day.body, expected_day) << by_day.raw;
  auto bad_group = Call("GET", "/api/datasets/costs/costs?group_by=colour");
  EXPECT_EQ(bad_group.status, 400);
  EXPECT_EQ(bad_group.body["error"],
            "Unknown group_by 'colour': give service, account, region, usage_type or line_item_type.");

  // The list shows the last run; the account cannot be deleted while the dataset uses it.
  auto list = Call("GET", "/api/datasets");
  ASSERT_EQ(list.body.size(), 1u);
  EXPECT_EQ(list.body[0]["last_run"]["status"], "succeeded");
  EXPECT_EQ(list.body[0]["line_items"], 46);
  auto refused = Call("DELETE", "/api/accounts/main");
  EXPECT_EQ(refused.status, 409) << refused.raw;
  EXPECT_NE(refused.body.value("error", "").find("costs"), std::string::npos) << refused.raw;

  // Edit (PUT with the shown document) and delete.
  json edit = shown.body;
  edit["description"] = "edited";
  auto put = Call("PUT", "/api/datasets/costs?check=false", edit.dump());
  EXPECT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["description"], "edited");
  EXPECT_EQ(Call("GET", "/api/datasets/nope").status, 404);
  EXPECT_EQ(Call("GET", "/api/nothing-here").body["code"], "not_found");
  EXPECT_EQ(Call("DELETE", "/api/datasets/costs").status, 200);
  EXPECT_EQ(Call("DELETE", "/api/accounts/main").status, 200);
}

// A role account through the API (the STS double assumes the role with the base account's keys and
// the external id; the S3 double takes the keys it issues), and a dataset with a PostgreSQL destination
// whose password is sent once and never shown back.
TEST_F(DataCenterTest, RoleAccountAndDestinationPasswordThroughTheApi) {
  auto& doubles = aws::test::SharedSignInDoubles();
  extra_env_ = {"AWS_ENDPOINT_URL_STS=" + doubles.aws->endpoint(), "AWS_REGION=us-east-1",
                "AWS_EC2_METADATA_DISABLED=true"};
  ASSERT_GT(Serve("127.0.0.1"), 0);
  json payer = {{"name", "payer"}, {"access_key_id", kTestAccessKey}, {"secret_access_key", kTestSecretKey},
                {"endpoint", doubles.s3->endpoint()}};
  ASSERT_EQ(Call("POST", "/api/accounts", payer.dump()).status, 201);

  json role = {{"name", "reader"},
               {"role_arn", aws::test::kRoleWithExternalId},
               {"external_id", "bp-not-the-agreed-id"},
               {"source_account", "payer"},
               {"endpoint", doubles.s3->endpoint()},
               {"test_bucket", "billing"}};
  auto refused = Call("POST", "/api/accounts", role.dump());
  EXPECT_EQ(refused.status, 422) << refused.raw;
  EXPECT_NE(refused.body.value("error", "").find(std::string("Could not assume the role ") +
                                                 aws::test::kRoleWithExternalId),
            std::string::npos)
      << refused.raw;
  EXPECT_EQ(Call("GET", "/api/accounts/reader").status, 404);

  int assumed = doubles.aws->Count("AssumeRole");
  role["external_id"] = aws::test::kExternalId;
  auto added = Call("POST", "/api/accounts", role.dump());
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_GT(doubles.aws->Count("AssumeRole"), assumed);
  EXPECT_EQ(doubles.aws->Calls()["lastExternalId"], aws::test::kExternalId);
  EXPECT_EQ(added.body["source"], "role");
  EXPECT_EQ(added.body["role_arn"], aws::test::kRoleWithExternalId);
  EXPECT_EQ(added.body["external_id"], "…7f3a");
  EXPECT_EQ(added.body["source_account"], "payer");
  auto listed = Call("GET", "/api/accounts");
  ASSERT_EQ(listed.body.size(), 2u) << listed.raw;
  EXPECT_EQ(listed.body[1]["name"], "reader");
  EXPECT_EQ(listed.body[1]["external_id"], "…7f3a");

  // A dataset on it, into PostgreSQL, with the destination's password sent once.
  const std::string password = "pg-api-secret-31c7";
  json dataset = {{"name", "pg_costs"},
                  {"account", "reader"},
                  {"destination", "postgresql://billing@127.0.0.1:1/costs"},
                  {"destination_password", password},
                  {"details",
                   {{"bucket", "billing"}, {"prefix", "cur"}, {"report_name", "daily"}, {"start", "2026-10-01"},
                    {"end", "2026-10-31"}}},
                  {"scheduling", {{"schedule", "manual"}}}};
  auto created = Call("POST", "/api/datasets?check=false", dataset.dump());
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["destination"], "postgresql://billing@127.0.0.1:1/costs");
  EXPECT_EQ(created.body["destination_password"], "********");
  // Sent back as shown, the stored password stays; the costs of a PostgreSQL destination are 501.
  json shown = Call("GET", "/api/datasets/pg_costs").body;
  EXPECT_EQ(shown["destination_password"], "********");
  auto put = Call("PUT", "/api/datasets/pg_costs?check=false", shown.dump());
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["destination_password"], "********");
  auto costs = Call("GET", "/api/datasets/pg_costs/costs");
  EXPECT_EQ(costs.status, 501) << costs.raw;
  EXPECT_EQ(costs.body["error"],
            "Cost charts are served for SQLite destinations only, for now (docs/datacenter.md): this dataset loads "
            "into postgresql.");
  // Nothing of the secrets in any answer.
  for (const auto& body : Bodies()) {
    EXPECT_EQ(body.find(password), std::string::npos) << body;
    EXPECT_EQ(body.find(aws::test::kExternalId), std::string::npos) << body;
  }
  // Stored sealed: the password is in no file of the data directory.
  for (const auto& e : std::filesystem::recursive_directory_iterator(home())) {
    if (e.is_regular_file()) {
      EXPECT_EQ(ReadFile(e.path()).find(password), std::string::npos) << e.path();
    }
  }
}

TEST_F(DataCenterTest, OffLoopbackServeRefusesToStartWithoutAToken) {
  auto r = RunBillpipe({"serve", "--http", "0.0.0.0:0"}, Env());
  EXPECT_EQ(r.exit_code, 2) << r.err;  // a usage error
  EXPECT_NE(r.err.find("Refusing to serve the Data Center on 0.0.0.0 without a token"), std::string::npos) << r.err;
  auto bad = RunBillpipe({"serve", "--http", "nowhere"}, Env());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'nowhere' is not an address to listen on"), std::string::npos) << bad.err;
}

TEST_F(DataCenterTest, WithATokenEveryApiRequestNeedsIt) {
  ASSERT_GT(Serve("127.0.0.2", kToken), 0);
  auto anonymous = Call("GET", "/api/accounts");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.body["code"], "unauthorized");
  auto wrong = Call("GET", "/api/accounts", "", {{"Authorization", "Bearer not-the-token-at-all"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Call("GET", "/api/health").status, 200);  // the health check needs none
  bearer_ = true;
  EXPECT_EQ(Call("GET", "/api/accounts").status, 200);
  bearer_ = false;
  // The login sets an HttpOnly, SameSite=Strict cookie that stands for the token.
  auto login = Call("POST", "/api/login", json{{"token", kToken}}.dump());
  ASSERT_EQ(login.status, 200);
  std::string cookie;
  for (const auto& [k, v] : login.headers) {
    if (k == "Set-Cookie") cookie = v;
  }
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_EQ(Call("GET", "/api/accounts", "", {{"Cookie", cookie.substr(0, cookie.find(';'))}}).status, 200);
  EXPECT_EQ(Call("POST", "/api/login", json{{"token", "wrong-token-wrong-token"}}.dump()).status, 401);
}

TEST_F(DataCenterTest, CrossSiteRequestsReboundHostsAndOversizedBodiesAreRefused) {
  ASSERT_GT(Serve("127.0.0.1"), 0);
  auto cross = Call("POST", "/api/accounts", AccountBody(kTestSecretKey).dump(), {{"Origin", "http://evil.example"}});
  EXPECT_EQ(cross.status, 403) << cross.raw;
  EXPECT_EQ(cross.body["code"], "cross_origin");
  auto fetch_site = Call("DELETE", "/api/accounts/main", "", {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(fetch_site.status, 403);
  EXPECT_EQ(Call("GET", "/api/accounts").body, json::array());  // nothing was created
  // Same origin is fine (the page's own requests).
  auto same = Call("POST", "/api/accounts", AccountBody(kTestSecretKey).dump(),
                   {{"Origin", fmt::format("http://127.0.0.1:{}", port_)}});
  EXPECT_EQ(same.status, 201) << same.raw;

  auto rebound = Call("GET", "/api/accounts", "", {{"Host", "evil.example"}});
  EXPECT_EQ(rebound.status, 403);
  EXPECT_EQ(rebound.body["code"], "host_not_allowed");

  std::string huge = json{{"name", std::string(200 * 1024, 'x')}}.dump();
  auto too_big = Call("POST", "/api/accounts", huge);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.body["code"], "body_too_large");
  EXPECT_EQ(Call("GET", "/api/accounts").body.size(), 1u);

  // The page and its assets come from the binary, with a strict content security policy.
  auto page = Call("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.raw.find("Data Center"), std::string::npos);
  EXPECT_EQ(Call("GET", "/assets/../../etc/passwd").status, 404);
}

}  // namespace
}  // namespace billpipe::testing
