// The S3 client: s3::ObjectStore over HTTPS with SigV4, connection reuse, retries (RetryPolicy),
// resumable streamed reads, region discovery and errors mapped once (s3_errors.h).
//
//   s3::ClientOptions options;            // everything optional
//   options.region = "eu-west-1";
//   BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(options));
//   BP_ASSIGN_OR_RETURN(auto listing, store->List("billing", "cur/", ""));
//
// Endpoint: options.endpoint_url, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else
// https://s3.REGION.amazonaws.com. Addressing: virtual-hosted (https://BUCKET.s3.REGION.amazonaws.com/KEY)
// for AWS when the bucket name allows it, path-style (https://HOST/BUCKET/KEY) for other endpoints and
// names with dots, capitals or underscores; either can be forced.
//
// Regions: requests are signed for the bucket's region, first options.region (or the chain's). When S3
// answers that the bucket lives elsewhere (x-amz-bucket-region, 301 PermanentRedirect, 400
// AuthorizationHeaderMalformed), the request is re-signed for that region at once, and the region is
// remembered for the bucket for the client's lifetime.
//
// Thread-safe: any number of threads may call one client; each Open'ed source is used by one thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/credential_chain.h"
#include "aws/credentials.h"
#include "aws/credentials_provider.h"
#include "s3/http_client.h"
#include "s3/object_store.h"
#include "s3/retry_policy.h"
#include "s3/s3_errors.h"
#include "util/clock.h"

namespace billpipe::s3 {

enum class Addressing { kAuto, kPathStyle, kVirtualHosted };

// One bucket of a ListBuckets answer.
struct BucketInfo {
  std::string name;
  std::string creation_date;  // ISO 8601 UTC, as S3 returns it
};

struct ClientOptions {
  // Explicit credentials (an account's). Empty access_key_id: the chain of aws/credential_chain.h.
  aws::Credentials credentials;
  // Where every request's credentials come from (a catalog role account, a shared provider); set, it
  // wins over credentials and profile. Null: built from them with aws::MakeCredentialsProvider.
  // Temporary credentials are refreshed before they expire, so long reads outlive them.
  std::shared_ptr<aws::CredentialsProvider> credentials_provider;
  std::string sts_endpoint_url;  // for roles in the chain; empty: AWS_ENDPOINT_URL_STS, the regional one
  std::string profile;       // a named profile for the chain (--profile)
  std::string region;        // empty: AWS_REGION, AWS_DEFAULT_REGION, the profile, us-east-1
  std::string endpoint_url;  // e.g. "http://127.0.0.1:9000"; empty: see above
  Addressing addressing = Addressing::kAuto;
  bool verify_tls = true;
  std::string ca_bundle;     // PEM file of trusted CAs; empty: the system's

  RetryOptions retry;
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer that moves no byte for low_speed_time is cut and retried (a stalled connection). Time
  // the reader of an Open'ed source leaves its buffer full does not count.
  std::chrono::seconds low_speed_time{30};

  size_t stream_buffer_bytes = 8u << 20;  // per Open'ed source: bytes fetched ahead of the reader
  int list_page_size = 1000;              // max-keys per ListObjectsV2 page (S3's limit is 1000)

  Clock* clock = nullptr;    // signing time and backoff; null: Clock::System()
  aws::EnvLookup env;        // environment for the chain and endpoint; empty: the process's
  std::vector<std::string> resolve;  // CURLOPT_RESOLVE "HOST:PORT:ADDRESS" entries (tests)
  // The HTTP transport; null: a libcurl HttpClient made from the options above. Shared so that a
  // caller (or a test's fault-injecting wrapper) can keep using it.
  std::shared_ptr<HttpTransport> transport;
};

class S3Client final : public ObjectStore {
 public:
  // Resolves credentials, region and endpoint now: kAuth / kInvalidArgument when they cannot be found.
  static Result<std::unique_ptr<S3Client>> Make(const ClientOptions& options);
  ~S3Client() override;

  Result<Listing> List(const std::string& bucket, const std::string& prefix, const std::string& delimiter) override;
  Result<ObjectInfo> Head(const std::string& bucket, const std::string& key) override;
  // The source fetches ahead of the reader into a bounded buffer (stream_buffer_bytes) on its own
  // thread. A body cut short is resumed with "Range: bytes=N-" after the byte reached; if the ETag
  // changed meanwhile the read restarts from byte 0 when nothing was handed out yet, else it fails with
  // kConflict (the caller must read the object again). Errors known before the first byte (NoSuchKey,
  // AccessDenied ...) are returned by Open itself.
  Result<std::unique_ptr<ByteSource>> Open(const std::string& bucket, const std::string& key,
                                           const ReadOptions& options = {}) override;
  Result<std::string> GetSmall(const std::string& bucket, const std::string& key, size_t max_bytes) override;
  // Uploads with UNSIGNED-PAYLOAD, streaming the body. Retried only while no body byte has been sent
  // (a ByteSource cannot be rewound).
  Status Put(const std::string& bucket, const std::string& key, ByteSource& body, uint64_t size) override;

  // ListBuckets: GET / on the endpoint, signed for the client's region; the buckets the credentials'
  // account owns. Proves credentials without naming a bucket. Needs s3:ListAllMyBuckets (else
  // kPermission naming it); refused credentials are kAuth with kAuthFailedMessage.
  Result<std::vector<BucketInfo>> ListBuckets();

  // The region requests for bucket are signed for (learned from S3's hints).
  std::string RegionOf(const std::string& bucket) const;
  const std::string& credential_source() const { return credential_source_; }
  const std::shared_ptr<aws::CredentialsProvider>& credentials_provider() const { return credentials_; }
  const std::string& endpoint() const { return endpoint_url_; }

 private:
  friend class S3ObjectSource;
  S3Client() = default;

  struct Call {
    RequestTarget target;
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;  // extra, signed (e.g. range)
    ByteSource* body = nullptr;
    uint64_t body_size = 0;
    const uint64_t* body_read = nullptr;  // bytes of body read so far: once > 0 it cannot be sent again
  };
  // One attempt's outcome.
  struct Attempt {
    std::optional<HttpResponse> response;  // a 2xx answer
    Error error;                           // else what went wrong
    std::optional<std::chrono::milliseconds> retry_after;
    // S3 named another region, or refused temporary credentials as expired (they were refreshed):
    // re-sign and go again at once.
    bool region_changed = false;
    std::optional<TransportFailure> transport;
  };

  HttpRequest Build(const Call& call, const std::string& region, const aws::Credentials& credentials) const;
  std::string HostFor(const std::string& bucket, const std::string& region) const;
  bool VirtualHosted(const std::string& bucket) const;
  Attempt Once(const Call& call, const HttpClient::HeadersCallback& on_headers, const HttpClient::BodySink& sink,
               const std::function<bool()>& cancelled, int attempt);
  // Attempts with retries, region following and backoff. For requests without a streamed body.
  Result<HttpResponse> Execute(const Call& call);
  // The one place that decides what follows a failed attempt (Execute and streamed reads both ask it):
  // true to go again — at once after a region redirect (S3 named the bucket's region; at most
  // kMaxRegionRedirects), or after the retry policy's backoff (waited here) when the error is
  // retryable, attempts remain and `resendable` (the request can be sent again); false to give up.
  struct RetryState {
    int attempt = 0;    // attempts made, counting the current one
    int redirects = 0;  // region redirects followed
  };
  bool TryAgain(const Attempt& a, RetryState& state, bool resendable);
  void RememberRegion(const std::string& bucket, const std::string& region);
  // Before a request whose body cannot be sent twice (PUT): learn the bucket's region with a
  // HeadBucket unless it is known. Errors are left for the real request to report.
  void EnsureRegionKnown(const std::string& bucket);

  ClientOptions options_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::string credential_source_;
  std::string default_region_;
  std::string endpoint_url_;
  std::string scheme_;          // "https"
  std::string endpoint_host_;   // "127.0.0.1:9000"; empty for AWS (derived from the region)
  std::string endpoint_path_;   // a path prefix of a custom endpoint ("" or "/s3")
  Clock* clock_ = nullptr;
  std::shared_ptr<HttpTransport> http_;
  std::unique_ptr<RetryPolicy> retry_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> bucket_regions_;
};

// The factory the other layers call.
Result<std::unique_ptr<ObjectStore>> MakeClient(const ClientOptions& options);

}  // namespace billpipe::s3
