#include "pipeline/progress.h"

#include <gtest/gtest.h>

namespace billpipe::pipeline {
namespace {

TEST(ProgressTest, FormatsNumbersForPeople) {
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
  EXPECT_EQ(GroupThousands(-1000), "-1,000");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(120000000), "120.0 MB");
  EXPECT_EQ(FormatBytes(2500000000), "2.50 GB");
}

TEST(ProgressTest, LineShowsBytesFilesRowsRateAndTimeLeft) {
  ProgressCounters c;
  c.compressed_total = 100000000;
  c.compressed_read = 25000000;
  c.files_total = 4;
  c.files_done = 1;
  c.line_items = 500000;
  EXPECT_EQ(FormatProgress(c, std::chrono::seconds(10)),
            "25.0 MB of 100.0 MB, 1/4 files, 500,000 line items, 50,000/s, 0:30 left");
}

}  // namespace
}  // namespace billpipe::pipeline
