// The server's internals shared by its route files: the context every handler gets, JSON answers and
// errors. Included by src/server/*.cpp only (it includes httplib.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "server/http_server.h"
#include "util/status.h"

namespace billpipe::server {

struct Context {
  ServerOptions options;
  std::atomic<bool> stopping{false};  // set by Stop: live streams end
};

// The HTTP status for an error code: invalid input 400, refused credentials 422, not found 404,
// conflicts 409, S3 unavailable 502, not implemented 501, the rest 500.
int HttpStatusFor(ErrorCode code);

// Answers with a JSON body (compact, application/json; charset=utf-8).
void SendJson(httplib::Response& res, int status, const nlohmann::json& body);
void SendJson(httplib::Response& res, int status, const nlohmann::ordered_json& body);
// {"error": message, "code": ErrorCodeName} with HttpStatusFor(code).
void SendError(httplib::Response& res, const Error& error);
void SendError(httplib::Response& res, int status, std::string_view code, std::string_view message);

// The request body as a JSON value; kInvalidArgument when it is not JSON (an empty body is {}).
Result<nlohmann::json> ParseBody(const httplib::Request& req);

// The catalog of the data directory, opened for this request (each handler thread its own).
Result<std::unique_ptr<catalog::Catalog>> OpenRequestCatalog(const Context& ctx);

void AddAccountRoutes(httplib::Server& server, Context& ctx);
void AddDatasetRoutes(httplib::Server& server, Context& ctx);
void AddRunRoutes(httplib::Server& server, Context& ctx);
// The web UI's pages and assets, embedded at build time (ui/ → ui_assets.cpp).
void AddUiRoutes(httplib::Server& server);

}  // namespace billpipe::server
