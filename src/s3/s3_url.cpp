#include "s3/s3_url.h"

#include <fmt/core.h>

#include "s3/bucket_name.h"

namespace billpipe::s3 {

Result<S3Url> ParseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme))
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not an S3 location: write it as s3://BUCKET/PREFIX.", url));
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Url out;
  out.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) out.key = std::string(rest.substr(slash + 1));
  BP_RETURN_IF_ERROR(ValidateBucketName(out.bucket));
  return out;
}

}  // namespace billpipe::s3
