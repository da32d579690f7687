#include "catalog/migrations.h"

#include <array>

namespace billpipe::catalog {
namespace {

// Times are milliseconds since the Unix epoch, UTC.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE accounts (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  source           TEXT NOT NULL CHECK (source IN ('keys', 'profile')),
  access_key_id    TEXT NOT NULL DEFAULT '',
  secret_sealed    TEXT NOT NULL DEFAULT '',   -- secret access key, sealed (secret_box.h)
  token_sealed     TEXT NOT NULL DEFAULT '',   -- session token, sealed; '' when none
  profile          TEXT NOT NULL DEFAULT '',
  region           TEXT NOT NULL DEFAULT '',
  endpoint         TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE TABLE datasets (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  description      TEXT NOT NULL DEFAULT '',
  account_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
  report_type      TEXT NOT NULL,
  filter           TEXT NOT NULL,
  bucket           TEXT NOT NULL,
  prefix           TEXT NOT NULL,
  report_name      TEXT NOT NULL,
  duration_start   TEXT NOT NULL,
  duration_end     TEXT,                      -- NULL: a single date
  update_method    TEXT NOT NULL,
  schedule         TEXT NOT NULL,             -- Schedule::ToString()
  schedule_start   INTEGER,                   -- start later: follow the schedule from here
  retry            TEXT NOT NULL,             -- RetryPolicy::ToString()
  paused           INTEGER NOT NULL DEFAULT 0,
  pause_reason     TEXT NOT NULL DEFAULT '',
  next_run_at      INTEGER,                   -- NULL: not scheduled (manual or paused)
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  dataset_id       INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  dataset_name     TEXT NOT NULL,             -- kept when the dataset is deleted
  trigger          TEXT NOT NULL CHECK (trigger IN ('schedule', 'retry', 'manual')),
  attempt          INTEGER NOT NULL DEFAULT 1,
  started_at       INTEGER NOT NULL,
  ended_at         INTEGER,                   -- NULL while running
  status           TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
  periods          INTEGER NOT NULL DEFAULT 0,
  line_items       INTEGER NOT NULL DEFAULT 0,
  error            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_dataset ON runs(dataset_name, started_at);
)sql";

// The daemon's retry state: how many retries of the current failure were made, and when the next is due.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE datasets ADD COLUMN retries_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN retry_at INTEGER;
)sql";

// What a saved dataset can set like `billpipe run` (issue 11 p): kept versions, partition retention,
// skipping bad rows.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE datasets ADD COLUMN keep_versions INTEGER NOT NULL DEFAULT 1;
ALTER TABLE datasets ADD COLUMN retention_months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN skip_bad_rows INTEGER NOT NULL DEFAULT 0;
)sql";

// Role accounts (issue 16): a third kind of account, 'role', an IAM role assumed with sts:AssumeRole
// from another account of the catalog (source_account_id) or from the ambient credential chain (NULL).
// SQLite cannot change a CHECK constraint in place, so the table is rebuilt. The foreign keys being on,
// dropping the old table detaches every dataset (ON DELETE SET NULL): their accounts are saved first
// and put back (the ids are kept).
constexpr std::string_view kRoleAccounts = R"sql(
CREATE TEMP TABLE role_accounts_dataset_accounts AS
  SELECT id, account_id FROM datasets WHERE account_id IS NOT NULL;
CREATE TABLE accounts_with_roles (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL UNIQUE,
  source             TEXT NOT NULL CHECK (source IN ('keys', 'profile', 'role')),
  access_key_id      TEXT NOT NULL DEFAULT '',
  secret_sealed      TEXT NOT NULL DEFAULT '',   -- secret access key, sealed (secret_box.h)
  token_sealed       TEXT NOT NULL DEFAULT '',   -- session token, sealed; '' when none
  profile            TEXT NOT NULL DEFAULT '',
  region             TEXT NOT NULL DEFAULT '',
  endpoint           TEXT NOT NULL DEFAULT '',
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  role_arn           TEXT NOT NULL DEFAULT '',   -- role: the role assumed
  external_id_sealed TEXT NOT NULL DEFAULT '',   -- role: its external id, sealed; '' when none
  external_id_hint   TEXT NOT NULL DEFAULT '',   -- role: what is shown of it ("…" + its last four characters)
  session_name       TEXT NOT NULL DEFAULT '',   -- role: '' for billpipe-<epoch ms>
  duration_seconds   INTEGER NOT NULL DEFAULT 0, -- role: 0 for STS's default
  source_account_id  INTEGER REFERENCES accounts(id)  -- role: the base credentials; NULL: the ambient chain
);
INSERT INTO accounts_with_roles(id, name, source, access_key_id, secret_sealed, token_sealed, profile, region,
                                endpoint, created_at, updated_at)
  SELECT id, name, source, access_key_id, secret_sealed, token_sealed, profile, region, endpoint, created_at,
         updated_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_with_roles RENAME TO accounts;
UPDATE datasets SET account_id = (SELECT t.account_id FROM role_accounts_dataset_accounts t WHERE t.id = datasets.id)
  WHERE id IN (SELECT id FROM role_accounts_dataset_accounts);
DROP TABLE role_accounts_dataset_accounts;
)sql";

// Where a dataset's rows go (issue 15): '' is the data directory's SQLite file, else a destination as
// `billpipe run --to` takes it (never with a password); the destination's password, sealed (secret_box.h,
// context "dataset ID destination password"), '' when none is stored.
constexpr std::string_view kDestinations = R"sql(
ALTER TABLE datasets ADD COLUMN destination TEXT NOT NULL DEFAULT '';
ALTER TABLE datasets ADD COLUMN destination_password_sealed TEXT NOT NULL DEFAULT '';
)sql";

// v6, the dataset's schema (issue 12, "FOCUS from any report"): 'cur' loads the report's own columns,
// 'focus' FOCUS 1.2 columns from any report (pipeline::OutputSchema). Existing datasets keep their columns.
constexpr std::string_view kOutputSchema = R"sql(
ALTER TABLE datasets ADD COLUMN output_schema TEXT NOT NULL DEFAULT 'cur';
)sql";

constexpr std::array<std::string_view, 6> kMigrations = {kV1, kV2, kV3, kRoleAccounts, kDestinations, kOutputSchema};

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

}  // namespace billpipe::catalog
