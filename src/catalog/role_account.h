// Role accounts: credentials got by assuming an IAM role with sts:AssumeRole (usually a role in the
// account that owns the billing bucket, guarded by an external id), from base credentials that are
// another catalog account's (keys or a profile) or the ambient chain's (environment, web identity,
// profile, container, EC2 instance metadata: aws/credential_chain.h). The temporary credentials are
// refreshed before they expire (aws/credentials_provider.h).
//
// Role accounts are stored in the catalog (accounts.h, CredentialSource::kRole); a run gets their
// provider through ClientOptionsForAccount (credential_check.h). See docs/credentials.md.
#pragma once

#include <memory>
#include <string>

#include "aws/credential_chain.h"
#include "aws/credentials_provider.h"
#include "aws/sts.h"
#include "catalog/accounts.h"
#include "util/status.h"

namespace billpipe::catalog {

struct RoleAccountSpec {
  std::string role_arn;      // arn:aws:iam::123456789012:role/NAME (paths allowed)
  std::string external_id;   // empty: none sent
  std::string session_name;  // empty: "billpipe-<epoch ms>"
  int duration_seconds = 0;  // 0: STS's default (one hour); else 900 .. 43200 and at most the role's maximum
};

// kInvalidArgument with a sentence that names the field and the valid form.
Status ValidateRoleAccountSpec(const RoleAccountSpec& spec);

struct RoleProviderOptions {
  std::string region;            // STS region; empty: the chain's (AWS_REGION ..., us-east-1)
  std::string sts_endpoint_url;  // empty: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the regional endpoint
  aws::EnvLookup env;            // empty: the process's
  Clock* clock = nullptr;
  std::shared_ptr<aws::HttpTransport> transport;  // null: libcurl (s3/aws_http_transport.h)
};

// The role's credentials, assumed from base_account (with its secrets) or, when base_account is null,
// from the ambient chain. Assumes once now, so a refused role fails here (kPermission naming the role,
// its trust policy and the external id).
Result<std::shared_ptr<aws::CredentialsProvider>> MakeRoleAccountProvider(const RoleAccountSpec& spec,
                                                                          const Account* base_account,
                                                                          const AccountSecrets* base_secrets,
                                                                          const RoleProviderOptions& options);

// sts:GetCallerIdentity with the provider's current credentials: the account number and ARN they are.
Result<aws::CallerIdentity> WhoAmI(aws::CredentialsProvider& provider, const RoleProviderOptions& options);

}  // namespace billpipe::catalog
