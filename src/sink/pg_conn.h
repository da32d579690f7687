// A small owning wrapper over one libpq connection, errors converted to Status at this edge.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

struct pg_conn;
struct pg_result;

namespace billpipe::sink {

// Quotes a PostgreSQL identifier: "na""me".
std::string PgIdent(std::string_view name);
// Quotes a string literal (standard_conforming_strings, the default since 9.1): 'it''s'.
std::string PgLiteral(std::string_view text);

// Rows of a query, every value as text (NULL as nullopt).
struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  const std::string& At(size_t row, size_t column) const;  // "" for NULL
};

// Checks a destination without connecting: libpq reads it (URI or keyword form) and it holds no password.
// kInvalidArgument saying what is wrong.
Status ValidatePgConninfo(const std::string& conninfo);

// One connection. Not thread-safe: use from one thread at a time.
class PgConn {
 public:
  // conninfo: a libpq connection URI (postgresql://...) or keyword string (host=... dbname=...). A password
  // in it is refused (kInvalidArgument): it comes from PGPASSWORD or ~/.pgpass, which libpq reads itself,
  // or from `password` (a password stored encrypted in the catalog; empty: none), which wins over both.
  // Connection failures are kRetryable (the server may be starting) or kAuth.
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& conninfo, const std::string& password = "");
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // "postgresql://user@host:port/db": where the data is, for messages (never a password).
  const std::string& describe() const { return describe_; }
  int backend_pid() const;

  // Runs one or more statements that return no rows needed.
  Status Exec(std::string_view sql);
  // Runs one statement with text parameters ($1, $2 ...) and returns its rows.
  Result<PgRows> Query(std::string_view sql, const std::vector<std::string>& params = {});

  // COPY ... FROM STDIN: starts the copy, sends data (any number of calls), ends it.
  Status CopyBegin(std::string_view copy_sql);
  Status CopyData(std::string_view data);
  Status CopyEnd();
  // Abandons a COPY in progress (its rows are not loaded; the transaction fails), e.g. before a rollback.
  void CopyAbort();

 private:
  explicit PgConn(pg_conn* conn);
  // An error for a failed call: the server's message, and, when the connection is gone, that it was lost
  // (kRetryable: the dataset is unchanged and a new run may succeed).
  Error MakeError(std::string_view doing, const pg_result* result) const;
  Status Check(pg_result* result, std::string_view doing);

  pg_conn* conn_;
  std::string describe_;
};

}  // namespace billpipe::sink
