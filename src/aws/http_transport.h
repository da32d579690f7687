// The one HTTP call the aws/ layer makes (STS, the SSO portal, container credentials, EC2 instance
// metadata), behind a narrow interface so that aws/ does not depend on s3/: s3/aws_http_transport.h
// implements it over the libcurl client. Small bodies only: the whole answer is kept in memory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace billpipe::aws {

struct HttpCall {
  std::string method = "GET";  // GET, PUT (without a body: the IMDSv2 token) or POST (STS)
  std::string url;             // already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // POST: the body (e.g. a form), sent with its Content-Length
  // Bounds connecting and a transfer that moves nothing; zero: the transport's default (seconds).
  // EC2 instance metadata uses about a second, so an unreachable IMDS does not hang a run.
  std::chrono::milliseconds timeout{0};
};

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercase
  std::string body;                                          // at most 1 MiB is kept

  std::optional<std::string> Header(std::string_view lowercase_name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it)
      if (it->first == lowercase_name) return it->second;
    return std::nullopt;
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any HTTP answer is a value (check status); a failure below HTTP (refused, timed out, reset) is
  // kRetryable with curl's text. Thread-safe.
  virtual Result<HttpReply> Send(const HttpCall& call) = 0;
};

}  // namespace billpipe::aws
