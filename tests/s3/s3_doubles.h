// One S3 double and one fault proxy in front of it, shared by every test of the s3 test binary (the
// node servers take about half a second each to start). Header-only: each folder's *_test.cpp files
// are one binary.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "s3/client.h"
#include "test_support.h"
#include "util/clock.h"

namespace billpipe::s3::test {

struct Doubles {
  std::unique_ptr<billpipe::testing::S3TestServer> server;
  std::unique_ptr<billpipe::testing::FaultProxy> proxy;
};

// Buckets: "billing" (GetObject denied under "secret/"), "many" (holds cur/r/k00000 ... cur/r/k01004), "locked" (ListBucket denied),
// "eu-bucket" (lives in eu-west-1), "moved-bucket" (eu-central-1, answers 301 PermanentRedirect).
// Started on first use; stopped by PID when the binary exits (static destruction).
inline Doubles& SharedDoubles() {
  static Doubles doubles = [] {
    Doubles d;
    billpipe::testing::S3TestServer::Options o;
    o.buckets = {"billing", "many", "locked", "eu-bucket", "moved-bucket"};
    o.bucket_regions = {"eu-bucket=eu-west-1", "moved-bucket=eu-central-1:redirect"};
    o.denies = {"s3:ListBucket=locked", "s3:GetObject=billing/secret/"};
    o.seeds = {"many/cur/r/k:1005"};
    d.server = billpipe::testing::S3TestServer::Start(o);
    d.proxy = billpipe::testing::FaultProxy::Start(d.server->endpoint());
    return d;
  }();
  return doubles;
}

// An environment with nothing set, so tests do not depend on the machine's AWS configuration.
inline aws::EnvLookup EmptyEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

inline SysTime RealNow() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

// Options for a client of the double (or the proxy): test keys, tiny backoff, the given clock.
inline ClientOptions TestOptions(const std::string& endpoint, Clock* clock) {
  ClientOptions o;
  o.credentials = {billpipe::testing::kTestAccessKey, billpipe::testing::kTestSecretKey, ""};
  o.endpoint_url = endpoint;
  o.region = "us-east-1";
  o.env = EmptyEnv();
  o.clock = clock;
  o.retry.base_delay = std::chrono::milliseconds(1);
  o.retry.max_delay = std::chrono::milliseconds(8);
  o.low_speed_time = std::chrono::seconds(1);
  o.connect_timeout = std::chrono::milliseconds(2000);
  return o;
}

inline std::unique_ptr<S3Client> MakeTestClient(const ClientOptions& options) {
  auto c = S3Client::Make(options);
  if (!c) ADD_FAILURE() << c.error().message;
  return c ? std::move(*c) : nullptr;
}

inline std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& ch : out) ch = static_cast<char>(rng() & 0xff);
  return out;
}

}  // namespace billpipe::s3::test
