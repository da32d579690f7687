// The static part of the credential chain, and the region. The full chain (web identity, roles, SSO,
// credential_process, containers, EC2 instance metadata, refreshed temporary credentials) is
// aws/credential_chain.h, which the S3 client uses; ResolveCredentials covers only keys:
//   1. explicit keys (an account's stored keys);
//   2. a profile named explicitly (--profile): its keys, skipping the environment, as the AWS CLI does;
//   3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
//   4. the profile AWS_PROFILE names (else "default") in the shared credentials file
//      (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), then in the config file
//      (AWS_CONFIG_FILE, else ~/.aws/config; sections "[default]" and "[profile NAME]").
// Region: explicit, AWS_REGION, AWS_DEFAULT_REGION, the profile's "region" in the config file, else
// us-east-1 (S3 then tells where a bucket lives; see s3/client.h).
// Secrets never appear in errors or logs: only MaskAccessKeyId of the key id does.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "aws/sigv4.h"
#include "util/status.h"

namespace billpipe::aws {

// Reads an environment variable; nullopt when unset. Injected so tests control the environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment (getenv).
EnvLookup ProcessEnvironment();

struct CredentialSourceOptions {
  Credentials explicit_credentials;  // used when access_key_id is set
  std::string profile;               // an explicitly named profile (--profile); empty: AWS_PROFILE or "default"
  EnvLookup env;                     // empty: ProcessEnvironment()
};

struct ResolvedCredentials {
  Credentials credentials;
  // Where they came from, for messages: "explicit", "environment", "profile 'p' in /home/u/.aws/credentials".
  std::string source;
};

// kAuth when no source has credentials (the message lists what was tried); kInvalidArgument when an
// explicitly named profile exists nowhere; kIo when a named file cannot be read.
Result<ResolvedCredentials> ResolveCredentials(const CredentialSourceOptions& options);

// The region per the order above; never empty.
std::string ResolveRegion(const std::string& explicit_region, const CredentialSourceOptions& options);

constexpr const char* kDefaultRegion = "us-east-1";

// "AKIAIOSFODNN7EXAMPLE" -> "AKIA…MPLE"; ids of 8 characters or fewer become "…".
std::string MaskAccessKeyId(const std::string& access_key_id);

}  // namespace billpipe::aws
