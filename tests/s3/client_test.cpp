// The S3 client against the real S3 double (SigV4 verified) on loopback: round trips, listings of
// many pages, streamed and ranged reads, errors a person can act on, region hints.
#include "s3/client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "s3_doubles.h"

namespace billpipe::s3::test {
namespace {

using billpipe::testing::kTestAccessKey;

class S3ClientTest : public ::testing::Test {
 protected:
  S3ClientTest() : clock_(RealNow()) {}
  std::string Endpoint() { return SharedDoubles().server->endpoint(); }
  ClientOptions Options() { return TestOptions(Endpoint(), &clock_); }
  std::unique_ptr<S3Client> Client() { return MakeTestClient(Options()); }

  void PutString(S3Client& c, const std::string& bucket, const std::string& key, const std::string& data) {
    StringSource body(data);
    auto s = c.Put(bucket, key, body, data.size());
    ASSERT_TRUE(s) << s.error().message;
  }

  static std::string ReadWhole(ByteSource& source, size_t chunk) {
    std::string out;
    std::string buf(chunk, '\0');
    for (;;) {
      auto n = source.Read(std::span<char>(buf.data(), buf.size()));
      EXPECT_TRUE(n) << n.error().message;
      if (!n || *n == 0) return out;
      out.append(buf.data(), *n);
    }
  }

  FakeClock clock_;
};

TEST_F(S3ClientTest, PutThenHeadGetSmallAndOpenRoundTrip) {
  auto c = Client();
  std::string data = RandomBytes(300'000, 1);
  PutString(*c, "billing", "cur/report/20261101-20261201/report-1.csv.gz", data);

  auto head = c->Head("billing", "cur/report/20261101-20261201/report-1.csv.gz");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->size, 300'000u);
  EXPECT_EQ(head->etag.size(), 34u);  // "<32 hex digits>"
  EXPECT_EQ(head->etag.front(), '"');
  ASSERT_EQ(head->last_modified.size(), 24u);  // 2026-11-29T08:15:19.000Z
  EXPECT_EQ(head->last_modified.substr(19), ".000Z");

  auto small = c->GetSmall("billing", "cur/report/20261101-20261201/report-1.csv.gz", 1'000'000);
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(aws::Sha256Hex(*small), aws::Sha256Hex(data));

  auto too_big = c->GetSmall("billing", "cur/report/20261101-20261201/report-1.csv.gz", 1000);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kBadData);
  EXPECT_EQ(too_big.error().message,
            "s3://billing/cur/report/20261101-20261201/report-1.csv.gz is larger than the 1000 bytes expected");
}

TEST_F(S3ClientTest, KeysWithSpacesAndSymbolsAreSignedAndSentAlike) {
  auto c = Client();
  const std::string key = "cur/odd name+plus=eq,semi;at@dollar$~tilde/ü (1).csv";
  PutString(*c, "billing", key, "hello");
  auto got = c->GetSmall("billing", key, 100);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "hello");
  auto listing = c->List("billing", "cur/odd name", "");
  ASSERT_TRUE(listing) << listing.error().message;
  ASSERT_EQ(listing->objects.size(), 1u);
  EXPECT_EQ(listing->objects[0].key, key);
  EXPECT_EQ(listing->objects[0].size, 5u);
}

TEST_F(S3ClientTest, ListReturnsEveryKeyAcrossPagesInByteOrder) {
  ClientOptions o = Options();
  o.list_page_size = 100;
  auto c = MakeTestClient(o);
  constexpr int kKeys = 1005;  // seeded by the double: more than S3's 1000 a page, and 11 pages of 100
  std::vector<std::string> expected;
  for (int i = 0; i < kKeys; ++i) expected.push_back(fmt::format("cur/r/k{:05d}", i));
  expected.push_back("cur/r/sub/a");
  expected.push_back("cur/s/b");
  PutString(*c, "many", "cur/r/sub/a", "x");
  PutString(*c, "many", "cur/s/b", "x");

  auto all = c->List("many", "cur/", "");
  ASSERT_TRUE(all) << all.error().message;
  std::vector<std::string> keys;
  for (const auto& o2 : all->objects) keys.push_back(o2.key);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys, expected);
  EXPECT_TRUE(all->common_prefixes.empty());

  auto folded = c->List("many", "cur/r/", "/");
  ASSERT_TRUE(folded) << folded.error().message;
  EXPECT_EQ(folded->objects.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(folded->common_prefixes, std::vector<std::string>{"cur/r/sub/"});

  auto top = c->List("many", "", "/");
  ASSERT_TRUE(top) << top.error().message;
  EXPECT_TRUE(top->objects.empty());
  EXPECT_EQ(top->common_prefixes, std::vector<std::string>{"cur/"});
}

TEST_F(S3ClientTest, OpenStreamsThroughASmallBufferAndReadsRanges) {
  ClientOptions o = Options();
  o.stream_buffer_bytes = 64 * 1024;  // far smaller than the object: the reader must pull it through
  auto c = MakeTestClient(o);
  std::string data = RandomBytes(3'000'000, 2);
  PutString(*c, "billing", "stream/big.bin", data);

  auto source = c->Open("billing", "stream/big.bin");
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->Describe(), "s3://billing/stream/big.bin");
  std::string got = ReadWhole(**source, 7919);
  EXPECT_EQ(got.size(), data.size());
  EXPECT_EQ(aws::Sha256Hex(got), aws::Sha256Hex(data));
  char extra[10];
  EXPECT_EQ((*source)->Read(extra).value(), 0u);  // the end stays the end

  auto range = c->Open("billing", "stream/big.bin", ReadOptions{1'000'000, 12345, ""});
  ASSERT_TRUE(range) << range.error().message;
  EXPECT_EQ(ReadWhole(**range, 4096), data.substr(1'000'000, 12345));

  auto tail = c->Open("billing", "stream/big.bin", ReadOptions{2'999'990, -1, ""});
  ASSERT_TRUE(tail) << tail.error().message;
  EXPECT_EQ(ReadWhole(**tail, 4096), data.substr(2'999'990));

  // Dropping a source half read stops its transfer.
  auto dropped = c->Open("billing", "stream/big.bin");
  ASSERT_TRUE(dropped);
  char buf[100];
  EXPECT_EQ((*dropped)->Read(buf).value(), 100u);
  dropped->reset();
}

TEST_F(S3ClientTest, IfMatchWithAnotherEtagFailsWithConflict) {
  auto c = Client();
  PutString(*c, "billing", "ifmatch/a.txt", "version one");
  auto head = c->Head("billing", "ifmatch/a.txt");
  ASSERT_TRUE(head);
  auto same = c->Open("billing", "ifmatch/a.txt", ReadOptions{0, -1, head->etag});
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(ReadWhole(**same, 100), "version one");
  auto other = c->Open("billing", "ifmatch/a.txt", ReadOptions{0, -1, "\"0123456789abcdef0123456789abcdef\""});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
  EXPECT_EQ(other.error().message, "s3://billing/ifmatch/a.txt changed while it was being read (ETag "
                                   "\"0123456789abcdef0123456789abcdef\" became " + head->etag +
                                       " at byte 0). Read it again from the start.");
}

TEST_F(S3ClientTest, EmptyObjectReadsAsEmpty) {
  auto c = Client();
  PutString(*c, "billing", "empty.txt", "");
  auto source = c->Open("billing", "empty.txt");
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ(ReadWhole(**source, 100), "");
  auto head = c->Head("billing", "empty.txt");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 0u);
}

TEST_F(S3ClientTest, WrongSecretSaysExactlyFailedToAuthenticate) {
  ClientOptions o = Options();
  o.credentials.secret_access_key = "wrong-secret";
  auto c = MakeTestClient(o);
  auto r = c->List("billing", "", "");
  ASSERT_FALSE(r);
  const Error& e = r.error();
  EXPECT_EQ(e.code, ErrorCode::kAuth);
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.aws_code, "SignatureDoesNotMatch");
  ASSERT_EQ(e.request_id.size(), 16u);
  EXPECT_EQ(e.message, "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: "
                       "SignatureDoesNotMatch, request id: " + e.request_id + ".");
  EXPECT_EQ(e.message.find("wrong-secret"), std::string::npos);

  auto g = c->Open("billing", "stream/big.bin");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().aws_code, "SignatureDoesNotMatch");
  // HEAD answers carry no code: the client asks again with a one-byte GET to learn it.
  auto h = c->Head("billing", "stream/big.bin");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ErrorCode::kAuth);
  EXPECT_EQ(h.error().aws_code, "SignatureDoesNotMatch");
}

TEST_F(S3ClientTest, UnknownKeyIdSaysFailedToAuthenticate) {
  ClientOptions o = Options();
  o.credentials.access_key_id = "AKIAUNKNOWNKEY000000";
  auto c = MakeTestClient(o);
  auto r = c->List("billing", "", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kAuth);
  EXPECT_EQ(r.error().aws_code, "InvalidAccessKeyId");
  EXPECT_EQ(r.error().message, "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: "
                               "InvalidAccessKeyId, request id: " + r.error().request_id + ".");
}

TEST_F(S3ClientTest, ListBucketsIsASignedGetOfTheServiceRoot) {
  auto c = Client();
  auto buckets = c->ListBuckets();
  ASSERT_TRUE(buckets) << buckets.error().message;
  std::vector<std::string> names;
  for (const auto& b : *buckets) {
    names.push_back(b.name);
    EXPECT_EQ(b.creation_date.size(), 24u) << b.creation_date;  // 2026-11-29T08:15:19.000Z
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"billing", "eu-bucket", "locked", "many", "moved-bucket"}));

  // Through the proxy: exactly one GET of "/", no bucket in the path.
  auto& proxy = *SharedDoubles().proxy;
  proxy.Clear();
  auto via_proxy = MakeTestClient(TestOptions(proxy.endpoint(), &clock_));
  ASSERT_TRUE(via_proxy->ListBuckets());
  auto log = nlohmann::json::parse(proxy.LogJson());
  ASSERT_EQ(log.size(), 1u) << log.dump();
  EXPECT_EQ(log[0]["method"], "GET");
  EXPECT_EQ(log[0]["path"], "/");

  ClientOptions o = Options();
  o.credentials.secret_access_key = "wrong-secret";
  auto bad = MakeTestClient(o)->ListBuckets();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kAuth);
  EXPECT_EQ(bad.error().aws_code, "SignatureDoesNotMatch");
  EXPECT_EQ(bad.error().message, "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: "
                                 "SignatureDoesNotMatch, request id: " + bad.error().request_id + ".");
}

TEST_F(S3ClientTest, MissingBucketAndKeyAreNamed) {
  auto c = Client();
  auto list = c->List("no-such-bucket", "", "");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(list.error().bucket, "no-such-bucket");
  EXPECT_EQ(list.error().message, "The bucket 'no-such-bucket' does not exist. Check its name (and the endpoint). "
                                  "AWS error code: NoSuchBucket, request id: " + list.error().request_id + ".");

  auto open = c->Open("billing", "cur/missing.csv.gz");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(open.error().key, "cur/missing.csv.gz");
  EXPECT_EQ(open.error().message, "s3://billing/cur/missing.csv.gz does not exist (no such key in bucket "
                                  "'billing'). AWS error code: NoSuchKey, request id: " + open.error().request_id + ".");

  auto head = c->Head("billing", "cur/missing.csv.gz");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(head.error().aws_code, "NoSuchKey");
  auto head_bucket = c->Head("no-such-bucket", "k");
  ASSERT_FALSE(head_bucket);
  EXPECT_EQ(head_bucket.error().aws_code, "NoSuchBucket");
}

TEST_F(S3ClientTest, AccessDeniedNamesThePermissionAndResource) {
  auto c = Client();
  auto list = c->List("locked", "cur/", "");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kPermission);
  EXPECT_EQ(list.error().message, "Access denied: the credentials lack s3:ListBucket on arn:aws:s3:::locked. Grant "
                                  "it in the IAM or bucket policy. AWS error code: AccessDenied, request id: " +
                                      list.error().request_id + ".");
  PutString(*c, "billing", "secret/data.csv", "x");
  auto get = c->GetSmall("billing", "secret/data.csv", 100);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kPermission);
  EXPECT_EQ(get.error().message, "Access denied: the credentials lack s3:GetObject on s3://billing/secret/data.csv. "
                                 "Grant it in the IAM or bucket policy. AWS error code: AccessDenied, request id: " +
                                     get.error().request_id + ".");
}

TEST_F(S3ClientTest, BadBucketNameIsRefusedBeforeAnyRequest) {
  ClientOptions o = TestOptions("http://127.0.0.1:1", &clock_);  // nothing listens there
  auto c = MakeTestClient(o);
  auto r = c->List("billing/cur", "", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "Invalid bucket name 'billing/cur': a slash '/' at position 8 is not allowed. Allowed: letters, digits, "
            "dots (.), dashes (-) and underscores (_), 3 to 255 characters. Give the bucket alone; a path inside it "
            "goes in the prefix.");
  EXPECT_EQ(clock_.TotalSlept().count(), 0);
}

TEST_F(S3ClientTest, ClockSkewIsReportedWithTheDifference) {
  FakeClock skewed(RealNow() - std::chrono::hours(1));
  auto c = MakeTestClient(TestOptions(Endpoint(), &skewed));
  auto r = c->List("billing", "", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kAuth);
  EXPECT_EQ(r.error().aws_code, "RequestTimeTooSkewed");
  EXPECT_TRUE(r.error().message.starts_with("The local clock differs from S3's by -3600 seconds") ||
              r.error().message.starts_with("The local clock differs from S3's by -3599 seconds"))
      << r.error().message;
  EXPECT_NE(r.error().message.find("Fix this machine's clock"), std::string::npos);
}

TEST_F(S3ClientTest, FollowsAuthorizationHeaderMalformedToTheBucketRegion) {
  auto c = Client();
  PutString(*c, "eu-bucket", "a.txt", "eu");  // first request learns eu-west-1 and is re-signed
  EXPECT_EQ(c->RegionOf("eu-bucket"), "eu-west-1");
  EXPECT_EQ(c->RegionOf("billing"), "us-east-1");
  auto listing = c->List("eu-bucket", "", "");
  ASSERT_TRUE(listing) << listing.error().message;
  ASSERT_EQ(listing->objects.size(), 1u);
  // A fresh client whose first request is a HEAD (no body: the region comes in x-amz-bucket-region).
  auto fresh = Client();
  auto head = fresh->Head("eu-bucket", "a.txt");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->size, 2u);
  EXPECT_EQ(fresh->RegionOf("eu-bucket"), "eu-west-1");
}

TEST_F(S3ClientTest, Follows301PermanentRedirectToTheBucketRegion) {
  auto c = Client();
  auto listing = c->List("moved-bucket", "", "");
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(c->RegionOf("moved-bucket"), "eu-central-1");
  PutString(*c, "moved-bucket", "m.txt", "moved");
  auto got = c->GetSmall("moved-bucket", "m.txt", 100);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "moved");
}

TEST_F(S3ClientTest, RegionComesFromTheEnvironmentWhenNotGiven) {
  ClientOptions o = Options();
  o.region.clear();
  o.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_REGION") return "eu-west-1";
    return std::nullopt;
  };
  auto c = MakeTestClient(o);
  EXPECT_EQ(c->RegionOf("anything"), "eu-west-1");
  auto listing = c->List("eu-bucket", "", "");  // signed for eu-west-1 from the start
  ASSERT_TRUE(listing) << listing.error().message;
}

TEST_F(S3ClientTest, EndpointFromEnvironmentVariables) {
  ClientOptions o = Options();
  o.endpoint_url.clear();
  std::string ep = Endpoint();
  o.env = [ep](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL") return "http://127.0.0.1:1";  // loses to the S3-specific one
    if (name == "AWS_ENDPOINT_URL_S3") return ep;
    return std::nullopt;
  };
  auto c = MakeTestClient(o);
  EXPECT_EQ(c->endpoint(), ep);
  auto listing = c->List("billing", "cur/", "/");
  ASSERT_TRUE(listing) << listing.error().message;

  ClientOptions aws = Options();
  aws.endpoint_url.clear();
  aws.region = "ap-southeast-2";
  auto real = MakeTestClient(aws);
  EXPECT_EQ(real->endpoint(), "https://s3.ap-southeast-2.amazonaws.com");

  ClientOptions bad = Options();
  bad.endpoint_url = "127.0.0.1:9000";
  auto refused = S3Client::Make(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "The endpoint URL '127.0.0.1:9000' must start with http:// or https://.");
}

TEST_F(S3ClientTest, VirtualHostedRequestsPutTheBucketInTheHost) {
  // BUCKET.s3.amazonaws.com:PORT resolves to the fault proxy, whose log shows what was sent. (The
  // double itself cannot verify virtual-hosted SigV4: it signs "/BUCKET/KEY" where S3 signs "/KEY".)
  auto& proxy = *SharedDoubles().proxy;
  proxy.Clear();
  ClientOptions o = Options();
  o.endpoint_url = fmt::format("http://s3.amazonaws.com:{}", proxy.port());
  o.addressing = Addressing::kVirtualHosted;
  o.resolve = {fmt::format("billing.s3.amazonaws.com:{}:127.0.0.1", proxy.port())};
  auto c = MakeTestClient(o);
  (void)c->Open("billing", "vhost/one two.txt");
  (void)c->List("billing", "vhost/", "");
  auto log = nlohmann::json::parse(proxy.LogJson());
  for (auto& entry : log) entry.erase("conn");
  EXPECT_EQ(log.dump(),
            fmt::format(R"([{{"fault":null,"host":"billing.s3.amazonaws.com:{0}","method":"GET",)"
                        R"("path":"/vhost/one%20two.txt","range":null}},{{"fault":null,)"
                        R"("host":"billing.s3.amazonaws.com:{0}","method":"GET",)"
                        R"("path":"/?list-type=2&max-keys=1000&prefix=vhost%2F","range":null}}])",
                        proxy.port()));
}

TEST_F(S3ClientTest, ConnectionsAreReusedAcrossRequests) {
  auto& proxy = *SharedDoubles().proxy;
  auto c = MakeTestClient(TestOptions(proxy.endpoint(), &clock_));
  PutString(*c, "billing", "reuse/a.txt", "a");
  proxy.Clear();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c->Head("billing", "reuse/a.txt"));
    ASSERT_TRUE(c->GetSmall("billing", "reuse/a.txt", 10));
    ASSERT_TRUE(c->List("billing", "reuse/", ""));
  }
  auto log = nlohmann::json::parse(proxy.LogJson());
  ASSERT_EQ(log.size(), 9u);
  for (const auto& entry : log) EXPECT_EQ(entry["conn"], log[0]["conn"]) << entry.dump();
}

TEST_F(S3ClientTest, ParallelRangedReadsFromOneClient) {
  auto c = Client();
  std::string data = RandomBytes(1'000'000, 3);
  PutString(*c, "billing", "parallel/obj.bin", data);
  constexpr int kParts = 4;
  std::vector<std::string> parts(kParts);
  std::vector<std::thread> threads;
  for (int i = 0; i < kParts; ++i) {
    threads.emplace_back([&, i] {
      auto source = c->Open("billing", "parallel/obj.bin", ReadOptions{static_cast<uint64_t>(i) * 250'000, 250'000, ""});
      ASSERT_TRUE(source) << source.error().message;
      auto got = ReadAll(**source, 1'000'000);
      ASSERT_TRUE(got) << got.error().message;
      parts[static_cast<size_t>(i)] = std::move(*got);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(aws::Sha256Hex(parts[0] + parts[1] + parts[2] + parts[3]), aws::Sha256Hex(data));
}

TEST_F(S3ClientTest, SessionTokenIsSent) {
  // The double does not check tokens, but a signed x-amz-security-token must still verify.
  ClientOptions o = Options();
  o.credentials.session_token = "FwoGZXIvYXdzEXAMPLETOKEN//+=";
  auto c = MakeTestClient(o);
  auto listing = c->List("billing", "cur/", "");
  ASSERT_TRUE(listing) << listing.error().message;
}

TEST_F(S3ClientTest, ConnectionRefusedReportsHostAttemptsAndLastError) {
  FakeClock clock(RealNow());
  ClientOptions o = TestOptions("http://127.0.0.1:1", &clock);
  o.retry.max_attempts = 3;
  auto c = MakeTestClient(o);
  auto r = c->List("billing", "", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRetryable);
  EXPECT_TRUE(r.error().message.starts_with(
      "The listing of s3://billing failed: cannot get an answer from 127.0.0.1:1 after 3 attempts; last error: "))
      << r.error().message;
}

}  // namespace
}  // namespace billpipe::s3::test
