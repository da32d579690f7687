// The web UI's files, embedded in the binary at build time (cmake/embed_ui.cmake over ui/). A URL is
// looked up in this table by its path; no URL ever names a file on disk.
#pragma once

#include <string_view>
#include <vector>

namespace billpipe::server {

struct UiAsset {
  std::string_view path;          // "/index.html", "/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
};

// Every file, by path (generated: build/generated/ui_assets.cpp).
const std::vector<UiAsset>& UiAssets();

}  // namespace billpipe::server
