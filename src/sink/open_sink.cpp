#include "sink/open_sink.h"

#include <fmt/format.h>

#include "sink/clickhouse_sink.h"
#include "sink/postgres_sink.h"
#include "sink/sqlite_sink.h"
#include "util/home.h"

namespace billpipe::sink {

std::string DefaultDestination(const std::filesystem::path& data_home) {
  return "sqlite:" + (data_home / "billpipe.db").string();
}

Result<std::unique_ptr<Sink>> OpenSink(const std::string& destination, Clock& clock) {
  std::string path = destination;
  auto colon = destination.find(':');
  if (colon != std::string::npos && destination.find('/') > colon) {
    std::string kind = destination.substr(0, colon);
    if (kind == "postgresql" || kind == "postgres") {
      // A URI is handed to libpq whole; "postgresql:host=H dbname=D" is libpq's keyword form.
      bool uri = destination.compare(colon + 1, 2, "//") == 0;
      BP_ASSIGN_OR_RETURN(auto sink, PostgresSink::Open(uri ? destination : destination.substr(colon + 1), clock));
      return std::unique_ptr<Sink>(std::move(sink));
    }
    if (kind == "clickhouse") {
      BP_ASSIGN_OR_RETURN(auto sink, ClickHouseSink::Open(destination, clock));
      return std::unique_ptr<Sink>(std::move(sink));
    }
    if (kind != "sqlite") {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Unknown destination kind '{}' in '{}'. Use sqlite:PATH (e.g. sqlite:costs.db) or "
                              "postgresql://[user@]host[:port]/db or clickhouse://host[:port][/database][?cluster=NAME].", kind,
                              destination));
    }
    path = destination.substr(colon + 1);
  }
  if (path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "The destination has no file name. Use sqlite:PATH (e.g. sqlite:costs.db).");
  }
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) BP_RETURN_IF_ERROR(EnsurePrivateDir(parent));
  BP_ASSIGN_OR_RETURN(auto sink, SqliteSink::Open(path, clock));
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace billpipe::sink
