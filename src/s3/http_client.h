// HTTP over libcurl for the S3 client: one request at a time per call, on pooled easy handles so
// connections (and TLS sessions, DNS) are reused across requests and threads. It knows nothing of S3:
// no signing, no retries, no error mapping (client.cpp does those).
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
  std::string method = "GET";  // GET, HEAD, PUT
  std::string url;             // already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  ByteSource* body = nullptr;  // PUT body, body_size bytes
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
  long low_speed_limit = 1;                 // bytes per second ...
  std::chrono::seconds low_speed_time{30};  // ... below which for this long a transfer is abandoned
  bool verify_tls = true;
  std::string ca_bundle;                    // PEM file; empty: the system's
  std::vector<std::string> resolve;         // CURLOPT_RESOLVE entries "HOST:PORT:ADDRESS" (tests)
};

// A failure below HTTP: name resolution, connect, reset, timeout, a body cut short.
struct TransportFailure {
  int curl_code = 0;
  std::string message;        // curl's error text
  bool retryable = true;      // false for TLS verification failures and bad URLs
  bool tls_verification = false;
  uint64_t body_bytes = 0;    // 2xx body bytes handed to the sink before the failure
  uint64_t upload_bytes = 0;  // request body bytes read before the failure
  int status = 0;             // the HTTP status, when the headers had arrived
  HttpHeaders headers;        // ... and the headers
};

class HttpClient {
 public:
  explicit HttpClient(TransportOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Called once for a 2xx answer, when its headers are complete (before any body). false aborts.
  using HeadersCallback = std::function<bool(const HttpResponse&)>;
  // Called with each piece of a 2xx body. false aborts the transfer.
  using BodySink = std::function<bool(std::string_view)>;

  // Performs one request. Thread-safe. A 2xx body goes to sink (or into response.body when sink is
  // empty); a non-2xx body into response.body. cancelled, when given, is polled and aborts the transfer.
  std::expected<HttpResponse, TransportFailure> Perform(const HttpRequest& request,
                                                        const HeadersCallback& on_headers,
                                                        const BodySink& sink,
                                                        const std::function<bool()>& cancelled = {});

 private:
  void* Acquire();
  void Release(void* handle);

  TransportOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* easy handles; each keeps its live connections between requests
};

}  // namespace billpipe::s3
