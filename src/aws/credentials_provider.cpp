#include "aws/credentials_provider.h"

#include <ctime>

#include <fmt/core.h>

namespace billpipe::aws {

CachingCredentialsProvider::CachingCredentialsProvider(std::unique_ptr<CredentialsSource> source,
                                                       CachingOptions options)
    : source_(std::move(source)), options_(options), clock_(options.clock ? options.clock : &Clock::System()) {}

Result<Credentials> CachingCredentialsProvider::Get() {
  std::lock_guard lock(mu_);
  SysTime now = clock_->Now();
  if (cached_ && !invalidated_ &&
      (!cached_->expiration || now + options_.refresh_before < *cached_->expiration))
    return cached_->credentials;
  ++fetches_;
  auto fresh = source_->Fetch();
  if (!fresh) {
    // Still valid: keep signing with them and try again on the next request.
    if (cached_ && !invalidated_ && cached_->expiration && now < *cached_->expiration) return cached_->credentials;
    return Fail(fresh.error());
  }
  cached_ = std::move(*fresh);
  invalidated_ = false;
  return cached_->credentials;
}

void CachingCredentialsProvider::Invalidate() {
  std::lock_guard lock(mu_);
  invalidated_ = true;
}

int CachingCredentialsProvider::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

std::optional<SysTime> CachingCredentialsProvider::expiration() const {
  std::lock_guard lock(mu_);
  return cached_ ? cached_->expiration : std::nullopt;
}

std::optional<SysTime> ParseIso8601(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  int millis = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 3) millis = millis * 10 + (*rest - '0');
      ++digits;
      ++rest;
    }
    for (; digits < 3; ++digits) millis *= 10;
  }
  std::string zone(rest);
  if (zone != "Z" && zone != "+00:00" && zone != "") return std::nullopt;
  auto seconds = static_cast<int64_t>(timegm(&tm));
  return SysTime(std::chrono::milliseconds(seconds * 1000 + millis));
}

std::string FormatIso8601(SysTime time) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(time));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace billpipe::aws
