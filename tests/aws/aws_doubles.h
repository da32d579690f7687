// The AWS sign-in double (testing/aws/server.js: STS, IMDSv2, container credentials, the SSO portal)
// and an S3 double that accepts the temporary keys it issues. Header-only: tests/aws is one binary.
#pragma once

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/credential_chain.h"
#include "s3/aws_http_transport.h"
#include "s3/client.h"
#include "test_support.h"

namespace billpipe::aws::test {

inline constexpr const char* kAccount = "444455556666";
inline constexpr const char* kRoleWithExternalId = "arn:aws:iam::444455556666:role/billing-reader";
inline constexpr const char* kExternalId = "bp-ext-7f3a";
inline constexpr const char* kPlainRole = "arn:aws:iam::444455556666:role/plain";
inline constexpr const char* kWebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.web-identity-token.sig";
inline constexpr const char* kContainerToken = "container-auth-token-9d2c";
inline constexpr const char* kSsoToken = "sso-access-token-5b1e";
inline constexpr const char* kSsoRole = "BillingRead";
inline constexpr const char* kImdsRole = "billpipe-instance";

class AwsDouble {
 public:
  struct Options {
    std::string temp_keys_file;
    int expires_in = 0;  // seconds; 0: as asked (DurationSeconds, else 3600)
  };
  static std::unique_ptr<AwsDouble> Start(const Options& o) {
    std::unique_ptr<AwsDouble> d(new AwsDouble());
    std::vector<std::string> argv = {
        "node", (billpipe::testing::SourceDir() / "testing/aws/server.js").string(),
        "--parent-pid", std::to_string(getpid()),
        "--key", std::string(billpipe::testing::kTestAccessKey) + ":" + billpipe::testing::kTestSecretKey,
        "--role", std::string(kRoleWithExternalId) + ":" + kExternalId,
        "--role", kPlainRole,
        "--web-identity-token", kWebIdentityToken,
        "--imds-role", kImdsRole,
        "--container-token", kContainerToken,
        "--sso-token", kSsoToken, "--sso-account", kAccount, "--sso-role", kSsoRole};
    if (!o.temp_keys_file.empty()) {
      argv.push_back("--temp-keys");
      argv.push_back(o.temp_keys_file);
    }
    if (o.expires_in > 0) {
      argv.push_back("--expires-in");
      argv.push_back(std::to_string(o.expires_in));
    }
    auto [pid, port] = billpipe::testing::StartNodeServer(argv, "AWS sign-in double");
    d->pid_ = pid;
    d->port_ = port;
    return d;
  }
  ~AwsDouble() { billpipe::testing::StopServer(pid_); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // {"calls": {"AssumeRole": n, ...}, "lastExternalId": ..., "lastSessionName": ...}
  nlohmann::json Calls() const {
    CURL* curl = curl_easy_init();
    std::string url = endpoint() + "/__calls", out;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) {
      static_cast<std::string*>(u)->append(d, s * n);
      return s * n;
    });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return nlohmann::json::parse(out);
  }
  int Count(const std::string& op) const {
    auto c = Calls()["calls"];
    return c.contains(op) ? c[op].get<int>() : 0;
  }

 private:
  AwsDouble() = default;
  int pid_ = -1;
  int port_ = 0;
};

// One S3 double (bucket "billing") and one AWS double sharing a temporary-keys file, for the binary.
struct SignInDoubles {
  billpipe::testing::TempDir dir;
  std::unique_ptr<billpipe::testing::S3TestServer> s3;
  std::unique_ptr<AwsDouble> aws;
};

inline SignInDoubles& SharedSignInDoubles() {
  static SignInDoubles d;
  static bool started = [] {
    std::string keys = (d.dir.path() / "temp-keys.jsonl").string();
    billpipe::testing::S3TestServer::Options o;
    o.buckets = {"billing"};
    o.temp_keys_file = keys;
    d.s3 = billpipe::testing::S3TestServer::Start(o);
    d.aws = AwsDouble::Start({keys, 0});
    return true;
  }();
  (void)started;
  return d;
}

inline std::shared_ptr<HttpTransport> TestTransport() {
  s3::TransportOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.low_speed_time = std::chrono::seconds(10);
  return std::make_shared<s3::CurlAwsTransport>(o);
}

}  // namespace billpipe::aws::test
