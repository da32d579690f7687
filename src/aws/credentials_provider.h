// Credentials that change while a run goes on. A CredentialsSource fetches a set (long-term keys, or
// temporary keys with an expiry from STS, SSO, a container agent, EC2 instance metadata, a
// credential_process); a CachingCredentialsProvider keeps the last set and fetches anew a few minutes
// before it expires, so a long run (a 5-hour load on 1-hour credentials, the daemon) never signs with
// expired keys. The S3 client asks its provider for every request.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/sigv4.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::aws {

struct ExpiringCredentials {
  Credentials credentials;
  std::optional<SysTime> expiration;  // nullopt: long-term keys, never refreshed
};

// One place credentials come from. Fetch may do I/O (HTTP, a process, files); it is called by one
// thread at a time (the provider serialises it).
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  virtual Result<ExpiringCredentials> Fetch() = 0;
  // For messages: "environment", "role arn:aws:iam::1:role/r (from profile 'p' in /h/.aws/config)".
  // Never holds a secret.
  virtual std::string Describe() const = 0;
};

// What signers ask. Thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Credentials valid now (and, for temporary ones, for at least a little while).
  virtual Result<Credentials> Get() = 0;
  // The next Get fetches anew (after a service said ExpiredToken).
  virtual void Invalidate() = 0;
  virtual std::string Describe() const = 0;
};

struct CachingOptions {
  // Fetch anew this long before the expiry (the SDKs use 5 to 15 minutes).
  std::chrono::milliseconds refresh_before{std::chrono::minutes(5)};
  Clock* clock = nullptr;  // null: Clock::System()
};

// Caches what the source fetched. Get returns the cached set until `refresh_before` ahead of its
// expiry, then fetches under a lock (other callers wait for that one fetch). When the fetch fails
// while the cached set has not expired yet, the cached set is returned and the next Get tries again;
// once expired, the fetch's error is returned.
class CachingCredentialsProvider final : public CredentialsProvider {
 public:
  CachingCredentialsProvider(std::unique_ptr<CredentialsSource> source, CachingOptions options = {});
  Result<Credentials> Get() override;
  void Invalidate() override;
  std::string Describe() const override { return source_->Describe(); }
  // Fetches made so far (tests).
  int fetches() const;
  std::optional<SysTime> expiration() const;

 private:
  std::unique_ptr<CredentialsSource> source_;
  CachingOptions options_;
  Clock* clock_;
  mutable std::mutex mu_;
  std::optional<ExpiringCredentials> cached_;
  bool invalidated_ = false;
  int fetches_ = 0;
};

// A source that always gives the same keys.
class StaticCredentialsSource final : public CredentialsSource {
 public:
  StaticCredentialsSource(Credentials credentials, std::string description)
      : credentials_(std::move(credentials)), description_(std::move(description)) {}
  Result<ExpiringCredentials> Fetch() override { return ExpiringCredentials{credentials_, std::nullopt}; }
  std::string Describe() const override { return description_; }

 private:
  Credentials credentials_;
  std::string description_;
};

// "2026-12-05T11:00:00Z" (also with fractional seconds or "+00:00") -> time; nullopt when unparseable.
std::optional<SysTime> ParseIso8601(std::string_view text);
std::string FormatIso8601(SysTime time);  // "2026-12-05T11:00:00Z"

}  // namespace billpipe::aws
