#include "sink/open_sink.h"

#include <fmt/format.h>

#include "sink/clickhouse_sink.h"
#include "sink/pg_conn.h"
#include "sink/postgres_sink.h"
#include "sink/sqlite_sink.h"
#include "util/home.h"

namespace billpipe::sink {
namespace {

// A destination taken apart: its kind and what its driver is given.
struct ParsedDestination {
  DestinationKind kind = DestinationKind::kSqlite;
  std::string target;  // the SQLite path, libpq's conninfo, or the clickhouse:// URL
};

Result<ParsedDestination> Parse(const std::string& destination) {
  ParsedDestination out{DestinationKind::kSqlite, destination};
  auto colon = destination.find(':');
  if (colon != std::string::npos && destination.find('/') > colon) {
    std::string kind = destination.substr(0, colon);
    if (kind == "postgresql" || kind == "postgres") {
      // A URI is handed to libpq whole; "postgresql:host=H dbname=D" is libpq's keyword form.
      bool uri = destination.compare(colon + 1, 2, "//") == 0;
      out = {DestinationKind::kPostgres, uri ? destination : destination.substr(colon + 1)};
      BP_RETURN_IF_ERROR(ValidatePgConninfo(out.target));
      return out;
    }
    if (kind == "clickhouse") {
      BP_RETURN_IF_ERROR(ParseClickHouseDestination(destination));
      return ParsedDestination{DestinationKind::kClickHouse, destination};
    }
    if (kind != "sqlite") {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Unknown destination kind '{}' in '{}'. Use sqlite:PATH (e.g. sqlite:costs.db) or "
                              "postgresql://[user@]host[:port]/db or clickhouse://host[:port][/database][?cluster=NAME].", kind,
                              destination));
    }
    out.target = destination.substr(colon + 1);
  }
  if (out.target.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "The destination has no file name. Use sqlite:PATH (e.g. sqlite:costs.db).");
  }
  return out;
}

}  // namespace

std::string DefaultDestination(const std::filesystem::path& data_home) {
  return "sqlite:" + (data_home / "billpipe.db").string();
}

Result<DestinationKind> ValidateDestination(const std::string& destination) {
  BP_ASSIGN_OR_RETURN(ParsedDestination parsed, Parse(destination));
  return parsed.kind;
}

Result<std::unique_ptr<Sink>> OpenSink(const std::string& destination, Clock& clock, const std::string& password) {
  BP_ASSIGN_OR_RETURN(ParsedDestination parsed, Parse(destination));
  switch (parsed.kind) {
    case DestinationKind::kPostgres: {
      BP_ASSIGN_OR_RETURN(auto sink, PostgresSink::Open(parsed.target, clock, password));
      return std::unique_ptr<Sink>(std::move(sink));
    }
    case DestinationKind::kClickHouse: {
      BP_ASSIGN_OR_RETURN(auto sink, ClickHouseSink::Open(parsed.target, clock, password));
      return std::unique_ptr<Sink>(std::move(sink));
    }
    case DestinationKind::kSqlite: break;
  }
  if (!password.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "A SQLite destination takes no password: the password stored for the dataset is for a PostgreSQL or "
                "ClickHouse destination.");
  }
  auto parent = std::filesystem::path(parsed.target).parent_path();
  if (!parent.empty()) BP_RETURN_IF_ERROR(EnsurePrivateDir(parent));
  BP_ASSIGN_OR_RETURN(auto sink, SqliteSink::Open(parsed.target, clock));
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace billpipe::sink
