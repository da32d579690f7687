// billpipe's data directory: $BILLPIPE_HOME, else $XDG_DATA_HOME/billpipe, else ~/.local/share/billpipe.
#pragma once

#include <filesystem>
#include <string>

#include "util/status.h"

namespace billpipe {

// The directory to use; override (e.g. --home) wins when not empty. Not created.
std::filesystem::path DataHome(const std::string& override_dir = "");

// Creates dir (and parents) if missing, with mode 0700 for what it creates.
Status EnsurePrivateDir(const std::filesystem::path& dir);

}  // namespace billpipe
