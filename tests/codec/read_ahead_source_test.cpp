#include "codec/read_ahead_source.h"

#include <gtest/gtest.h>

#include "codec/decoder.h"
#include "compress_helpers.h"

namespace billpipe::codec {
namespace {

using billpipe::testing::ChunkedSource;
using billpipe::testing::Drain;
using billpipe::testing::FailingSource;
using billpipe::testing::SampleText;

TEST(ReadAheadSource, SameBytesInOrder) {
  const std::string text = SampleText(20000);
  for (size_t buffer : {size_t{4096}, size_t{100000}}) {
    for (size_t read : {size_t{1}, size_t{333}, size_t{1} << 20}) {
      if (read == 1 && buffer > 4096) continue;
      ReadAheadSource source(std::make_unique<ChunkedSource>(text, 777, "s3://b/k"), buffer, 2);
      EXPECT_EQ(source.Describe(), "s3://b/k");
      auto out = Drain(source, read);
      ASSERT_TRUE(out);
      EXPECT_EQ(*out, text);
      char c;
      EXPECT_EQ(source.Read(std::span<char>(&c, 1)).value(), 0u);
    }
  }
}

TEST(ReadAheadSource, ErrorComesAfterTheBytesBeforeIt) {
  const std::string text = SampleText(1000);
  ReadAheadSource source(
      std::make_unique<FailingSource>(text, Error(ErrorCode::kRetryable, "connection reset")), 4096, 3);
  std::string got;
  std::string buf(1000, '\0');
  while (true) {
    auto n = source.Read(std::span<char>(buf.data(), buf.size()));
    if (!n) {
      EXPECT_EQ(n.error().code, ErrorCode::kRetryable);
      EXPECT_EQ(n.error().message, "connection reset");
      break;
    }
    ASSERT_GT(*n, 0u);
    got.append(buf.data(), *n);
  }
  EXPECT_EQ(got, text);
  EXPECT_EQ(source.Read(std::span<char>(buf.data(), 1)).error().message, "connection reset");
}

TEST(ReadAheadSource, StopsWhenTheReaderLeavesEarly) {
  auto source = std::make_unique<ReadAheadSource>(std::make_unique<ChunkedSource>(SampleText(100000), 4096), 4096, 2);
  char c[10];
  ASSERT_EQ(source->Read(c).value(), 10u);
  source.reset();  // joins the thread, which is waiting for a free buffer
}

TEST(ReadAheadSource, ThroughOpenDecoder) {
  const std::string text = SampleText(5000);
  auto decoder = OpenDecoder(std::make_unique<StringSource>(billpipe::testing::Gzip(text), "r.csv.gz"),
                             Compression::kGzip, {.read_ahead = true});
  EXPECT_EQ(decoder->Describe(), "gzip(r.csv.gz)");
  EXPECT_EQ(Drain(*decoder).value(), text);
}

}  // namespace
}  // namespace billpipe::codec
