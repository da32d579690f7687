#include "catalog/role_account.h"

#include <regex>

#include <fmt/core.h>

#include "s3/aws_http_transport.h"

namespace billpipe::catalog {
namespace {

// IAM's limits: role ARNs, ExternalId (2-1224 of [\w+=,.@:/-]), RoleSessionName (2-64 of [\w+=,.@-]),
// DurationSeconds 900 .. 43200.
bool Matches(const std::string& s, const char* pattern) { return std::regex_match(s, std::regex(pattern)); }

std::shared_ptr<aws::HttpTransport> TransportOr(const RoleProviderOptions& o) {
  if (o.transport) return o.transport;
  return std::make_shared<s3::CurlAwsTransport>(s3::TransportOptions{});
}

}  // namespace

Status ValidateRoleAccountSpec(const RoleAccountSpec& spec) {
  if (!Matches(spec.role_arn, R"(arn:aws(-[a-z-]+)?:iam::\d{12}:role/[\w+=,.@/-]{1,512})"))
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The role ARN '{}' is not valid: write it as arn:aws:iam::123456789012:role/NAME.",
                            spec.role_arn));
  if (!spec.external_id.empty() && !Matches(spec.external_id, R"([\w+=,.@:/-]{2,1224})"))
    return Fail(ErrorCode::kInvalidArgument,
                "The external id must be 2 to 1224 characters: letters, digits and + = , . @ : / - _.");
  if (!spec.session_name.empty() && !Matches(spec.session_name, R"([\w+=,.@-]{2,64})"))
    return Fail(ErrorCode::kInvalidArgument,
                "The session name must be 2 to 64 characters: letters, digits and + = , . @ - _.");
  if (spec.duration_seconds != 0 && (spec.duration_seconds < 900 || spec.duration_seconds > 43200))
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The session duration {} s is not allowed: give 900 to 43200 seconds (15 minutes to 12 "
                            "hours), at most the role's maximum session duration.",
                            spec.duration_seconds));
  return Ok();
}

Result<std::shared_ptr<aws::CredentialsProvider>> MakeRoleAccountProvider(const RoleAccountSpec& spec,
                                                                          const Account* base_account,
                                                                          const AccountSecrets* base_secrets,
                                                                          const RoleProviderOptions& options) {
  BP_RETURN_IF_ERROR(ValidateRoleAccountSpec(spec));
  aws::ChainOptions chain;
  chain.region = options.region;
  chain.env = options.env;
  chain.clock = options.clock;
  chain.transport = TransportOr(options);
  chain.sts_endpoint_url = options.sts_endpoint_url;
  if (base_account != nullptr) {
    if (base_account->source == CredentialSource::kKeys) {
      chain.explicit_credentials.access_key_id = base_account->access_key_id;
      if (base_secrets != nullptr) {
        chain.explicit_credentials.secret_access_key = base_secrets->secret_access_key;
        chain.explicit_credentials.session_token = base_secrets->session_token;
      }
    } else {
      chain.profile = base_account->profile;
    }
    if (chain.region.empty()) chain.region = base_account->region;
  }
  BP_ASSIGN_OR_RETURN(auto base, aws::MakeCredentialsProvider(chain));
  auto role = aws::MakeAssumeRoleProvider(
      base, aws::AssumeRoleParams{spec.role_arn, spec.session_name, spec.external_id, spec.duration_seconds}, chain);
  BP_RETURN_IF_ERROR(role->Get());
  return role;
}

Result<aws::CallerIdentity> WhoAmI(aws::CredentialsProvider& provider, const RoleProviderOptions& options) {
  BP_ASSIGN_OR_RETURN(aws::Credentials credentials, provider.Get());
  auto transport = TransportOr(options);
  aws::StsOptions o;
  o.region = options.region.empty() ? aws::kDefaultRegion : options.region;
  o.endpoint_url = options.sts_endpoint_url;
  o.transport = transport.get();
  o.clock = options.clock;
  o.env = options.env;
  return aws::StsClient(o).GetCallerIdentity(credentials);
}

}  // namespace billpipe::catalog
