#include "s3/bucket_name.h"

#include <fmt/core.h>

namespace billpipe::s3 {
namespace {

constexpr size_t kMinBucketName = 3;    // S3 bucket naming rules
constexpr size_t kMaxBucketName = 255;  // legacy us-east-1 limit; today's buckets stop at 63

constexpr std::string_view kAllowed =
    "letters, digits, dots (.), dashes (-) and underscores (_), 3 to 255 characters";

std::string Describe(unsigned char c) {
  if (c == ' ') return "a space";
  if (c == '/') return "a slash '/'";
  if (c < 0x20 || c == 0x7f) return fmt::format("the control character 0x{:02X}", c);
  if (c >= 0x80) return fmt::format("the non-ASCII byte 0x{:02X}", c);
  return fmt::format("'{}'", static_cast<char>(c));
}

Error Invalid(std::string_view bucket, std::string message) {
  Error e(ErrorCode::kInvalidArgument, std::move(message));
  e.bucket = std::string(bucket);
  return e;
}

}  // namespace

Status ValidateBucketName(std::string_view bucket) {
  if (bucket.empty()) return Fail(Invalid(bucket, fmt::format("The bucket name is empty. Allowed: {}.", kAllowed)));
  for (size_t i = 0; i < bucket.size(); ++i) {
    auto c = static_cast<unsigned char>(bucket[i]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == '_';
    if (!ok) {
      std::string hint = c == '/' ? " Give the bucket alone; a path inside it goes in the prefix." : "";
      return Fail(Invalid(bucket, fmt::format("Invalid bucket name '{}': {} at position {} is not allowed. "
                                              "Allowed: {}.{}",
                                              bucket, Describe(c), i + 1, kAllowed, hint)));
    }
  }
  if (bucket.size() < kMinBucketName || bucket.size() > kMaxBucketName)
    return Fail(Invalid(bucket, fmt::format("Invalid bucket name '{}': it has {} characters. Allowed: {}.", bucket,
                                            bucket.size(), kAllowed)));
  return Ok();
}

}  // namespace billpipe::s3
