#include "util/home.h"

#include <sys/stat.h>

#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

namespace billpipe {

std::filesystem::path DataHome(const std::string& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const char* env = std::getenv("BILLPIPE_HOME"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "billpipe";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".local/share/billpipe";
}

Status EnsurePrivateDir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Ok();
  if (!dir.parent_path().empty() && dir.parent_path() != dir) {
    BP_RETURN_IF_ERROR(EnsurePrivateDir(dir.parent_path()));
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(ErrorCode::kIo, fmt::format("cannot create the directory {}: {}", dir.string(),
                                            std::system_category().message(errno)));
  }
  return Ok();
}

}  // namespace billpipe
