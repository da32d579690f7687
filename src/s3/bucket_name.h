// Bucket names are checked before any request, so a typo fails at once with a message that says what
// is wrong instead of as a signature or routing error from S3. Callable from any layer (cur/, pipeline/,
// the CLI) that takes a bucket name from a person.
#pragma once

#include <string_view>

#include "util/status.h"

namespace billpipe::s3 {

// Bucket names as S3 has accepted them over time: letters, digits, dots, dashes and underscores,
// 3 to 255 characters (legacy us-east-1 names may have capitals and underscores; today's rules are
// stricter, but existing buckets keep their names). Anything else — a slash, a space, '?', '#', '%',
// non-ASCII — would change the URL and is refused. kInvalidArgument; the message names the bad
// character and its position and says what is allowed; Error::bucket is set.
Status ValidateBucketName(std::string_view bucket);

}  // namespace billpipe::s3
