#include "catalog/catalog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "catalog/migrations.h"
#include "util/home.h"

namespace billpipe::catalog {
namespace {

constexpr std::string_view kKeyCheckMeta = "master_key_check";
constexpr std::string_view kKeyCheckText = "billpipe master key check";
constexpr std::string_view kKeyCheckContext = "master key check";

// Creates the file 0600 before SQLite does, so that it (and the -wal/-shm files SQLite gives the same
// mode) is never readable by others, whatever the umask.
//
// An existing file is never opened here: closing any descriptor of a database file drops every POSIX
// lock this process holds on it, including those of a connection already open (the daemon's, when its
// runner opens the catalog too), and SQLite then answers "disk I/O error".
Status EnsurePrivateFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) {
    return Fail(ErrorCode::kIo, fmt::format("cannot open the catalog {}: {}", path.string(),
                                            std::system_category().message(errno)));
  }
  int rc = fd >= 0 ? ::fchmod(fd, 0600) : ::chmod(path.c_str(), 0600);
  int saved = errno;
  if (fd >= 0) ::close(fd);
  if (rc != 0) {
    return Fail(ErrorCode::kIo, fmt::format("cannot make the catalog {} private (mode 0600): {}", path.string(),
                                            std::system_category().message(saved)));
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::filesystem::path& home, Clock& clock) {
  BP_RETURN_IF_ERROR(EnsurePrivateDir(home));
  auto path = home / kCatalogFileName;
  BP_RETURN_IF_ERROR(EnsurePrivateFile(path));
  BP_ASSIGN_OR_RETURN(auto db, sink::SqliteDb::Open(path.string()));
  BP_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  std::unique_ptr<Catalog> catalog(new Catalog(home, std::move(db), clock));
  BP_RETURN_IF_ERROR(catalog->Migrate());
  return catalog;
}

Result<int> Catalog::SchemaVersion() {
  BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("PRAGMA user_version"));
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? static_cast<int>(stmt->ColumnInt(0)) : 0;
}

Status Catalog::Migrate() {
  const auto migrations = Migrations();
  const int newest = static_cast<int>(migrations.size());
  for (;;) {
    BP_ASSIGN_OR_RETURN(int version, SchemaVersion());
    if (version > newest) {
      return Fail(ErrorCode::kUnsupported,
                  fmt::format("The catalog {} was written by a newer billpipe (schema version {}; this billpipe "
                              "knows versions up to {}). Upgrade billpipe, or use another data directory "
                              "with --home.",
                              path().string(), version, newest));
    }
    if (version == newest) return Ok();
    // Another process may migrate at the same time: re-read the version inside the write lock.
    Status s = InTransaction([&]() -> Status {
      BP_ASSIGN_OR_RETURN(int locked_version, SchemaVersion());
      if (locked_version != version) return Ok();
      BP_RETURN_IF_ERROR(db_->Exec(migrations[static_cast<size_t>(version)]));
      return db_->Exec(fmt::format("PRAGMA user_version = {}", version + 1));
    });
    if (!s) {
      Error e = s.error();
      e.Context(fmt::format("upgrading the catalog to schema version {}", version + 1));
      return Fail(std::move(e));
    }
  }
}

Result<std::optional<std::string>> Catalog::GetMeta(std::string_view key) {
  BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT value FROM meta WHERE key = ?"));
  stmt->BindText(1, key);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->ColumnText(0));
}

Status Catalog::SetMeta(std::string_view key, std::string_view value) {
  BP_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO meta(key, value) VALUES (?, ?) "
                                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  stmt->BindText(1, key);
  stmt->BindText(2, value);
  return stmt->Run();
}

Result<const SecretBox*> Catalog::Secrets() {
  if (secrets_) return &*secrets_;
  BP_ASSIGN_OR_RETURN(auto check, GetMeta(kKeyCheckMeta));
  BP_ASSIGN_OR_RETURN(SecretBox box, SecretBox::Load(home_, /*may_create=*/!check.has_value()));
  if (check) {
    auto opened = box.Open(*check, kKeyCheckContext);
    if (!opened || *opened != kKeyCheckText) {
      return Fail(ErrorCode::kAuth,
                  fmt::format("The master key from {} is not the key this catalog's secrets were encrypted with. "
                              "Restore the original master key (the file {} in the data directory, or {}).",
                              box.source(), kMasterKeyFileName, kMasterKeyEnv));
    }
  } else {
    BP_ASSIGN_OR_RETURN(auto sealed, box.Seal(kKeyCheckText, kKeyCheckContext));
    BP_RETURN_IF_ERROR(SetMeta(kKeyCheckMeta, sealed));
  }
  secrets_.emplace(std::move(box));
  return &*secrets_;
}

Result<Catalog::KeyReset> Catalog::ResetMasterKey() {
  BP_ASSIGN_OR_RETURN(auto check, GetMeta(kKeyCheckMeta));
  if (check) {
    auto box = SecretBox::Load(home_, /*may_create=*/false);
    if (box) {
      auto opened = box->Open(*check, kKeyCheckContext);
      if (opened && *opened == kKeyCheckText) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("The master key from {} opens this catalog: there is nothing to reset.",
                                box->source()));
      }
    }
  }
  BP_ASSIGN_OR_RETURN(auto sealed, db_->Prepare("SELECT name FROM accounts WHERE secret_sealed <> '' OR "
                                                "token_sealed <> '' OR external_id_sealed <> '' ORDER BY name"));
  std::vector<std::string> holders;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, sealed->Step());
    if (!row) break;
    holders.push_back(fmt::format("'{}'", sealed->ColumnText(0)));
  }
  if (!holders.empty()) {
    std::string names;
    for (const auto& h : holders) names += (names.empty() ? "" : ", ") + h;
    return Fail(ErrorCode::kConflict,
                fmt::format("The master key cannot be reset: the secrets of {} {} are sealed with it. Restore the "
                            "original key (the file {} in the data directory, or {}), or delete {} with billpipe "
                            "account delete NAME --force and add {} again.",
                            holders.size() == 1 ? "account" : "accounts", names, kMasterKeyFileName, kMasterKeyEnv,
                            holders.size() == 1 ? "it" : "them", holders.size() == 1 ? "it" : "them"));
  }
  KeyReset reset;
  auto key_file = home_ / kMasterKeyFileName;
  std::error_code ec;
  if (std::filesystem::exists(key_file, ec)) {
    reset.old_key_file = home_ / fmt::format("{}.lost-{}", kMasterKeyFileName, NowMillis());
    std::filesystem::rename(key_file, reset.old_key_file, ec);
    if (ec) {
      return Fail(ErrorCode::kIo, fmt::format("cannot move the old key file {} aside: {}", key_file.string(),
                                              ec.message()));
    }
  }
  BP_RETURN_IF_ERROR(db_->Exec(fmt::format("DELETE FROM meta WHERE key = '{}'", kKeyCheckMeta)));
  secrets_.reset();
  BP_ASSIGN_OR_RETURN(const SecretBox* box, Secrets());
  reset.key_source = box->source();
  return reset;
}

}  // namespace billpipe::catalog
