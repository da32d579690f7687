#include "s3/s3_errors.h"

#include <ctime>

#include <fmt/core.h>

#include "s3/retry_policy.h"
#include "s3/xml.h"

namespace billpipe::s3 {
namespace {

bool IsAuthCode(std::string_view code) {
  return code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "InvalidToken" ||
         code == "ExpiredToken" || code == "TokenRefreshRequired" || code == "InvalidSecurity";
}

bool IsRetryableCode(std::string_view code) {
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
         code == "ServiceUnavailable" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded" || code == "BandwidthLimitExceeded" || code == "OperationAborted";
}

std::string_view Verb(Operation op) {
  switch (op) {
    case Operation::kList: return "listing";
    case Operation::kHead: return "HEAD";
    case Operation::kGet: return "GET";
    case Operation::kPut: return "PUT";
    case Operation::kListBuckets: return "bucket listing";
  }
  return "request";
}

// The rest of the text DESIGN.md requires after kAuthFailedMessage. (Here rather than in the header for
// now: s3_errors.h is included nearly everywhere; fold it into kAuthFailedMessage when that header changes.)
constexpr std::string_view kAuthFailedAdvice =
    " billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try "
    "again.";

// " (AWS error code: X, request id: Y)" with the parts that are known.
std::string Detail(const S3ErrorInfo& info) {
  std::string code = info.code.empty() ? fmt::format("HTTP {}", info.http_status) : info.code;
  if (info.request_id.empty()) return fmt::format(" AWS error code: {}.", code);
  return fmt::format(" AWS error code: {}, request id: {}.", code, info.request_id);
}

// "20261129T081519Z" or ISO "2026-11-29T08:15:19Z" -> seconds since the epoch.
std::optional<int64_t> ParseAmzTime(std::string s) {
  std::string digits;
  for (char c : s)
    if (c >= '0' && c <= '9') digits.push_back(c);
  if (digits.size() < 14) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(digits.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(digits.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(digits.substr(6, 2));
  tm.tm_hour = std::stoi(digits.substr(8, 2));
  tm.tm_min = std::stoi(digits.substr(10, 2));
  tm.tm_sec = std::stoi(digits.substr(12, 2));
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

std::string Describe(const RequestTarget& target) {
  if (target.op == Operation::kListBuckets) return "the buckets of the account";
  if (target.key.empty()) return "s3://" + target.bucket;
  return "s3://" + target.bucket + "/" + target.key;
}

std::pair<std::string, std::string> RequiredPermission(const RequestTarget& target) {
  switch (target.op) {
    case Operation::kList: return {"s3:ListBucket", "arn:aws:s3:::" + target.bucket};
    case Operation::kHead:
    case Operation::kGet: return {"s3:GetObject", "s3://" + target.bucket + "/" + target.key};
    case Operation::kPut: return {"s3:PutObject", "s3://" + target.bucket + "/" + target.key};
    case Operation::kListBuckets: return {"s3:ListAllMyBuckets", "the account (resource *)"};
  }
  return {"", ""};
}

S3ErrorInfo ParseErrorResponse(const HttpResponse& response) {
  S3ErrorInfo info;
  info.http_status = response.status;
  info.body = response.body;
  info.code = xml::Text(response.body, "Code").value_or(response.headers.Get("x-amz-error-code").value_or(""));
  info.message = xml::Text(response.body, "Message").value_or("");
  info.request_id =
      response.headers.Get("x-amz-request-id").value_or(xml::Text(response.body, "RequestId").value_or(""));
  info.region = response.headers.Get("x-amz-bucket-region").value_or(xml::Text(response.body, "Region").value_or(""));
  if (auto ra = response.headers.Get("retry-after")) info.retry_after = ParseRetryAfter(*ra);
  return info;
}

Error MapErrorResponse(const RequestTarget& target, const S3ErrorInfo& info) {
  Error e;
  e.http_status = info.http_status;
  e.aws_code = info.code;
  e.request_id = info.request_id;
  e.bucket = target.bucket;
  e.key = target.key;
  const std::string& code = info.code;
  std::string where = Describe(target);

  if (IsAuthCode(code)) {
    e.code = ErrorCode::kAuth;
    e.message = std::string(kAuthFailedMessage) + std::string(kAuthFailedAdvice) + Detail(info);
  } else if (code == "RequestTimeTooSkewed") {
    e.code = ErrorCode::kAuth;
    auto req = ParseAmzTime(xml::Text(info.body, "RequestTime").value_or(""));
    auto srv = ParseAmzTime(xml::Text(info.body, "ServerTime").value_or(""));
    std::string diff = req && srv ? fmt::format(" by {} seconds", *req - *srv) : "";
    e.message = fmt::format(
        "The local clock differs from S3's{} (S3 allows 15 minutes). Fix this machine's clock (enable NTP "
        "time synchronisation) and try again.{}",
        diff, Detail(info));
  } else if (code == "AccessDenied" || code == "AllAccessDisabled" ||
             (code.empty() && info.http_status == 403)) {
    e.code = ErrorCode::kPermission;
    auto [permission, resource] = RequiredPermission(target);
    e.message = fmt::format("Access denied: the credentials lack {} on {}. Grant it in the IAM or bucket policy.{}",
                            permission, resource, Detail(info));
    if (code.empty())
      e.message += " (A HEAD answer carries no error code: the credentials themselves may also be wrong.)";
  } else if (code == "NoSuchBucket") {
    e.code = ErrorCode::kNotFound;
    e.message = fmt::format("The bucket '{}' does not exist. Check its name (and the endpoint).{}", target.bucket,
                            Detail(info));
  } else if (code == "NoSuchKey" || (code.empty() && info.http_status == 404)) {
    e.code = ErrorCode::kNotFound;
    e.message = fmt::format("{} does not exist (no such key in bucket '{}').{}", where, target.bucket, Detail(info));
  } else if (info.http_status >= 500 || info.http_status == 429 || IsRetryableCode(code)) {
    e.code = ErrorCode::kRetryable;
    e.message = fmt::format("S3 answered HTTP {} to the {} of {}{}{}", info.http_status, Verb(target.op), where,
                            info.message.empty() ? "." : ": " + info.message, Detail(info));
  } else if (info.http_status == 412 || code == "PreconditionFailed") {
    e.code = ErrorCode::kConflict;
    e.message = fmt::format("{} changed while it was being read (its ETag no longer matches). Read it again from "
                            "the start.{}",
                            where, Detail(info));
  } else {
    e.code = ErrorCode::kInvalidArgument;
    e.message = fmt::format("S3 refused the {} of {} with HTTP {}{}{}", Verb(target.op), where, info.http_status,
                            info.message.empty() ? "." : ": " + info.message, Detail(info));
  }
  return e;
}

Error MapTransportFailure(const RequestTarget& target, const TransportFailure& failure, const std::string& host,
                          int attempts) {
  Error e;
  e.bucket = target.bucket;
  e.key = target.key;
  e.http_status = failure.status;
  if (failure.tls_verification) {
    e.code = ErrorCode::kInvalidArgument;
    e.message = fmt::format("The TLS certificate of {} could not be verified: {}. Pass the CA bundle that signed it "
                            "(--ca-bundle) or fix the endpoint.",
                            host, failure.message);
    return e;
  }
  e.code = failure.retryable ? ErrorCode::kRetryable : ErrorCode::kIo;
  e.message = fmt::format("The {} of {} failed: cannot get an answer from {} after {} attempt{}; last error: {}.",
                          Verb(target.op), Describe(target), host, attempts, attempts == 1 ? "" : "s",
                          failure.message);
  return e;
}

}  // namespace billpipe::s3
