#include "codec/zip_source.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>

#include "codec/decoder.h"
#include "codec/file_source.h"
#include "compress_helpers.h"
#include "test_support.h"

namespace billpipe::codec {
namespace {

using billpipe::testing::BuildZip;
using billpipe::testing::ChunkedSource;
using billpipe::testing::Drain;
using billpipe::testing::SampleText;
using billpipe::testing::ZipEntry;

// Every ZipSource test runs with each inflate implementation of this build and expects the same results.
class ZipSourceTest : public ::testing::TestWithParam<InflateBackend> {
 protected:
  Result<std::string> Unzip(std::string archive, size_t chunk = 1 << 20, size_t read = 1 << 16) {
    ZipSource zip(std::make_unique<ChunkedSource>(std::move(archive), chunk, "s3://b/r-1.csv.zip"),
                  ZipSource::kDefaultInputBufferSize, GetParam());
    return Drain(zip, read);
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, ZipSourceTest, ::testing::ValuesIn(billpipe::testing::InflateBackends()),
                         [](const auto& info) { return std::string(InflateBackendName(info.param)); });

TEST_P(ZipSourceTest, DeflatedMemberWithSizesInTheHeader) {
  const std::string text = SampleText(10000);
  auto out = Unzip(BuildZip({{.name = "r-1.csv", .data = text}}));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, text);
}

TEST_P(ZipSourceTest, DeflatedMemberWithDataDescriptorAtEveryChunkSize) {
  const std::string text = SampleText(3000);
  for (bool signature : {true, false}) {
    const std::string zip = BuildZip({{.name = "any-name.csv", .data = text, .descriptor = true,
                                       .descriptor_signature = signature}});
    for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}, size_t{1} << 20}) {
      auto out = Unzip(zip, chunk, 777);
      ASSERT_TRUE(out) << "chunk " << chunk << ": " << out.error().message;
      EXPECT_EQ(*out, text);
    }
  }
}

TEST_P(ZipSourceTest, StoredMember) {
  const std::string text = SampleText(500);
  auto out = Unzip(BuildZip({{.name = "r.csv", .data = text, .method = 0}}), 100, 33);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, text);
}

TEST_P(ZipSourceTest, Zip64SizesInExtraFieldAndDescriptor) {
  const std::string text = SampleText(2000);
  for (bool descriptor : {false, true}) {
    auto out = Unzip(BuildZip({{.name = "r.csv", .data = text, .descriptor = descriptor, .zip64 = true}}));
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(*out, text);
  }
}

TEST_P(ZipSourceTest, SkipsDirectoryEntries) {
  const std::string text = SampleText(50);
  auto out = Unzip(BuildZip({{.name = "folder/", .data = "", .method = 0},
                             {.name = "folder/r.csv", .data = text},
                             {.name = "folder/sub/", .data = "", .method = 0}}));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, text);
}

TEST_P(ZipSourceTest, EmptyMember) {
  auto out = Unzip(BuildZip({{.name = "r.csv", .data = "", .descriptor = true}}));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "");
}

TEST(ZipSource, ReadsAnArchiveWrittenByLibzip) {
  billpipe::testing::TempDir dir;
  const auto path = dir.path() / "report-1.csv.zip";
  const std::string text = SampleText(4000);
  int err = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(archive, nullptr);
  zip_source_t* src = zip_source_buffer(archive, text.data(), text.size(), 0);
  ASSERT_GE(zip_file_add(archive, "report-1.csv", src, ZIP_FL_OVERWRITE), 0);
  ASSERT_EQ(zip_close(archive), 0);
  auto file = FileSource::Open(path);
  ASSERT_TRUE(file);
  auto decoder = OpenDecoder(std::move(*file), CompressionFromExtension(path.string()));
  EXPECT_EQ(decoder->Describe(), "zip(" + path.string() + ")");
  auto out = Drain(*decoder);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, text);
}

TEST_P(ZipSourceTest, NoFileMember) {
  auto out = Unzip(BuildZip({}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kBadData);
  EXPECT_EQ(out.error().message, "bad ZIP archive s3://b/r-1.csv.zip at byte 0: the archive holds no file member");
}

TEST_P(ZipSourceTest, OnlyADirectory) {
  auto out = Unzip(BuildZip({{.name = "folder/", .data = "", .method = 0}}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "bad ZIP archive s3://b/r-1.csv.zip at byte 37: the archive holds no file member");
}

TEST_P(ZipSourceTest, SeveralFileMembers) {
  const std::string zip = BuildZip({{.name = "a.csv", .data = "a\n1\n"}, {.name = "b.csv", .data = "b\n2\n"}});
  ZipSource source(std::make_unique<StringSource>(zip, "s3://b/r-1.csv.zip"));
  auto out = Drain(source);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kBadData);
  EXPECT_EQ(out.error().message,
            "bad ZIP archive s3://b/r-1.csv.zip at byte 41: the archive holds more than one file member "
            "('a.csv', 'b.csv')");
  EXPECT_EQ(out.error().offset, 41);
}

TEST_P(ZipSourceTest, NotAZipArchive) {
  auto out = Unzip(billpipe::testing::Gzip("a,b\n"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "bad ZIP archive s3://b/r-1.csv.zip at byte 0: not a ZIP archive");
}

TEST_P(ZipSourceTest, EmptyFile) {
  auto out = Unzip("");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "bad ZIP archive s3://b/r-1.csv.zip at byte 0: the file is empty, not a ZIP archive");
}

TEST_P(ZipSourceTest, CrcMismatch) {
  auto out = Unzip(BuildZip({{.name = "r.csv", .data = "a,b\n1,2\n", .descriptor = true, .crc_delta = 1}}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kBadData);
  EXPECT_EQ(out.error().message,
            "bad ZIP archive s3://b/r-1.csv.zip at byte 45: CRC-32 mismatch in member 'r.csv': the data has "
            "0a97077b, the archive says 0a97077c");
}

TEST_P(ZipSourceTest, SizeMismatch) {
  std::string zip = BuildZip({{.name = "r.csv", .data = "a,b\n1,2\n"}});
  zip[22] = 9;  // uncompressed size 8 → 9
  auto out = Unzip(zip);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "bad ZIP archive s3://b/r-1.csv.zip at byte 45: size mismatch in member 'r.csv': 10 compressed / 8 "
            "uncompressed bytes, the archive says 10 / 9");
}

TEST_P(ZipSourceTest, CorruptDeflateData) {
  std::string zip = BuildZip({{.name = "r.csv", .data = SampleText(100)}});
  zip[35] = static_cast<char>(0xff);
  auto out = Unzip(zip);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kBadData);
  EXPECT_EQ(out.error().message,
            "bad ZIP archive s3://b/r-1.csv.zip at byte 36: corrupt deflate data in member 'r.csv': invalid "
            "deflate block");
}

TEST_P(ZipSourceTest, TruncatedInTheData) {
  std::string zip = BuildZip({{.name = "r.csv", .data = SampleText(1000)}});
  zip.resize(500);
  auto out = Unzip(zip, 64);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kBadData);
  EXPECT_EQ(out.error().message, "truncated ZIP archive s3://b/r-1.csv.zip: it ends at byte 500");
  EXPECT_EQ(out.error().offset, 500);
}

TEST_P(ZipSourceTest, TruncatedBeforeTheCentralDirectory) {
  const std::string body = "a,b\n1,2\n";
  std::string zip = BuildZip({{.name = "r.csv", .data = body, .method = 0}});
  zip.resize(30 + 5 + body.size());
  auto out = Unzip(zip);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "truncated ZIP archive s3://b/r-1.csv.zip: it ends at byte 43");
}

TEST_P(ZipSourceTest, EncryptedMemberIsUnsupported) {
  auto out = Unzip(BuildZip({{.name = "r.csv", .data = "x", .method = 0, .extra_flags = 1}}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(out.error().message, "ZIP archive s3://b/r-1.csv.zip: member 'r.csv' is encrypted");
}

TEST_P(ZipSourceTest, OtherMethodsAreUnsupported) {
  auto out = Unzip(BuildZip({{.name = "r.csv", .data = "BZh9", .method = 12}}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(out.error().message,
            "ZIP archive s3://b/r-1.csv.zip: member 'r.csv' uses compression method 12; only stored (0) and "
            "deflate (8) are supported");
}

TEST_P(ZipSourceTest, StoredWithDataDescriptorIsUnsupported) {
  auto out = Unzip(BuildZip({{.name = "r.csv", .data = "a\n", .method = 0, .descriptor = true}}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(out.error().message,
            "ZIP archive s3://b/r-1.csv.zip: member 'r.csv' is stored with a data descriptor, which cannot be "
            "read as a stream");
}

}  // namespace
}  // namespace billpipe::codec
