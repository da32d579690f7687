// Where an AWS Data Exports export (CUR 2.0, FOCUS) lives in a bucket, how its deliveries are laid out,
// what kind of export it is, and the rules that depend on the kind (docs/exports.md,
// ../shared/CUR_FORMAT.md "CUR 2.0 and FOCUS"):
//
//   <prefix><export>/data/BILLING_PERIOD=YYYY-MM/[<timestamp>-<executionId>/]<export>-00001.csv.gz
//   <prefix><export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json          top-level, newest
//   <prefix><export>/metadata/BILLING_PERIOD=YYYY-MM/<timestamp>-<executionId>/<export>-Manifest.json
//
// Only the top-level manifest's dataFiles are read; execution folders are never listed to find files.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cur/billing_period.h"
#include "cur/export_manifest.h"
#include "s3/object_store.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::cur {

// What an export holds, told apart by its columns (DetectExportKind).
enum class ExportKind {
  kCur2,     // CUR 2.0: snake_case columns, map columns product, resource_tags, cost_category, discount
  kFocus10,  // FOCUS 1.0 (and any FOCUS export without InvoiceId): no invoice column
  kFocus12,  // FOCUS 1.2: InvoiceId present
};
// "CUR 2.0", "FOCUS 1.0", "FOCUS 1.2".
std::string_view ExportKindName(ExportKind kind);

// The delivery option of the export. kUnknown when the top-level manifest's files fit neither.
enum class ExportDelivery { kCreateNew, kOverwrite, kUnknown };
// "create-new", "overwrite", "unknown".
std::string_view ExportDeliveryName(ExportDelivery delivery);

// The partition folder name of a billing period: "BILLING_PERIOD=2024-05".
std::string PartitionName(const BillingPeriod& period);
// The month a partition folder name stands for: "BILLING_PERIOD=2024-05" -> May 2024; nullopt for
// anything else (not zero-padded, month 13, extra characters).
std::optional<BillingPeriod> ParsePartitionName(std::string_view name);

// An export's place: keys `<prefix><name>/data/...` and `<prefix><name>/metadata/...`.
struct ExportLocation {
  std::string bucket;
  std::string prefix;  // the export's S3 prefix as a folder: "" or ending in '/', e.g. "cur/"
  std::string name;    // the export name

  // "cur/name/".
  std::string Root() const { return prefix + name + "/"; }
  // "cur/name/data/": every data file of every period is under it.
  std::string DataRoot() const { return Root() + "data/"; }
  // "cur/name/metadata/".
  std::string MetadataRoot() const { return Root() + "metadata/"; }
  // "cur/name/data/BILLING_PERIOD=2024-05/".
  std::string DataFolder(const BillingPeriod& period) const { return DataRoot() + PartitionName(period) + "/"; }
  // "cur/name/metadata/BILLING_PERIOD=2024-05/".
  std::string MetadataFolder(const BillingPeriod& period) const {
    return MetadataRoot() + PartitionName(period) + "/";
  }
  // The top-level manifest: "cur/name/metadata/BILLING_PERIOD=2024-05/name-Manifest.json".
  std::string ManifestKey(const BillingPeriod& period) const {
    return MetadataFolder(period) + name + "-Manifest.json";
  }
};

// The kind of export whose manifest has these columns: CUR 2.0 when it has line_item_usage_start_date and
// line_item_unblended_cost; FOCUS when it has ChargePeriodStart and BilledCost, 1.2 when InvoiceId is
// there too, else 1.0. kBadData naming the columns looked for when neither fits.
Result<ExportKind> DetectExportKind(std::span<const ExportColumn> columns);

// The columns that play the roles the loader needs.
struct ExportColumnRoles {
  std::string usage_start;   // windows: line_item_usage_start_date / ChargePeriodStart
  std::string invoice_id;    // filter and finality: bill_invoice_id / InvoiceId; "" for FOCUS 1.0
  std::string cost;          // totals: line_item_unblended_cost / BilledCost
  std::string usage_amount;  // line_item_usage_amount / ConsumedQuantity
};
ExportColumnRoles ExportRoles(ExportKind kind);
// ExportRoles(kind), checked against the manifest's columns: kBadData naming a role column that is
// missing (an export whose query left out a column the loader needs). usage_amount may be missing (it is
// then ""): it is only summed for reports, never required.
Result<ExportColumnRoles> ResolveColumnRoles(ExportKind kind, std::span<const ExportColumn> columns);

// The Invoiced and Estimated filters read the invoice column; an export without one (FOCUS 1.0) refuses
// them with kInvalidArgument saying why. filter: "Invoiced", "Estimated" or "All" (All is always fine).
Status CheckInvoiceFilter(ExportKind kind, std::string_view filter);

// The map columns of a kind: CUR 2.0 product, resource_tags, cost_category, discount; FOCUS Tags. Their
// CSV values are JSON object text ({"user:team":"web"}), stored as that text.
std::span<const std::string_view> MapColumns(ExportKind kind);
bool IsMapColumn(ExportKind kind, std::string_view column);

// Checks one CSV value of a map column: "" (no value) or a JSON object passes (nullopt); anything else
// gives the row error's text, e.g. `map column "resource_tags" holds a JSON array, expected a JSON
// object` or `map column "Tags" is not JSON: syntax error at byte 7`. The value itself is never copied
// into the text (it came from the bucket).
std::optional<std::string> CheckMapValue(std::string_view column, std::string_view value);

// The delivery option the top-level manifest shows. With data files: all directly under
// `<data folder>/<timestamp>-<executionId>/` with the manifest's executionId -> kCreateNew; all directly in
// the period's data folder -> kOverwrite; else kUnknown. Without data files: kCreateNew when the
// period's metadata folder has subfolders (execution folders), else kOverwrite.
ExportDelivery DetectDelivery(const ExportLocation& location, const BillingPeriod& period,
                              const ExportManifest& manifest, bool metadata_has_subfolders);

// The bucket is not trusted: every dataFiles entry must be in the export's bucket and under the export's
// own data/ folder, with no empty, "." or ".." segment. kBadData naming the entry and why, e.g.
// `dataFiles[1] s3://other/x.csv.gz is in bucket "other", not the export's bucket "billing": refused`.
Status CheckDataFilesConfined(const ExportLocation& location, const ExportManifest& manifest);

// What identifies a delivery: the executionId in create-new mode; in overwrite mode (and kUnknown) the
// executionId plus a hash of the data files' ETags in manifest order ("<executionId>/<16 hex digits>"),
// so that files rewritten under an unchanged manifest are not missed. files: HEADs of the data files,
// in the manifest's order (ignored in create-new mode).
std::string ExportVersionKey(ExportDelivery delivery, const ExportManifest& manifest,
                             std::span<const s3::ObjectInfo> files);

// A period's status for an export without an invoice column (FOCUS 1.0), where lines cannot say whether
// they are final: `open` until the period ended more than kFocusClosedAfter ago, then `closed`, and
// `restated` when a delivery other than the one seen at closing arrives after that.
inline constexpr std::chrono::days kFocusClosedAfter{15};  // AWS may update a closed period for ~two weeks
enum class ExportPeriodStatus { kOpen, kClosed, kRestated };
std::string_view ExportPeriodStatusName(ExportPeriodStatus status);  // "open", "closed", "restated"
struct PriorPeriodState {
  ExportPeriodStatus status = ExportPeriodStatus::kOpen;
  std::string version_key;
};
// prior: what the dataset recorded for the period at its last load (nullopt: never loaded).
ExportPeriodStatus StatusWithoutInvoice(const BillingPeriod& period, SysTime now, std::string_view version_key,
                                        const std::optional<PriorPeriodState>& prior);

// The newest delivery of one period, as its top-level manifest names it.
struct ExportPeriodVersion {
  BillingPeriod period;
  std::string manifest_key;
  s3::ObjectInfo manifest_object;  // ETag and LastModified of the top-level manifest
  ExportManifest manifest;
  ExportKind kind = ExportKind::kCur2;
  ExportDelivery delivery = ExportDelivery::kUnknown;
  ExportColumnRoles roles;
  std::string format = "csv";       // "csv" (gzip CSV) or "parquet", from the data files' names
  std::string compression = "gzip";  // "gzip" for CSV, "none" for Parquet (compressed inside)
  std::vector<s3::ObjectInfo> files;  // one HEAD per dataFiles entry, in order; a size 0 file has no rows
  std::string version_key;
};

// Reads the top-level manifest of period and checks it: JSON, kind, role columns, confinement, every data
// file there (HEAD), file names ending in .csv.gz or .parquet, one format per delivery (kBadData). Errors
// name the period and key: "export period 2024-05 (s3://b/cur/e/metadata/BILLING_PERIOD=2024-05/e-Manifest.json): ...", with
// Error::bucket and Error::key set; kNotFound for a missing manifest or data file.
Result<ExportPeriodVersion> ReadExportPeriod(s3::ObjectStore& store, const ExportLocation& location,
                                             const BillingPeriod& period);

// An older create-new delivery: the manifest of the execution folder `<timestamp>-<execution_id>/` in the
// period's metadata folder, checked as ReadExportPeriod checks the top-level one (manifest_object is not
// filled). kNotFound when no such execution is there (overwrite mode keeps no older deliveries).
Result<ExportPeriodVersion> ReadExportExecution(s3::ObjectStore& store, const ExportLocation& location,
                                                const BillingPeriod& period, std::string_view execution_id);

}  // namespace billpipe::cur
