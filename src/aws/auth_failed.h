// The exact text DESIGN.md requires when AWS refuses credentials (S3 and STS alike). The AWS error code
// and request id follow it.
#pragma once

#include <string_view>

namespace billpipe::aws {

inline constexpr std::string_view kAuthFailedMessage =
    "Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you "
    "entered are invalid. Verify your account credentials and try again.";

}  // namespace billpipe::aws
