// Opens a sink from a destination string: "sqlite:PATH" (the default kind; a bare path means SQLite),
// "postgresql://[user@]host[:port]/db[?param=value...]" (also postgres://) or "postgresql:KEYWORD=VALUE ..."
// (libpq's keyword form), or "clickhouse://[user@]host[:port][/database][?cluster=NAME]". A password never
// comes from the destination: PostgreSQL's from PGPASSWORD or ~/.pgpass, ClickHouse's from
// CLICKHOUSE_PASSWORD, or either from the catalog (the `password` argument).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "sink/sink.h"
#include "util/clock.h"

namespace billpipe::sink {

// The default destination: the SQLite file billpipe.db in the data directory.
std::string DefaultDestination(const std::filesystem::path& data_home);

// The kinds of destination.
enum class DestinationKind { kSqlite, kPostgres, kClickHouse };

// Checks a destination without connecting or creating anything: a known kind, a form its driver reads,
// no password in it. Returns its kind; kInvalidArgument saying what is wrong (the same messages OpenSink
// gives), so that a bad destination is refused before any download.
Result<DestinationKind> ValidateDestination(const std::string& destination);

// "sqlite:/path/file.db" or "/path/file.db". Creates the file's directory if missing. Unknown kinds →
// kInvalidArgument listing the kinds. password: a password stored for the destination (PostgreSQL,
// ClickHouse); empty: none. A SQLite destination with a password is kInvalidArgument.
Result<std::unique_ptr<Sink>> OpenSink(const std::string& destination, Clock& clock = Clock::System(),
                                       const std::string& password = "");

}  // namespace billpipe::sink
