// The Data Center's HTTP server (docs/datacenter.md): the JSON API over app/ and the web UI's pages,
// served from inside `billpipe serve`, next to the scheduler daemon, so that a run asked for here is the
// daemon's run. cpp-httplib (Debian libcpp-httplib-dev) does the HTTP; routes are in api_*.cpp.
//
// Access: on a loopback address no token is needed (and the Host header must name a loopback host, so
// a web page cannot reach the API by rebinding a name to 127.0.0.1); on any other address a token is
// required to start, and every request then needs `Authorization: Bearer TOKEN` or the session cookie
// that POST /api/login sets (HttpOnly, SameSite=Strict). State-changing requests (POST, PUT, PATCH,
// DELETE) with an Origin (or Sec-Fetch-Site) from another site are refused. Bodies are limited to
// max_body_bytes. No response holds a secret access key or the master key; key ids are masked.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "app/live_runs.h"
#include "sched/daemon.h"
#include "util/status.h"

namespace billpipe::server {

inline constexpr const char* kDefaultHttpAddress = "127.0.0.1:8080";
// Request bodies: accounts and datasets are a few hundred bytes.
inline constexpr size_t kDefaultMaxBodyBytes = 64 * 1024;
// The name of the session cookie POST /api/login sets.
inline constexpr const char* kSessionCookie = "billpipe_session";

struct ListenAddress {
  std::string host;  // "127.0.0.1", "0.0.0.0", "::1"
  int port = 0;      // 0: any free port
  bool loopback() const;
};
// "ADDR:PORT" or "[IPv6]:PORT"; kInvalidArgument saying the form.
Result<ListenAddress> ParseListenAddress(const std::string& text);

struct ServerOptions {
  std::filesystem::path home;      // the data directory (its catalog and destination)
  ListenAddress address;
  std::string token;               // required off loopback; when set, required on loopback too
  size_t max_body_bytes = kDefaultMaxBodyBytes;
  sched::Daemon* daemon = nullptr;  // runs asked for are requested from it (RequestRun); required
  app::LiveRuns* runs = nullptr;    // the daemon runner's board (progress); required
};

// The token from --token-file (its first line) or BILLPIPE_TOKEN; "" when neither. A token shorter
// than kMinTokenLength is refused.
inline constexpr size_t kMinTokenLength = 16;
Result<std::string> ReadToken(const std::string& token_file);

class HttpServer {
 public:
  // Checks the access rules (kInvalidArgument: a non-loopback address without a token), binds and
  // starts serving on its own threads.
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:8080/"
  void Stop();

  struct Impl;

 private:
  HttpServer() = default;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace billpipe::server
