// Every fault of the proxy (testing/s3/fault_proxy.js) between the client and the S3 double: the
// downloaded bytes are compared by hash to the original, and the proxy's log shows what was retried.
#include <gtest/gtest.h>

#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "s3_doubles.h"

namespace billpipe::s3::test {
namespace {

constexpr size_t kObjectSize = 2'000'000;
constexpr const char* kKey = "faults/object.bin";

class S3FaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new std::string(RandomBytes(kObjectSize, 7));
    FakeClock clock(RealNow());
    auto direct = MakeTestClient(TestOptions(SharedDoubles().server->endpoint(), &clock));
    StringSource body(*data_);
    ASSERT_TRUE(direct->Put("billing", kKey, body, data_->size()));
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }

  S3FaultTest() : clock_(RealNow()) { Proxy().Clear(); }

  billpipe::testing::FaultProxy& Proxy() { return *SharedDoubles().proxy; }
  ClientOptions Options() { return TestOptions(Proxy().endpoint(), &clock_); }

  // Reads the object through the proxy and returns its bytes.
  Result<std::string> Download(S3Client& c) {
    BP_ASSIGN_OR_RETURN(auto source, c.Open("billing", kKey));
    return ReadAll(*source, kObjectSize * 2);
  }

  // The requests the proxy saw, as "METHOD range fault" lines.
  std::vector<std::string> Requests() {
    std::vector<std::string> out;
    for (const auto& e : nlohmann::json::parse(Proxy().LogJson())) {
      std::string range = e["range"].is_null() ? "-" : e["range"].get<std::string>();
      std::string fault = e["fault"].is_null() ? "-" : e["fault"].get<std::string>();
      out.push_back(e["method"].get<std::string>() + " " + range + " " + fault);
    }
    return out;
  }

  static std::string* data_;
  FakeClock clock_;
};
std::string* S3FaultTest::data_ = nullptr;

TEST_F(S3FaultTest, SlowDownIsRetriedAndRetryAfterHonoured) {
  Proxy().SetFaults(R"([{"action":"slowdown","method":"GET","times":2,"retry_after":3}])");
  auto c = MakeTestClient(Options());
  auto got = Download(*c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(*data_));
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET - slowdown", "GET - slowdown", "GET - -"}));
  EXPECT_EQ(clock_.TotalSlept(), std::chrono::milliseconds(6000));  // 2 x Retry-After: 3
}

TEST_F(S3FaultTest, InternalErrorIsRetried) {
  Proxy().SetFaults(R"([{"action":"error500","method":"GET","times":3}])");
  auto c = MakeTestClient(Options());
  auto got = Download(*c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(*data_));
  EXPECT_EQ(Requests().size(), 4u);
}

TEST_F(S3FaultTest, ListingRetriesSlowDownToo) {
  Proxy().SetFaults(R"([{"action":"slowdown","path":"/billing","times":1}])");
  auto c = MakeTestClient(Options());
  auto listing = c->List("billing", "faults/", "");
  ASSERT_TRUE(listing) << listing.error().message;
  ASSERT_EQ(listing->objects.size(), 1u);
  EXPECT_EQ(listing->objects[0].size, kObjectSize);
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET - slowdown", "GET - -"}));
}

TEST_F(S3FaultTest, TruncatedBodyResumesWithRangeFromTheByteReached) {
  Proxy().SetFaults(R"([{"action":"truncate","method":"GET","after_bytes":700000}])");
  auto c = MakeTestClient(Options());
  auto got = Download(*c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(*data_));
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET - truncate", "GET bytes=700000- -"}));
}

TEST_F(S3FaultTest, ResetMidBodyResumesWithRange) {
  Proxy().SetFaults(R"([{"action":"reset","method":"GET","after_bytes":500000},
                        {"action":"reset","method":"GET","after_bytes":300000}])");
  auto c = MakeTestClient(Options());
  auto got = Download(*c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(*data_));
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], "GET - reset");
  EXPECT_TRUE(requests[1].starts_with("GET bytes=") && requests[1].ends_with("- reset")) << requests[1];
  EXPECT_TRUE(requests[2].starts_with("GET bytes=") && requests[2].ends_with("- -")) << requests[2];
}

TEST_F(S3FaultTest, RangedReadResumesInsideItsRange) {
  Proxy().SetFaults(R"([{"action":"truncate","method":"GET","after_bytes":1000}])");
  auto c = MakeTestClient(Options());
  auto source = c->Open("billing", kKey, ReadOptions{100'000, 50'000, ""});
  ASSERT_TRUE(source) << source.error().message;
  auto got = ReadAll(**source, kObjectSize);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, data_->substr(100'000, 50'000));
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET bytes=100000-149999 truncate", "GET bytes=101000-149999 -"}));
}

TEST_F(S3FaultTest, StalledBodyIsCutByTheLowSpeedLimitAndResumed) {
  Proxy().SetFaults(R"([{"action":"stall","method":"GET","after_bytes":400000}])");
  ClientOptions o = Options();
  o.low_speed_time = std::chrono::seconds(1);
  auto c = MakeTestClient(o);
  auto got = Download(*c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(*data_));
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0], "GET - stall");
  EXPECT_TRUE(requests[1].starts_with("GET bytes=") && requests[1].ends_with("- -")) << requests[1];
}

TEST_F(S3FaultTest, DelayedAnswerIsWaitedFor) {
  Proxy().SetFaults(R"([{"action":"delay","method":"GET","delay_ms":300}])");
  auto c = MakeTestClient(Options());
  auto got = Download(*c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(*data_));
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET - delay"}));
  EXPECT_EQ(clock_.TotalSlept().count(), 0);
}

TEST_F(S3FaultTest, GivesUpAfterMaxAttemptsNamingTheLastError) {
  Proxy().SetFaults(R"([{"action":"error500","method":"GET","times":10}])");
  ClientOptions o = Options();
  o.retry.max_attempts = 3;
  auto c = MakeTestClient(o);
  auto got = c->Open("billing", kKey);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kRetryable);
  EXPECT_EQ(got.error().http_status, 500);
  EXPECT_EQ(got.error().aws_code, "InternalError");
  EXPECT_TRUE(got.error().message.starts_with(
      "S3 answered HTTP 500 to the GET of s3://billing/faults/object.bin: We encountered an internal error. Please "
      "try again. AWS error code: InternalError, request id: "))
      << got.error().message;
  EXPECT_EQ(Requests().size(), 3u);
}

TEST_F(S3FaultTest, ResetsBeyondTheAttemptLimitFailWithHostAndByte) {
  Proxy().SetFaults(R"([{"action":"reset","method":"GET","after_bytes":0,"times":10}])");
  ClientOptions o = Options();
  o.retry.max_attempts = 2;
  auto c = MakeTestClient(o);
  auto got = c->Open("billing", kKey);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kRetryable);
  EXPECT_TRUE(got.error().message.starts_with(fmt::format(
      "The GET of s3://billing/faults/object.bin failed: cannot get an answer from 127.0.0.1:{} after 2 attempts; "
      "last error: ",
      Proxy().port())))
      << got.error().message;
  EXPECT_EQ(Requests().size(), 2u);
}

TEST_F(S3FaultTest, NotFoundAndAuthErrorsAreNeverRetried) {
  auto c = MakeTestClient(Options());
  auto missing = c->Open("billing", "faults/missing.bin");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ClientOptions bad = Options();
  bad.credentials.secret_access_key = "wrong";
  auto b = MakeTestClient(bad);
  auto refused = b->List("billing", "", "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAuth);
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET - -", "GET - -"}));
  EXPECT_EQ(clock_.TotalSlept().count(), 0);
}

TEST_F(S3FaultTest, ObjectReplacedBeforeAnyByteWasReadRestartsFromZero) {
  auto direct = MakeTestClient(TestOptions(SharedDoubles().server->endpoint(), &clock_));
  std::string v1 = RandomBytes(600'000, 11), v2 = RandomBytes(650'000, 12);
  StringSource b1(v1);
  ASSERT_TRUE(direct->Put("billing", "faults/changing.bin", b1, v1.size()));
  // The first body breaks after 100000 bytes; the resume waits 1.5 s, long enough to replace the object.
  Proxy().SetFaults(R"([{"action":"truncate","method":"GET","after_bytes":100000},
                        {"action":"delay","method":"GET","delay_ms":1500}])");
  ClientOptions o = Options();
  o.low_speed_time = std::chrono::seconds(10);  // the delayed resume is not a stall
  auto c = MakeTestClient(o);
  auto source = c->Open("billing", "faults/changing.bin");
  ASSERT_TRUE(source) << source.error().message;
  StringSource b2(v2);
  ASSERT_TRUE(direct->Put("billing", "faults/changing.bin", b2, v2.size()));
  // Read nothing until the client has seen the new ETag and asked again from byte 0.
  for (int i = 0; i < 200 && Requests().size() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto got = ReadAll(**source, 10'000'000);
  ASSERT_TRUE(got) << got.error().message << " " << Proxy().LogJson();
  EXPECT_EQ(aws::Sha256Hex(*got), aws::Sha256Hex(v2));
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET - truncate", "GET bytes=100000- delay", "GET - -"}));
}

TEST_F(S3FaultTest, ObjectReplacedAfterBytesWereReadFailsWithConflict) {
  auto direct = MakeTestClient(TestOptions(SharedDoubles().server->endpoint(), &clock_));
  std::string v1 = RandomBytes(600'000, 13), v2 = RandomBytes(650'000, 14);
  StringSource b1(v1);
  ASSERT_TRUE(direct->Put("billing", "faults/changing2.bin", b1, v1.size()));
  Proxy().SetFaults(R"([{"action":"truncate","method":"GET","after_bytes":100000},
                        {"action":"delay","method":"GET","delay_ms":1500}])");
  auto c = MakeTestClient(Options());
  auto source = c->Open("billing", "faults/changing2.bin");
  ASSERT_TRUE(source) << source.error().message;
  char buf[10];
  ASSERT_EQ((*source)->Read(buf).value(), 10u);
  StringSource b2(v2);
  ASSERT_TRUE(direct->Put("billing", "faults/changing2.bin", b2, v2.size()));
  auto rest = ReadAll(**source, 10'000'000);
  ASSERT_FALSE(rest);
  EXPECT_EQ(rest.error().code, ErrorCode::kConflict);
  EXPECT_EQ(rest.error().offset, 100000);
  EXPECT_TRUE(rest.error().message.starts_with("s3://billing/faults/changing2.bin changed while it was being read"))
      << rest.error().message;
}

}  // namespace
}  // namespace billpipe::s3::test
