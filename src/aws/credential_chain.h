// The credential chain, in the AWS SDKs' order (docs/credentials.md):
//   1. explicit keys (an account's stored keys);
//      a profile named explicitly (--profile) is used alone, skipping steps 2, 3, 5 and 6, as the CLI does;
//   2. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME) →
//      sts:AssumeRoleWithWebIdentity (EKS service accounts);
//   4. the profile AWS_PROFILE names (else "default") in the shared files, in this order within it:
//      role_arn (with source_profile, credential_source or web_identity_token_file; external_id,
//      role_session_name, duration_seconds) → sts:AssumeRole; sso_session / sso_start_url with
//      sso_account_id and sso_role_name → the SSO portal's GetRoleCredentials with the token that
//      `aws sso login` cached in ~/.aws/sso/cache/<sha1>.json; aws_access_key_id +
//      aws_secret_access_key (+ aws_session_token); credential_process (killed after
//      ChainOptions::process_timeout; neither its output nor its stderr is ever shown);
//   5. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2) or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
//      AWS_CONTAINER_AUTHORIZATION_TOKEN (ECS, EKS Pod Identity);
//   6. EC2 instance metadata with IMDSv2 tokens (AWS_EC2_METADATA_SERVICE_ENDPOINT, else
//      http://169.254.169.254; off with AWS_EC2_METADATA_DISABLED=true), with a short timeout so an
//      unreachable service costs about a second.
// The first source configured is used; its credentials are cached and refreshed before they expire
// (credentials_provider.h). Nothing here logs or returns a secret, a session token or a token.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "aws/credentials_provider.h"
#include "aws/http_transport.h"
#include "aws/sts.h"
#include "util/clock.h"

namespace billpipe::aws {

struct ChainOptions {
  Credentials explicit_credentials;  // used when access_key_id is set
  std::string profile;               // --profile; empty: AWS_PROFILE or "default"
  std::string region;                // for STS and the chain's region; empty: ResolveRegion
  EnvLookup env;                     // empty: the process's
  std::shared_ptr<HttpTransport> transport;  // required for every source that calls HTTP
  Clock* clock = nullptr;                    // null: Clock::System()
  std::string sts_endpoint_url;      // empty: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the regional one
  std::string sso_endpoint_url;      // empty: AWS_ENDPOINT_URL_SSO, https://portal.sso.REGION.amazonaws.com
  std::string container_host = "http://169.254.170.2";  // base of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  std::chrono::milliseconds metadata_timeout{1000};     // EC2 instance metadata, per request
  std::chrono::milliseconds container_timeout{2000};    // container credentials, per request
  // A credential_process still running after this is killed (with the processes it started) and the
  // fetch fails naming the profile.
  std::chrono::milliseconds process_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds refresh_before{std::chrono::minutes(5)};
};

// Chooses the source per the order above, fetches once (so errors show now, not at the first request)
// and returns a caching provider over it. Errors: kAuth when no source has credentials (naming what
// was tried), when a source's credentials were refused, or when an SSO login expired (run
// `aws sso login`); kPermission when a role cannot be assumed (naming the role, its trust policy and
// the external id); kInvalidArgument for a named profile that does not exist or a profile that is
// set up wrongly; kIo for a token file that cannot be read.
Result<std::shared_ptr<CredentialsProvider>> MakeCredentialsProvider(const ChainOptions& options);

// A role assumed with sts:AssumeRole from base credentials (a catalog role account).
std::shared_ptr<CredentialsProvider> MakeAssumeRoleProvider(std::shared_ptr<CredentialsProvider> base,
                                                            AssumeRoleParams params, const ChainOptions& options);

}  // namespace billpipe::aws
