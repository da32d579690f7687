#include "catalog/datasets.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/secret_box.h"
#include "util/date.h"

namespace billpipe::catalog {
namespace {

constexpr std::string_view kColumns =
    "d.id, d.name, d.description, coalesce(a.name, ''), d.report_type, d.filter, d.bucket, d.prefix, "
    "d.report_name, d.duration_start, d.duration_end, d.update_method, d.schedule, d.schedule_start, d.retry, "
    "d.paused, d.pause_reason, d.next_run_at, d.created_at, d.updated_at, d.keep_versions, d.retention_months, "
    "d.skip_bad_rows, d.destination, d.destination_password_sealed <> '', d.output_schema";
constexpr std::string_view kFrom = "FROM datasets d LEFT JOIN accounts a ON a.id = d.account_id";
constexpr std::string_view kAccountDeletedPrefix = "account '";

SysTime Millis(int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }
int64_t ToMillis(SysTime t) { return t.time_since_epoch().count(); }

// Rows were validated on the way in; a row that no longer parses is a damaged catalog.
Result<DatasetDefinition> ReadDataset(const sink::SqliteStatement& s) {
  DatasetDefinition d;
  d.id = s.ColumnInt(0);
  d.name = s.ColumnText(1);
  d.description = s.ColumnText(2);
  d.account = s.ColumnText(3);
  d.report_type = s.ColumnText(4);
  auto damaged = [&](const Error& e) {
    return Fail(ErrorCode::kBadData,
                fmt::format("The catalog's dataset '{}' is damaged: {}", d.name, e.message));
  };
  auto filter = pipeline::ParseFilter(s.ColumnText(5));
  if (!filter) return damaged(filter.error());
  d.filter = *filter;
  d.bucket = s.ColumnText(6);
  d.prefix = s.ColumnText(7);
  d.report_name = s.ColumnText(8);
  auto start = pipeline::DateSpec::Parse(s.ColumnText(9));
  if (!start) return damaged(start.error());
  d.duration.start = *start;
  if (!s.ColumnIsNull(10)) {
    auto end = pipeline::DateSpec::Parse(s.ColumnText(10));
    if (!end) return damaged(end.error());
    d.duration.end = *end;
  }
  auto method = pipeline::ParseUpdateMethod(s.ColumnText(11));
  if (!method) return damaged(method.error());
  d.update_method = *method;
  auto schedule = Schedule::Parse(s.ColumnText(12));
  if (!schedule) return damaged(schedule.error());
  d.schedule = *schedule;
  if (!s.ColumnIsNull(13)) d.schedule.start_at = Millis(s.ColumnInt(13));
  auto retry = RetryPolicy::Parse(s.ColumnText(14));
  if (!retry) return damaged(retry.error());
  d.retry = *retry;
  d.paused = s.ColumnInt(15) != 0;
  d.pause_reason = s.ColumnText(16);
  if (!s.ColumnIsNull(17)) d.next_run_at = Millis(s.ColumnInt(17));
  d.created_at = s.ColumnInt(18);
  d.updated_at = s.ColumnInt(19);
  d.keep_versions = static_cast<int>(s.ColumnInt(20));
  d.retention_months = static_cast<int>(s.ColumnInt(21));
  d.skip_bad_rows = s.ColumnInt(22) != 0;
  d.destination = s.ColumnText(23);
  d.destination_password_stored = s.ColumnInt(24) != 0;
  auto schema = pipeline::ParseOutputSchema(s.ColumnText(25));
  if (!schema) return damaged(schema.error());
  d.schema = *schema;
  d.schedule.anchor = d.schedule.start_at.value_or(Millis(d.created_at));
  return d;
}

}  // namespace

// The dataset that already has this name, compared case-folded (SQLite folds table names, so two datasets
// whose names differ only in case would load into one table), other than except_id's.
Result<std::optional<std::string>> DatasetStore::NameTakenBy(std::string_view name, int64_t except_id) {
  BP_ASSIGN_OR_RETURN(auto stmt,
                      catalog_.db().Prepare("SELECT name FROM datasets WHERE name = ?1 COLLATE NOCASE AND id <> ?2"));
  stmt->BindText(1, name);
  stmt->BindInt(2, except_id);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->ColumnText(0));
}

Result<int64_t> DatasetStore::AccountId(std::string_view account) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare("SELECT id FROM accounts WHERE name = ?"));
  stmt->BindText(1, account);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (row) return stmt->ColumnInt(0);
  BP_ASSIGN_OR_RETURN(auto all, catalog_.db().Prepare("SELECT name FROM accounts ORDER BY name"));
  std::vector<std::string> names;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool r, all->Step());
    if (!r) break;
    names.push_back("'" + all->ColumnText(0) + "'");
  }
  if (account.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                names.empty() ? std::string("The account is missing: add one with 'billpipe account add', then give "
                                            "it with --account NAME.")
                              : fmt::format("The account is missing: give --account NAME. The accounts are: {}.",
                                            fmt::join(names, ", ")));
  }
  if (names.empty()) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("No account named '{}': there are no accounts yet. Add one with 'billpipe account add'.",
                            account));
  }
  return Fail(ErrorCode::kNotFound,
              fmt::format("No account named '{}'. The accounts are: {}.", account, fmt::join(names, ", ")));
}

Status DatasetStore::Write(DatasetDefinition& d, std::optional<int64_t> account_id, bool insert) {
  std::string sql =
      insert ? "INSERT INTO datasets(name, description, account_id, report_type, filter, bucket, prefix, report_name, "
               "duration_start, duration_end, update_method, schedule, schedule_start, retry, paused, pause_reason, "
               "next_run_at, created_at, updated_at, keep_versions, retention_months, skip_bad_rows, destination, "
               "output_schema) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
             : "UPDATE datasets SET name = ?, description = ?, account_id = ?, report_type = ?, filter = ?, "
               "bucket = ?, prefix = ?, report_name = ?, duration_start = ?, duration_end = ?, update_method = ?, "
               "schedule = ?, schedule_start = ?, retry = ?, paused = ?, pause_reason = ?, next_run_at = ?, "
               "created_at = ?, updated_at = ?, keep_versions = ?, retention_months = ?, skip_bad_rows = ?, "
               "destination = ?, output_schema = ? WHERE id = ?";
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(sql));
  std::string filter(pipeline::FilterName(d.filter)), start = d.duration.start.ToString(),
      end = d.duration.end ? d.duration.end->ToString() : "", method(pipeline::UpdateMethodName(d.update_method)),
      schedule = d.schedule.ToString(), retry = d.retry.ToString();
  stmt->BindText(1, d.name);
  stmt->BindText(2, d.description);
  if (account_id) stmt->BindInt(3, *account_id); else stmt->BindNull(3);
  stmt->BindText(4, d.report_type);
  stmt->BindText(5, filter);
  stmt->BindText(6, d.bucket);
  stmt->BindText(7, d.prefix);
  stmt->BindText(8, d.report_name);
  stmt->BindText(9, start);
  if (d.duration.end) stmt->BindText(10, end); else stmt->BindNull(10);
  stmt->BindText(11, method);
  stmt->BindText(12, schedule);
  if (d.schedule.start_at) stmt->BindInt(13, ToMillis(*d.schedule.start_at)); else stmt->BindNull(13);
  stmt->BindText(14, retry);
  stmt->BindInt(15, d.paused ? 1 : 0);
  stmt->BindText(16, d.pause_reason);
  if (d.next_run_at) stmt->BindInt(17, ToMillis(*d.next_run_at)); else stmt->BindNull(17);
  stmt->BindInt(18, d.created_at);
  stmt->BindInt(19, d.updated_at);
  stmt->BindInt(20, d.keep_versions);
  stmt->BindInt(21, d.retention_months);
  stmt->BindInt(22, d.skip_bad_rows ? 1 : 0);
  stmt->BindText(23, d.destination);
  stmt->BindText(24, pipeline::OutputSchemaName(d.schema));  // a static text: SQLITE_STATIC is safe
  if (!insert) stmt->BindInt(25, d.id);
  BP_RETURN_IF_ERROR(stmt->Run());
  if (insert) d.id = catalog_.db().LastInsertRowid();
  return Ok();
}

Result<DatasetStore::Saved> DatasetStore::Create(DatasetDefinition def) {
  Saved out;
  SysTime now = catalog_.clock().Now();
  def.prefix = NormalizePrefix(def.prefix);
  def.created_at = def.updated_at = ToMillis(now);
  def.schedule.anchor = def.schedule.start_at.value_or(now);
  def.paused = false;
  def.pause_reason.clear();
  BP_ASSIGN_OR_RETURN(out.warnings, ValidateDefinition(def, Date::Today(catalog_.clock())));
  def.next_run_at = FirstRun(def.schedule, now);
  Status s = catalog_.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(int64_t account_id, AccountId(def.account));
    BP_ASSIGN_OR_RETURN(std::optional<std::string> taken, NameTakenBy(def.name, /*except_id=*/0));
    if (taken) {
      return Fail(ErrorCode::kConflict,
                  fmt::format("A dataset named '{}' already exists{}. Choose another name, or change it with "
                              "'billpipe dataset edit {}'.",
                              *taken, *taken == def.name ? "" : " (dataset names that differ only in case are one name)",
                              *taken));
    }
    return Write(def, account_id, /*insert=*/true);
  });
  if (!s) return Fail(s.error());
  BP_ASSIGN_OR_RETURN(out.dataset, Get(def.name));
  return out;
}

Result<DatasetStore::Saved> DatasetStore::Update(std::string_view name, DatasetDefinition def) {
  Saved out;
  Status s = catalog_.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(DatasetDefinition old, Get(name));
    SysTime now = catalog_.clock().Now();
    def.id = old.id;
    def.created_at = old.created_at;
    def.updated_at = ToMillis(now);
    def.prefix = NormalizePrefix(def.prefix);
    def.schedule.anchor = def.schedule.start_at.value_or(SysTime(std::chrono::milliseconds(old.created_at)));
    BP_ASSIGN_OR_RETURN(out.warnings, ValidateDefinition(def, Date::Today(catalog_.clock())));
    if (def.name != old.name) {
      BP_ASSIGN_OR_RETURN(std::optional<std::string> taken, NameTakenBy(def.name, old.id));
      if (taken) {
        return Fail(ErrorCode::kConflict,
                    fmt::format("A dataset named '{}' already exists{}. Choose another name.", *taken,
                                *taken == def.name ? "" : " (dataset names that differ only in case are one name)"));
      }
    }
    std::optional<int64_t> account_id;
    if (!def.account.empty()) {
      BP_ASSIGN_OR_RETURN(account_id, AccountId(def.account));
      if (old.paused && old.account.empty() && old.pause_reason.starts_with(kAccountDeletedPrefix) && def.paused) {
        def.paused = false;  // the pause was only for the missing account
        def.pause_reason.clear();
      }
    } else if (!old.account.empty()) {
      BP_RETURN_IF_ERROR(AccountId(""));  // refuses, naming the accounts
    }
    if (def.account.empty() && !def.paused) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The dataset '{}' has no account (it was deleted): attach one with --account NAME "
                              "before resuming it.",
                              def.name));
    }
    bool schedule_changed = def.schedule.ToString() != old.schedule.ToString() ||
                            def.schedule.start_at != old.schedule.start_at || def.paused != old.paused;
    if (def.paused) {
      def.next_run_at.reset();
    } else if (schedule_changed || !old.next_run_at) {
      def.next_run_at = FirstRun(def.schedule, now);
    } else {
      def.next_run_at = old.next_run_at;
    }
    return Write(def, account_id, /*insert=*/false);
  });
  if (!s) return Fail(s.error());
  BP_ASSIGN_OR_RETURN(out.dataset, Get(def.name));
  return out;
}

Result<DatasetDefinition> DatasetStore::Get(std::string_view name) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(fmt::format("SELECT {} {} WHERE d.name = ?", kColumns, kFrom)));
  stmt->BindText(1, name);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (row) return ReadDataset(*stmt);
  BP_ASSIGN_OR_RETURN(auto all, catalog_.db().Prepare("SELECT name FROM datasets ORDER BY name"));
  std::vector<std::string> names;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool r, all->Step());
    if (!r) break;
    names.push_back("'" + all->ColumnText(0) + "'");
  }
  if (names.empty()) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("No dataset named '{}': there are no datasets yet. Create one with 'billpipe dataset "
                            "create'.",
                            name));
  }
  return Fail(ErrorCode::kNotFound,
              fmt::format("No dataset named '{}'. The datasets are: {}.", name, fmt::join(names, ", ")));
}

Result<std::vector<DatasetDefinition>> DatasetStore::List() {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(fmt::format("SELECT {} {} ORDER BY d.name", kColumns, kFrom)));
  std::vector<DatasetDefinition> out;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    BP_ASSIGN_OR_RETURN(auto d, ReadDataset(*stmt));
    out.push_back(std::move(d));
  }
  return out;
}

Status DatasetStore::Delete(std::string_view name) {
  return catalog_.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(DatasetDefinition d, Get(name));
    BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare("DELETE FROM datasets WHERE id = ?"));
    stmt->BindInt(1, d.id);
    return stmt->Run();
  });
}

namespace {
std::string PasswordContext(int64_t id) { return fmt::format("dataset {} destination password", id); }
}  // namespace

Result<std::string> DatasetStore::DestinationPassword(const DatasetDefinition& def) {
  if (!def.destination_password_stored) return std::string();
  BP_ASSIGN_OR_RETURN(auto stmt,
                      catalog_.db().Prepare("SELECT destination_password_sealed FROM datasets WHERE id = ?"));
  stmt->BindInt(1, def.id);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::string();
  std::string sealed = stmt->ColumnText(0);
  if (sealed.empty()) return std::string();
  BP_ASSIGN_OR_RETURN(const SecretBox* box, catalog_.Secrets());
  auto password = box->Open(sealed, PasswordContext(def.id));
  if (!password) {
    Error e = password.error();
    e.Context(fmt::format("The password stored for the destination of dataset '{}'", def.name));
    return Fail(std::move(e));
  }
  return std::move(*password);
}

Status DatasetStore::SetDestinationPassword(int64_t id, std::string_view password) {
  if (password.size() > kMaxDestinationPasswordLength) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The destination's password is {} characters long; the most allowed is {}.",
                            password.size(), kMaxDestinationPasswordLength));
  }
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The destination's password has a control character (a line break?); give it again without.");
    }
  }
  std::string sealed;
  if (!password.empty()) {
    BP_ASSIGN_OR_RETURN(const SecretBox* box, catalog_.Secrets());
    BP_ASSIGN_OR_RETURN(sealed, box->Seal(password, PasswordContext(id)));
  }
  BP_ASSIGN_OR_RETURN(auto stmt,
                      catalog_.db().Prepare("UPDATE datasets SET destination_password_sealed = ? WHERE id = ?"));
  stmt->BindText(1, sealed);
  stmt->BindInt(2, id);
  return stmt->Run();
}

Status DatasetStore::SetNextRun(int64_t id, std::optional<SysTime> next_run) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare("UPDATE datasets SET next_run_at = ? WHERE id = ?"));
  if (next_run) stmt->BindInt(1, ToMillis(*next_run)); else stmt->BindNull(1);
  stmt->BindInt(2, id);
  return stmt->Run();
}

}  // namespace billpipe::catalog
