#include "catalog/credential_check.h"

#include <optional>

#include <fmt/format.h>

#include "aws/auth_failed.h"
#include "aws/credentials.h"
#include "catalog/role_account.h"
#include "s3/bucket_name.h"
#include "s3/client.h"

namespace billpipe::catalog {
namespace {

// A prefix no report uses: the listing proves the credentials (and s3:ListBucket on the bucket) while
// returning at most a page of nothing, however large the bucket.
constexpr const char* kProbePrefix = ".billpipe-credential-test/";

class S3CredentialChecker final : public CredentialChecker {
 public:
  Result<CredentialCheck> Check(const Account& account, const s3::ClientOptions& account_options,
                                const std::string& bucket) override {
    if (!bucket.empty()) BP_RETURN_IF_ERROR(s3::ValidateBucketName(bucket));
    s3::ClientOptions options = account_options;
    options.retry.max_attempts = 2;  // a person is waiting
    BP_ASSIGN_OR_RETURN(auto client, s3::S3Client::Make(options));
    CredentialCheck check;
    check.bucket = bucket;
    if (bucket.empty()) {
      BP_ASSIGN_OR_RETURN(auto buckets, client->ListBuckets());
      check.buckets = buckets.size();
    } else {
      auto listing = client->List(bucket, kProbePrefix, "/");
      if (!listing) return Fail(listing.error());
    }
    AddIdentity(account, *client, check);
    return check;
  }

 private:
  // Who the credentials are. Only where STS is: AWS's endpoints, or one named by AWS_ENDPOINT_URL_STS
  // (an S3-compatible store has no STS).
  static void AddIdentity(const Account& account, s3::S3Client& client, CredentialCheck& check) {
    auto env = aws::ProcessEnvironment();
    if (!account.endpoint.empty() && env("AWS_ENDPOINT_URL_STS").value_or("").empty()) return;
    RoleProviderOptions o;
    o.region = client.RegionOf("");
    auto who = WhoAmI(*client.credentials_provider(), o);
    if (!who) return;
    check.caller_account = who->account;
    check.caller_arn = who->arn;
  }
};

}  // namespace

s3::ClientOptions AccountClientOptions(const Account& account, const AccountSecrets& secrets) {
  s3::ClientOptions options;
  if (account.source == CredentialSource::kKeys) {
    options.credentials = {account.access_key_id, secrets.secret_access_key, secrets.session_token};
  } else {
    options.profile = account.profile;
  }
  options.region = account.region;
  options.endpoint_url = account.endpoint;
  return options;
}

Result<s3::ClientOptions> ClientOptionsForAccount(AccountStore& store, const Account& account,
                                                  const AccountSecrets& secrets, const std::string& external_id) {
  if (account.source != CredentialSource::kRole) return AccountClientOptions(account, secrets);
  std::optional<Account> base;
  AccountSecrets base_secrets;
  if (!account.source_account.empty()) {
    BP_ASSIGN_OR_RETURN(base, store.Get(account.source_account));
    if (base->source == CredentialSource::kRole) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The source account '{}' of role account '{}' is itself a role account: billpipe does "
                              "not chain roles.",
                              base->name, account.name));
    }
    BP_ASSIGN_OR_RETURN(base_secrets, store.Secrets(*base));
  }
  RoleProviderOptions role;
  role.region = account.region;
  RoleAccountSpec spec{account.role_arn, external_id, account.session_name, account.duration_seconds};
  auto provider = MakeRoleAccountProvider(spec, base ? &*base : nullptr, base ? &base_secrets : nullptr, role);
  if (!provider) {
    // The authentication message stays exact (it starts the text); other errors name the account.
    Error e = provider.error();
    if (!e.message.starts_with(aws::kAuthFailedMessage)) e.Context(fmt::format("role account '{}'", account.name));
    return Fail(std::move(e));
  }
  s3::ClientOptions options;
  options.credentials_provider = std::move(*provider);
  options.region = account.region;
  options.endpoint_url = account.endpoint;
  return options;
}

Result<s3::ClientOptions> ClientOptionsForAccount(AccountStore& store, const Account& account) {
  BP_ASSIGN_OR_RETURN(AccountSecrets secrets, store.Secrets(account));
  BP_ASSIGN_OR_RETURN(std::string external_id, store.ExternalId(account));
  return ClientOptionsForAccount(store, account, secrets, external_id);
}

std::string DescribeCheck(const CredentialCheck& check) {
  std::string what = !check.bucket.empty()
                         ? fmt::format("listing bucket '{}'", check.bucket)
                         : fmt::format("ListBuckets: {} bucket{}", check.buckets, check.buckets == 1 ? "" : "s");
  if (check.caller_arn.empty()) return what;
  return fmt::format("{}; signed in as {} in account {}", what, check.caller_arn, check.caller_account);
}

std::unique_ptr<CredentialChecker> MakeS3CredentialChecker() { return std::make_unique<S3CredentialChecker>(); }

}  // namespace billpipe::catalog
