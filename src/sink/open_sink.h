// Opens a sink from a destination string: "sqlite:PATH" (the default kind; a bare path means SQLite),
// "postgresql://[user@]host[:port]/db[?param=value...]" (also postgres://) or "postgresql:KEYWORD=VALUE ..."
// (libpq's keyword form); a PostgreSQL password comes from PGPASSWORD or ~/.pgpass, never the destination.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "sink/sink.h"
#include "util/clock.h"

namespace billpipe::sink {

// The default destination: the SQLite file billpipe.db in the data directory.
std::string DefaultDestination(const std::filesystem::path& data_home);

// "sqlite:/path/file.db" or "/path/file.db". Creates the file's directory if missing. Unknown kinds →
// kInvalidArgument listing the kinds.
Result<std::unique_ptr<Sink>> OpenSink(const std::string& destination, Clock& clock = Clock::System());

}  // namespace billpipe::sink
