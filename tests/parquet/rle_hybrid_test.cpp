// The RLE / bit-packed hybrid decoder read a part at a time (RleHybridDecoder), against the whole.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "parquet/encodings.h"

namespace billpipe::parquet {
namespace {

// Width 3: an RLE run of 5 fives, a bit-packed run of 2 groups (0..7, then 7..0), an RLE run of 3 zeros.
std::string Stream() {
  std::string s;
  s += static_cast<char>(5 << 1);  // RLE, 5 values
  s += static_cast<char>(5);       // value 5 in one byte
  s += static_cast<char>((2 << 1) | 1);  // bit-packed, 2 groups
  // Values LSB first, 3 bits each: 0 1 2 3 4 5 6 7 is 0xFAC688, little-endian.
  s += static_cast<char>(0x88);
  s += static_cast<char>(0xC6);
  s += static_cast<char>(0xFA);
  // 7 6 5 4 3 2 1 0, packed the same way.
  uint32_t bits = 0;
  const uint32_t values[8] = {7, 6, 5, 4, 3, 2, 1, 0};
  for (int i = 0; i < 8; ++i) bits |= values[i] << (3 * i);
  s += static_cast<char>(bits & 0xff);
  s += static_cast<char>((bits >> 8) & 0xff);
  s += static_cast<char>((bits >> 16) & 0xff);
  s += static_cast<char>(3 << 1);  // RLE, 3 values
  s += static_cast<char>(0);
  return s;
}

const std::vector<uint32_t> kExpected = {5, 5, 5, 5, 5, 0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0};

TEST(RleHybrid, WholeStream) {
  std::vector<uint32_t> out(kExpected.size());
  ASSERT_TRUE(DecodeRleHybrid(Stream(), 3, out));
  EXPECT_EQ(out, kExpected);
}

TEST(RleHybrid, PiecesOfEverySizeGiveTheSameValues) {
  const std::string stream = Stream();
  for (size_t piece = 1; piece <= kExpected.size(); ++piece) {
    RleHybridDecoder decoder(stream, 3);
    std::vector<uint32_t> got;
    while (got.size() < kExpected.size()) {
      std::vector<uint32_t> part(std::min(piece, kExpected.size() - got.size()));
      ASSERT_TRUE(decoder.Next(part)) << "piece " << piece;
      got.insert(got.end(), part.begin(), part.end());
    }
    EXPECT_EQ(got, kExpected) << "piece " << piece;
  }
}

TEST(RleHybrid, SkimCountsAndChecksWithoutChangingWhatFollows) {
  const std::string stream = Stream();
  RleHybridDecoder decoder(stream, 3);
  size_t equal = 0;
  ASSERT_TRUE(decoder.Skim(9, 7, &equal));  // 5 5 5 5 5 0 1 2 3
  EXPECT_EQ(equal, 0u);
  std::vector<uint32_t> next(3);
  ASSERT_TRUE(decoder.Next(next));
  EXPECT_EQ(next, (std::vector<uint32_t>{4, 5, 6}));
  ASSERT_TRUE(decoder.Skim(12, 7, &equal));  // 7 7 6 5 4 3 2 1 0 0 0 0
  EXPECT_EQ(equal, 2u);

  RleHybridDecoder fives(stream, 3);
  ASSERT_TRUE(fives.Skim(5, 5, &equal));
  EXPECT_EQ(equal, 5u);

  RleHybridDecoder over(stream, 3);
  const Status s = over.Skim(kExpected.size(), 6, &equal);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "RLE data is corrupt: a value 7 is above the maximum 6");
}

TEST(RleHybrid, DataEndingEarlyIsAnError) {
  const std::string stream = Stream();
  RleHybridDecoder decoder(stream, 3);
  std::vector<uint32_t> out(kExpected.size() + 1);
  const Status s = decoder.Next(out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "RLE data is corrupt: the data ends after 24 values");
}

}  // namespace
}  // namespace billpipe::parquet
