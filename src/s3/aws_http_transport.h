// aws::HttpTransport over the libcurl client (s3/http_client.h), so that the credential chain and STS
// (aws/) use the same HTTP stack as S3 without aws/ depending on s3/.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "aws/http_transport.h"
#include "s3/http_client.h"

namespace billpipe::s3 {

class CurlAwsTransport final : public aws::HttpTransport {
 public:
  // options: TLS settings, resolve entries and the default timeouts. A call with its own timeout uses
  // a client with connect_timeout = timeout and a stall limit of the timeout rounded up to seconds.
  explicit CurlAwsTransport(TransportOptions options);
  Result<aws::HttpReply> Send(const aws::HttpCall& call) override;

 private:
  HttpClient& ClientFor(std::chrono::milliseconds timeout);

  TransportOptions options_;
  std::mutex mu_;
  std::map<int64_t, std::unique_ptr<HttpClient>> clients_;  // by timeout in ms (0: the default)
};

}  // namespace billpipe::s3
