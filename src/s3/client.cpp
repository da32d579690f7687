#include "s3/client.h"

#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <thread>

#include <fmt/core.h>

#include "aws/sigv4.h"
#include "s3/aws_http_transport.h"
#include "s3/bucket_name.h"
#include "s3/xml.h"

namespace billpipe::s3 {
namespace {

constexpr int kMaxRegionRedirects = 3;      // a bucket has one region; more hints than this is a loop
constexpr int kMaxListPageSize = 1000;      // S3 ListObjectsV2 limit
constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";

bool DnsCompatible(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return bucket.front() != '-' && bucket.back() != '-';
}

// "Sun, 29 Nov 2026 08:15:19 GMT" -> "2026-11-29T08:15:19.000Z"; unparseable: as given.
std::string HttpDateToIso(const std::string& date) {
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return date;
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

uint64_t ParseU64(const std::optional<std::string>& s) {
  if (!s) return 0;
  try {
    return std::stoull(*s);
  } catch (...) {
    return 0;
  }
}

Status CheckKey(const std::string& bucket, const std::string& key) {
  if (!key.empty()) return Ok();
  Error e(ErrorCode::kInvalidArgument, fmt::format("No object key given for bucket '{}'.", bucket));
  e.bucket = bucket;
  return Fail(std::move(e));
}

// Counts what was read, so a PUT knows whether its body can still be sent again.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(ByteSource& inner) : inner_(inner) {}
  Result<size_t> Read(std::span<char> out) override {
    auto r = inner_.Read(out);
    if (r) count_ += *r;
    return r;
  }
  std::string Describe() const override { return inner_.Describe(); }
  const uint64_t* count() const { return &count_; }

 private:
  ByteSource& inner_;
  uint64_t count_ = 0;
};

}  // namespace

// Streams one object (or range) into a bounded buffer on a worker thread, resuming broken bodies.
class S3ObjectSource final : public ByteSource {
 public:
  S3ObjectSource(S3Client& client, const std::string& bucket, const std::string& key, const ReadOptions& options)
      : client_(client), options_(options) {
    target_.op = Operation::kGet;
    target_.bucket = bucket;
    target_.key = key;
  }

  ~S3ObjectSource() override {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  // Starts the transfer; returns the error of a request that fails before its first byte.
  Status Start() {
    worker_ = std::thread([this] { Run(); });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return buffered_ > 0 || done_ || error_.has_value(); });
    if (error_ && buffered_ == 0) return Fail(*error_);
    return Ok();
  }

  Result<size_t> Read(std::span<char> out) override {
    if (out.empty()) return 0;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return buffered_ > 0 || done_ || error_.has_value(); });
    if (buffered_ == 0) {
      if (error_) return Fail(*error_);
      return 0;
    }
    size_t n = 0;
    while (n < out.size() && !chunks_.empty()) {
      std::string& front = chunks_.front();
      size_t take = std::min(out.size() - n, front.size() - front_pos_);
      std::memcpy(out.data() + n, front.data() + front_pos_, take);
      n += take;
      front_pos_ += take;
      if (front_pos_ == front.size()) {
        chunks_.pop_front();
        front_pos_ = 0;
      }
    }
    buffered_ -= n;
    consumed_ += n;
    lock.unlock();
    cv_.notify_all();
    return n;
  }

  std::string Describe() const override { return "s3://" + target_.bucket + "/" + target_.key; }

 private:
  // Blocks while the buffer is full. false when cancelled.
  bool Push(std::string_view data) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || buffered_ < client_.options_.stream_buffer_bytes; });
    if (cancelled_) return false;
    chunks_.emplace_back(data);
    buffered_ += data.size();
    lock.unlock();
    cv_.notify_all();
    return true;
  }

  void Finish(std::optional<Error> error) {
    {
      std::lock_guard lock(mu_);
      if (error) error_ = std::move(error);
      done_ = true;
    }
    cv_.notify_all();
  }

  bool Cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

  // Drops what was fetched but not read, for a restart from byte 0. false when bytes were already read.
  bool DropUnread() {
    std::lock_guard lock(mu_);
    if (consumed_ > 0) return false;
    chunks_.clear();
    front_pos_ = 0;
    buffered_ = 0;
    return true;
  }

  Error Changed(const std::string& old_etag, const std::string& new_etag, uint64_t at) {
    Error e(ErrorCode::kConflict,
            fmt::format("{} changed while it was being read (ETag {} became {} at byte {}). Read it again from the "
                        "start.",
                        Describe(), old_etag, new_etag.empty() ? "different" : new_etag, at));
    e.bucket = target_.bucket;
    e.key = target_.key;
    e.aws_code = "PreconditionFailed";
    e.offset = static_cast<int64_t>(at);
    return e;
  }

  void Run() {
    const uint64_t start = options_.offset;
    const bool caller_etag = !options_.if_match.empty();
    std::string etag = options_.if_match;
    uint64_t received = 0;            // bytes of the range pushed to the buffer
    std::optional<uint64_t> total;    // bytes in the range, once known
    S3Client::RetryState retry;
    auto cancelled = [this] { return Cancelled(); };
    while (!Cancelled()) {
      ++retry.attempt;
      S3Client::Call call;
      call.target = target_;
      uint64_t from = start + received;
      if (from > 0 || options_.length >= 0) {
        std::string last = options_.length >= 0 ? std::to_string(start + static_cast<uint64_t>(options_.length) - 1) : "";
        call.headers.emplace_back("range", fmt::format("bytes={}-{}", from, last));
      }
      if (!etag.empty()) call.headers.emplace_back("if-match", etag);

      std::string seen_etag;
      bool etag_changed = false;
      uint64_t skip = 0;
      const uint64_t received_before = received;
      auto on_headers = [&](const HttpResponse& r) {
        seen_etag = r.headers.Get("etag").value_or("");
        if (!etag.empty() && !seen_etag.empty() && seen_etag != etag) {
          etag_changed = true;
          return false;
        }
        if (etag.empty()) etag = seen_etag;
        uint64_t length = ParseU64(r.headers.Get("content-length"));
        if (r.status == 200 && from > 0) skip = from;  // the server ignored Range: skip what we have
        if (!total) {
          if (r.status == 200) {
            uint64_t rest = length - std::min(length, start);
            total = options_.length >= 0 ? std::min<uint64_t>(rest, static_cast<uint64_t>(options_.length)) : rest;
          } else {
            total = length + received;
          }
        }
        return true;
      };
      auto sink = [&](std::string_view data) {
        if (skip > 0) {
          size_t drop = static_cast<size_t>(std::min<uint64_t>(skip, data.size()));
          data.remove_prefix(drop);
          skip -= drop;
        }
        if (total && received + data.size() > *total) data = data.substr(0, *total - received);
        if (data.empty()) return true;
        if (!Push(data)) return false;
        received += data.size();
        return true;
      };
      S3Client::Attempt a = client_.Once(call, on_headers, sink, cancelled, retry.attempt);
      if (Cancelled()) return Finish(std::nullopt);
      if (a.response) {
        if (!total || received >= *total) return Finish(std::nullopt);
        // The body ended early without the transport noticing: resume like a truncation.
        a.error = Error(ErrorCode::kRetryable, fmt::format("the body of {} ended after {} of {} bytes", Describe(),
                                                           received, *total));
      }
      if (etag_changed || a.error.code == ErrorCode::kConflict) {
        if (!caller_etag && DropUnread()) {  // nothing handed out yet: start over on the new object
          etag.clear();
          received = 0;
          total.reset();
          retry.attempt = 0;
          continue;
        }
        return Finish(Changed(etag, seen_etag, start + received));
      }
      if (received > received_before) retry.attempt = 1;  // progress: count failures afresh from here
      if (client_.TryAgain(a, retry, /*resendable=*/true)) continue;  // a body resumes with Range
      Error e = std::move(a.error);
      if (received > 0 || start > 0) e.offset = static_cast<int64_t>(start + received);
      if (received > 0) e.message += fmt::format(" (at byte {})", start + received);
      return Finish(std::move(e));
    }
    Finish(std::nullopt);
  }

  S3Client& client_;
  RequestTarget target_;
  ReadOptions options_;
  std::thread worker_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;  // fetched, not yet read
  size_t front_pos_ = 0;            // read position in chunks_.front()
  size_t buffered_ = 0;             // bytes in chunks_ not yet read
  uint64_t consumed_ = 0;           // bytes handed to Read's callers
  bool done_ = false;
  bool cancelled_ = false;
  std::optional<Error> error_;
};

Result<std::unique_ptr<S3Client>> S3Client::Make(const ClientOptions& options) {
  std::unique_ptr<S3Client> c(new S3Client());
  c->options_ = options;
  if (!c->options_.env) c->options_.env = aws::ProcessEnvironment();
  c->clock_ = options.clock ? options.clock : &Clock::System();
  c->options_.list_page_size = std::clamp(options.list_page_size, 1, kMaxListPageSize);

  aws::CredentialSourceOptions source{options.credentials, options.profile, c->options_.env};
  c->default_region_ = aws::ResolveRegion(options.region, source);
  if (options.credentials_provider) {
    c->credentials_ = options.credentials_provider;
    BP_RETURN_IF_ERROR(c->credentials_->Get());  // errors now, not at the first request
  } else {
    TransportOptions aws_transport;
    aws_transport.connect_timeout = options.connect_timeout;
    aws_transport.low_speed_time = options.low_speed_time;
    aws_transport.verify_tls = options.verify_tls;
    aws_transport.ca_bundle = options.ca_bundle;
    aws_transport.resolve = options.resolve;
    aws::ChainOptions chain;
    chain.explicit_credentials = options.credentials;
    chain.profile = options.profile;
    chain.region = c->default_region_;
    chain.env = c->options_.env;
    chain.transport = std::make_shared<CurlAwsTransport>(std::move(aws_transport));
    chain.clock = c->clock_;
    chain.sts_endpoint_url = options.sts_endpoint_url;
    BP_ASSIGN_OR_RETURN(c->credentials_, aws::MakeCredentialsProvider(chain));
  }
  c->credential_source_ = c->credentials_->Describe();

  std::string endpoint = options.endpoint_url;
  for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    if (!endpoint.empty()) break;
    endpoint = c->options_.env(name).value_or("");
  }
  c->scheme_ = "https";
  if (!endpoint.empty()) {
    size_t sep = endpoint.find("://");
    std::string scheme = sep == std::string::npos ? "" : endpoint.substr(0, sep);
    if (scheme != "http" && scheme != "https")
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The endpoint URL '{}' must start with http:// or https://.", endpoint));
    std::string rest = endpoint.substr(sep + 3);
    size_t slash = rest.find('/');
    c->scheme_ = scheme;
    c->endpoint_host_ = rest.substr(0, slash);
    if (slash != std::string::npos) c->endpoint_path_ = rest.substr(slash);
    while (!c->endpoint_path_.empty() && c->endpoint_path_.back() == '/') c->endpoint_path_.pop_back();
    if (c->endpoint_host_.empty())
      return Fail(ErrorCode::kInvalidArgument, fmt::format("The endpoint URL '{}' has no host.", endpoint));
    c->endpoint_url_ = scheme + "://" + c->endpoint_host_ + c->endpoint_path_;
  } else {
    c->endpoint_url_ = "https://s3." + c->default_region_ + ".amazonaws.com";
  }

  TransportOptions transport;
  transport.connect_timeout = options.connect_timeout;
  transport.low_speed_time = options.low_speed_time;
  transport.verify_tls = options.verify_tls;
  transport.ca_bundle = options.ca_bundle;
  transport.resolve = options.resolve;
  c->http_ = options.transport;
  if (!c->http_) c->http_ = std::make_shared<HttpClient>(std::move(transport));
  c->retry_ = std::make_unique<RetryPolicy>(options.retry, *c->clock_);
  return c;
}

S3Client::~S3Client() = default;

std::string S3Client::RegionOf(const std::string& bucket) const {
  std::lock_guard lock(mu_);
  auto it = bucket_regions_.find(bucket);
  return it == bucket_regions_.end() ? default_region_ : it->second;
}

void S3Client::RememberRegion(const std::string& bucket, const std::string& region) {
  std::lock_guard lock(mu_);
  bucket_regions_[bucket] = region;
}

bool S3Client::VirtualHosted(const std::string& bucket) const {
  switch (options_.addressing) {
    case Addressing::kPathStyle: return false;
    case Addressing::kVirtualHosted: return true;
    case Addressing::kAuto: return endpoint_host_.empty() && DnsCompatible(bucket);
  }
  return false;
}

std::string S3Client::HostFor(const std::string& bucket, const std::string& region) const {
  std::string base = endpoint_host_.empty() ? "s3." + region + ".amazonaws.com" : endpoint_host_;
  return VirtualHosted(bucket) ? bucket + "." + base : base;
}

HttpRequest S3Client::Build(const Call& call, const std::string& region, const aws::Credentials& credentials) const {
  const RequestTarget& t = call.target;
  std::string host = HostFor(t.bucket, region);
  const bool virtual_hosted = VirtualHosted(t.bucket);
  std::string path = endpoint_path_;
  if (t.op == Operation::kListBuckets) {
    // The service itself: GET / on the endpoint, never a bucket's host.
    host = endpoint_host_.empty() ? "s3." + region + ".amazonaws.com" : endpoint_host_;
    path += "/";
  } else {
    if (!virtual_hosted) path += "/" + t.bucket;
    if (t.op != Operation::kList) {
      path += "/" + t.key;
    } else if (virtual_hosted) {
      path += "/";
    }
  }

  aws::SignableRequest req;
  req.method = call.method;
  req.path = path;
  req.query = call.query;
  req.headers.emplace_back("host", host);
  for (const auto& h : call.headers) req.headers.push_back(h);
  aws::SigningParams params;
  params.region = region;
  params.service = "s3";
  params.time = clock_->Now();
  params.normalize_path = false;
  if (call.method == "PUT") params.payload_hash = kUnsignedPayload;
  aws::SignedRequest signed_req = aws::SignRequest(req, credentials, params);

  HttpRequest out;
  out.method = call.method;
  out.url = scheme_ + "://" + host + aws::EncodedPath(path);
  if (!call.query.empty()) out.url += "?" + aws::EncodedQuery(call.query);
  out.headers = req.headers;
  for (const auto& h : signed_req.headers) out.headers.push_back(h);
  out.body = call.body;
  out.body_size = call.body_size;
  return out;
}

S3Client::Attempt S3Client::Once(const Call& call, const HttpClient::HeadersCallback& on_headers,
                                 const HttpClient::BodySink& sink, const std::function<bool()>& cancelled,
                                 int attempt) {
  std::string region = RegionOf(call.target.bucket);
  Attempt a;
  // Asked for every request: temporary credentials are refreshed before they expire.
  auto credentials = credentials_->Get();
  if (!credentials) {
    a.error = std::move(credentials.error());
    return a;
  }
  HttpRequest request = Build(call, region, *credentials);
  auto r = http_->Perform(request, on_headers, sink, cancelled);
  if (!r) {
    std::string host = HostFor(call.target.bucket, region);
    a.error = MapTransportFailure(call.target, r.error(), host, attempt);
    a.transport = std::move(r.error());
    return a;
  }
  if (r->status >= 200 && r->status < 300) {
    a.response = std::move(*r);
    return a;
  }
  S3ErrorInfo info = ParseErrorResponse(*r);
  bool hint_status = info.http_status == 301 || info.http_status == 307 || info.http_status == 400 ||
                     (info.http_status == 403 && info.code.empty());
  if (hint_status && !info.region.empty() && info.region != region) {
    RememberRegion(call.target.bucket, info.region);
    a.region_changed = true;
  }
  a.error = MapErrorResponse(call.target, info);
  a.retry_after = info.retry_after;
  if ((info.code == "ExpiredToken" || info.code == "TokenRefreshRequired") && !credentials->session_token.empty()) {
    // Expired sooner than they said (or a clock ahead): fetch new ones and send again.
    credentials_->Invalidate();
    a.region_changed = true;
  }
  return a;
}

bool S3Client::TryAgain(const Attempt& a, RetryState& state, bool resendable) {
  if (a.region_changed && state.redirects < kMaxRegionRedirects) {
    ++state.redirects;
    --state.attempt;  // a redirect is not a failed attempt
    return true;
  }
  if (!resendable || !retry_->ShouldRetry(a.error, state.attempt)) return false;
  retry_->Wait(state.attempt, a.retry_after);
  return true;
}

Result<HttpResponse> S3Client::Execute(const Call& call) {
  RetryState state;
  for (;;) {
    ++state.attempt;
    Attempt a = Once(call, {}, {}, {}, state.attempt);
    if (a.response) return std::move(*a.response);
    // A body partly read cannot be sent again (only a region redirect, before any byte, resends it).
    const bool resendable = call.body_read == nullptr || *call.body_read == 0;
    if (TryAgain(a, state, resendable)) continue;
    if (resendable && RetryPolicy::IsRetryable(a.error) && !a.transport && state.attempt > 1)
      a.error.message += fmt::format(" Gave up after {} attempts.", state.attempt);
    return Fail(std::move(a.error));
  }
}

void S3Client::EnsureRegionKnown(const std::string& bucket) {
  {
    std::lock_guard lock(mu_);
    if (bucket_regions_.contains(bucket)) return;
  }
  // HeadBucket: learns the region from x-amz-bucket-region without spending a body.
  Call call;
  call.method = "HEAD";
  call.target = {Operation::kList, bucket, ""};
  if (Execute(call)) RememberRegion(bucket, RegionOf(bucket));
}

Result<Listing> S3Client::List(const std::string& bucket, const std::string& prefix, const std::string& delimiter) {
  BP_RETURN_IF_ERROR(ValidateBucketName(bucket));
  Listing out;
  std::string token;
  for (;;) {
    Call call;
    call.target = {Operation::kList, bucket, prefix};
    call.query.emplace_back("list-type", "2");
    call.query.emplace_back("max-keys", std::to_string(options_.list_page_size));
    if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
    if (!delimiter.empty()) call.query.emplace_back("delimiter", delimiter);
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    BP_ASSIGN_OR_RETURN(HttpResponse page, Execute(call));
    for (std::string_view c : xml::Elements(page.body, "Contents")) {
      ObjectInfo info;
      info.key = xml::Text(c, "Key").value_or("");
      info.size = ParseU64(xml::Text(c, "Size"));
      info.etag = xml::Text(c, "ETag").value_or("");
      info.last_modified = xml::Text(c, "LastModified").value_or("");
      out.objects.push_back(std::move(info));
    }
    for (std::string_view p : xml::Elements(page.body, "CommonPrefixes"))
      out.common_prefixes.push_back(xml::Text(p, "Prefix").value_or(""));
    bool truncated = xml::Text(page.body, "IsTruncated").value_or("false") == "true";
    if (!truncated) return out;
    std::string next = xml::Text(page.body, "NextContinuationToken").value_or("");
    if (next.empty() || next == token) {
      Error e(ErrorCode::kInternal,
              fmt::format("Listing s3://{}/{}: S3 said the listing is truncated but gave no new continuation token.",
                          bucket, prefix));
      e.bucket = bucket;
      return Fail(std::move(e));
    }
    token = std::move(next);
  }
}

Result<std::vector<BucketInfo>> S3Client::ListBuckets() {
  Call call;
  call.target = {Operation::kListBuckets, "", ""};
  BP_ASSIGN_OR_RETURN(HttpResponse answer, Execute(call));
  std::vector<BucketInfo> out;
  for (std::string_view b : xml::Elements(answer.body, "Bucket")) {
    out.push_back({xml::Text(b, "Name").value_or(""), xml::Text(b, "CreationDate").value_or("")});
  }
  return out;
}

Result<ObjectInfo> S3Client::Head(const std::string& bucket, const std::string& key) {
  BP_RETURN_IF_ERROR(ValidateBucketName(bucket));
  BP_RETURN_IF_ERROR(CheckKey(bucket, key));
  Call call;
  call.method = "HEAD";
  call.target = {Operation::kHead, bucket, key};
  auto r = Execute(call);
  if (!r) {
    const Error& e = r.error();
    if (e.aws_code.empty() && e.http_status >= 400 && e.http_status < 500) {
      // A HEAD answer has no body, so no error code: ask again with a one-byte GET to learn it
      // (NoSuchBucket or NoSuchKey, AccessDenied or a bad signature).
      Call get;
      get.target = {Operation::kGet, bucket, key};
      get.headers.emplace_back("range", "bytes=0-0");
      auto g = Execute(get);
      if (!g && !g.error().aws_code.empty() && g.error().code != ErrorCode::kInvalidArgument) return Fail(g.error());
    }
    return Fail(e);
  }
  ObjectInfo info;
  info.key = key;
  info.size = ParseU64(r->headers.Get("content-length"));
  info.etag = r->headers.Get("etag").value_or("");
  info.last_modified = HttpDateToIso(r->headers.Get("last-modified").value_or(""));
  return info;
}

Result<std::unique_ptr<ByteSource>> S3Client::Open(const std::string& bucket, const std::string& key,
                                                   const ReadOptions& options) {
  BP_RETURN_IF_ERROR(ValidateBucketName(bucket));
  BP_RETURN_IF_ERROR(CheckKey(bucket, key));
  if (options.length == 0) return std::make_unique<StringSource>("", "s3://" + bucket + "/" + key);
  auto source = std::make_unique<S3ObjectSource>(*this, bucket, key, options);
  BP_RETURN_IF_ERROR(source->Start());
  return source;
}

Result<std::string> S3Client::GetSmall(const std::string& bucket, const std::string& key, size_t max_bytes) {
  BP_ASSIGN_OR_RETURN(auto source, Open(bucket, key));
  return ReadAll(*source, max_bytes);
}

Status S3Client::Put(const std::string& bucket, const std::string& key, ByteSource& body, uint64_t size) {
  BP_RETURN_IF_ERROR(ValidateBucketName(bucket));
  BP_RETURN_IF_ERROR(CheckKey(bucket, key));
  EnsureRegionKnown(bucket);
  CountingSource counting(body);
  Call call;
  call.method = "PUT";
  call.target = {Operation::kPut, bucket, key};
  call.body = &counting;
  call.body_size = size;
  call.body_read = counting.count();
  BP_RETURN_IF_ERROR(Execute(call));
  return Ok();
}

Result<std::unique_ptr<ObjectStore>> MakeClient(const ClientOptions& options) {
  BP_ASSIGN_OR_RETURN(auto client, S3Client::Make(options));
  return std::unique_ptr<ObjectStore>(std::move(client));
}

}  // namespace billpipe::s3
