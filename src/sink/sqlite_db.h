// Small owning wrappers over the SQLite C API, errors converted to Status at this edge.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::sink {

// Quotes an SQL identifier: "na""me".
std::string QuoteIdent(std::string_view name);
// Quotes an SQL string literal: 'it''s'.
std::string QuoteLiteral(std::string_view text);

class SqliteStatement;

// One connection. Not thread-safe: use from one thread at a time.
class SqliteDb {
 public:
  // Opens (creating if needed, mode 0600) the file at path with WAL journaling and a busy timeout. path is
  // a file path, never an SQLite URI ("file:x.db?mode=memory" is a file of that name). page_size (bytes, a
  // power of two from 512 to 65536; 0 = SQLite's default) is used when the file is created.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, int page_size = 0);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status Exec(std::string_view sql);
  Result<std::unique_ptr<SqliteStatement>> Prepare(std::string_view sql);
  int64_t LastInsertRowid() const;
  // Copies the WAL into the database and truncates it to zero bytes, unless a reader on an older
  // snapshot (or a writer) is in the way: then nothing is waited for and the WAL stays as it is.
  Status CheckpointIfIdle();

  // How long a statement waits for another connection's lock (docs/loading.md).
  static constexpr int kBusyTimeoutMs = 60000;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // An error for a failed call, naming the file and, when the disk is full, saying so.
  Error MakeError(int rc, std::string_view doing) const;

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binding indexes are 1-based, as in SQLite. Text is not copied: it must outlive Step().
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindDouble(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }

  void BindTextCopy(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }

  void ClearBindings() { sqlite3_clear_bindings(stmt_); }

  // Runs one step: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion and resets, for statements that return no rows.
  Status Run();
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Run() resets but keeps bindings; ClearBindings sets every parameter to NULL.

  int64_t ColumnInt(int i) const { return sqlite3_column_int64(stmt_, i); }
  double ColumnDouble(int i) const { return sqlite3_column_double(stmt_, i); }
  bool ColumnIsNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::string ColumnText(int i) const;
  // The column's text without copying, valid until the next Step or Reset ("" for NULL).
  std::string_view ColumnView(int i) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return text ? std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string_view();
  }

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_;
};

}  // namespace billpipe::sink
