// The report reader seam: one implementation per kind of report (legacy CUR now; CUR 2.0 / FOCUS data
// exports next). A reader knows where a kind of report keeps its periods, versions and manifests, and
// describes one version of one billing period as a PeriodVersion: everything the loader needs, and
// nothing it would have to know the report kind for. The pipeline picks the batch source by the
// version's format and compression and finds the columns it needs by their roles, never by CUR names.
//
// To add a report kind: implement ReportReader in cur/ (see legacy_cur_reader.h), add its ReportKind and
// a case in OpenReportReader. docs/architecture.md, "Report readers".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cur/billing_period.h"
#include "cur/report.h"
#include "codec/decoder.h"
#include "s3/object_store.h"
#include "table/batch_source.h"
#include "table/batch_transform.h"
#include "table/column_type.h"
#include "util/status.h"

namespace billpipe::cur {

enum class ReportKind : uint8_t {
  kLegacyCur,   // CUR 1.0 (legacy CSV): cur/legacy_cur_reader.h
  kDataExport,  // AWS Data Exports, CUR 2.0 and FOCUS (gzip CSV, or Parquet once read): cur/export_reader.h
  kAny,         // whichever of the two the name is under the prefix (a name that is both is refused)
};
std::string_view ReportKindName(ReportKind kind);  // "legacy CUR", "data export", "any"

// A dataset's report_type (catalog, --report-type) and the kind it stands for:
//   "cost-and-usage" -> kAny (the default: a legacy report or an export, whichever the name is),
//   "legacy-cur" -> kLegacyCur, "data-export" -> kDataExport. kInvalidArgument naming the three otherwise.
inline constexpr std::string_view kReportTypeAny = "cost-and-usage";
inline constexpr std::string_view kReportTypeLegacy = "legacy-cur";
inline constexpr std::string_view kReportTypeExport = "data-export";
Result<ReportKind> ParseReportType(std::string_view report_type);
std::string_view ReportTypeName(ReportKind kind);

// The key of a version whose files may be rewritten in place (overwrite mode): base, then a hash
// (FNV-1a over each ETag followed by a separator) of the files' ETags in order: "<base>/<16 hex digits>".
// One function for every reader, so equal files give equal keys whatever the report kind.
std::string KeyWithFileEtags(std::string_view base, const std::vector<std::string>& etags);

// One data file of a version.
struct DataFile {
  std::string key;   // bucket-relative
  int64_t size = 0;  // bytes; 0 until StatFiles
  std::string etag;  // "" until StatFiles
};

// One column of a version's files, typed (the report's own type, or for reports that give none the
// type documented for that column, else String).
struct ReportColumn {
  std::string name;  // as the files name it: a CSV header, e.g. "lineItem/UsageStartDate"
  table::ColumnType type = table::ColumnType::kString;
  friend bool operator==(const ReportColumn&, const ReportColumn&) = default;
};

// The columns that play the parts the loader needs, by ReportColumn::name; "" when the version has no
// such column (only invoice_id may be missing in a valid report).
struct ColumnRoles {
  std::string usage_start;   // the date window applies to it (a timestamp)
  std::string invoice_id;    // non-empty on invoiced lines: the Invoiced / Estimated filter, finality
  std::string cost;          // the cost the run totals exactly
  std::string usage_amount;  // the usage quantity
  std::string line_item_id;  // identifies a line; optional (a sharded destination spreads rows by it)
  // Map columns (CUR 2.0 resource_tags, cost_category, product, discount; FOCUS Tags): each non-empty
  // value must be a JSON object (cur::CheckMapValue), else the row is a bad row; stored as that text.
  std::vector<std::string> json_objects;
};

// What a run's rollup groups by (docs/datacenter.md "Fast charts"): one column per dimension, by
// ReportColumn::name; "" where the kind has none. "COLUMN.KEY" names the KEY of a map column (CUR 2.0
// keeps the region in its product map: "product.region").
struct RollupDimensions {
  std::string account, service, region, usage_type, line_item_type;
};

// One version of one billing period, as the loader needs it.
struct PeriodVersion {
  BillingPeriod period;
  // Identifies the version: equal keys, same data. Opaque (an assemblyId, an ETag hash, an executionId).
  std::string version_key;
  std::string bucket;
  std::string description_key;  // the manifest (or other object) the version is described in
  table::DataFormat format = table::DataFormat::kCsv;
  codec::Compression compression = codec::Compression::kNone;  // of each file as a byte stream
  std::vector<DataFile> files;    // in order
  std::vector<ReportColumn> columns;  // every column the files may have, in the report's order
  ColumnRoles roles;
  RollupDimensions dimensions;
  // What the version is, for messages and `reports`: "legacy CUR", "CUR 2.0", "FOCUS 1.0", "FOCUS 1.2".
  std::string kind_name = "legacy CUR";
  // The dataset columns keep the files' own names (exports: they already fit SQL) instead of the Athena
  // names of cur/column_names.h (legacy "lineItem/UsageStartDate" -> line_item_usage_start_date).
  bool keep_column_names = false;
  // When roles.invoice_id is empty (FOCUS 1.0) a period's finality comes from the date
  // (cur::StatusWithoutInvoice): open, then closed 15 days after its end, restated by a later delivery.

  // Set when the dataset's rows are made from the files' rows by a transform (cur/focus_transform.h,
  // --schema focus): the loader reads the files as `file_columns` say and applies `transform` to every
  // file's batches, which then have `columns`. Null: the files' columns are `columns`.
  std::shared_ptr<const table::BatchTransform> transform;
  std::vector<ReportColumn> file_columns;
};

// The Invoiced and Estimated filters need the version's invoice column: kInvalidArgument saying why for a
// version without one (FOCUS 1.0). filter_name: "invoiced", "estimated" or "all" (always fine).
Status CheckFilterApplies(const PeriodVersion& version, std::string_view filter_name);

class ReportReader {
 public:
  ReportReader() = default;
  ReportReader(const ReportReader&) = delete;
  ReportReader& operator=(const ReportReader&) = delete;
  virtual ~ReportReader() = default;

  virtual ReportKind kind() const = 0;
  // For messages: "s3://bucket/cur/name/".
  virtual std::string Describe() const = 0;

  // Fails (kNotFound, naming the reports that are there) unless the report exists; also checks the
  // location (kInvalidArgument). Called before anything else is read.
  virtual Status CheckExists() = 0;

  // The billing periods that overlap the window, oldest first, whether or not they have data yet.
  // A window overlapping more than kMaxPeriodsInWindow periods: kInvalidArgument.
  virtual Result<std::vector<BillingPeriod>> PeriodsIn(const DateWindow& window) = 0;

  // The newest version of a period; nullopt when the period has no report yet. Reads only what says
  // which version is newest (a listing and a manifest): files have no size or ETag yet (StatFiles).
  virtual Result<std::optional<PeriodVersion>> Newest(const BillingPeriod& period) = 0;

  // The version with this key (the newest or an older one the bucket still holds). kNotFound when the
  // bucket no longer has it.
  virtual Result<PeriodVersion> Version(const BillingPeriod& period, std::string_view version_key) = 0;

  // Fills in every file's size and ETag: kNotFound naming a file that does not exist.
  virtual Status StatFiles(PeriodVersion& version) = 0;
};

// The reader for a kind of report at a location.
// prefix as the user gives it ("" or "cur" or "cur/").
std::unique_ptr<ReportReader> OpenReportReader(ReportKind kind, s3::ObjectStore& store, std::string bucket,
                                               std::string prefix, std::string name);

}  // namespace billpipe::cur
