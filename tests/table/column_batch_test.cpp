#include "table/column_batch.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../codec/compress_helpers.h"
#include "codec/gzip_source.h"

namespace billpipe::table {
namespace {

using csv::CsvOptions;
using csv::CsvScanner;
using csv::RowErrorPolicy;

const std::vector<ColumnSchema> kSchema = {
    {"lineItem/UsageStartDate", ColumnType::kDateTime},
    {"lineItem/UnblendedCost", ColumnType::kBigDecimal},
    {"reservation/EffectiveCost", ColumnType::kOptionalBigDecimal},
    {"bill/InvoiceId", ColumnType::kString},
    {"savingsPlan/SavingsPlanARN", ColumnType::kOptionalString},
    {"identity/TimeInterval", ColumnType::kInterval},
    {"resourceTags/user:Team", ColumnType::kString},  // not in the file
};

const char* kHeader =
    "identity/TimeInterval,bill/InvoiceId,lineItem/UsageStartDate,lineItem/UnblendedCost,"
    "reservation/EffectiveCost,savingsPlan/SavingsPlanARN,product/ProductName\n";

std::unique_ptr<ColumnBatchReader> Reader(std::string body, RowErrorPolicy policy = RowErrorPolicy::kFail,
                                          size_t batch_rows = 4096) {
  CsvOptions options;
  options.policy = policy;
  options.batch_rows = batch_rows;
  auto scanner = CsvScanner::Open(std::make_unique<StringSource>(kHeader + body, "s3://b/r-1.csv"), options);
  EXPECT_TRUE(scanner);
  auto reader = ColumnBatchReader::Create(std::move(*scanner), kSchema);
  EXPECT_TRUE(reader);
  return std::move(*reader);
}

TEST(ColumnBatchReader, TypesValuesAndNulls) {
  auto reader = Reader(
      "2018-05-01T00:00:00Z/2018-05-01T01:00:00Z,,2018-05-01T00:00:00Z,24.0000000000,,,\"Amazon EC2, Inc.\"\n"
      "2018-05-01T01:00:00Z/2018-05-01T02:00:00Z,1234567,2018-05-01T01:00:00.000Z,-0.0000001,4.0,arn:aws:sp,S3\n"
      ",,,,,,\n");
  ColumnBatch batch;
  auto more = reader->NextBatch(batch);
  ASSERT_TRUE(more) << more.error().message;
  ASSERT_TRUE(*more);
  ASSERT_EQ(batch.num_rows(), 3u);
  ASSERT_EQ(batch.num_columns(), 7u);
  EXPECT_EQ(batch.schema(1).name, "lineItem/UnblendedCost");

  const Column& start = batch.column(0);
  EXPECT_EQ(start.type, ColumnType::kDateTime);
  EXPECT_EQ(FormatTimestamp(start.micros[0]), "2018-05-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(start.micros[1]), "2018-05-01T01:00:00Z");
  EXPECT_TRUE(start.is_null(2));

  const Column& cost = batch.column(1);
  EXPECT_EQ(cost.decimal[0].ToString(), "24.0000000000");
  EXPECT_EQ(cost.decimal[1].ToString(), "-0.0000001");
  EXPECT_FALSE(cost.is_null(0));
  EXPECT_TRUE(cost.is_null(2));  // empty BigDecimal: no value

  const Column& effective = batch.column(2);
  EXPECT_TRUE(effective.is_null(0));
  EXPECT_EQ(effective.decimal[1].ToString(), "4.0");

  const Column& invoice = batch.column(3);
  EXPECT_FALSE(invoice.is_null(0));  // String: empty is the empty string
  EXPECT_EQ(invoice.text[0], "");
  EXPECT_EQ(invoice.text[1], "1234567");

  const Column& arn = batch.column(4);
  EXPECT_TRUE(arn.is_null(0));
  EXPECT_EQ(arn.text[1], "arn:aws:sp");

  const Column& interval = batch.column(5);
  EXPECT_EQ(interval.text[0], "2018-05-01T00:00:00Z/2018-05-01T01:00:00Z");
  EXPECT_EQ(FormatTimestamp(interval.micros[1]), "2018-05-01T01:00:00Z");
  EXPECT_EQ(FormatTimestamp(interval.micros_end[1]), "2018-05-01T02:00:00Z");
  EXPECT_TRUE(interval.is_null(2));

  const Column& team = batch.column(6);
  EXPECT_FALSE(team.present);
  EXPECT_TRUE(team.is_null(0) && team.is_null(1) && team.is_null(2));

  EXPECT_EQ(batch.line(2), 4);
  more = reader->NextBatch(batch);
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_EQ(reader->rows_read(), 3);
}

TEST(ColumnBatchReader, BadDecimal) {
  auto reader = Reader(",,2018-05-01T00:00:00Z,1.5,,,\n,,2018-05-01T00:00:00Z,12 USD,,,x\n");
  ColumnBatch batch;
  auto more = reader->NextBatch(batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, ErrorCode::kBadData);
  EXPECT_EQ(more.error().message,
            "s3://b/r-1.csv: line 3 (byte 187), column 4 'lineItem/UnblendedCost': bad value: '12 USD' is not a "
            "decimal number of at most 38 digits: row \",,2018-05-01T00:00:00Z,12 USD,,,x\"");
  EXPECT_EQ(more.error().line, 3);
  EXPECT_EQ(more.error().column, "lineItem/UnblendedCost");
  EXPECT_EQ(reader->NextBatch(batch).error().message, more.error().message);
}

TEST(ColumnBatchReader, BadTimestamp) {
  auto reader = Reader(",,2018-05-01 00:00:00,1.5,,,\n");
  ColumnBatch batch;
  auto more = reader->NextBatch(batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().message,
            "s3://b/r-1.csv: line 2 (byte 157), column 3 'lineItem/UsageStartDate': bad value: '2018-05-01 "
            "00:00:00' is not a UTC timestamp like 2018-05-01T00:00:00Z: row \",,2018-05-01 00:00:00,1.5,,,\"");
}

TEST(ColumnBatchReader, BadInterval) {
  auto reader = Reader("2018-05-01T00:00:00Z,,,1,,,\n");
  ColumnBatch batch;
  auto more = reader->NextBatch(batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().message,
            "s3://b/r-1.csv: line 2 (byte 157), column 1 'identity/TimeInterval': bad value: "
            "'2018-05-01T00:00:00Z' is not an interval like 2018-05-01T00:00:00Z/2018-05-01T01:00:00Z: row "
            "\"2018-05-01T00:00:00Z,,,1,,,\"");
}

TEST(ColumnBatchReader, FirstBadRowWinsAcrossColumns) {
  // Row 2 has a bad cost (column 4), row 3 a bad date (column 3): row 2 is reported.
  auto reader = Reader(",,2018-05-01T00:00:00Z,x,,,\n,,bad,1,,,\n");
  ColumnBatch batch;
  auto more = reader->NextBatch(batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().line, 2);
}

TEST(ColumnBatchReader, SkipPolicyDropsBadRowsAndReportsThem) {
  auto reader = Reader(
      ",a,2018-05-01T00:00:00Z,1.0000000000,,,\n"
      ",b,2018-05-01T00:00:00Z,oops,,,\n"
      ",c,2018-05-01T00:00:00Z,2.0000000000,,,\n"
      "too,few\n"
      ",d,2018-02-30T00:00:00Z,1,,,\n"
      ",e,2018-05-01T00:00:00Z,3.0000000000,,arn,\n",
      RowErrorPolicy::kSkip);
  ColumnBatch batch;
  auto more = reader->NextBatch(batch);
  ASSERT_TRUE(more) << more.error().message;
  ASSERT_EQ(batch.num_rows(), 3u);
  EXPECT_EQ(batch.column(3).text[0], "a");
  EXPECT_EQ(batch.column(3).text[1], "c");
  EXPECT_EQ(batch.column(3).text[2], "e");
  EXPECT_EQ(batch.column(1).decimal[2].ToString(), "3.0000000000");
  EXPECT_EQ(batch.column(4).text[2], "arn");
  EXPECT_FALSE(batch.column(4).is_null(2));
  EXPECT_TRUE(batch.column(4).is_null(1));
  EXPECT_EQ(batch.line(1), 4);
  EXPECT_EQ(batch.line(2), 7);
  ASSERT_EQ(batch.rejected().size(), 3u);
  EXPECT_EQ(batch.rejected()[0].line, 3);
  EXPECT_EQ(batch.rejected()[0].kind, csv::RowErrorKind::kBadValue);
  EXPECT_EQ(batch.rejected()[0].column_name, "lineItem/UnblendedCost");
  EXPECT_EQ(batch.rejected()[1].line, 5);
  EXPECT_EQ(batch.rejected()[1].kind, csv::RowErrorKind::kTooFewFields);
  EXPECT_EQ(batch.rejected()[2].line, 6);
  EXPECT_EQ(batch.rejected()[2].detail, "'2018-02-30T00:00:00Z' is not a UTC timestamp like 2018-05-01T00:00:00Z");
  EXPECT_EQ(reader->rows_read(), 3);
  EXPECT_EQ(reader->rows_rejected(), 3);
  Decimal total;
  for (size_t r = 0; r < batch.num_rows(); ++r) total = Decimal::Add(total, batch.column(1).decimal[r]).value();
  EXPECT_EQ(total.ToString(), "6.0000000000");
}

TEST(ColumnBatchReader, ExactTotalsOverManyBatchesFromGzip) {
  // 30000 rows of cost 0.0000000001 × i, some negative: the exact total is known in closed form.
  std::string csv = kHeader;
  for (int i = 1; i <= 30000; ++i) {
    const bool credit = i % 7 == 0;
    csv += fmt::format(",,2018-05-{:02}T{:02}:00:00Z,{}0.{:010},,,\"Amazon Web Services, Inc.\"\n", 1 + i % 31,
                       i % 24, credit ? "-" : "", i);
  }
  auto scanner = CsvScanner::Open(
      std::make_unique<codec::GzipSource>(std::make_unique<StringSource>(billpipe::testing::Gzip(csv), "r.csv.gz")),
      CsvOptions{.buffer_size = 1 << 16, .batch_rows = 1000});
  ASSERT_TRUE(scanner);
  auto reader = ColumnBatchReader::Create(std::move(*scanner), kSchema);
  ASSERT_TRUE(reader);
  ColumnBatch batch;
  Decimal total;
  int64_t rows = 0;
  size_t batches = 0;
  while (true) {
    auto more = (*reader)->NextBatch(batch);
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ++batches;
    EXPECT_LE(batch.num_rows(), 1000u);
    for (size_t r = 0; r < batch.num_rows(); ++r) total = Decimal::Add(total, batch.column(1).decimal[r]).value();
    rows += static_cast<int64_t>(batch.num_rows());
  }
  EXPECT_EQ(rows, 30000);
  EXPECT_GE(batches, 30u);
  // sum(1..30000) = 450015000; the multiples of 7 up to 29995 sum to 7 × 4285 × 4286 / 2 = 64279285.
  // total = (450015000 - 2 × 64279285) × 1e-10 = 321456430 × 1e-10.
  EXPECT_EQ(total.ToString(), "0.0321456430");
}

}  // namespace
}  // namespace billpipe::table
