// Testing an account's credentials against S3. With a bucket: a ListObjectsV2 in it under a prefix no
// report uses (one short page, whatever the bucket holds; it needs s3:ListBucket like any run). Without:
// a ListBuckets (GET / on the endpoint; it needs s3:ListAllMyBuckets). A refusal says exactly
//   Failed to authenticate. Verify the credentials and try again.
// followed by the AWS error code (kAuth, from s3/s3_errors.h).
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
};

class CredentialChecker {
 public:
  virtual ~CredentialChecker() = default;
  // bucket empty: ListBuckets. Never puts a secret in its error.
  virtual Result<CredentialCheck> Check(const Account& account, const AccountSecrets& secrets,
                                        const std::string& bucket) = 0;
};

// The S3 options that use an account's credentials (its keys and secrets, or its profile), region and
// endpoint. secrets is ignored for a profile account.
s3::ClientOptions AccountClientOptions(const Account& account, const AccountSecrets& secrets);

// "listing bucket 'billing'" or "ListBuckets: 3 buckets", for a success message.
std::string DescribeCheck(const CredentialCheck& check);

// The checker over billpipe's S3 client.
std::unique_ptr<CredentialChecker> MakeS3CredentialChecker();

}  // namespace billpipe::catalog
