// s3://BUCKET/KEY-OR-PREFIX locations as people type them.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::s3 {

struct S3Url {
  std::string bucket;
  std::string key;  // may be empty (the whole bucket) or a prefix; never starts with '/'
};

// Parses "s3://bucket", "s3://bucket/", "s3://bucket/some/prefix". The bucket is validated
// (ValidateBucketName). kInvalidArgument when it does not start with s3:// or the bucket is bad.
Result<S3Url> ParseS3Url(std::string_view url);

}  // namespace billpipe::s3
