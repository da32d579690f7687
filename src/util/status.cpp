#include "util/status.h"

namespace billpipe {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kRetryable: return "retryable";
    case ErrorCode::kAuth: return "auth";
    case ErrorCode::kPermission: return "permission";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kBadData: return "bad_data";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace billpipe
