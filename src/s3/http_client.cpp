#include "s3/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include <fmt/core.h>

namespace billpipe::s3 {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;     // S3 error documents are a few hundred bytes
constexpr long kReceiveBufferBytes = 512 * 1024;  // larger than curl's 16 KiB default, for throughput
constexpr size_t kMaxIdleHandles = 64;

void GlobalInit() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

std::string ToLower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

struct Transfer {
  const HttpRequest* request = nullptr;
  const HttpClient::HeadersCallback* on_headers = nullptr;
  const HttpClient::BodySink* sink = nullptr;
  const std::function<bool()>* cancelled = nullptr;
  const TransportOptions* options = nullptr;
  CURL* curl = nullptr;
  // Stall detection: when bytes last moved. curl's own low-speed check averages over several seconds.
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
  curl_off_t last_total = 0;
  bool stalled = false;
  HttpResponse response;
  bool headers_done = false;
  bool aborted_by_callback = false;
  uint64_t body_bytes = 0;
  uint64_t upload_bytes = 0;
  std::string upload_error;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after 100-continue or a redirect): start over
    t->response.headers.list.clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = ToLower(std::string(line.substr(0, colon)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    t->response.headers.list.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

// Calls on_headers once for a 2xx answer. false: abort.
bool HeadersReady(Transfer* t) {
  if (t->headers_done) return true;
  t->headers_done = true;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  t->response.status = static_cast<int>(status);
  if (Is2xx(t->response.status) && *t->on_headers && !(*t->on_headers)(t->response)) {
    t->aborted_by_callback = true;
    return false;
  }
  return true;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (!HeadersReady(t)) return 0;
  if (!Is2xx(t->response.status)) {
    size_t room = kMaxErrorBody - std::min(kMaxErrorBody, t->response.body.size());
    t->response.body.append(data, std::min(room, len));
    return len;
  }
  if (*t->sink) {
    if (!(*t->sink)(std::string_view(data, len))) {
      t->aborted_by_callback = true;
      return 0;
    }
    // The sink may block while its reader is busy (a bounded buffer): that is not a stalled connection.
    t->last_progress = std::chrono::steady_clock::now();
  } else {
    t->response.body.append(data, len);
  }
  t->body_bytes += len;
  return len;
}

size_t OnUpload(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  auto r = t->request->body->Read(std::span<char>(buffer, size * n));
  if (!r) {
    t->upload_error = r.error().message;
    return CURL_READFUNC_ABORT;
  }
  t->upload_bytes += *r;
  return *r;
}

int OnProgress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (*t->cancelled && (*t->cancelled)()) return 1;
  auto now = std::chrono::steady_clock::now();
  if (dlnow + ulnow != t->last_total) {
    t->last_total = dlnow + ulnow;
    t->last_progress = now;
  } else if (now - t->last_progress > t->options->low_speed_time) {
    t->stalled = true;  // nothing moved for low_speed_time: a stalled connection
    return 1;
  }
  return 0;
}

bool Retryable(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
    case CURLE_READ_ERROR:
    case CURLE_OUT_OF_MEMORY:
      return false;
    default:
      return true;
  }
}

}  // namespace

std::optional<std::string> HttpHeaders::Get(std::string_view name) const {
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

HttpClient::HttpClient(TransportOptions options) : options_(std::move(options)) { GlobalInit(); }

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::Release(void* handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

std::expected<HttpResponse, TransportFailure> HttpClient::Perform(const HttpRequest& request,
                                                                  const HeadersCallback& on_headers,
                                                                  const BodySink& sink,
                                                                  const std::function<bool()>& cancelled) {
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) {
    TransportFailure f;
    f.curl_code = CURLE_OUT_OF_MEMORY;
    f.message = "curl_easy_init failed";
    f.retryable = false;
    return std::unexpected(std::move(f));
  }
  curl_easy_reset(curl);  // keeps the connection cache
  Transfer t;
  t.request = &request;
  t.on_headers = &on_headers;
  t.sink = &sink;
  t.cancelled = &cancelled;
  t.options = &options_;
  t.curl = curl;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip on PUT
  curl_slist* resolve = nullptr;
  for (const auto& r : options_.resolve) resolve = curl_slist_append(resolve, r.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (resolve) curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // S3's redirects are region hints, handled above
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  if (options_.total_timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Stalls are detected in OnProgress rather than with CURLOPT_LOW_SPEED_*: curl averages over several
  // seconds and counts time the sink spent blocked on a slow reader.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) HeadersReady(&t);  // empty bodies never reach OnBody
  curl_slist_free_all(headers);
  curl_slist_free_all(resolve);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

  if (rc != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // A connection that failed mid-transfer is not worth keeping.
    curl_easy_cleanup(curl);
    TransportFailure f;
    f.curl_code = rc;
    f.message = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    f.reason = curl_easy_strerror(rc);
    if (!t.upload_error.empty()) f.message = "reading the upload body: " + t.upload_error;
    f.retryable = (Retryable(rc) && !t.aborted_by_callback) || t.stalled;
    if (t.stalled)
      f.message = fmt::format("no data for {} s after {} bytes (stalled transfer)", options_.low_speed_time.count(),
                              t.body_bytes);
    f.tls_verification = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE;
    f.body_bytes = t.body_bytes;
    f.upload_bytes = t.upload_bytes;
    f.status = static_cast<int>(status);
    f.headers = std::move(t.response.headers);
    return std::unexpected(std::move(f));
  }
  Release(curl);
  return std::move(t.response);
}

}  // namespace billpipe::s3
