// A dataset as the user defines it: Details (account, report, filter, window), Scheduling (schedule,
// retry, update method) and Name & Describe. Stored in the catalog (datasets.h); exported to and
// imported from TOML (dataset_toml.h). Validation happens before anything is saved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/dataset_spec.h"
#include "catalog/retry.h"
#include "catalog/schedule.h"
#include "util/status.h"

namespace billpipe::catalog {

inline constexpr const char* kReportTypeCostAndUsage = "cost-and-usage";  // cur::ParseReportType: any kind
inline constexpr size_t kMaxDescriptionLength = 1000;
inline constexpr int kDefaultKeepVersions = 1;
inline constexpr int kMaxKeepVersions = 1000;       // as `billpipe run --keep-versions`
inline constexpr int kMaxRetentionMonths = 1200;    // as `billpipe run --retention-months`
inline constexpr size_t kMaxDestinationLength = 4096;
inline constexpr size_t kMaxDestinationPasswordLength = 1024;

struct DatasetDefinition {
  int64_t id = 0;                 // 0 until stored
  std::string name;               // sink::ValidateDatasetName
  std::string description;

  // Details
  std::string account;            // the account's name; empty when detached (its account was deleted)
  std::string report_type = kReportTypeCostAndUsage;
  pipeline::Filter filter = pipeline::Filter::kAll;
  // The dataset's columns: the report's own, or FOCUS 1.2 from any report (docs/exports.md).
  pipeline::OutputSchema schema = pipeline::OutputSchema::kCur;
  std::string bucket;
  std::string prefix;             // the report path prefix, without leading or trailing '/'
  std::string report_name;
  pipeline::Duration duration;

  // Scheduling
  Schedule schedule;       // schedule.start_at is "start later"; anchor = start_at or created_at
  RetryPolicy retry;
  pipeline::UpdateMethod update_method = pipeline::UpdateMethod::kReplace;
  // What `billpipe run` also sets (--keep-versions, --retention-months, --skip-bad-rows).
  int keep_versions = kDefaultKeepVersions;  // earlier dataset versions kept for restore, 0..kMaxKeepVersions
  int retention_months = 0;                  // partition: drop periods older than this (0 keeps all)
  bool skip_bad_rows = false;                // skip and count malformed rows instead of failing the run

  // Destination: where runs load the rows. Empty: the data directory's SQLite file
  // (sink::DefaultDestination); else as `billpipe run --to` takes it (sink::ValidateDestination: never
  // with a password in it).
  std::string destination;
  // Whether the catalog holds a password for the destination (sealed; DatasetStore::DestinationPassword).
  // The password itself is never in a DatasetDefinition, so printing one cannot leak it.
  bool destination_password_stored = false;

  // State kept by the catalog
  bool paused = false;
  std::string pause_reason;
  std::optional<SysTime> next_run_at;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Checks every field; the error says which field is wrong and what is allowed. Returns warnings
// (a schedule more often than once a day, Estimated with a long or specific window) on success.
// Whether the account exists is the store's check, not this one.
Result<std::vector<std::string>> ValidateDefinition(const DatasetDefinition& def, Date today);

// The duration flags of the CLI (and TOML): --date D (a single date), --days-back N (the single day
// N days back, the same as --date Nd: "Days Back" of a Specific Date), or --start S --end E (a range:
// "Days back to start from" / "Days back to end at", both days included); each date YYYY-MM-DD or Nd.
// Exactly one form; kInvalidArgument otherwise.
struct DurationFlags {
  std::optional<std::string> date;
  std::optional<int> days_back;
  std::optional<std::string> start;
  std::optional<std::string> end;
  bool any() const { return date || days_back || start || end; }
};
Result<pipeline::Duration> ParseDurationFlags(const DurationFlags& flags);
// "2024-01-05", "10d", or "10d to 0d" / "2024-01-01 to 2024-01-31".
std::string DurationToString(const pipeline::Duration& duration);

// The report's path prefix cleaned of leading and trailing slashes ("/cur/" → "cur").
std::string NormalizePrefix(std::string_view prefix);

}  // namespace billpipe::catalog
