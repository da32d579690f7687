// Temporary credentials are cached and fetched anew before they expire: in unit form over a FakeClock
// (a 5-hour load on 1-hour credentials), and for real against the STS and S3 doubles with keys that
// live two seconds, expiring between the requests of one download.
#include "aws/credentials_provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "aws/credential_chain.h"
#include "aws_doubles.h"
#include "s3/client.h"
#include "test_support.h"
#include "util/byte_source.h"

namespace billpipe::aws::test {
namespace {

using namespace std::chrono_literals;
using billpipe::testing::kTestAccessKey;
using billpipe::testing::kTestSecretKey;

SysTime At(int minutes) { return SysTime(std::chrono::milliseconds(1'800'000'000'000LL)) + std::chrono::minutes(minutes); }

// Issues keys "K1", "K2", ... each valid for `lifetime` from the clock's now; can be told to fail.
class CountingSource final : public CredentialsSource {
 public:
  CountingSource(Clock& clock, std::chrono::milliseconds lifetime) : clock_(clock), lifetime_(lifetime) {}
  Result<ExpiringCredentials> Fetch() override {
    if (fail_) return Fail(ErrorCode::kRetryable, "STS is down");
    int n = ++count_;
    return ExpiringCredentials{{"K" + std::to_string(n), "secret", "token"}, clock_.Now() + lifetime_};
  }
  std::string Describe() const override { return "counting"; }
  std::atomic<int> count_{0};
  std::atomic<bool> fail_{false};

 private:
  Clock& clock_;
  std::chrono::milliseconds lifetime_;
};

TEST(CachingCredentialsProvider, FiveHourLoadOnOneHourCredentials) {
  FakeClock clock(At(0));
  auto source = std::make_unique<CountingSource>(clock, 1h);
  CountingSource* s = source.get();
  CachingCredentialsProvider provider(std::move(source), {5min, &clock});
  std::optional<SysTime> expiry;
  std::string last_key;
  int key_changes = 0;
  for (int minute = 0; minute <= 300; ++minute) {  // a request a minute for five hours
    clock.Set(At(minute));
    auto c = provider.Get();
    ASSERT_TRUE(c);
    if (c->access_key_id != last_key) ++key_changes, last_key = c->access_key_id;
    expiry = provider.expiration();
    ASSERT_TRUE(expiry);
    // Never signs with keys that expire within the next four minutes.
    ASSERT_GT(*expiry - clock.Now(), 4min) << "minute " << minute;
  }
  // Fetched at minutes 0, 55, 110, 165, 220, 275: five minutes before each expiry.
  EXPECT_EQ(s->count_, 6);
  EXPECT_EQ(key_changes, 6);
  EXPECT_EQ(provider.fetches(), 6);
}

TEST(CachingCredentialsProvider, ManyThreadsFetchOnce) {
  FakeClock clock(At(0));
  auto source = std::make_unique<CountingSource>(clock, 1h);
  CountingSource* s = source.get();
  CachingCredentialsProvider provider(std::move(source), {5min, &clock});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (provider.Get()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1600);
  EXPECT_EQ(s->count_, 1);
  clock.Advance(56min);
  threads.clear();
  for (int t = 0; t < 8; ++t) threads.emplace_back([&] { (void)provider.Get(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(s->count_, 2);
}

TEST(CachingCredentialsProvider, FailedRefreshKeepsValidKeysThenReportsTheError) {
  FakeClock clock(At(0));
  auto source = std::make_unique<CountingSource>(clock, 1h);
  CountingSource* s = source.get();
  CachingCredentialsProvider provider(std::move(source), {5min, &clock});
  ASSERT_EQ(provider.Get()->access_key_id, "K1");
  s->fail_ = true;
  clock.Set(At(57));  // inside the refresh window, not expired: keep signing with K1
  auto kept = provider.Get();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_key_id, "K1");
  clock.Set(At(61));  // expired: the error
  auto expired = provider.Get();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().message, "STS is down");
  s->fail_ = false;
  EXPECT_EQ(provider.Get()->access_key_id, "K2");
  provider.Invalidate();
  EXPECT_EQ(provider.Get()->access_key_id, "K3");
}

TEST(CachingCredentialsProvider, LongTermKeysAreFetchedOnce) {
  FakeClock clock(At(0));
  CachingCredentialsProvider provider(std::make_unique<StaticCredentialsSource>(Credentials{"A", "B", ""}, "static"),
                                      {5min, &clock});
  for (int h = 0; h < 100; ++h) {
    clock.Advance(1h);
    ASSERT_TRUE(provider.Get());
  }
  EXPECT_EQ(provider.fetches(), 1);
}

TEST(Iso8601, ParsesAwsTimes) {
  EXPECT_EQ(ParseIso8601("2026-12-05T11:00:00Z"), SysTime(std::chrono::milliseconds(1796468400000LL)));
  EXPECT_EQ(ParseIso8601("2026-12-05T11:00:00.250Z"), SysTime(std::chrono::milliseconds(1796468400250LL)));
  EXPECT_EQ(ParseIso8601("2026-12-05T11:00:00+00:00"), SysTime(std::chrono::milliseconds(1796468400000LL)));
  EXPECT_EQ(ParseIso8601("yesterday"), std::nullopt);
  EXPECT_EQ(FormatIso8601(SysTime(std::chrono::milliseconds(1796468400250LL))), "2026-12-05T11:00:00Z");
}

// Real doubles: keys that live 2 s, a download of several objects that takes longer than that.
class ExpiryDuringDownloadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SignInDoubles& d = SharedSignInDoubles();
    short_lived_ = AwsDouble::Start({(d.dir.path() / "temp-keys.jsonl").string(), 2}).release();
  }
  static void TearDownTestSuite() {
    delete short_lived_;
    short_lived_ = nullptr;
  }

  ChainOptions Options(Clock* clock, std::chrono::milliseconds refresh_before) {
    ChainOptions o;
    o.region = "us-east-1";
    o.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    o.transport = TestTransport();
    o.clock = clock;
    o.sts_endpoint_url = short_lived_->endpoint();
    o.refresh_before = refresh_before;
    return o;
  }
  std::shared_ptr<CredentialsProvider> RoleProvider(Clock* clock, std::chrono::milliseconds refresh_before) {
    auto o = Options(clock, refresh_before);
    auto base = std::make_shared<CachingCredentialsProvider>(
        std::make_unique<StaticCredentialsSource>(Credentials{kTestAccessKey, kTestSecretKey, ""}, "base keys"));
    return MakeAssumeRoleProvider(base, {kPlainRole, "download", "", 0}, o);
  }
  std::unique_ptr<s3::S3Client> Client(std::shared_ptr<CredentialsProvider> provider) {
    s3::ClientOptions o;
    o.endpoint_url = SharedSignInDoubles().s3->endpoint();
    o.region = "us-east-1";
    o.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    if (provider) {
      o.credentials_provider = std::move(provider);
    } else {
      o.credentials = {kTestAccessKey, kTestSecretKey, ""};
    }
    auto c = s3::S3Client::Make(o);
    EXPECT_TRUE(c) << c.error().message;
    return std::move(*c);
  }
  // Uploads `count` objects under prefix; returns their total of bytes and of byte values.
  std::pair<uint64_t, uint64_t> Upload(const std::string& prefix, int count) {
    auto writer = Client(nullptr);
    uint64_t bytes = 0, sum = 0;
    for (int i = 0; i < count; ++i) {
      std::string body(50'000 + i * 1000, '\0');
      for (size_t j = 0; j < body.size(); ++j) body[j] = static_cast<char>((j * 31 + i) & 0xff);
      for (unsigned char c : body) sum += c;
      bytes += body.size();
      StringSource src(body);
      EXPECT_TRUE(writer->Put("billing", prefix + std::to_string(i), src, body.size()));
    }
    return {bytes, sum};
  }
  std::pair<uint64_t, uint64_t> Download(s3::S3Client& client, const std::string& prefix, int count,
                                         std::chrono::milliseconds pause) {
    uint64_t bytes = 0, sum = 0;
    for (int i = 0; i < count; ++i) {
      auto src = client.Open("billing", prefix + std::to_string(i));
      EXPECT_TRUE(src) << src.error().message;
      if (!src) return {0, 0};
      auto all = ReadAll(**src, 1 << 20);
      EXPECT_TRUE(all) << all.error().message;
      if (!all) return {0, 0};
      bytes += all->size();
      for (unsigned char c : *all) sum += c;
      std::this_thread::sleep_for(pause);
    }
    return {bytes, sum};
  }

  static AwsDouble* short_lived_;
};
AwsDouble* ExpiryDuringDownloadTest::short_lived_ = nullptr;

TEST_F(ExpiryDuringDownloadTest, RefreshesBeforeExpiryAndFinishesWithExactTotals) {
  auto expected = Upload("refresh/part-", 8);
  int before = short_lived_->Count("AssumeRole");
  auto provider = RoleProvider(nullptr, 700ms);  // real time: keys live 2 s, fetched anew after 1.3 s
  auto client = Client(provider);
  auto got = Download(*client, "refresh/part-", 8, 500ms);  // about 4 s: two or three key lifetimes
  EXPECT_EQ(got, expected);
  EXPECT_GE(short_lived_->Count("AssumeRole") - before, 3);
}

TEST_F(ExpiryDuringDownloadTest, KeysRefusedAsExpiredAreReplacedAndTheRequestSentAgain) {
  auto expected = Upload("expired/part-", 3);
  // The provider's clock stands still, so it believes its keys are fresh after S3 saw them expire.
  FakeClock frozen(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  int before = short_lived_->Count("AssumeRole");
  auto provider = RoleProvider(&frozen, 0ms);
  auto client = Client(provider);  // fetches the first keys
  EXPECT_EQ(short_lived_->Count("AssumeRole") - before, 1);
  std::this_thread::sleep_for(2500ms);  // S3 now answers ExpiredToken to those keys
  auto got = Download(*client, "expired/part-", 3, 0ms);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(short_lived_->Count("AssumeRole") - before, 2);  // one refresh, on S3's word
}

}  // namespace
}  // namespace billpipe::aws::test
