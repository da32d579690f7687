// Testing an account's credentials against S3: a ListObjectsV2 of one key in a bucket when one is
// given, else ListBuckets. A refusal says exactly
//   Failed to authenticate. Verify the credentials and try again.
// followed by the AWS error code (kAuth). The CLI holds a checker so tests and the S3 client plug in.
#pragma once

#include <memory>
#include <string>

#include "catalog/accounts.h"
#include "util/status.h"

namespace billpipe::catalog {

inline constexpr const char* kAuthFailedMessage = "Failed to authenticate. Verify the credentials and try again.";

class CredentialChecker {
 public:
  virtual ~CredentialChecker() = default;
  // bucket may be empty (then ListBuckets). Never puts a secret in its error.
  virtual Status Check(const Account& account, const AccountSecrets& secrets, const std::string& bucket) = 0;
};

// The checker over billpipe's S3 client.
std::unique_ptr<CredentialChecker> MakeS3CredentialChecker();

}  // namespace billpipe::catalog
