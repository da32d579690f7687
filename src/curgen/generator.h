// The CUR generator: writes a realistic legacy Cost and Usage Report layout (CSV, gzip or ZIP) through
// an ObjectWriter, exactly as AWS lays it out in S3 (../shared/CUR_FORMAT.md, docs/curgen.md), and
// returns the exact totals of what it wrote.
//
// Layout, create-new versioning (K assemblies per month):
//   <prefix>/<report>/<YYYYMMDD>-<YYYYMMDD>/<report>-Manifest.json            newest assembly's manifest
//   <prefix>/<report>/<YYYYMMDD>-<YYYYMMDD>/<assemblyId>/<report>-Manifest.json
//   <prefix>/<report>/<YYYYMMDD>-<YYYYMMDD>/<assemblyId>/<report>-<n>.csv.gz  (n = 1..files)
// Overwrite versioning: the same without the <assemblyId>/ folder (one version per period).
//
// Every older assembly of a month is a month-to-date prefix of the next one (the same lines, in the
// same order, up to a cut-off day) except for identity/LineItemId, which AWS does not keep stable across
// versions, and bill/InvoiceId, filled only in the newest assembly of an invoiced month.
// Output is a pure function of the options: the same options give the same bytes.
// Memory does not grow with the number of line items.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "curgen/compressed_output.h"
#include "curgen/expected_totals.h"
#include "curgen/object_writer.h"
#include "util/status.h"

namespace billpipe::curgen {

enum class Versioning { kCreateNew, kOverwrite };
enum class TimeUnit { kHourly, kDaily };
enum class MonthStatus { kInvoiced, kEstimated };

struct CurgenOptions {
  std::string bucket = "billing";         // the manifest's "bucket" (objects go where the writer puts them)
  std::string prefix = "cur";             // report path prefix, no leading or trailing '/'; may be empty
  std::string report_name = "billpipe-demo";
  int start_year = 2019;
  int start_month = 12;                   // 1..12
  int months = 1;                         // consecutive billing periods from the start month
  uint64_t line_items_per_month = 1000;   // lines in the newest version of each month
  TimeUnit time_unit = TimeUnit::kHourly;
  int files_per_period = 1;               // data files per assembly: <report>-1 ... <report>-N
  int file_number_width = 1;              // 1: "-1"; 5: "-00001" (both seen from AWS)
  Compression compression = Compression::kGzip;
  Versioning versioning = Versioning::kCreateNew;
  int assemblies_per_month = 1;           // create-new only: versions written per month
  // One entry per month (oldest first). Empty: every month invoiced except the last, which is estimated.
  std::vector<MonthStatus> month_status;
  bool tag_drift = true;                  // user tag columns appear and disappear month to month
  uint64_t seed = 1;
};

// Refuses impossible options with kInvalidArgument, naming the option and the valid choices.
Status ValidateOptions(const CurgenOptions& options);

// The options as written into expected.json's "generator" field.
nlohmann::ordered_json OptionsJson(const CurgenOptions& options);

// Writes the whole layout. Objects are closed one by one; on error, objects already written stay.
Result<GeneratedReport> GenerateCur(const CurgenOptions& options, ObjectWriter& writer);

}  // namespace billpipe::curgen
