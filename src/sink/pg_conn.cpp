#include "sink/pg_conn.h"

#include <libpq-fe.h>

#include <fmt/format.h>

namespace billpipe::sink {
namespace {

// libpq's messages end with a newline and sometimes carry a second "DETAIL:" line; one line reads better.
std::string OneLine(const char* message) {
  std::string out = message ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

std::string PgIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string PgLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

const std::string& PgRows::At(size_t row, size_t column) const {
  static const std::string kEmpty;
  const auto& v = rows.at(row).at(column);
  return v ? *v : kEmpty;
}

PgConn::PgConn(pg_conn* conn) : conn_(conn) {
  const char* user = PQuser(conn_);
  const char* host = PQhost(conn_);
  describe_ = fmt::format("postgresql://{}{}:{}/{}", user && *user ? std::string(user) + "@" : "", host ? host : "",
                          PQport(conn_) ? PQport(conn_) : "", PQdb(conn_) ? PQdb(conn_) : "");
}

PgConn::~PgConn() { PQfinish(conn_); }

Status ValidatePgConninfo(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (!options) {
    std::string why = parse_error ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The PostgreSQL destination is not a connection string libpq reads: {}. Use "
                            "postgresql://[user@]host[:port]/db[?param=value...] or postgresql:host=H dbname=D ...",
                            why));
  }
  bool has_password = false;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val && *o->val) has_password = true;
  }
  PQconninfoFree(options);
  if (has_password) {
    return Fail(ErrorCode::kInvalidArgument,
                "The PostgreSQL destination contains a password. Passwords do not go on the command line: put it "
                "in PGPASSWORD or ~/.pgpass (see the PostgreSQL documentation on the password file) and leave it "
                "out of the destination.");
  }
  return Ok();
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& conninfo, const std::string& password) {
  BP_RETURN_IF_ERROR(ValidatePgConninfo(conninfo));
  // Our defaults first; what the destination says overrides them (expand_dbname).
  // A stored password comes after the expanded dbname, so it is the one libpq uses.
  const char* keywords[] = {"application_name", "connect_timeout", "dbname", password.empty() ? nullptr : "password",
                            nullptr};
  const char* values[] = {"billpipe", "15", conninfo.c_str(), password.empty() ? nullptr : password.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 1);
  if (!conn) return Fail(ErrorCode::kIo, "connecting to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = OneLine(PQerrorMessage(conn));
    bool auth = why.find("password authentication failed") != std::string::npos ||
                why.find("no password supplied") != std::string::npos ||
                why.find("no pg_hba.conf entry") != std::string::npos;
    PQfinish(conn);
    return Fail(auth ? ErrorCode::kAuth : ErrorCode::kRetryable,
                fmt::format("Could not connect to PostgreSQL: {}{}", why,
                            !auth                ? ""
                            : password.empty() ? " Check the user, and the password in PGPASSWORD or ~/.pgpass."
                                               : " Check the user, and the password stored for the destination."));
  }
  auto out = std::unique_ptr<PgConn>(new PgConn(conn));
  // Messages in a form we show; timestamps read and written in UTC.
  BP_RETURN_IF_ERROR(out->Exec("SET client_min_messages = warning; SET TIME ZONE 'UTC'"));
  return out;
}

int PgConn::backend_pid() const { return PQbackendPID(conn_); }

Error PgConn::MakeError(std::string_view doing, const pg_result* result) const {
  std::string why = OneLine(result ? PQresultErrorMessage(result) : nullptr);
  if (why.empty()) why = OneLine(PQerrorMessage(conn_));
  // A FATAL error ends the session (pg_terminate_backend, a server shutting down): the connection is lost
  // even when libpq has not seen the socket close yet (the error came first, e.g. at the end of a COPY).
  const char* severity = result ? PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  const bool fatal = severity && (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC");
  if (PQstatus(conn_) == CONNECTION_BAD || fatal) {
    return Error(ErrorCode::kRetryable,
                 fmt::format("Lost the connection to PostgreSQL ({}) while {}: {}. Nothing of this run is "
                             "visible; run it again.", describe_, doing, why));
  }
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  ErrorCode code = ErrorCode::kIo;
  if (state && std::string_view(state).starts_with("42501")) code = ErrorCode::kPermission;
  if (state && std::string_view(state).starts_with("53")) code = ErrorCode::kIo;  // disk full, out of memory
  if (state && (std::string_view(state).starts_with("40") || std::string_view(state).starts_with("57P"))) {
    code = ErrorCode::kRetryable;  // serialization failure, deadlock, admin shutdown
  }
  return Error(code, fmt::format("PostgreSQL ({}) failed while {}: {}", describe_, doing, why));
}

Status PgConn::Check(pg_result* raw, std::string_view doing) {
  ResultPtr result(raw);
  if (!result) return Fail(MakeError(doing, nullptr));
  ExecStatusType st = PQresultStatus(result.get());
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Ok();
  return Fail(MakeError(doing, result.get()));
}

Status PgConn::Exec(std::string_view sql) {
  std::string text(sql);
  return Check(PQexec(conn_, text.c_str()), "running " + text.substr(0, 80));
}

Result<PgRows> PgConn::Query(std::string_view sql, const std::vector<std::string>& params) {
  std::string text(sql);
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  ResultPtr result(PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0));
  if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    if (result && PQresultStatus(result.get()) == PGRES_COMMAND_OK) return PgRows{};
    return Fail(MakeError("running " + text.substr(0, 80), result.get()));
  }
  PgRows out;
  int n = PQntuples(result.get()), m = PQnfields(result.get());
  out.rows.resize(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    auto& row = out.rows[static_cast<size_t>(r)];
    row.resize(static_cast<size_t>(m));
    for (int c = 0; c < m; ++c) {
      if (!PQgetisnull(result.get(), r, c)) {
        row[static_cast<size_t>(c)] = std::string(PQgetvalue(result.get(), r, c),
                                                  static_cast<size_t>(PQgetlength(result.get(), r, c)));
      }
    }
  }
  return out;
}

Status PgConn::CopyBegin(std::string_view copy_sql) {
  std::string text(copy_sql);
  ResultPtr result(PQexec(conn_, text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COPY_IN) {
    return Fail(MakeError("starting COPY", result.get()));
  }
  return Ok();
}

Status PgConn::CopyData(std::string_view data) {
  if (data.empty()) return Ok();
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) {
    return Fail(MakeError("sending COPY data", nullptr));
  }
  return Ok();
}

Status PgConn::CopyEnd() {
  if (PQputCopyEnd(conn_, nullptr) != 1) return Fail(MakeError("ending COPY", nullptr));
  Status status = Ok();
  while (PGresult* raw = PQgetResult(conn_)) {
    ResultPtr result(raw);
    if (status && PQresultStatus(raw) != PGRES_COMMAND_OK) status = Fail(MakeError("loading rows with COPY", raw));
  }
  return status;
}

void PgConn::CopyAbort() {
  if (PQputCopyEnd(conn_, "billpipe abandoned the load") != 1) return;
  while (PGresult* raw = PQgetResult(conn_)) PQclear(raw);
}

}  // namespace billpipe::sink
