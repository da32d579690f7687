// The Load Preview (pipeline/preview.h) against the S3 double: the newest version of the newest period,
// columns named and typed as a run names them, the filter applied, and only the start of a large file read.
#include "pipeline/preview.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cur_fixture.h"
#include "cur_upload.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::pipeline {
namespace {

using billpipe::testing::kTestAccessKey;
using billpipe::testing::kTestSecretKey;
using billpipe::testing::S3TestServer;
using billpipe::testing::TempDir;
using testing::CurFixture;
using testing::Line;

Line L(const std::string& start, const std::string& cost, const std::string& invoice) {
  return Line{start, cost, invoice, "AmazonEC2", ""};
}

// A clock fixed at 2026-11-20 12:00 UTC: "today" for relative windows.
class FixedClock final : public Clock {
 public:
  SysTime Now() override { return SysTime(std::chrono::milliseconds(int64_t{20777} * 86'400'000 + 43'200'000)); }
  void SleepFor(std::chrono::milliseconds) override {}
};

class PreviewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = S3TestServer::Start().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static s3::ClientOptions Options() {
    s3::ClientOptions options;
    options.endpoint_url = server_->endpoint();
    options.credentials = {kTestAccessKey, kTestSecretKey, ""};
    options.region = "us-east-1";
    options.stream_buffer_bytes = 256u << 10;
    return options;
  }
  static void Upload(const std::function<void(CurFixture&)>& write) {
    billpipe::testing::UploadCurLayout(Options(), "billing", write);
  }
  static RunRequest Request(const std::string& report, Filter filter = Filter::kAll) {
    RunRequest req;
    req.bucket = "billing";
    req.prefix = "cur";
    req.report_name = report;
    req.filter = filter;
    req.duration = Duration{*DateSpec::Parse("2026-10-01"), *DateSpec::Parse("2026-11-30")};
    return req;
  }
  static S3TestServer* server_;
  FixedClock clock_;
};
S3TestServer* PreviewTest::server_ = nullptr;

TEST_F(PreviewTest, FirstRowsOfTheNewestVersionOfTheNewestPeriod) {
  Upload([](CurFixture& f) {
    f.WritePeriod(2026, 10, "oct1", {{L("2026-10-03T00:00:00Z", "9", "INV-10")}}, false, false, "pv");
    f.WritePeriod(2026, 11, "nov1", {{L("2026-11-02T00:00:00Z", "1", "")}}, false, false, "pv");
    // A newer assembly of November: the one previewed. Its first line is outside the window's filter
    // below (invoiced), its second is in.
    f.WritePeriod(2026, 11, "nov2",
                  {{L("2026-11-04T05:06:07Z", "0.5000000001", ""), L("2026-11-05T00:00:00Z", "2", "INV-11")},
                   {L("2026-11-06T00:00:00Z", "3", "INV-11")}},
                  false, false, "pv");
  });
  s3::ClientOptions options = Options();
  auto store = s3::MakeClient(options);
  ASSERT_TRUE(store);

  auto all = PreviewDataset(Request("pv"), **store, clock_, 10);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->period, "2026-11");
  EXPECT_EQ(all->version_key, "nov2");
  EXPECT_EQ(all->manifest_key, "cur/pv/20261101-20261201/pv-Manifest.json");
  EXPECT_EQ(all->window, "2026-11-01 to 2026-11-30");
  ASSERT_EQ(all->columns.size(), 7u);
  std::vector<std::string> described;
  for (const auto& c : all->columns) described.push_back(c.name + " " + c.type + " " + c.original_header);
  EXPECT_EQ(described, (std::vector<std::string>{
                           "identity_line_item_id text identity/LineItemId",
                           "bill_invoice_id text bill/InvoiceId",
                           "bill_billing_period_start_date timestamp bill/BillingPeriodStartDate",
                           "line_item_usage_start_date timestamp lineItem/UsageStartDate",
                           "line_item_product_code text lineItem/ProductCode",
                           "line_item_unblended_cost decimal lineItem/UnblendedCost",
                           "product_product_name text product/ProductName"}));
  ASSERT_EQ(all->rows.size(), 3u);  // both files, in the manifest's order
  EXPECT_EQ(PreviewJson(*all), R"({
  "period": "2026-11",
  "version_key": "nov2",
  "window": "2026-11-01 to 2026-11-30",
  "filter": "all",
  "columns": [
    {
      "name": "identity_line_item_id",
      "type": "text",
      "original_header": "identity/LineItemId"
    },
    {
      "name": "bill_invoice_id",
      "type": "text",
      "original_header": "bill/InvoiceId"
    },
    {
      "name": "bill_billing_period_start_date",
      "type": "timestamp",
      "original_header": "bill/BillingPeriodStartDate"
    },
    {
      "name": "line_item_usage_start_date",
      "type": "timestamp",
      "original_header": "lineItem/UsageStartDate"
    },
    {
      "name": "line_item_product_code",
      "type": "text",
      "original_header": "lineItem/ProductCode"
    },
    {
      "name": "line_item_unblended_cost",
      "type": "decimal",
      "original_header": "lineItem/UnblendedCost"
    },
    {
      "name": "product_product_name",
      "type": "text",
      "original_header": "product/ProductName"
    }
  ],
  "rows": [
    {
      "identity_line_item_id": "nov2-0-0",
      "bill_invoice_id": "",
      "bill_billing_period_start_date": "2026-11-01T00:00:00Z",
      "line_item_usage_start_date": "2026-11-04T05:06:07Z",
      "line_item_product_code": "AmazonEC2",
      "line_item_unblended_cost": "0.5000000001",
      "product_product_name": "Amazon Elastic Compute Cloud, \"EC2\""
    },
    {
      "identity_line_item_id": "nov2-0-1",
      "bill_invoice_id": "INV-11",
      "bill_billing_period_start_date": "2026-11-01T00:00:00Z",
      "line_item_usage_start_date": "2026-11-05T00:00:00Z",
      "line_item_product_code": "AmazonEC2",
      "line_item_unblended_cost": "2",
      "product_product_name": "Amazon Elastic Compute Cloud, \"EC2\""
    },
    {
      "identity_line_item_id": "nov2-1-0",
      "bill_invoice_id": "INV-11",
      "bill_billing_period_start_date": "2026-11-01T00:00:00Z",
      "line_item_usage_start_date": "2026-11-06T00:00:00Z",
      "line_item_product_code": "AmazonEC2",
      "line_item_unblended_cost": "3",
      "product_product_name": "Amazon Elastic Compute Cloud, \"EC2\""
    }
  ]
})");

  auto invoiced = PreviewDataset(Request("pv", Filter::kInvoiced), **store, clock_, 1);
  ASSERT_TRUE(invoiced) << invoiced.error().message;
  ASSERT_EQ(invoiced->rows.size(), 1u);
  EXPECT_EQ(invoiced->rows[0][0], "nov2-0-1");
  EXPECT_EQ(invoiced->filter, "invoiced");

  // A window that ends in October previews October.
  RunRequest october = Request("pv");
  october.duration = Duration{*DateSpec::Parse("2026-10-01"), *DateSpec::Parse("2026-10-31")};
  auto oct = PreviewDataset(october, **store, clock_, 10);
  ASSERT_TRUE(oct) << oct.error().message;
  EXPECT_EQ(oct->period, "2026-10");
  ASSERT_EQ(oct->rows.size(), 1u);
  EXPECT_EQ(oct->rows[0][1], "INV-10");
}

TEST_F(PreviewTest, ReadsOnlyTheStartOfALargeFile) {
  constexpr int kLines = 400'000;
  Upload([](CurFixture& f) {
    std::vector<Line> lines;
    uint32_t x = 12345;
    for (int i = 0; i < kLines; ++i) {
      x = x * 1103515245u + 12345u;  // costs that do not compress away
      char ts[32], cost[32];
      std::snprintf(ts, sizeof ts, "2026-11-%02dT%02d:00:00Z", 1 + i % 28, i % 24);
      std::snprintf(cost, sizeof cost, "0.%010u", x % 1000000000u);
      lines.push_back(L(ts, cost, ""));
    }
    f.WritePeriod(2026, 11, "big1", {lines}, false, false, "large");
  });
  auto store = s3::MakeClient(Options());
  ASSERT_TRUE(store);
  auto head = (*store)->Head("billing", "cur/large/20261101-20261201/big1/large-1.csv.gz");
  ASSERT_TRUE(head) << head.error().message;
  auto preview = PreviewDataset(Request("large"), **store, clock_, 5);
  ASSERT_TRUE(preview) << preview.error().message;
  ASSERT_EQ(preview->rows.size(), 5u);
  EXPECT_EQ(preview->rows[4][0], "big1-0-4");
  EXPECT_GT(preview->compressed_bytes_read, 0);
  // The decoder's and the store's read-ahead buffers, not the file (about 5 MB compressed).
  EXPECT_LT(preview->compressed_bytes_read, static_cast<int64_t>(head->size) / 4)
      << preview->compressed_bytes_read << " of " << head->size;
}

TEST_F(PreviewTest, NothingInTheWindowAndUnknownReportsAreErrors) {
  Upload([](CurFixture& f) { f.WritePeriod(2026, 9, "sep1", {{L("2026-09-03T00:00:00Z", "1", "")}}, false, false, "old"); });
  auto store = s3::MakeClient(Options());
  ASSERT_TRUE(store);
  auto none = PreviewDataset(Request("old"), **store, clock_, 10);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(none.error().message,
            "No billing period in the window 2026-10-01 to 2026-11-30 has a report yet in s3://billing/cur/old/: "
            "nothing to preview.");
  auto unknown = PreviewDataset(Request("nosuch"), **store, clock_, 10);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(unknown.error().message.starts_with("report \"nosuch\" was not found under s3://billing/cur/. Reports "
                                                  "there: "))
      << unknown.error().message;
}

}  // namespace
}  // namespace billpipe::pipeline
