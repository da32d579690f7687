#include "s3/bucket_name.h"

#include <gtest/gtest.h>

#include "s3/s3_url.h"

namespace billpipe::s3 {
namespace {

constexpr const char* kAllowed = "Allowed: letters, digits, dots (.), dashes (-) and underscores (_), 3 to 255 characters.";

std::string Message(std::string_view bucket) {
  auto s = ValidateBucketName(bucket);
  if (s) return "ok";
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().bucket, std::string(bucket));
  return s.error().message;
}

TEST(BucketName, AcceptsS3Names) {
  for (const char* ok : {"billing", "my-cur.reports", "Legacy_Bucket", "abc", "a1.b2-c3_d4"})
    EXPECT_EQ(Message(ok), "ok") << ok;
  EXPECT_EQ(Message(std::string(255, 'a')), "ok");
}

TEST(BucketName, NamesTheBadCharacterAndWhatIsAllowed) {
  EXPECT_EQ(Message("my bucket"),
            std::string("Invalid bucket name 'my bucket': a space at position 3 is not allowed. ") + kAllowed);
  EXPECT_EQ(Message("bucket?x"),
            std::string("Invalid bucket name 'bucket?x': '?' at position 7 is not allowed. ") + kAllowed);
  EXPECT_EQ(Message("b/c"), std::string("Invalid bucket name 'b/c': a slash '/' at position 2 is not allowed. ") +
                                kAllowed + " Give the bucket alone; a path inside it goes in the prefix.");
  EXPECT_EQ(Message("caf\xC3\xA9"), std::string("Invalid bucket name 'caf\xC3\xA9': the non-ASCII byte 0xC3 at "
                                                "position 4 is not allowed. ") + kAllowed);
  EXPECT_EQ(Message("a%2F"),
            std::string("Invalid bucket name 'a%2F': '%' at position 2 is not allowed. ") + kAllowed);
}

TEST(BucketName, RefusesWrongLengths) {
  EXPECT_EQ(Message(""), std::string("The bucket name is empty. ") + kAllowed);
  EXPECT_EQ(Message("ab"), std::string("Invalid bucket name 'ab': it has 2 characters. ") + kAllowed);
  EXPECT_EQ(Message(std::string(256, 'a')).substr(0, 20), "Invalid bucket name ");
  EXPECT_NE(Message(std::string(256, 'a')).find("it has 256 characters."), std::string::npos);
}

TEST(S3Url, SplitsBucketAndPrefix) {
  auto u = ParseS3Url("s3://billing/cur/report/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->bucket, "billing");
  EXPECT_EQ(u->key, "cur/report/");
  auto bare = ParseS3Url("s3://billing");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->bucket, "billing");
  EXPECT_EQ(bare->key, "");
}

TEST(S3Url, RefusesOtherSchemesAndBadBuckets) {
  auto http = ParseS3Url("https://billing/cur");
  ASSERT_FALSE(http);
  EXPECT_EQ(http.error().message, "'https://billing/cur' is not an S3 location: write it as s3://BUCKET/PREFIX.");
  auto bad = ParseS3Url("s3://bill ing/cur");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().bucket, "bill ing");
}

}  // namespace
}  // namespace billpipe::s3
