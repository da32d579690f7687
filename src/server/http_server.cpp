#include "server/http_server.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "app/runs.h"
#include "server/routes.h"

namespace billpipe::server {

struct HttpServer::Impl {
  httplib::Server http;
  Context ctx;
};

namespace {

// Handler threads: a browser keeps up to six connections open, and each live progress stream holds
// one thread while it runs.
constexpr size_t kHandlerThreads = 32;

bool IsStateChanging(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// The host part of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:8080" → "::1").
std::string HostOf(const std::string& host_header) {
  if (host_header.starts_with("[")) {
    auto close = host_header.find(']');
    return close == std::string::npos ? host_header : host_header.substr(1, close - 1);
  }
  auto colon = host_header.rfind(':');
  return colon == std::string::npos ? host_header : host_header.substr(0, colon);
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

// Compares in time independent of where the texts differ.
bool SameToken(const std::string& given, const std::string& token) {
  return given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

std::string CookieValue(const httplib::Request& req, const std::string& name) {
  std::string cookies = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string part = cookies.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    if (part.starts_with(name + "=")) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

// Whether the request's Origin (or, without one, Sec-Fetch-Site) says it comes from another site.
bool CrossSite(const httplib::Request& req) {
  std::string origin = req.get_header_value("Origin");
  if (!origin.empty()) {
    std::string host = req.get_header_value("Host");
    return origin != "http://" + host && origin != "https://" + host;
  }
  std::string fetch_site = req.get_header_value("Sec-Fetch-Site");
  return !fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none";
}

httplib::Server::HandlerResponse CheckAccess(const Context& ctx, const httplib::Request& req,
                                             httplib::Response& res) {
  using R = httplib::Server::HandlerResponse;
  const std::string& token = ctx.options.token;
  if (token.empty() && !IsLoopbackHost(HostOf(req.get_header_value("Host")))) {
    // Without a token the server is on loopback: a Host naming another machine is a page that
    // rebound its name to this address.
    SendError(res, 403, "host_not_allowed",
              "This Data Center answers only requests addressed to a loopback host (127.0.0.1 or localhost).");
    return R::Handled;
  }
  if (IsStateChanging(req.method) && CrossSite(req)) {
    SendError(res, 403, "cross_origin", "Refused: a request that changes something must come from the Data Center's own pages.");
    return R::Handled;
  }
  if (!req.path.starts_with("/api/")) return R::Unhandled;  // the pages hold no data
  if (token.empty() || req.path == "/api/health" || req.path == "/api/login") return R::Unhandled;
  std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  bool ok = (auth.starts_with(kBearer) && SameToken(auth.substr(kBearer.size()), token)) ||
            SameToken(CookieValue(req, kSessionCookie), token);
  if (!ok) {
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, 401, "unauthorized",
              "Sign in: send Authorization: Bearer TOKEN (the token serve was started with), or log in on the page.");
    return R::Handled;
  }
  return R::Unhandled;
}

}  // namespace

bool ListenAddress::loopback() const { return IsLoopbackHost(host); }

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not an address to listen on: give ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080.",
                            text.substr(0, 80)));
  };
  ListenAddress out;
  std::string port;
  if (text.starts_with("[")) {
    auto close = text.find("]:");
    if (close == std::string::npos) return bad();
    out.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return bad();
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (out.host.empty() || port.empty() || port.size() > 5) return bad();
  for (char c : port) {
    if (c < '0' || c > '9') return bad();
  }
  out.port = std::atoi(port.c_str());
  if (out.port > 65535) return bad();
  in_addr a4{};
  in6_addr a6{};
  if (out.host == "localhost") out.host = "127.0.0.1";
  if (::inet_pton(AF_INET, out.host.c_str(), &a4) != 1 && ::inet_pton(AF_INET6, out.host.c_str(), &a6) != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0 or ::1).",
                            out.host.substr(0, 80)));
  }
  return out;
}

Result<std::string> ReadToken(const std::string& token_file) {
  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in || !std::getline(in, token)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Cannot read the token from {} (--token-file): the file is missing, unreadable or empty.",
                              token_file));
    }
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  } else if (const char* env = std::getenv("BILLPIPE_TOKEN"); env != nullptr) {
    token = env;
  }
  if (!token.empty() && token.size() < kMinTokenLength) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The token is too short: give at least {} characters (e.g. openssl rand -hex 32).",
                            kMinTokenLength));
  }
  return token;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options) {
  if (options.daemon == nullptr || options.runs == nullptr) {
    return Fail(ErrorCode::kInternal, "HttpServer::Start needs the daemon and its run board.");
  }
  if (!options.address.loopback() && options.token.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Refusing to serve on {} without a token: anyone who can reach it could read and change "
                            "the catalog. Give --token-file FILE or set BILLPIPE_TOKEN, or listen on 127.0.0.1.",
                            options.address.host));
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.ctx.options = std::move(options);
  Context& ctx = impl.ctx;
  httplib::Server& http = impl.http;
  http.new_task_queue = [] { return new httplib::ThreadPool(kHandlerThreads); };
  http.set_payload_max_length(ctx.options.max_body_bytes);
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"Referrer-Policy", "no-referrer"},
                            {"Cache-Control", "no-store"}});
  http.set_pre_routing_handler(
      [&ctx](const httplib::Request& req, httplib::Response& res) { return CheckAccess(ctx, req, res); });
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own error
    if (res.status == 413) {
      SendError(res, 413, "body_too_large", "The request body is too large.");
    } else if (res.status == 404) {
      SendError(res, 404, "not_found", fmt::format("No such page or API: {} {}", req.method, req.path.substr(0, 200)));
    } else {
      SendError(res, res.status, "http_error", fmt::format("HTTP {}", res.status));
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SendError(res, 500, "internal", "Internal error: " + what);
  });

  http.Get("/api/health", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, nlohmann::json{{"status", "ok"}, {"version", BILLPIPE_VERSION}});
  });
  http.Post("/api/login", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    std::string given = body->value("token", "");
    if (ctx.options.token.empty()) return SendJson(res, 200, nlohmann::json{{"status", "ok"}});
    if (!SameToken(given, ctx.options.token)) return SendError(res, 401, "unauthorized", "Wrong token.");
    res.set_header("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/", kSessionCookie,
                                             ctx.options.token));
    SendJson(res, 200, nlohmann::json{{"status", "ok"}});
  });
  AddAccountRoutes(http, ctx);
  AddDatasetRoutes(http, ctx);
  AddRunRoutes(http, ctx);
  AddUiRoutes(http);

  const ListenAddress& at = ctx.options.address;
  int port = at.port;
  if (port == 0) {
    port = http.bind_to_any_port(at.host);
    if (port < 0) port = 0;
  } else if (!http.bind_to_port(at.host, port)) {
    port = 0;
  }
  if (port == 0) {
    return Fail(ErrorCode::kIo, fmt::format("Cannot listen on {}:{}: the address is in use or not this machine's.",
                                            at.host, at.port));
  }
  server->port_ = port;
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  return server;
}

std::string HttpServer::url() const {
  const std::string& host = impl_->ctx.options.address.host;
  std::string shown = host == "0.0.0.0" ? "127.0.0.1" : host;
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  return fmt::format("http://{}:{}/", shown, port_);
}

void HttpServer::Stop() {
  if (!impl_) return;
  impl_->ctx.stopping = true;
  impl_->http.stop();
  if (thread_.joinable()) thread_.join();
}

HttpServer::~HttpServer() { Stop(); }

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kAuth: return 422;
    case ErrorCode::kPermission: return 422;
    case ErrorCode::kBadData: return 422;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kCancelled: return 409;
    case ErrorCode::kRetryable: return 502;
    case ErrorCode::kUnsupported: return 501;
    case ErrorCode::kIo: return 500;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json; charset=utf-8");
}

void SendJson(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void SendError(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  SendJson(res, status, nlohmann::json{{"error", std::string(message)}, {"code", std::string(code)}});
}

void SendError(httplib::Response& res, const Error& error) {
  SendError(res, HttpStatusFor(error.code), ErrorCodeName(error.code), error.message);
}

Result<nlohmann::json> ParseBody(const httplib::Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return Fail(ErrorCode::kInvalidArgument, "The request body is not JSON.");
  return j;
}

Result<std::unique_ptr<catalog::Catalog>> OpenRequestCatalog(const Context& ctx) {
  return app::OpenCatalog(ctx.options.home);
}

}  // namespace billpipe::server
