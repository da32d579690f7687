// AWS STS, the Query API (version 2011-06-15) over POST: the parameters are a form in the body (never
// in the URL, where a web identity token would be kept by proxies and access logs), signed with SigV4
// (over the body's SHA-256) for the regional endpoint https://sts.REGION.amazonaws.com. The endpoint
// can be replaced (tests, VPC endpoints, other partitions): StsOptions::endpoint_url, else
// AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL.
//
// Errors say what to do: a role that cannot be assumed names the role and says to check its trust
// policy and external id (kPermission); refused base keys are kAuth with kAuthFailedMessage and the
// AWS error code; throttling, 5xx and transport failures are kRetryable after three attempts. No
// error carries a secret, a session token or a web identity token.
#pragma once

#include <chrono>
#include <string>

#include "aws/auth_failed.h"
#include "aws/credentials.h"
#include "aws/credentials_provider.h"
#include "aws/http_transport.h"
#include "util/clock.h"

namespace billpipe::aws {


struct StsOptions {
  std::string region = "us-east-1";  // the endpoint's region and the signing region
  std::string endpoint_url;          // e.g. "http://127.0.0.1:4566"; empty: see above
  HttpTransport* transport = nullptr;  // required; not owned
  Clock* clock = nullptr;              // signing time, backoff; null: Clock::System()
  EnvLookup env;                       // empty: the process's
};

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;   // empty: "billpipe-<epoch ms>"
  std::string external_id;    // empty: not sent
  int duration_seconds = 0;   // 0: STS's default (3600); STS allows 900 .. the role's maximum
};

struct CallerIdentity {
  std::string account;  // "123456789012"
  std::string arn;      // "arn:aws:sts::123456789012:assumed-role/billing/billpipe-1"
  std::string user_id;
};

class StsClient {
 public:
  explicit StsClient(StsOptions options);

  // sts:AssumeRole signed with base.
  Result<ExpiringCredentials> AssumeRole(const Credentials& base, const AssumeRoleParams& params);
  // sts:AssumeRoleWithWebIdentity: not signed; the token is the proof. params.external_id is ignored.
  Result<ExpiringCredentials> AssumeRoleWithWebIdentity(const AssumeRoleParams& params, const std::string& token);
  // sts:GetCallerIdentity: who the credentials are (needs no permission).
  Result<CallerIdentity> GetCallerIdentity(const Credentials& credentials);

  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Answer {
    int status = 0;
    std::string body;
  };
  Result<Answer> Call(const std::vector<NameValue>& query, const Credentials* signer);

  StsOptions options_;
  Clock* clock_;
  std::string endpoint_;  // scheme://host[:port][/path], no trailing slash
  std::string host_;
  std::string path_;      // "" or "/prefix"
};

// The first <tag>...</tag> of an XML text, entities decoded; empty when absent. Enough for the flat
// answers of STS and IMDS, not a general parser.
std::string XmlElementText(std::string_view xml, std::string_view tag);

// Text from a service, safe to show: control characters dropped, at most max_chars characters.
std::string ShortenForMessage(std::string_view text, size_t max_chars = 300);

}  // namespace billpipe::aws
