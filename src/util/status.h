// billpipe's one error type. Functions that can fail return Result<T> (std::expected<T, Error>);
// Status is Result<void>. Errors are values, never exceptions: exceptions from third-party code are
// caught at the adapter and converted here.
//
// An Error's code says what the caller should do next (retry, fix credentials, fix input ...); its
// message is the whole sentence a person reads: what failed, where, and what to do. Details that code
// acts on (HTTP status, AWS error code, key, byte offset) are fields, never parsed back out of the text.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace billpipe {

enum class ErrorCode {
  kRetryable,      // transient: 5xx, 429/SlowDown, reset, timeout. Trying again may succeed.
  kAuth,           // the credentials were refused (bad key id, bad secret, expired token).
  kPermission,     // authenticated but not allowed (403 AccessDenied).
  kNotFound,       // bucket, key, report, dataset or file does not exist.
  kBadData,        // input is malformed: corrupt gzip, bad CSV row, manifest not JSON.
  kInvalidArgument,// the user's request is wrong: bad bucket name, start after end. Refused up front.
  kConflict,       // something else holds what we need (a run in progress, a version already loaded).
  kIo,             // local filesystem or database failure (disk full, permission on a local file).
  kUnsupported,    // recognised but not implemented yet (Parquet, CUR 2.0).
  kCancelled,      // stopped on request (signal, shutdown).
  kInternal,       // a bug: an invariant did not hold.
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Optional details; empty / -1 when not known.
  int http_status = 0;
  std::string aws_code;    // e.g. "SignatureDoesNotMatch"
  std::string request_id;  // x-amz-request-id
  std::string bucket;
  std::string key;
  int64_t offset = -1;     // byte offset in the (decompressed, where stated) stream
  int64_t line = -1;       // 1-based line number in a text file
  std::string column;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // Prefixes the message with context: "reading s3://b/k: " + message.
  Error& Context(std::string_view what) {
    message.insert(0, std::string(what) + ": ");
    return *this;
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}
inline std::unexpected<Error> Fail(Error error) { return std::unexpected<Error>(std::move(error)); }
inline Status Ok() { return {}; }

}  // namespace billpipe

#define BP_CONCAT_INNER(a, b) a##b
#define BP_CONCAT(a, b) BP_CONCAT_INNER(a, b)

// BP_RETURN_IF_ERROR(expr): expr is a Result<T>; returns its error from the enclosing function.
#define BP_RETURN_IF_ERROR(expr)                                         \
  do {                                                                   \
    auto&& bp_status_ = (expr);                                          \
    if (!bp_status_) return ::std::unexpected(std::move(bp_status_).error()); \
  } while (0)

// BP_ASSIGN_OR_RETURN(lhs, expr): evaluates the Result<T> expr; on error returns it, else assigns
// (or declares, e.g. `auto x`) lhs from the value.
#define BP_ASSIGN_OR_RETURN(lhs, expr) BP_ASSIGN_OR_RETURN_IMPL(BP_CONCAT(bp_result_, __LINE__), lhs, expr)
#define BP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                     \
  auto tmp = (expr);                                                 \
  if (!tmp) return ::std::unexpected(std::move(tmp).error());        \
  lhs = std::move(*tmp)
