// The HTTP transport: one interface (HttpTransport) for every HTTP exchange billpipe makes — the S3
// client, the failure webhook (sched/failure_notifier.h), the AWS sign-in clients — and its libcurl
// implementation (HttpClient): one request at a time per call, on pooled easy handles so connections
// (and TLS sessions, DNS) are reused across requests and threads. It knows nothing of S3: no signing,
// no retries, no error mapping (s3/client.cpp does those, in one retry loop).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/byte_source.h"
#include "util/status.h"

namespace billpipe::s3 {

struct HttpHeaders {
  std::vector<std::pair<std::string, std::string>> list;  // names lowercase, in arrival order
  // The last value of a header (name lowercase), nullopt when absent.
  std::optional<std::string> Get(std::string_view name) const;
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST
  std::string url;             // already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  ByteSource* body = nullptr;  // PUT or POST body, body_size bytes
  uint64_t body_size = 0;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  // A non-2xx body (S3's XML error, first 64 KiB), or a 2xx body when no sink was given.
  std::string body;
};

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer that moves no byte for this long (not counting time the body sink blocks) is abandoned
  // as stalled (a retryable TransportFailure).
  std::chrono::seconds low_speed_time{30};
  // The whole exchange must end within this (a TransportFailure, CURLE_OPERATION_TIMEDOUT); 0: no bound.
  std::chrono::milliseconds total_timeout{0};
  bool verify_tls = true;
  std::string ca_bundle;                    // PEM file; empty: the system's
  std::vector<std::string> resolve;         // CURLOPT_RESOLVE entries "HOST:PORT:ADDRESS" (tests)
};

// A failure below HTTP: name resolution, connect, reset, timeout, a body cut short.
struct TransportFailure {
  int curl_code = 0;
  std::string message;        // curl's error text (may name the address)
  std::string reason;         // the kind of failure only ("Couldn't connect to server"), for messages
  bool retryable = true;      // false for TLS verification failures and bad URLs
  bool tls_verification = false;
  uint64_t body_bytes = 0;    // 2xx body bytes handed to the sink before the failure
  uint64_t upload_bytes = 0;  // request body bytes read before the failure
  int status = 0;             // the HTTP status, when the headers had arrived
  HttpHeaders headers;        // ... and the headers
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Called once for a 2xx answer, when its headers are complete (before any body). false aborts.
  using HeadersCallback = std::function<bool(const HttpResponse&)>;
  // Called with each piece of a 2xx body. false aborts the transfer.
  using BodySink = std::function<bool(std::string_view)>;

  // Performs one request. Thread-safe. A 2xx body goes to sink (or into response.body when sink is
  // empty); a non-2xx body into response.body. cancelled, when given, is polled and aborts the transfer.
  virtual std::expected<HttpResponse, TransportFailure> Perform(const HttpRequest& request,
                                                                const HeadersCallback& on_headers,
                                                                const BodySink& sink,
                                                                const std::function<bool()>& cancelled = {}) = 0;
};

// HttpTransport over libcurl, for http and https URLs only.
class HttpClient final : public HttpTransport {
 public:
  explicit HttpClient(TransportOptions options);
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  std::expected<HttpResponse, TransportFailure> Perform(const HttpRequest& request,
                                                        const HeadersCallback& on_headers,
                                                        const BodySink& sink,
                                                        const std::function<bool()>& cancelled = {}) override;

 private:
  void* Acquire();
  void Release(void* handle);

  TransportOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* easy handles; each keeps its live connections between requests
};

}  // namespace billpipe::s3
