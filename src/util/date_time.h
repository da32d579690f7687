// Reading a UTC date and time as people and JSON write it.
#pragma once

#include <optional>
#include <string_view>

#include "util/clock.h"

namespace billpipe {

// "2026-12-01 06:00", "2026-12-01T06:00:00Z" (a space or T; seconds and the Z optional), read as UTC;
// nullopt when it is not one. Callers say what they expected in their own words.
std::optional<SysTime> TryParseUtcDateTime(std::string_view text);

}  // namespace billpipe
