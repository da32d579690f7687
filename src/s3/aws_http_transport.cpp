#include "s3/aws_http_transport.h"

#include <fmt/core.h>

#include "util/byte_source.h"

namespace billpipe::s3 {
namespace {
constexpr size_t kMaxReplyBytes = 1 << 20;  // STS, SSO and metadata answers are a few KiB
}  // namespace

CurlAwsTransport::CurlAwsTransport(TransportOptions options) : options_(std::move(options)) {}

HttpClient& CurlAwsTransport::ClientFor(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mu_);
  auto& slot = clients_[timeout.count()];
  if (!slot) {
    TransportOptions o = options_;
    if (timeout.count() > 0) {
      o.connect_timeout = timeout;
      o.low_speed_time = std::chrono::seconds((timeout.count() + 999) / 1000);
    }
    slot = std::make_unique<HttpClient>(std::move(o));
  }
  return *slot;
}

Result<aws::HttpReply> CurlAwsTransport::Send(const aws::HttpCall& call) {
  HttpRequest request;
  request.method = call.method;
  request.url = call.url;
  request.headers = call.headers;
  StringSource empty("");
  StringSource form(call.body);
  if (call.method == "PUT") {
    request.body = &empty;
    request.body_size = 0;
  } else if (call.method == "POST") {
    request.body = &form;
    request.body_size = call.body.size();
  }
  std::string body;
  auto sink = [&body](std::string_view piece) {
    if (body.size() < kMaxReplyBytes) body.append(piece.substr(0, kMaxReplyBytes - body.size()));
    return true;
  };
  auto r = ClientFor(call.timeout).Perform(request, {}, sink);
  if (!r) {
    Error e(ErrorCode::kRetryable, r.error().message);
    if (r.error().tls_verification) e.code = ErrorCode::kInvalidArgument;
    return Fail(std::move(e));
  }
  aws::HttpReply reply;
  reply.status = r->status;
  reply.headers = std::move(r->headers.list);
  reply.body = r->status >= 200 && r->status < 300 ? std::move(body) : std::move(r->body);
  return reply;
}

}  // namespace billpipe::s3
