// Files written by DuckDB (testing/parquet_cases.js) read back by billpipe's reader and compared value by
// value with DuckDB's own reading of the same file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "parquet/file_reader.h"
#include "duckdb_cases.h"
#include "test_support.h"

namespace billpipe::parquet {
namespace {

using test::CasesDir;

nlohmann::json ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::unique_ptr<FileReader> OpenCase(const std::string& name, const ReaderOptions& options = {}) {
  auto source = LocalFileRandomAccessSource::Open((CasesDir() / (name + ".parquet")).string());
  EXPECT_TRUE(source) << source.error().message;
  if (!source) return nullptr;
  auto reader = FileReader::Open(std::move(*source), options);
  EXPECT_TRUE(reader) << reader.error().message;
  return reader ? std::move(*reader) : nullptr;
}

// Compares one value with DuckDB's canonical text (see parquet_cases.js); "" when equal, else why not.
std::string Compare(const ColumnValues& c, size_t r, const nlohmann::json& expected, const std::string& duck_type) {
  if (expected.is_null() || c.is_null(r)) {
    if (expected.is_null() && c.is_null(r)) return "";
    return fmt::format("expected {}, got {}", expected.dump(), c.is_null(r) ? "NULL" : "a value");
  }
  const std::string want = expected.get<std::string>();
  std::string got;
  switch (c.kind) {
    case ValueKind::kBoolean: got = c.ints[r] ? "true" : "false"; break;
    case ValueKind::kInt64:
    case ValueKind::kDate: got = std::to_string(c.ints[r]); break;
    case ValueKind::kDecimal: got = c.decimals[r].ToString(); break;
    case ValueKind::kString: got = std::string(c.text(r)); break;
    case ValueKind::kTimestamp:
      got = duck_type == "TIMESTAMP_NS" ? std::to_string(c.ints[r] * 1000 + c.nanos[r]) : std::to_string(c.ints[r]);
      break;
    case ValueKind::kDouble: {
      const bool equal = duck_type == "FLOAT" ? static_cast<double>(std::strtof(want.c_str(), nullptr)) == c.doubles[r]
                                              : std::strtod(want.c_str(), nullptr) == c.doubles[r];
      return equal ? "" : fmt::format("expected {}, got {:.17g}", want, c.doubles[r]);
    }
    case ValueKind::kMapJson: {
      auto a = nlohmann::ordered_json::parse(want);
      auto b = nlohmann::ordered_json::parse(c.text(r));
      return a == b ? "" : fmt::format("expected {}, got {}", want, c.text(r));
    }
  }
  return got == want ? "" : fmt::format("expected '{}', got '{}'", want, got);
}

// Reads every column of the case in batches of batch_rows and compares it all with DuckDB's reading.
void ExpectSameAsDuckDb(const std::string& name, size_t batch_rows) {
  const nlohmann::json expected = ReadJson(CasesDir() / (name + ".expected.json"));
  auto reader = OpenCase(name);
  ASSERT_TRUE(reader);
  std::vector<size_t> fields;
  std::vector<std::string> types;
  for (const auto& column : expected["columns"]) {
    auto f = reader->FindField(column["name"].get<std::string>());
    ASSERT_TRUE(f) << column["name"];
    fields.push_back(*f);
    types.push_back(column["type"].get<std::string>());
  }
  ASSERT_TRUE(reader->Select(fields));
  const auto& rows = expected["rows"];
  size_t row = 0;
  std::vector<ColumnValues> batch;
  int mismatches = 0;
  while (true) {
    auto more = reader->NextBatch(batch_rows, batch);
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ASSERT_EQ(batch.size(), fields.size());
    const size_t n = batch[0].size();
    ASSERT_GT(n, 0u);
    ASSERT_LE(row + n, rows.size());
    for (size_t c = 0; c < fields.size(); ++c) {
      ASSERT_EQ(batch[c].size(), n);
      for (size_t r = 0; r < n; ++r) {
        const std::string diff = Compare(batch[c], r, rows[row + r][c], types[c]);
        if (!diff.empty() && ++mismatches <= 10) {
          ADD_FAILURE() << name << " row " << row + r << " column " << expected["columns"][c]["name"] << " ("
                        << types[c] << "): " << diff;
        }
      }
    }
    row += n;
  }
  EXPECT_EQ(row, rows.size());
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(reader->num_rows(), static_cast<int64_t>(rows.size()));
}

class DuckDbFile : public ::testing::TestWithParam<std::string> {};

TEST_P(DuckDbFile, ReadsWhatDuckDbReads) { ExpectSameAsDuckDb(GetParam(), 1000); }

INSTANTIATE_TEST_SUITE_P(
    Cases, DuckDbFile,
    ::testing::Values("types_uncompressed_v1", "types_uncompressed_v2", "types_snappy_v1", "types_snappy_v2",
                      "types_gzip_v1", "types_gzip_v2", "types_zstd_v1", "types_zstd_v2", "required_v1", "required_v2",
                      "unique_strings_v1", "unique_strings_v2", "big_pages_v1", "big_pages_v2", "many_groups_v1",
                      "many_groups_v2",
                      "one_row_per_group", "empty"),
    [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(DuckDbFiles, GeneratorWroteEveryCase) {
  const nlohmann::json cases = ReadJson(CasesDir() / "cases.json");
  EXPECT_EQ(cases.size(), 18u);
}

// Batches that end inside pages and row groups, of one row and of odd sizes, give the same values.
TEST(DuckDbFiles, BatchSizesDoNotChangeValues) {
  ExpectSameAsDuckDb("types_snappy_v1", 1);
  ExpectSameAsDuckDb("types_zstd_v2", 7);
  ExpectSameAsDuckDb("unique_strings_v2", 4999);
  // Batches that end inside the reader's windows of levels and indices, and cross them.
  ExpectSameAsDuckDb("big_pages_v1", 4095);
  ExpectSameAsDuckDb("big_pages_v2", 5000);
}

TEST(DuckDbFiles, CodecsAndPageVersionsAreThoseAsked) {
  for (const std::string codec : {"uncompressed", "snappy", "gzip", "zstd"}) {
    for (const std::string v : {"v1", "v2"}) {
      auto reader = OpenCase(fmt::format("types_{}_{}", codec, v));
      ASSERT_TRUE(reader);
      ASSERT_EQ(reader->metadata().row_groups.size(), 3u);
      const Codec want = codec == "uncompressed" ? Codec::kUncompressed
                         : codec == "snappy"     ? Codec::kSnappy
                         : codec == "gzip"       ? Codec::kGzip
                                                 : Codec::kZstd;
      EXPECT_EQ(reader->metadata().row_groups[0].columns[0].meta.codec, want);
    }
  }
  auto many = OpenCase("many_groups_v1");
  ASSERT_TRUE(many);
  EXPECT_EQ(many->metadata().row_groups.size(), 30u);
  auto singles = OpenCase("one_row_per_group");
  ASSERT_TRUE(singles);
  EXPECT_EQ(singles->metadata().row_groups.size(), 6u);
  // v2 files use the delta encodings and BYTE_STREAM_SPLIT; v1 files dictionaries.
  auto v2 = OpenCase("types_zstd_v2");
  ASSERT_TRUE(v2);
  std::set<Encoding> seen;
  for (const auto& chunk : v2->metadata().row_groups[0].columns) seen.insert(chunk.meta.encodings.begin(), chunk.meta.encodings.end());
  EXPECT_TRUE(seen.count(Encoding::kDeltaBinaryPacked));
  EXPECT_TRUE(seen.count(Encoding::kDeltaLengthByteArray));
  EXPECT_TRUE(seen.count(Encoding::kByteStreamSplit));
  EXPECT_TRUE(seen.count(Encoding::kRleDictionary));
}

TEST(DuckDbFiles, ReadsOnlySelectedColumnsInTheirOrder) {
  auto reader = OpenCase("types_gzip_v1");
  ASSERT_TRUE(reader);
  auto tags = reader->FindField("tags");
  auto id = reader->FindField("id");
  auto dec38 = reader->FindField("dec38");
  ASSERT_TRUE(tags && id && dec38);
  EXPECT_EQ(reader->schema().fields[*tags].kind, ValueKind::kMapJson);
  ASSERT_TRUE(reader->Select({*dec38, *id, *tags}));
  std::vector<ColumnValues> batch;
  auto more = reader->NextBatch(10, batch);
  ASSERT_TRUE(more && *more);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[1].ints[4], 4);
  // i % 9 == 3: the largest DECIMAL(38, 10); i % 8 == 3: one tag.
  EXPECT_EQ(batch[0].decimals[3].ToString(), "9999999999999999999999999999.9999999999");
  EXPECT_EQ(batch[0].decimals[4].ToString(), "-9999999999999999999999999999.9999999999");
  EXPECT_EQ(batch[0].decimals[5].ToString(), "0.0000000001");
  EXPECT_EQ(batch[2].text(3), R"({"aws:createdBy":"arn:aws:iam::123456789012:user/x3"})");
  EXPECT_EQ(batch[2].text(1), "{}");
  EXPECT_TRUE(batch[2].is_null(0));
  EXPECT_EQ(batch[2].text(2), R"({"user:Team":"data","user:Env":null})");
}

TEST(DuckDbFiles, RowGroupAboveTheBoundIsAnError) {
  ReaderOptions options;
  options.max_row_group_bytes = 1000;
  auto reader = OpenCase("unique_strings_v1", options);
  ASSERT_TRUE(reader);
  auto s = reader->FindField("s");
  ASSERT_TRUE(s);
  ASSERT_TRUE(reader->Select({*s}));
  const auto& meta = reader->metadata().row_groups[0].columns[1].meta;  // column s, the only one read
  std::vector<ColumnValues> batch;
  auto more = reader->NextBatch(100, batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(more.error().message,
            fmt::format("{}: row group 0 needs {} bytes of compressed column chunks for the 1 columns read, above "
                        "billpipe's bound of 1000 bytes per row group; the file was written with row groups too large "
                        "to read in bounded memory",
                        (CasesDir() / "unique_strings_v1.parquet").string(), meta.total_compressed_size));
}

}  // namespace
}  // namespace billpipe::parquet
