// Catalog datasets by name, as a user runs them against the S3 double: dataset delete dropping the data,
// status / verify NAME, the report check of dataset create / edit / import, account tests without a
// bucket (ListBuckets). Every command's output is checked for the secrets.
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_fixture.h"
#include "cur_upload.h"
#include "sqlite_query.h"
#include "pipeline/run_lock.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::testing {
namespace {

using pipeline::testing::CurFixture;
using pipeline::testing::Line;

constexpr const char* kWrongSecret = "wJalrXUtnFEMI/K7MDENG/WRONGSECRETVALUE00";

std::vector<Line> Days(int month, int from, int to, const std::string& cost, const std::string& invoice = "") {
  std::vector<Line> out;
  for (int d = from; d <= to; ++d) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-%02d-%02dT00:00:00Z", month, d);
    out.push_back(Line{ts, cost, invoice, "AmazonS3", ""});
  }
  return out;
}

class CatalogByNameTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = S3TestServer::Start().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Writes a CUR layout locally and uploads every file to the S3 double.
  static void Upload(const std::function<void(CurFixture&)>& write) {
    UploadCurLayout(S3UploadOptions(server_->endpoint()), "billing", write);
  }

  // Runs billpipe in the test's data directory with no AWS keys in the environment (the account's are
  // used), the secrets in environment variables only; every output is checked for them.
  CommandResult Run(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    env.insert(env.end(), {"BILLPIPE_HOME=" + home_.path().string(), "BILLPIPE_MASTER_KEY=", "AWS_ACCESS_KEY_ID=",
                           "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=", "AWS_REGION=us-east-1",
                           std::string("GOOD_SECRET=") + kTestSecretKey, std::string("BAD_SECRET=") + kWrongSecret});
    auto r = RunBillpipe(args, env);
    for (const char* secret : {kTestSecretKey, kWrongSecret}) {
      EXPECT_EQ(r.out.find(secret), std::string::npos) << "secret in the output of " << args[0];
      EXPECT_EQ(r.err.find(secret), std::string::npos) << "secret in the errors of " << args[0];
    }
    return r;
  }
  CommandResult AddAccount(const std::string& name, bool good = true, bool test = true) {
    std::vector<std::string> args = {"account", "add", "--name", name, "--access-key-id", kTestAccessKey,
                                     "--secret-env", good ? "GOOD_SECRET" : "BAD_SECRET", "--endpoint",
                                     server_->endpoint()};
    if (!test) args.push_back("--no-test");
    return Run(args);
  }
  CommandResult Create(const std::string& name, const std::string& report, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"dataset", "create", name, "--account", "main", "--bucket", "billing",
                                     "--prefix", "cur", "--report", report, "--start", "2026-11-01", "--end",
                                     "2026-11-30"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }
  std::string Db() const { return (home_.path() / "billpipe.db").string(); }
  std::string Destination() const { return "sqlite:" + Db(); }

  static S3TestServer* server_;
  TempDir home_;
};
S3TestServer* CatalogByNameTest::server_ = nullptr;

TEST_F(CatalogByNameTest, DeleteDropsTheDatasetsData) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "g1", {Days(11, 1, 10, "0.5")}, false, false, "gone"); });
  ASSERT_EQ(AddAccount("main").exit_code, 0);
  auto created = Create("gone", "gone");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_EQ(Run({"run", "gone"}).exit_code, 0);
  ASSERT_EQ(QueryOne(Db(), "SELECT count(*) FROM gone"), "10");

  // No terminal and no --yes: refused, nothing dropped.
  auto ask = Run({"dataset", "delete", "gone"});
  EXPECT_EQ(ask.exit_code, 2);
  EXPECT_EQ(ask.err, "billpipe: Deleting 'gone' drops its data: confirm with --yes, or keep the data with --keep-data.\n");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM gone"), "10");

  // While a run holds the dataset's lock, nothing is dropped and the definition stays.
  {
    auto lock = pipeline::RunLock::Acquire(home_.path() / "locks", "gone", "a test run");
    ASSERT_TRUE(lock) << lock.error().message;
    auto busy = Run({"dataset", "delete", "gone", "--yes"});
    EXPECT_EQ(busy.exit_code, 1);
    EXPECT_TRUE(busy.err.starts_with("billpipe: Dataset 'gone' is already being loaded (a test run).")) << busy.err;
    EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM gone"), "10");
    EXPECT_EQ(Run({"dataset", "show", "gone"}).exit_code, 0);
  }

  auto del = Run({"dataset", "delete", "gone", "--yes"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "Deleted dataset 'gone' and dropped its data from " + Destination() + ".\n");
  // The view, its rows table, its versions and its state are gone.
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM sqlite_master WHERE name LIKE '%gone%'"), "0");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM _billpipe_segments WHERE dataset = 'gone'"), "0");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM _billpipe_versions WHERE dataset = 'gone'"), "0");

  auto status = Run({"status", "gone"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_EQ(status.err,
            "billpipe: No dataset named 'gone': there are no datasets yet. Create one with 'billpipe dataset create'.\n");
  auto by_table = Run({"status", "--table", "gone"});
  EXPECT_EQ(by_table.exit_code, 1);
  EXPECT_EQ(by_table.err, "billpipe: Dataset 'gone' has not been loaded into " + Destination() +
                              " yet. Load it with billpipe run.\n");
  auto runs = Run({"runs", "gone"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;  // the history (if any) is kept
}

TEST_F(CatalogByNameTest, DeleteKeepDataKeepsTheRows) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "k1", {Days(11, 1, 7, "1")}, false, false, "kept"); });
  ASSERT_EQ(AddAccount("main").exit_code, 0);
  ASSERT_EQ(Create("kept", "kept").exit_code, 0);
  ASSERT_EQ(Run({"run", "kept"}).exit_code, 0);
  auto del = Run({"dataset", "delete", "kept", "--keep-data"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "Deleted dataset 'kept'; its data is kept.\n");
  EXPECT_EQ(QueryOne(Db(), "SELECT count(*) FROM kept"), "7");
  auto status = Run({"status", "--table", "kept"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
}

TEST_F(CatalogByNameTest, DeleteOfANeverLoadedDatasetCreatesNothing) {
  ASSERT_EQ(AddAccount("main", true, false).exit_code, 0);
  ASSERT_EQ(Create("fresh", "whatever", {"--no-check"}).exit_code, 0);
  auto del = Run({"dataset", "delete", "fresh", "--yes"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "Deleted dataset 'fresh'; it had no data (it was never loaded).\n");
  EXPECT_FALSE(std::filesystem::exists(Db()));
}

TEST_F(CatalogByNameTest, StatusAndVerifyByName) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "s1", {Days(11, 1, 10, "0.25")}, false, false, "named"); });
  ASSERT_EQ(AddAccount("main").exit_code, 0);
  ASSERT_EQ(Create("named", "named").exit_code, 0);

  auto before = Run({"status", "named"});
  EXPECT_EQ(before.exit_code, 1);
  EXPECT_EQ(before.err, "billpipe: Dataset 'named' has not been loaded into " + Destination() +
                            " yet. Load it with billpipe run named.\n");

  ASSERT_EQ(Run({"run", "named"}).exit_code, 0);
  auto status = Run({"status", "named"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(status.out.starts_with("Dataset named in " + Destination() + ", version 1\n")) << status.out;
  EXPECT_EQ(status.out, Run({"status", "--table", "named"}).out);  // the flag form still works, alike
  auto json = nlohmann::json::parse(Run({"status", "named", "--json"}).out);
  ASSERT_EQ(json["periods"].size(), 1u);
  EXPECT_EQ(json["periods"][0]["billing_period"], "2026-11-01");
  EXPECT_EQ(json["periods"][0]["line_items"], 10);
  EXPECT_EQ(json["periods"][0]["unblended_cost"], "2.50");

  // verify NAME reads S3 with the account's keys (none in the environment).
  auto verify = Run({"verify", "named"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out, "2026-11 ok: 10 line items, unblended cost 2.50 (version s1)\nDataset named matches S3.\n");
  auto vjson = nlohmann::json::parse(Run({"verify", "named", "--json"}).out);
  EXPECT_EQ(vjson["ok"], true);
  EXPECT_EQ(vjson["periods"][0]["stored_rows"], 10);
  // The flag form, with keys from the environment, says the same.
  auto flags = Run({"verify", "--bucket", "billing", "--prefix", "cur", "--report-name", "named", "--table", "named",
                    "--endpoint-url", server_->endpoint()},
                   {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey,
                    std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey});
  EXPECT_EQ(flags.exit_code, 0) << flags.err;
  EXPECT_EQ(flags.out, verify.out);

  auto both = Run({"status", "named", "--table", "named"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_EQ(both.err, "billpipe: Give a dataset name, or --table (and --to), not both: billpipe status named finds "
                      "the dataset's data in its destination.\n");
  auto neither = Run({"status"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_EQ(neither.err, "billpipe: Give a dataset name (billpipe dataset list), or --table NAME.\n");
  auto verify_both = Run({"verify", "named", "--bucket", "billing"});
  EXPECT_EQ(verify_both.exit_code, 2);
  EXPECT_EQ(verify_both.err,
            "billpipe: Give a dataset name, or the dataset's details (--bucket, --report-name ...), not both.\n");
  auto verify_neither = Run({"verify"});
  EXPECT_EQ(verify_neither.exit_code, 2);
  EXPECT_EQ(verify_neither.err, "billpipe: Give a dataset name (billpipe dataset list), or --bucket and --report-name.\n");
  auto unknown = Run({"verify", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "billpipe: No dataset named 'nosuch'. The datasets are: 'named'.\n");

  // A wrong secret stored in the account: verify says so, with the AWS code.
  ASSERT_EQ(AddAccount("bad", /*good=*/false, /*test=*/false).exit_code, 0);
  ASSERT_EQ(Run({"dataset", "edit", "named", "--account", "bad", "--no-check"}).exit_code, 0);
  auto refused = Run({"verify", "named"});
  EXPECT_EQ(refused.exit_code, 1);
  // Issue 11 o: the sentence first, then the AWS code and request id, then the period and key.
  EXPECT_TRUE(refused.err.starts_with("billpipe: Failed to authenticate. Verify the credentials and try again. "
                                      "billpipe is ready, but the credentials you entered are invalid. Verify your "
                                      "account credentials and try again. AWS error code: SignatureDoesNotMatch, "
                                      "request id: "))
      << refused.err;
  EXPECT_TRUE(refused.err.ends_with(". While reading period 2026-11 (s3://billing/cur/named/20261101-20261201/"
                                    "named-Manifest.json).\n"))
      << refused.err;
}

TEST_F(CatalogByNameTest, CreateEditAndImportCheckTheReport) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 11, "c1", {Days(11, 1, 3, "1")}, false, false, "checked"); });
  ASSERT_EQ(AddAccount("main").exit_code, 0);
  auto unknown = Create("c_unknown", "nosuch");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(unknown.err.starts_with("billpipe: report \"nosuch\" was not found under s3://billing/cur/. Reports "
                                      "there: "))
      << unknown.err;
  EXPECT_NE(unknown.err.find("checked"), std::string::npos) << unknown.err;
  EXPECT_EQ(Run({"dataset", "list"}).out, "No datasets. Create one with 'billpipe dataset create'.\n");

  ASSERT_EQ(AddAccount("bad", /*good=*/false, /*test=*/false).exit_code, 0);
  auto refused = Run({"dataset", "create", "c_bad", "--account", "bad", "--bucket", "billing", "--prefix", "cur",
                      "--report", "checked", "--date", "2026-11-02"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.err.starts_with("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS "
                                      "error code: SignatureDoesNotMatch, request id: "))
      << refused.err;
  EXPECT_EQ(Run({"dataset", "list"}).out, "No datasets. Create one with 'billpipe dataset create'.\n");

  auto ok = Create("c_ok", "checked");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "Created dataset 'c_ok'. Next run: manual.\n");
  auto unchecked = Create("c_later", "not_yet_delivered", {"--no-check"});
  ASSERT_EQ(unchecked.exit_code, 0) << unchecked.err;

  // edit checks again when the report's location or the account changes; the stored one is kept.
  auto moved = Run({"dataset", "edit", "c_ok", "--report", "nosuch"});
  EXPECT_EQ(moved.exit_code, 1);
  EXPECT_TRUE(moved.err.starts_with("billpipe: report \"nosuch\" was not found under s3://billing/cur/.")) << moved.err;
  EXPECT_NE(Run({"dataset", "show", "c_ok"}).out.find("Report:        s3://billing/cur/checked\n"), std::string::npos);
  auto to_bad = Run({"dataset", "edit", "c_ok", "--account", "bad"});
  EXPECT_EQ(to_bad.exit_code, 1);
  EXPECT_TRUE(to_bad.err.starts_with("billpipe: Failed to authenticate.")) << to_bad.err;
  // Other fields: no request, even for a report not there yet.
  auto described = Run({"dataset", "edit", "c_later", "--description", "waits for AWS"});
  EXPECT_EQ(described.exit_code, 0) << described.err;

  // import: the same check, and --no-check.
  auto file = (home_.path() / "c.toml").string();
  ASSERT_EQ(Run({"dataset", "export", "c_later", "-o", file}).exit_code, 0);
  ASSERT_EQ(Run({"dataset", "delete", "c_later", "--keep-data"}).exit_code, 0);
  auto imported = Run({"dataset", "import", file});
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_TRUE(imported.err.starts_with("billpipe: report \"not_yet_delivered\" was not found under "
                                       "s3://billing/cur/."))
      << imported.err;
  auto forced = Run({"dataset", "import", file, "--no-check"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out, "Imported dataset 'c_later'. Next run: manual.\n");
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST_F(CatalogByNameTest, PreviewShowsTheFirstRowsAndWritesNothing) {
  Upload([](CurFixture& f) {
    f.WritePeriod(2026, 10, "o1", {Days(10, 1, 3, "7", "INV-1")}, false, false, "peek");
    f.WritePeriod(2026, 11, "n1", {Days(11, 1, 4, "0.125")}, false, false, "peek");
  });
  ASSERT_EQ(AddAccount("main").exit_code, 0);
  ASSERT_EQ(Run({"dataset", "create", "peek", "--account", "main", "--bucket", "billing", "--prefix", "cur",
                 "--report", "peek", "--start", "2026-10-01", "--end", "2026-11-30"})
                .exit_code,
            0);
  auto text = Run({"preview", "peek", "--rows", "2"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out,
            "Preview of peek: billing period 2026-11, version n1, window 2026-11-01 to 2026-11-30, filter all (written "
            "nowhere).\n"
            "\n"
            "Columns (7):\n"
            "  identity_line_item_id           text       identity/LineItemId\n"
            "  bill_invoice_id                 text       bill/InvoiceId\n"
            "  bill_billing_period_start_date  timestamp  bill/BillingPeriodStartDate\n"
            "  line_item_usage_start_date      timestamp  lineItem/UsageStartDate\n"
            "  line_item_product_code          text       lineItem/ProductCode\n"
            "  line_item_unblended_cost        decimal    lineItem/UnblendedCost\n"
            "  product_product_name            text       product/ProductName\n"
            "\n"
            "Row 1 (empty and NULL columns left out):\n"
            "  identity_line_item_id: n1-0-0\n"
            "  bill_billing_period_start_date: 2026-11-01T00:00:00Z\n"
            "  line_item_usage_start_date: 2026-11-01T00:00:00Z\n"
            "  line_item_product_code: AmazonS3\n"
            "  line_item_unblended_cost: 0.125\n"
            "  product_product_name: Amazon Elastic Compute Cloud, \"EC2\"\n"
            "\n"
            "Row 2 (empty and NULL columns left out):\n"
            "  identity_line_item_id: n1-0-1\n"
            "  bill_billing_period_start_date: 2026-11-01T00:00:00Z\n"
            "  line_item_usage_start_date: 2026-11-02T00:00:00Z\n"
            "  line_item_product_code: AmazonS3\n"
            "  line_item_unblended_cost: 0.125\n"
            "  product_product_name: Amazon Elastic Compute Cloud, \"EC2\"\n");
  // Written nowhere: no destination file appears.
  EXPECT_FALSE(std::filesystem::exists(Db()));

  auto json = Run({"preview", "peek", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["period"], "2026-11");
  EXPECT_EQ(j["version_key"], "n1");
  EXPECT_EQ(j["columns"].size(), 7u);
  EXPECT_EQ(j["columns"][5], (nlohmann::json{{"name", "line_item_unblended_cost"}, {"type", "decimal"},
                                             {"original_header", "lineItem/UnblendedCost"}}));
  ASSERT_EQ(j["rows"].size(), 4u);  // the default 10, and the period has 4
  EXPECT_EQ(j["rows"][3]["identity_line_item_id"], "n1-0-3");

  // After a run, a preview leaves the dataset's data byte for byte as it was.
  ASSERT_EQ(Run({"run", "peek"}).exit_code, 0);
  std::string before = ReadBytes(Db());
  ASSERT_FALSE(before.empty());
  ASSERT_EQ(Run({"preview", "peek", "--rows", "1"}).exit_code, 0);
  EXPECT_TRUE(ReadBytes(Db()) == before);
  EXPECT_FALSE(std::filesystem::exists(Db() + "-wal") && std::filesystem::file_size(Db() + "-wal") > 0);

  // The filter applies: the newest period, November, has no invoiced line (October's are not shown).
  ASSERT_EQ(Run({"dataset", "edit", "peek", "--filter", "invoiced"}).exit_code, 0);
  auto invoiced = Run({"preview", "peek", "--json"});
  ASSERT_EQ(invoiced.exit_code, 0) << invoiced.err;
  EXPECT_EQ(nlohmann::json::parse(invoiced.out)["rows"].size(), 0u);

  // The flag form, with keys from the environment.
  auto flags = Run({"preview", "--bucket", "billing", "--prefix", "cur", "--report-name", "peek", "--start",
                    "2026-10-01", "--end", "2026-10-31", "--filter", "invoiced", "--rows", "1", "--json",
                    "--endpoint-url", server_->endpoint()},
                   {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKey,
                    std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey});
  ASSERT_EQ(flags.exit_code, 0) << flags.err;
  auto fj = nlohmann::json::parse(flags.out);
  EXPECT_EQ(fj["period"], "2026-10");
  ASSERT_EQ(fj["rows"].size(), 1u);
  EXPECT_EQ(fj["rows"][0]["bill_invoice_id"], "INV-1");

  auto both = Run({"preview", "peek", "--bucket", "billing"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_EQ(both.err,
            "billpipe: Give a dataset name, or the dataset's details (--bucket, --report-name ...), not both.\n");
  auto neither = Run({"preview"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_EQ(neither.err, "billpipe: Give a dataset name (billpipe dataset list), or --bucket and --report-name.\n");
}

TEST_F(CatalogByNameTest, AccountTestWithoutABucketListsTheBuckets) {
  auto add = AddAccount("lb");
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "Added account 'lb' (AKIA…TKEY, us-east-1), credentials tested (ListBuckets: 1 bucket).\n");
  auto test = Run({"account", "test", "lb"});
  ASSERT_EQ(test.exit_code, 0) << test.err;
  EXPECT_EQ(test.out, "The credentials of 'lb' work (ListBuckets: 1 bucket).\n");
  auto with_bucket = Run({"account", "test", "lb", "--bucket", "billing"});
  EXPECT_EQ(with_bucket.out, "The credentials of 'lb' work.\n");

  auto bad = AddAccount("wrong", /*good=*/false);
  EXPECT_EQ(bad.exit_code, 1);
  ASSERT_TRUE(bad.err.starts_with("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error "
                                  "code: SignatureDoesNotMatch, request id: "))
      << bad.err;
  ASSERT_EQ(AddAccount("wrong", /*good=*/false, /*test=*/false).exit_code, 0);
  auto t = Run({"account", "test", "wrong"});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_TRUE(t.err.starts_with("billpipe: Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error "
                                "code: SignatureDoesNotMatch, request id: "))
      << t.err;
}

}  // namespace
}  // namespace billpipe::testing
