// Reads a value from a SQLite file the way a user's query would: a separate, read-only connection.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace billpipe::testing {

// The first column of the first row as text: "NULL" for NULL, "no row" when there is none, and
// "error: MESSAGE" when the query fails (so a comparison with the expected value shows why).
inline std::string QueryOne(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      auto t = sqlite3_column_text(stmt, 0);
      out = t ? reinterpret_cast<const char*>(t) : "NULL";
    } else if (rc == SQLITE_DONE) {
      out = "no row";
    } else {
      out = std::string("error: ") + sqlite3_errmsg(db);
    }
  } else {
    out = std::string("error: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace billpipe::testing
