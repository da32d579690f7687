// Testing an account's credentials against S3: a ListObjectsV2 in the given bucket under a prefix no
// report uses (one short page, whatever the bucket holds; it needs s3:ListBucket like any run). The
// S3 client has no ListBuckets, so a bucket is required. A refusal says exactly
//   Failed to authenticate. Verify the credentials and try again.
// followed by the AWS error code (kAuth, from s3/s3_errors.h).
#pragma once

#include <memory>
#include <string>

#include "catalog/accounts.h"
#include "util/status.h"

namespace billpipe::catalog {

class CredentialChecker {
 public:
  virtual ~CredentialChecker() = default;
  // bucket empty: kInvalidArgument asking for one. Never puts a secret in its error.
  virtual Status Check(const Account& account, const AccountSecrets& secrets, const std::string& bucket) = 0;
};

// The checker over billpipe's S3 client.
std::unique_ptr<CredentialChecker> MakeS3CredentialChecker();

}  // namespace billpipe::catalog
