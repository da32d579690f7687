#include "sink/sqlite_db.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace billpipe::sink {

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, int page_size) {
  // No memory statistics: they take a global mutex on every allocation. Only possible before SQLite
  // initialises; if something else initialised it first, this is a no-op.
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  // A new file is created here, readable by its owner only (billing data; the catalog beside it is 0600
  // too); SQLite gives its -wal and -shm files the database file's permissions.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    return Fail(ErrorCode::kIo, fmt::format("cannot create SQLite database {}: {}", path, std::strerror(errno)));
  }
  // A path, never a URI: SQLite may be built to read "file:x.db?mode=memory" as a URI (an in-memory
  // database: a run would "publish" and write nothing). "./" in front of a relative path keeps it a path.
  const std::string open_path = path.starts_with('/') ? path : "./" + path;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(open_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Fail(ErrorCode::kIo, fmt::format("cannot open SQLite database {}: {}", path, msg));
  }
  std::unique_ptr<SqliteDb> out(new SqliteDb(db, path));
  // Long enough to wait out another run's chunk or index build in the same file (docs/loading.md).
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // WAL: readers keep reading the last committed dataset during a load. synchronous=NORMAL in WAL mode
  // never corrupts the database and loses no committed run on a process kill.
  // The page size applies only to a new, empty file; an existing file keeps its own.
  if (page_size > 0) BP_RETURN_IF_ERROR(out->Exec(fmt::format("PRAGMA page_size={}", page_size)));
  BP_RETURN_IF_ERROR(out->Exec("PRAGMA journal_mode=WAL"));
  BP_RETURN_IF_ERROR(out->Exec("PRAGMA synchronous=NORMAL"));
  BP_RETURN_IF_ERROR(out->Exec("PRAGMA cache_size=-65536"));  // 64 MiB: bounded memory
  return out;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Error SqliteDb::MakeError(int rc, std::string_view doing) const {
  int primary = rc & 0xff;
  std::string detail = sqlite3_errmsg(db_);
  if (primary == SQLITE_FULL) {
    return Error(ErrorCode::kIo, fmt::format("{} in {}: the disk is full. Free some space and run again; "
                                             "the dataset is unchanged.", doing, path_));
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Error(ErrorCode::kConflict,
                 fmt::format("{} in {}: the database is locked by another process ({})", doing, path_, detail));
  }
  ErrorCode code = (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY ||
                    primary == SQLITE_PERM || primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
                       ? ErrorCode::kIo
                       : ErrorCode::kInternal;
  return Error(code, fmt::format("{} in {}: {}", doing, path_, detail));
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return Fail(MakeError(rc, fmt::format("SQL '{}'", s.substr(0, 80))));
  return Ok();
}

Result<std::unique_ptr<SqliteStatement>> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) {
    return Fail(MakeError(rc, fmt::format("preparing '{}'", sql.substr(0, 80))));
  }
  return std::make_unique<SqliteStatement>(*this, stmt);
}

Status SqliteDb::CheckpointIfIdle() {
  // No waiting for readers: a reader on an older snapshot keeps the WAL until it is done; the next
  // checkpoint (the next chunk or run) gets it.
  sqlite3_busy_timeout(db_, 0);
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Ok();
  return Fail(MakeError(rc, "checkpointing the WAL"));
}

int64_t SqliteDb::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = db_.MakeError(rc, "writing");
  sqlite3_reset(stmt_);
  return Fail(std::move(e));
}

Status SqliteStatement::Run() {
  auto r = Step();
  sqlite3_reset(stmt_);
  if (!r) return Fail(std::move(r).error());
  return Ok();
}

std::string SqliteStatement::ColumnText(int i) const {
  const unsigned char* t = sqlite3_column_text(stmt_, i);
  if (!t) return {};
  return std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
}

}  // namespace billpipe::sink
