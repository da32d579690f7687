// The Parquet batch source (parquet/parquet_batch_source.h) over DuckDB's files (testing/parquet_cases.js):
// typed batches equal to DuckDB's reading, converted to the report's column types as CSV text would be,
// and the refusals and bad-value policies of the batch source contract.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "duckdb_cases.h"
#include "parquet/parquet_batch_source.h"
#include "table/decimal.h"
#include "test_support.h"

namespace billpipe::parquet {
namespace {

using table::ColumnType;
using test::CasesDir;

std::string CasePath(const std::string& name) { return (CasesDir() / (name + ".parquet")).string(); }

nlohmann::json Expected(const std::string& name) {
  std::ifstream in(CasesDir() / (name + ".expected.json"));
  return nlohmann::json::parse(in);
}

Result<std::unique_ptr<table::BatchSource>> Open(const std::string& name, std::vector<table::ColumnSchema> expected,
                                                 RowErrorPolicy policy = RowErrorPolicy::kFail,
                                                 const ReaderOptions& reader_options = {}) {
  auto file = LocalFileRandomAccessSource::Open(CasePath(name));
  if (!file) return Fail(std::move(file).error());
  table::BatchSourceOptions options;
  options.expected = std::move(expected);
  options.policy = policy;
  options.where = "s3://b/" + name + ".parquet";
  return OpenParquetBatchSource(std::move(*file), options, reader_options);
}

// The types case's columns, typed as a report would type them.
std::vector<table::ColumnSchema> TypesSchema(const nlohmann::json& expected,
                                             const std::map<std::string, ColumnType>& overrides = {}) {
  std::map<std::string, ColumnType> types = {
      {"id", ColumnType::kBigDecimal},     {"i32", ColumnType::kBigDecimal},   {"i64", ColumnType::kBigDecimal},
      {"f64", ColumnType::kOptionalBigDecimal}, {"product", ColumnType::kOptionalString},
      {"dec4", ColumnType::kBigDecimal},   {"dec18", ColumnType::kBigDecimal}, {"dec38", ColumnType::kBigDecimal},
      {"ts", ColumnType::kDateTime},       {"ts_ms", ColumnType::kDateTime},   {"ts_ns", ColumnType::kDateTime},
      {"ts_tz", ColumnType::kDateTime},    {"day", ColumnType::kDateTime}};
  for (const auto& [k, v] : overrides) types[k] = v;
  std::vector<table::ColumnSchema> schema;
  for (const auto& c : expected["columns"]) {
    const std::string name = c["name"].get<std::string>();
    auto it = types.find(name);
    schema.push_back({name, it == types.end() ? ColumnType::kString : it->second});
  }
  return schema;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// "" when the batch's value equals DuckDB's canonical text for it, else why not.
std::string Compare(const table::Column& col, size_t r, const nlohmann::json& want_json, const std::string& name,
                    const std::string& duck_type) {
  const bool want_null = want_json.is_null() || (name == "product" && want_json == "");
  if (want_null || col.is_null(r)) {
    return want_null == col.is_null(r) ? "" : fmt::format("expected {}, got {}", want_json.dump(), col.is_null(r) ? "NULL" : "a value");
  }
  const std::string want = want_json.get<std::string>();
  switch (col.type) {
    case ColumnType::kBigDecimal:
    case ColumnType::kOptionalBigDecimal: {
      const std::string got = col.decimal[r].ToString();
      if (duck_type == "DOUBLE") {
        // The shortest text that reads back as the same double.
        return std::strtod(got.c_str(), nullptr) == std::strtod(want.c_str(), nullptr) && got.size() <= 24
                   ? ""
                   : fmt::format("expected {}, got {}", want, got);
      }
      return got == want ? "" : fmt::format("expected {}, got {}", want, got);
    }
    case ColumnType::kDateTime: {
      int64_t want_us = std::stoll(want);
      if (duck_type == "TIMESTAMP_NS") want_us = FloorDiv(want_us, 1000);
      if (duck_type == "DATE") want_us *= 86'400'000'000;
      return col.micros[r] == want_us ? "" : fmt::format("expected {} us, got {}", want_us, col.micros[r]);
    }
    default: {
      const std::string got(col.text[r]);
      if (duck_type.starts_with("MAP")) {
        return nlohmann::ordered_json::parse(got) == nlohmann::ordered_json::parse(want) ? "" : "map " + got;
      }
      if (duck_type == "FLOAT") {
        return std::strtof(got.c_str(), nullptr) == std::strtof(want.c_str(), nullptr) ? "" : "float " + got;
      }
      return got == want ? "" : fmt::format("expected '{}', got '{}'", want, got);
    }
  }
}

TEST(ParquetBatchSource, TypedBatchesEqualDuckDbsReading) {
  for (const std::string name : {"types_snappy_v1", "types_zstd_v2"}) {
    SCOPED_TRACE(name);
    const nlohmann::json expected = Expected(name);
    auto source = Open(name, TypesSchema(expected));
    ASSERT_TRUE(source) << source.error().message;
    ASSERT_EQ((*source)->schema().size(), expected["columns"].size());
    table::ColumnBatch batch;
    size_t row = 0;
    int mismatches = 0;
    while (true) {
      auto more = (*source)->NextBatch(batch);
      ASSERT_TRUE(more) << more.error().message;
      if (!*more) break;
      ASSERT_LE(batch.num_rows(), kParquetBatchRows);
      for (size_t r = 0; r < batch.num_rows(); ++r) {
        ASSERT_EQ(batch.line(r), static_cast<int64_t>(row + r + 1));
        for (size_t c = 0; c < batch.num_columns(); ++c) {
          const auto& column = expected["columns"][c];
          const std::string diff = Compare(batch.column(c), r, expected["rows"][row + r][c],
                                           column["name"].get<std::string>(), column["type"].get<std::string>());
          if (!diff.empty() && ++mismatches <= 10) ADD_FAILURE() << "row " << row + r << " " << column["name"] << ": " << diff;
        }
      }
      row += batch.num_rows();
    }
    EXPECT_EQ(row, 5000u);
    EXPECT_EQ(mismatches, 0);
  }
}

TEST(ParquetBatchSource, DoublesBecomeTheDecimalsTheyWereWrittenFrom) {
  // many_groups: cost = (i % 1000) * 0.01 as DOUBLE; the sum of 61440 of them, exactly as decimals.
  auto source = Open("many_groups_v1", {{"id", ColumnType::kBigDecimal}, {"s", ColumnType::kString},
                                        {"cost", ColumnType::kBigDecimal}});
  ASSERT_TRUE(source) << source.error().message;
  table::ColumnBatch batch;
  table::Decimal total;
  int64_t rows = 0;
  while (true) {
    auto more = (*source)->NextBatch(batch);
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) total = *table::Decimal::Add(total, batch.column(2).decimal[r]);
    rows += static_cast<int64_t>(batch.num_rows());
  }
  EXPECT_EQ(rows, 61440);
  // 61 full cycles of 0.00 .. 9.99 (4995 each) and 440 more rows (0.00 .. 4.39: 965.8).
  EXPECT_EQ(total, *table::Decimal::Parse("305660.80"));
}

TEST(ParquetBatchSource, AColumnTheReportDoesNotListIsRefused) {
  const nlohmann::json expected = Expected("types_snappy_v1");
  auto schema = TypesSchema(expected);
  schema.pop_back();  // tags
  auto source = Open("types_snappy_v1", schema);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, ErrorCode::kBadData);
  EXPECT_EQ(source.error().message,
            fmt::format("s3://b/types_snappy_v1.parquet: column {} 'tags' of the file is not in the period's manifest. "
                        "The report is inconsistent; if AWS is rewriting it, run again later.",
                        expected["columns"].size()));
}

TEST(ParquetBatchSource, AKindThatCannotBeTheColumnsTypeIsRefused) {
  auto source = Open("types_snappy_v1", TypesSchema(Expected("types_snappy_v1"), {{"flag", ColumnType::kDateTime}}));
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, ErrorCode::kBadData);
  EXPECT_EQ(source.error().message,
            "s3://b/types_snappy_v1.parquet: column 2 'flag' holds Parquet boolean values, which cannot be the "
            "report's type DateTime");
}

TEST(ParquetBatchSource, BadValuesFailAfterTheRowsBeforeThem) {
  // s: NULL, '', then 'ünïcødé ✓ 2' in row 3, which is no timestamp.
  auto source = Open("types_snappy_v1", TypesSchema(Expected("types_snappy_v1"), {{"s", ColumnType::kDateTime}}));
  ASSERT_TRUE(source) << source.error().message;
  table::ColumnBatch batch;
  auto first = (*source)->NextBatch(batch);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  EXPECT_EQ(batch.num_rows(), 2u);
  auto second = (*source)->NextBatch(batch);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kBadData);
  EXPECT_EQ(second.error().message,
            "s3://b/types_snappy_v1.parquet: line 3 (byte 0), column 11 's': bad value: 'ünïcødé ✓ 2' is not a UTC "
            "timestamp like 2018-05-01T00:00:00Z: row \"\"");
  EXPECT_FALSE((*source)->NextBatch(batch));  // and keeps failing
}

TEST(ParquetBatchSource, BadValuesAreSkippedAndListedUnderSkip) {
  // product: 'AmazonEC2', 'AmazonS3', '', NULL, 'AWSDataTransfer' by i % 5: three in five are no timestamp.
  auto source = Open("types_snappy_v1", TypesSchema(Expected("types_snappy_v1"), {{"product", ColumnType::kDateTime}}),
                     RowErrorPolicy::kSkip);
  ASSERT_TRUE(source) << source.error().message;
  table::ColumnBatch batch;
  size_t kept = 0, rejected = 0;
  while (true) {
    auto more = (*source)->NextBatch(batch);
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      ASSERT_TRUE(batch.column(11).is_null(r));
      ASSERT_EQ((batch.line(r) - 1) % 5 == 2 || (batch.line(r) - 1) % 5 == 3, true) << batch.line(r);
      ASSERT_EQ(batch.column(0).decimal[r].ToString(), std::to_string(batch.line(r) - 1));
    }
    if (rejected == 0) {
      ASSERT_FALSE(batch.rejected().empty());
      EXPECT_EQ(batch.rejected()[0].line, 1);
      EXPECT_EQ(batch.rejected()[0].column_name, "product");
      EXPECT_EQ(batch.rejected()[0].detail, "'AmazonEC2' is not a UTC timestamp like 2018-05-01T00:00:00Z");
    }
    kept += batch.num_rows();
    rejected += batch.rejected().size();
  }
  EXPECT_EQ(kept, 2000u);
  EXPECT_EQ(rejected, 3000u);
}

TEST(ParquetBatchSource, ARowGroupAboveTheBoundIsAnErrorThatSaysSo) {
  ReaderOptions small;
  small.max_row_group_bytes = 1000;
  auto source = Open("many_groups_v1", {{"id", ColumnType::kBigDecimal}, {"s", ColumnType::kString},
                                        {"cost", ColumnType::kBigDecimal}},
                     RowErrorPolicy::kFail, small);
  ASSERT_TRUE(source) << source.error().message;
  table::ColumnBatch batch;
  auto more = (*source)->NextBatch(batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, ErrorCode::kUnsupported);
  const std::string& m = more.error().message;
  EXPECT_TRUE(m.starts_with(CasePath("many_groups_v1") + ": row group 0 needs ")) << m;
  EXPECT_TRUE(m.ends_with(" bytes of compressed column chunks for the 3 columns read, above billpipe's bound of 1000 "
                          "bytes per row group; the file was written with row groups too large to read in bounded "
                          "memory"))
      << m;
}

TEST(ParquetBatchSource, AnEmptyFileHasItsColumnsAndNoRows) {
  const nlohmann::json expected = Expected("empty");
  auto source = Open("empty", TypesSchema(expected));
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->schema().size(), 21u);
  EXPECT_EQ(expected["columns"].size(), 21u);
  table::ColumnBatch batch;
  auto more = (*source)->NextBatch(batch);
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_EQ(batch.num_rows(), 0u);
}

}  // namespace
}  // namespace billpipe::parquet
