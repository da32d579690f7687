// The catalog: what a user sets up once — accounts, datasets, schedules — and the history of runs, in
// one SQLite file `catalog.db` in the data directory (util/home.h). Secrets in it are encrypted
// (secret_box.h) with the master key.
//
// Opening applies the numbered migrations (migrations.h) this billpipe knows; a catalog written by a
// newer billpipe is refused (kUnsupported) rather than misread. The directory is created 0700 and the
// file 0600 (its -wal and -shm companions inherit the mode).
//
// A Catalog is one connection: use it from one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "catalog/secret_box.h"
#include "sink/sqlite_db.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::catalog {

inline constexpr const char* kCatalogFileName = "catalog.db";

class Catalog {
 public:
  // Opens (creating) `home`/catalog.db. `clock` stamps created/updated times and must outlive the
  // catalog.
  static Result<std::unique_ptr<Catalog>> Open(const std::filesystem::path& home, Clock& clock);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // The schema version of the open file (== the newest migration after Open).
  Result<int> SchemaVersion();

  // The box that seals and opens secrets. The master key is loaded on first use: from
  // BILLPIPE_MASTER_KEY, else the 0600 file `home`/master.key. A new key is made only while the
  // catalog holds no secret; a missing or wrong key for existing secrets is a clear error (kAuth).
  Result<const SecretBox*> Secrets();

  // For a lost (or wrong) master key when no sealed secret remains: forgets the old key and makes a
  // new one (BILLPIPE_MASTER_KEY when set, else a new random `home`/master.key; an old key file is kept
  // beside it as master.key.lost-<ms since epoch>). Refused while an account holds a sealed secret or
  // external id (kConflict naming them: restore the key, or delete those accounts first), and when the
  // key opens the catalog (kInvalidArgument: nothing to reset).
  struct KeyReset {
    std::string key_source;            // where the new key is: "BILLPIPE_MASTER_KEY" or "the key file ..."
    std::filesystem::path old_key_file;  // where the old key file went; empty when there was none
  };
  Result<KeyReset> ResetMasterKey();

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT (a savepoint when a transaction is already open, so
  // store methods compose); rolls back what fn did when it fails.
  template <typename Fn>
  Status InTransaction(Fn&& fn) {
    const bool nested = sqlite3_get_autocommit(db_->handle()) == 0;
    BP_RETURN_IF_ERROR(db_->Exec(nested ? "SAVEPOINT catalog_nested" : "BEGIN IMMEDIATE"));
    Status s = fn();
    if (!s) {
      (void)db_->Exec(nested ? "ROLLBACK TO catalog_nested; RELEASE catalog_nested" : "ROLLBACK");
      return s;
    }
    return db_->Exec(nested ? "RELEASE catalog_nested" : "COMMIT");
  }

  sink::SqliteDb& db() { return *db_; }
  Clock& clock() { return clock_; }
  const std::filesystem::path& home() const { return home_; }
  std::filesystem::path path() const { return home_ / kCatalogFileName; }
  int64_t NowMillis() { return clock_.Now().time_since_epoch().count(); }

  // A value of the catalog's key-value `meta` table; nullopt when unset.
  Result<std::optional<std::string>> GetMeta(std::string_view key);
  Status SetMeta(std::string_view key, std::string_view value);

 private:
  Catalog(std::filesystem::path home, std::unique_ptr<sink::SqliteDb> db, Clock& clock)
      : home_(std::move(home)), db_(std::move(db)), clock_(clock) {}
  Status Migrate();

  std::filesystem::path home_;
  std::unique_ptr<sink::SqliteDb> db_;
  Clock& clock_;
  std::optional<SecretBox> secrets_;
};

}  // namespace billpipe::catalog
