// S3's answers and transport failures mapped, once, into billpipe Errors: the code says what to do
// next, the message is what a person reads, the details are fields (http_status, aws_code,
// request_id, bucket, key). Nothing above this layer parses S3 XML or HTTP statuses.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/auth_failed.h"
#include "s3/http_client.h"
#include "util/status.h"

namespace billpipe::s3 {

enum class Operation { kList, kHead, kGet, kPut, kListBuckets };

struct RequestTarget {
  Operation op = Operation::kGet;
  std::string bucket;
  std::string key;  // object operations; the prefix for kList
  // kListBuckets has neither bucket nor key: it lists the buckets of the credentials' account.
};

// The exact text DESIGN.md requires for refused credentials.
using aws::kAuthFailedMessage;

// What an S3 error answer says, before mapping.
struct S3ErrorInfo {
  int http_status = 0;
  std::string code;        // <Code>, or x-amz-error-code; empty for bodiless answers (HEAD)
  std::string message;     // <Message>
  std::string request_id;  // x-amz-request-id or <RequestId>
  std::string region;      // x-amz-bucket-region or <Region>: where the bucket really is
  std::optional<std::chrono::milliseconds> retry_after;
  std::string body;        // the raw XML, for details such as RequestTime/ServerTime
};

S3ErrorInfo ParseErrorResponse(const HttpResponse& response);

// Maps an error answer. Auth codes -> kAuth with kAuthFailedMessage; AccessDenied -> kPermission naming
// the missing permission and resource; NoSuchBucket/NoSuchKey -> kNotFound naming them;
// RequestTimeTooSkewed -> kAuth with the clock difference; 5xx, SlowDown, RequestTimeout,
// InternalError -> kRetryable; other 4xx -> kInvalidArgument.
Error MapErrorResponse(const RequestTarget& target, const S3ErrorInfo& info);

// Maps a transport failure after `attempts` attempts to host.
Error MapTransportFailure(const RequestTarget& target, const TransportFailure& failure, const std::string& host,
                          int attempts);

// "s3://bucket/key" (or "s3://bucket/prefix" for listings).
std::string Describe(const RequestTarget& target);

// The IAM permission an operation needs and the resource it applies to, e.g.
// {"s3:ListBucket", "arn:aws:s3:::billing"} or {"s3:GetObject", "s3://billing/cur/m.json"}.
std::pair<std::string, std::string> RequiredPermission(const RequestTarget& target);

}  // namespace billpipe::s3
