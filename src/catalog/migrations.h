// The catalog's schema, as numbered migrations. Migration i (1-based) takes the schema from version
// i-1 to i; the file's version is SQLite's `PRAGMA user_version`. Migrations are only ever appended:
// a released one is never edited.
#pragma once

#include <span>
#include <string_view>

namespace billpipe::catalog {

// Every migration this billpipe knows, oldest first; the newest version is their count.
std::span<const std::string_view> Migrations();

}  // namespace billpipe::catalog
