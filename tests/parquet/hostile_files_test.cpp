// Files built by hand (parquet_test_writer.h): what DuckDB does not write (INT96, DELTA_BYTE_ARRAY,
// CRCs), and corrupt or hostile files, each of which must end in a clear error, never a crash or an
// allocation of what the file claims.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "parquet/file_reader.h"
#include "parquet_test_writer.h"
#include "table/timestamp.h"

namespace billpipe::parquet {
namespace {

using test::TestColumn;
using test::TestPage;

Result<std::unique_ptr<FileReader>> OpenBytes(std::string bytes, const ReaderOptions& options = {}) {
  return FileReader::Open(std::make_unique<StringRandomAccessSource>(std::move(bytes), "test.parquet"), options);
}

// Reads column 0 of the file whole; the error of the first failure.
Result<ColumnValues> ReadAll(std::string bytes, size_t batch_rows = 1000) {
  BP_ASSIGN_OR_RETURN(auto reader, OpenBytes(std::move(bytes)));
  BP_RETURN_IF_ERROR(reader->Select({0}));
  ColumnValues all;
  all.kind = reader->schema().fields[0].kind;
  std::vector<ColumnValues> batch;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool more, reader->NextBatch(batch_rows, batch));
    if (!more) break;
    for (size_t r = 0; r < batch[0].size(); ++r) {
      if (batch[0].is_null(r)) all.AppendNull(); else all.AppendFrom(batch[0], r);
    }
  }
  return all;
}

std::string ErrorOf(const Result<ColumnValues>& r) { return r ? std::string("no error") : r.error().message; }

TestPage PlainInt32Page(const std::vector<int32_t>& values) {
  TestPage p;
  p.num_values = static_cast<int32_t>(values.size());
  p.body = test::PlainInt32(values);
  return p;
}

TEST(HandBuiltFiles, PlainInt32WithCrc) {
  TestPage page = PlainInt32Page({1, -2, 3});
  page.crc = true;
  auto values = ReadAll(test::WriteTestFile({}, {page}));
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(values->ints, (std::vector<int64_t>{1, -2, 3}));
}

TEST(HandBuiltFiles, CrcMismatchIsAnError) {
  TestPage page = PlainInt32Page({1, 2, 3});
  page.crc_value = 12345;
  auto values = ReadAll(test::WriteTestFile({}, {page}));
  ASSERT_FALSE(values);
  EXPECT_EQ(values.error().code, ErrorCode::kBadData);
  const uint32_t crc = codec::Crc32(0, reinterpret_cast<const uint8_t*>(page.body.data()), page.body.size());
  EXPECT_EQ(values.error().message,
            fmt::format("test.parquet: column c: row group 0: the page at byte 0 of the column chunk fails its CRC "
                        "check (stored 00003039, computed {:08x})",
                        crc));
  EXPECT_EQ(values.error().column, "c");
}

TEST(HandBuiltFiles, Int96Timestamps) {
  TestColumn c;
  c.type = PhysicalType::kInt96;
  // 2018-05-01T01:02:03.000000456Z: Julian day 2458240, 3723000000456 ns into the day.
  std::string body(12, '\0');
  const int64_t nanos = 3723000000456;
  const int32_t julian = 2458240;
  std::memcpy(body.data(), &nanos, 8);
  std::memcpy(body.data() + 8, &julian, 4);
  TestPage page;
  page.num_values = 1;
  page.body = body;
  auto values = ReadAll(test::WriteTestFile(c, {page}));
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(values->kind, ValueKind::kTimestamp);
  EXPECT_EQ(table::FormatTimestamp(values->ints[0]), "2018-05-01T01:02:03Z");
  EXPECT_EQ(values->nanos[0], 456);
}

TEST(HandBuiltFiles, DeltaByteArrayStrings) {
  TestColumn c;
  c.type = PhysicalType::kByteArray;
  c.converted = ConvertedType::kUtf8;
  // "apple", "applesauce", "apply", "", "banana": prefixes 0 5 4 0 0, suffixes.
  TestPage page;
  page.num_values = 5;
  page.encoding = Encoding::kDeltaByteArray;
  page.body = test::DeltaBinaryPacked({0, 5, 4, 0, 0}) + test::DeltaBinaryPacked({5, 5, 1, 0, 6}) + "apple" + "sauce" +
              "y" + "banana";
  auto values = ReadAll(test::WriteTestFile(c, {page}));
  ASSERT_TRUE(values) << values.error().message;
  ASSERT_EQ(values->size(), 5u);
  EXPECT_EQ(values->text(0), "apple");
  EXPECT_EQ(values->text(1), "applesauce");
  EXPECT_EQ(values->text(2), "apply");
  EXPECT_EQ(values->text(3), "");
  EXPECT_EQ(values->text(4), "banana");
}

TEST(HandBuiltFiles, DeltaBinaryPackedManyBlocks) {
  std::vector<int64_t> v;
  for (int i = 0; i < 1000; ++i) v.push_back((i * 7919) % 1000 - 500 + (i % 3 == 0 ? 100000 : 0));
  TestColumn c;
  c.type = PhysicalType::kInt64;
  TestPage page;
  page.num_values = 1000;
  page.encoding = Encoding::kDeltaBinaryPacked;
  page.body = test::DeltaBinaryPacked(v);
  auto values = ReadAll(test::WriteTestFile(c, {page}));
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(values->ints, v);
}

TEST(HandBuiltFiles, OptionalColumnWithBitPackedLevelsAndDictionary) {
  TestColumn c;
  c.type = PhysicalType::kByteArray;
  c.repetition = Repetition::kOptional;
  TestPage dict;
  dict.type = PageType::kDictionaryPage;
  dict.num_values = 2;
  dict.body = test::PlainByteArray({"AmazonEC2", "AmazonS3"});
  // 8 rows, def levels 1 0 1 1 0 1 1 1 (bit-packed), 6 values with indices 1 0 0 1 1 0 (bit width 1).
  const std::string defs = test::BitPacked({1, 0, 1, 1, 0, 1, 1, 1}, 1);
  TestPage data;
  data.num_values = 8;
  data.encoding = Encoding::kRleDictionary;
  data.body = test::Le32(static_cast<uint32_t>(defs.size())) + defs + std::string(1, '\1') +
              test::BitPacked({1, 0, 0, 1, 1, 0}, 1);
  auto values = ReadAll(test::WriteTestFile(c, {dict, data}), 3);
  ASSERT_TRUE(values) << values.error().message;
  ASSERT_EQ(values->size(), 8u);
  std::vector<std::string> got;
  for (size_t r = 0; r < 8; ++r) got.push_back(values->is_null(r) ? "NULL" : std::string(values->text(r)));
  EXPECT_EQ(got, (std::vector<std::string>{"AmazonS3", "NULL", "AmazonEC2", "AmazonEC2", "NULL", "AmazonS3",
                                           "AmazonS3", "AmazonEC2"}));
}

TEST(HandBuiltFiles, DecimalFromByteArrayAndFixed) {
  TestColumn c;
  c.type = PhysicalType::kByteArray;
  c.converted = ConvertedType::kDecimal;
  c.scale = 2;
  c.precision = 38;
  TestPage page;
  page.num_values = 3;
  // 12345 (0x3039), -1 (0xff), 0 as 20 bytes of sign extension (allowed).
  page.body = test::PlainByteArray({std::string("\x30\x39", 2), std::string("\xff", 1), std::string(20, '\0')});
  auto values = ReadAll(test::WriteTestFile(c, {page}));
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(values->decimals[0].ToString(), "123.45");
  EXPECT_EQ(values->decimals[1].ToString(), "-0.01");
  EXPECT_EQ(values->decimals[2].ToString(), "0.00");
  // 17 bytes whose value needs them is above 38 digits.
  page.num_values = 1;
  page.body = test::PlainByteArray({std::string("\x01", 1) + std::string(16, '\0')});
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile(c, {page}))),
            "test.parquet: column c: row group 0: a decimal value exceeds 38 digits");
}

// --- Corrupt and hostile files ---

std::string GoodFile() { return test::WriteTestFile({}, {PlainInt32Page({1, 2, 3})}); }

TEST(HostileFiles, TooShortToBeParquet) {
  auto r = OpenBytes("PAR1PAR1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadData);
  EXPECT_EQ(r.error().message,
            "test.parquet is not a Parquet file: it has 8 bytes, fewer than the 12 of the smallest Parquet file");
}

TEST(HostileFiles, NoTrailingMagic) {
  std::string f = GoodFile();
  f.back() = 'X';
  auto r = OpenBytes(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "test.parquet is not a Parquet file: it does not end with \"PAR1\"");
}

TEST(HostileFiles, FooterLengthPointingOutsideTheFile) {
  std::string f = GoodFile();
  const uint32_t len = 1000000;
  std::memcpy(f.data() + f.size() - 8, &len, 4);
  auto r = OpenBytes(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, fmt::format("test.parquet is corrupt: its footer length 1000000 points outside the "
                                           "file, which has {} bytes",
                                           f.size()));
}

TEST(HostileFiles, TruncatedFooter) {
  const std::string good = GoodFile();
  uint32_t len;
  std::memcpy(&len, good.data() + good.size() - 8, 4);
  // Keep the first half of the footer and say so in the length.
  const size_t footer_at = good.size() - 8 - len;
  std::string f = good.substr(0, footer_at + len / 2) + test::Le32(len / 2) + "PAR1";
  auto r = OpenBytes(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadData);
  EXPECT_TRUE(r.error().message.starts_with("test.parquet: the footer (FileMetaData) is malformed: "))
      << r.error().message;
}

TEST(HostileFiles, EncryptedFooterIsUnsupported) {
  std::string f = GoodFile();
  f.replace(f.size() - 4, 4, "PARE");
  auto r = OpenBytes(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST(HostileFiles, PageClaimingMoreBytesThanTheChunk) {
  TestPage page = PlainInt32Page({1, 2, 3});
  page.compressed_size = 1 << 30;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {page}))),
            "test.parquet: column c: row group 0: the page at byte 0 of the column chunk claims 1073741824 compressed "
            "bytes, but only 12 are left in the chunk");
}

TEST(HostileFiles, PageLyingAboutItsUncompressedSize) {
  TestPage page = PlainInt32Page({1, 2, 3});
  page.uncompressed_size = 4;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {page}))),
            "test.parquet: column c: row group 0: the UNCOMPRESSED page decompresses to 12 bytes, but its header says 4");
  page.uncompressed_size = 2000000000;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {page}))),
            "test.parquet: column c: row group 0: the page at byte 0 of the column chunk is 2000000000 bytes "
            "uncompressed, above billpipe's bound of 67108864 bytes per page");
}

TEST(HostileFiles, SnappyPageLyingAboutItsSize) {
  TestColumn c;
  c.codec = Codec::kSnappy;
  TestPage page;
  page.num_values = 1;
  page.body = "\x04\x0c\x01\x02\x03\x04";  // snappy: length 4, a literal of 4 bytes
  page.uncompressed_size = 8;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile(c, {page}))),
            "test.parquet: column c: row group 0: the SNAPPY page decompresses to 4 bytes, but its header says 8");
}

TEST(HostileFiles, PageWithTooFewValuesForItsCount) {
  TestPage page = PlainInt32Page({1, 2, 3});
  page.num_values = 5;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {page}))),
            "test.parquet: column c: row group 0: PLAIN data holds 12 bytes, but 5 INT32 values need 20");
}

TestPage Dictionary(int n) {
  TestPage dict;
  dict.type = PageType::kDictionaryPage;
  dict.num_values = n;
  std::vector<int32_t> v;
  for (int i = 0; i < n; ++i) v.push_back(100 + i);
  dict.body = test::PlainInt32(v);
  return dict;
}

TEST(HostileFiles, DictionaryIndexOutOfRange) {
  TestPage data;
  data.num_values = 3;
  data.encoding = Encoding::kRleDictionary;
  data.body = std::string(1, '\3') + test::BitPacked({0, 1, 5}, 3);
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {Dictionary(2), data}))),
            "test.parquet: column c: row group 0: dictionary index 5 is out of range (the dictionary has 2 values)");
}

TEST(HostileFiles, DictionaryBitWidthOver32) {
  TestPage data;
  data.num_values = 3;
  data.encoding = Encoding::kRleDictionary;
  data.body = std::string(1, '\41') + test::RleRun(3, 0);
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {Dictionary(2), data}))),
            "test.parquet: column c: row group 0: dictionary indices have bit width 33, over the maximum of 32");
}

TEST(HostileFiles, DictionaryPageMissing) {
  TestPage data;
  data.num_values = 1;
  data.encoding = Encoding::kPlainDictionary;
  data.body = std::string(1, '\1') + test::RleRun(1, 0);
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {data}))),
            "test.parquet: column c: row group 0: a dictionary-encoded page has no dictionary page before it");
}

TEST(HostileFiles, BillionRowClaimInATinyFile) {
  auto values = ReadAll(test::WriteTestFile({}, {PlainInt32Page({1, 2, 3})}, 1000000000));
  EXPECT_EQ(ErrorOf(values),
            "test.parquet: column c: row group 0: the column ends after 3 of the 1000000000 rows the footer claims");
}

TEST(HostileFiles, PageClaimingABillionValues) {
  TestPage page = PlainInt32Page({1, 2, 3});
  page.num_values = 1000000000;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile({}, {page}))),
            "test.parquet: column c: row group 0: a data page claims 1000000000 values (the bound is 2097152)");
}

TEST(HostileFiles, RleRunLongerThanThePage) {
  // Optional column, v1 page: definition levels say a run of 1000 present values, but the page has 3.
  TestColumn c;
  c.repetition = Repetition::kOptional;
  TestPage page;
  page.num_values = 3;
  const std::string defs = test::RleRun(1000, 1);
  page.body = test::Le32(static_cast<uint32_t>(defs.size())) + defs + test::PlainInt32({7, 8, 9});
  auto values = ReadAll(test::WriteTestFile(c, {page}));
  ASSERT_TRUE(values) << values.error().message;  // a run may be longer than needed: the rest is unused
  EXPECT_EQ(values->ints, (std::vector<int64_t>{7, 8, 9}));
  // A level length past the page's end.
  page.body = test::Le32(1000) + defs;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile(c, {page}))),
            "test.parquet: column c: row group 0: the page's levels claim 1000 bytes, but the page has 3 left");
}

TEST(HostileFiles, UnsupportedColumnNamesFileColumnAndFeature) {
  TestColumn c;
  c.type = PhysicalType::kFixedLenByteArray;
  c.type_length = 16;
  auto reader = OpenBytes(test::WriteTestFile(c, {}));
  ASSERT_TRUE(reader) << reader.error().message;
  auto s = (*reader)->Select({0});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(s.error().message,
            "test.parquet: column c: billpipe cannot read FIXED_LEN_BYTE_ARRAY columns other than DECIMAL");
}

TEST(HostileFiles, UnsupportedCodecNamesIt) {
  TestColumn c;
  c.codec = Codec::kLz4Raw;
  EXPECT_EQ(ErrorOf(ReadAll(test::WriteTestFile(c, {PlainInt32Page({1})}))),
            "test.parquet: column c: row group 0: the LZ4_RAW codec is not supported (billpipe reads UNCOMPRESSED, "
            "SNAPPY, GZIP and ZSTD)");
}

TEST(HostileFiles, ChunkOutsideTheData) {
  // Move the footer's data_page_offset past the data: rewrite the file with a page that is all header.
  std::string f = GoodFile();
  // The column chunk claims bytes 4..16; make the file's data end earlier by growing the footer claim is
  // not possible without rewriting, so corrupt the page offset field instead: find I64 field 9 (0x16 after
  // field 7) by value 4 -> 1000.
  const std::string needle = std::string("\x26\x08", 2);  // delta 2 from field 7, type i64, zigzag(4) = 8
  const size_t at = f.rfind(needle);
  ASSERT_NE(at, std::string::npos);
  f.replace(at, 2, std::string("\x26\xd0\x0f", 3));  // zigzag(1000) = 2000 = 0xd0 0x0f
  // Fix the footer length (one byte longer).
  uint32_t len;
  std::memcpy(&len, f.data() + f.size() - 8, 4);
  ++len;
  std::memcpy(f.data() + f.size() - 8, &len, 4);
  const size_t data_end = f.size() - 8 - len;
  auto values = ReadAll(f);
  EXPECT_EQ(ErrorOf(values), fmt::format("test.parquet: column c: row group 0: the column chunk (bytes 1000 to {}) lies "
                                         "outside the file's data, which ends at byte {}",
                                         1000 + data_end - 4, data_end));
}

}  // namespace
}  // namespace billpipe::parquet
