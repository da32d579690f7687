// Testing an account's credentials against S3. With a bucket: a ListObjectsV2 in it under a prefix no
// report uses (one short page, whatever the bucket holds; it needs s3:ListBucket like any run). Without:
// a ListBuckets (GET / on the endpoint; it needs s3:ListAllMyBuckets). A refusal says exactly
//   Failed to authenticate. Verify the credentials and try again.
// followed by the AWS error code (kAuth, from s3/s3_errors.h).
// Then, when the account uses AWS's own endpoint (or AWS_ENDPOINT_URL_STS names an STS endpoint), who
// the credentials are: sts:GetCallerIdentity (needs no permission). Its failure does not fail the test.
// A role account is tested with the role's temporary credentials: the identity is the assumed role.
#pragma once

#include <memory>
#include <string>

#include "catalog/accounts.h"
#include "s3/client.h"
#include "util/status.h"

namespace billpipe::catalog {

// What a successful test proved.
struct CredentialCheck {
  std::string bucket;  // the bucket listed; empty: ListBuckets was used
  size_t buckets = 0;  // ListBuckets: how many buckets the account has
  std::string caller_account;  // sts:GetCallerIdentity, when asked: the AWS account number
  std::string caller_arn;      // ... and the ARN the credentials are; empty when not asked or it failed
};

class CredentialChecker {
 public:
  virtual ~CredentialChecker() = default;
  // bucket empty: ListBuckets. options: the account's (ClientOptionsForAccount). Never puts a secret in
  // its error.
  virtual Result<CredentialCheck> Check(const Account& account, const s3::ClientOptions& options,
                                        const std::string& bucket) = 0;
};

// The S3 options that use a keys or profile account's credentials (its keys and secrets, or its
// profile), region and endpoint. secrets is ignored for a profile account. Not for role accounts.
s3::ClientOptions AccountClientOptions(const Account& account, const AccountSecrets& secrets);

// The S3 options of any account, as a run uses them: for keys and profile accounts
// AccountClientOptions; for a role account a credentials provider that assumes the role
// (MakeRoleAccountProvider: from the source account named by account.source_account, read from the
// store with its secrets, or from the ambient chain when none) and refreshes the temporary
// credentials before they expire, so a long run outlives them. The role is assumed once here: a
// refused role fails now (kPermission naming the role, its trust policy and the external id).
// secrets and external_id are the account's own (an account not stored yet: the caller's input).
Result<s3::ClientOptions> ClientOptionsForAccount(AccountStore& store, const Account& account,
                                                  const AccountSecrets& secrets, const std::string& external_id);
// The same for a stored account (its secrets and external id read from the store).
Result<s3::ClientOptions> ClientOptionsForAccount(AccountStore& store, const Account& account);

// "listing bucket 'billing'" or "ListBuckets: 3 buckets", for a success message; with the identity
// "listing bucket 'billing'; signed in as arn:aws:iam::111122223333:user/u in account 111122223333".
std::string DescribeCheck(const CredentialCheck& check);

// The checker over billpipe's S3 client.
std::unique_ptr<CredentialChecker> MakeS3CredentialChecker();

}  // namespace billpipe::catalog
