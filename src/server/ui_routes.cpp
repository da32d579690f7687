// The web UI: "/" is the page (index.html), "/assets/..." its scripts and styles, all from the table
// embedded at build time. The pages are one document routed by the URL's fragment (#/datasets/NAME).
#include "server/routes.h"
#include "server/ui_assets.h"

namespace billpipe::server {
namespace {

// Scripts and styles from this server only; no inline script; no framing.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const UiAsset* Find(std::string_view path) {
  for (const auto& a : UiAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

void Send(httplib::Response& res, const UiAsset& asset) {
  res.status = 200;
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_content(std::string(asset.bytes), std::string(asset.content_type).c_str());
}

}  // namespace

void AddUiRoutes(httplib::Server& http) {
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    if (const UiAsset* index = Find("/index.html")) return Send(res, *index);
    SendError(res, 404, "not_found", "This build has no web UI.");
  });
  http.Get(R"(/assets/([A-Za-z0-9_.-]+))", [](const httplib::Request& req, httplib::Response& res) {
    if (const UiAsset* asset = Find("/" + std::string(req.matches[1]))) return Send(res, *asset);
    SendError(res, 404, "not_found", "No such asset.");
  });
}

}  // namespace billpipe::server
