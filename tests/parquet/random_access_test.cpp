// The random-access byte sources: local files (pread), objects of an ObjectStore by ranged GETs (the S3
// double and LocalDirStore), and a Parquet file read through each with few requests.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "duckdb_cases.h"
#include "parquet/file_reader.h"
#include "s3/client.h"
#include "s3/local_dir_store.h"
#include "s3/object_random_access.h"
#include "test_support.h"
#include "util/random_access_source.h"

namespace billpipe {
namespace {

using billpipe::testing::TempDir;

void WriteFile(const std::filesystem::path& path, const std::string& data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(LocalFileRandomAccessSource, ReadsAtOffsetsShortAtTheEnd) {
  TempDir dir;
  WriteFile(dir.path() / "f", "0123456789");
  auto source = LocalFileRandomAccessSource::Open((dir.path() / "f").string());
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->Size(), 10u);
  char buf[4];
  auto n = (*source)->ReadAt(3, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, *n), "3456");
  n = (*source)->ReadAt(8, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, *n), "89");
  n = (*source)->ReadAt(10, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  auto s = ReadExactlyAt(**source, 8, buf, "the footer");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kBadData);
  EXPECT_EQ(s.error().message, fmt::format("the footer (bytes 8 to 12) lies outside {}, which has 10 bytes",
                                           (dir.path() / "f").string()));
}

TEST(LocalFileRandomAccessSource, MissingFileIsNotFound) {
  auto source = LocalFileRandomAccessSource::Open("/nonexistent/x.parquet");
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, ErrorCode::kNotFound);
}

// Reads the whole file (every supported column) and returns its row count and a digest of the values.
std::pair<int64_t, std::string> ReadEverything(std::unique_ptr<RandomAccessSource> source) {
  auto reader = parquet::FileReader::Open(std::move(source));
  EXPECT_TRUE(reader) << reader.error().message;
  if (!reader) return {};
  std::vector<size_t> fields;
  for (size_t i = 0; i < (*reader)->schema().fields.size(); ++i) fields.push_back(i);
  EXPECT_TRUE((*reader)->Select(fields));
  std::vector<parquet::ColumnValues> batch;
  int64_t rows = 0;
  std::string digest;
  while (true) {
    auto more = (*reader)->NextBatch(4096, batch);
    EXPECT_TRUE(more) << more.error().message;
    if (!more || !*more) break;
    rows += static_cast<int64_t>(batch[0].size());
    for (const auto& c : batch) {
      digest += c.bytes;
      for (int64_t v : c.ints) digest += std::to_string(v);
      for (const auto& d : c.decimals) digest += d.ToString();
    }
  }
  return {rows, digest};
}

class ObjectRandomAccess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    billpipe::testing::S3TestServer::Options o;
    o.buckets = {"billing"};
    server_ = billpipe::testing::S3TestServer::Start(o).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  std::unique_ptr<s3::S3Client> Client() {
    s3::ClientOptions o;
    o.credentials = {billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey, ""};
    o.endpoint_url = server_->endpoint();
    o.region = "us-east-1";
    o.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    o.retry.base_delay = std::chrono::milliseconds(1);
    o.retry.max_delay = std::chrono::milliseconds(8);
    auto c = s3::S3Client::Make(o);
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
  static void Put(s3::ObjectStore& store, const std::string& key, const std::string& data) {
    StringSource body(data);
    auto s = store.Put("billing", key, body, data.size());
    ASSERT_TRUE(s) << s.error().message;
  }
  static billpipe::testing::S3TestServer* server_;
};
billpipe::testing::S3TestServer* ObjectRandomAccess::server_ = nullptr;

TEST_F(ObjectRandomAccess, RangedReadsFromTheS3Double) {
  auto client = Client();
  ASSERT_TRUE(client);
  Put(*client, "r/data.bin", "abcdefghijklmnopqrstuvwxyz");
  auto source = s3::ObjectRandomAccessSource::Open(*client, "billing", "r/data.bin");
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->Size(), 26u);
  EXPECT_EQ((*source)->Describe(), "s3://billing/r/data.bin");
  char buf[5];
  auto n = (*source)->ReadAt(10, buf);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(std::string(buf, *n), "klmno");
  n = (*source)->ReadAt(24, buf);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(std::string(buf, *n), "yz");
  n = (*source)->ReadAt(26, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ((*source)->requests(), 2);
}

TEST_F(ObjectRandomAccess, ObjectRewrittenWhileReadIsAConflict) {
  auto client = Client();
  ASSERT_TRUE(client);
  Put(*client, "r/changing.bin", "version one.");
  auto source = s3::ObjectRandomAccessSource::Open(*client, "billing", "r/changing.bin");
  ASSERT_TRUE(source) << source.error().message;
  Put(*client, "r/changing.bin", "version two.");
  char buf[4];
  auto n = (*source)->ReadAt(0, buf);
  ASSERT_FALSE(n) << std::string(buf, *n);
  EXPECT_EQ(n.error().code, ErrorCode::kConflict) << n.error().message;
}

TEST_F(ObjectRandomAccess, ParquetFromTheS3DoubleSameAsFromTheLocalFile) {
  const auto path = parquet::test::CasesDir() / "types_snappy_v1.parquet";
  const std::string data = ReadFile(path);
  ASSERT_GT(data.size(), 65536u);
  auto client = Client();
  ASSERT_TRUE(client);
  Put(*client, "cur/r/types.snappy.parquet", data);
  s3::ObjectInfo info;
  info.key = "cur/r/types.snappy.parquet";
  info.size = data.size();
  auto head = client->Head("billing", info.key);
  ASSERT_TRUE(head);
  info.etag = head->etag;
  auto source = s3::ObjectRandomAccessSource::FromInfo(*client, "billing", info);
  auto local = LocalFileRandomAccessSource::Open(path.string());
  ASSERT_TRUE(local);
  auto expected = ReadEverything(std::move(*local));
  auto got = ReadEverything(std::move(source));
  EXPECT_EQ(got.first, 5000);
  EXPECT_EQ(got, expected);
}

// Counts requests with a wrapper store, since the reader owns its source.
class CountingOpens final : public s3::ObjectStore {
 public:
  explicit CountingOpens(s3::ObjectStore& inner) : inner_(inner) {}
  Result<s3::Listing> List(const std::string& b, const std::string& p, const std::string& d) override {
    return inner_.List(b, p, d);
  }
  Result<s3::ObjectInfo> Head(const std::string& b, const std::string& k) override {
    ++heads;
    return inner_.Head(b, k);
  }
  Result<std::unique_ptr<ByteSource>> Open(const std::string& b, const std::string& k,
                                           const s3::ReadOptions& o = {}) override {
    ++opens;
    return inner_.Open(b, k, o);
  }
  Result<std::string> GetSmall(const std::string& b, const std::string& k, size_t m) override {
    return inner_.GetSmall(b, k, m);
  }
  Status Put(const std::string& b, const std::string& k, ByteSource& body, uint64_t size) override {
    return inner_.Put(b, k, body, size);
  }
  int heads = 0, opens = 0;

 private:
  s3::ObjectStore& inner_;
};

TEST_F(ObjectRandomAccess, ParquetReadsFooterThenOneRequestPerRowGroup) {
  const auto path = parquet::test::CasesDir() / "types_zstd_v1.parquet";
  const std::string data = ReadFile(path);
  ASSERT_GT(data.size(), 65536u);
  auto client = Client();
  ASSERT_TRUE(client);
  Put(*client, "cur/r/types.zstd.parquet", data);
  CountingOpens counting(*client);
  auto source = s3::ObjectRandomAccessSource::Open(counting, "billing", "cur/r/types.zstd.parquet");
  ASSERT_TRUE(source) << source.error().message;
  auto got = ReadEverything(std::move(*source));
  EXPECT_EQ(got.first, 5000);
  EXPECT_EQ(counting.heads, 1);
  EXPECT_EQ(counting.opens, 2 + 3);  // tail, leading magic, 3 row groups
}

TEST(ObjectRandomAccessLocal, ParquetThroughLocalDirStore) {
  TempDir dir;
  const auto path = parquet::test::CasesDir() / "many_groups_v2.parquet";
  WriteFile(dir.path() / "bucket" / "exports" / "x.parquet", ReadFile(path));
  auto store = s3::LocalDirStore::Create({dir.path(), false});
  ASSERT_TRUE(store) << store.error().message;
  auto source = s3::ObjectRandomAccessSource::Open(**store, "bucket", "exports/x.parquet");
  ASSERT_TRUE(source) << source.error().message;
  auto local = LocalFileRandomAccessSource::Open(path.string());
  ASSERT_TRUE(local);
  auto expected = ReadEverything(std::move(*local));
  auto got = ReadEverything(std::move(*source));
  EXPECT_EQ(got.first, 61440);
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace billpipe
