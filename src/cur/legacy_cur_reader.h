// The report reader for legacy Cost and Usage Reports (CUR 1.0): period folders
// `<prefix><name>/<YYYYMMDD-YYYYMMDD>/` with a top-level manifest each (cur/period_plan.h), versions by
// assemblyId (create-new mode) or by the ETags of the manifest and the files (overwrite mode).
//
// Reports for Athena (Parquet, always overwrite) keep their data in
// `<prefix><name>/<name>/year=YYYY/month=M/` (month not zero-padded) and a status table
// `cost_and_usage_data_status/cost_and_usage_data_status.parquet` (kStatusTableKey) at `<prefix><name>/` or
// beside the data folder, at `<prefix><name>/<name>/`. Its one row must say READY, else Newest fails
// with kRetryable ("AWS is still writing ..."). A period's manifest, when there is one, lists the Parquet
// files (compression "Parquet"); without one, the `.parquet` files in the period's month folder are its
// data, their columns the union of the files' own (types from the Parquet types and the column catalog),
// and the status table must exist. Parquet versions name columns and roles by their Athena names
// (cur/column_names.h), as the files do; their key is the manifest's ETag (or "athena") with a hash of
// the files' ETags.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cur/period_plan.h"
#include "cur/report_reader.h"

namespace billpipe::cur {

// The headers that play the loader's roles in a legacy report.
inline constexpr std::string_view kLegacyUsageStart = "lineItem/UsageStartDate";
inline constexpr std::string_view kLegacyInvoiceId = "bill/InvoiceId";
inline constexpr std::string_view kLegacyCost = "lineItem/UnblendedCost";
inline constexpr std::string_view kLegacyUsageAmount = "lineItem/UsageAmount";
inline constexpr std::string_view kLegacyLineItemId = "identity/LineItemId";

// The Athena status table, relative to `<prefix><name>/` or to `<prefix><name>/<name>/`.
inline constexpr std::string_view kStatusTableKey = "cost_and_usage_data_status/cost_and_usage_data_status.parquet";
inline constexpr std::string_view kStatusReady = "READY";

// The folder of a period's Parquet files: "cur/name/name/year=2018/month=5/".
std::string AthenaMonthFolder(const ReportLocation& location, const BillingPeriod& period);

class LegacyCurReader final : public ReportReader {
 public:
  // prefix as the user gives it ("" or "cur" or "cur/").
  LegacyCurReader(s3::ObjectStore& store, std::string bucket, std::string prefix, std::string name);

  ReportKind kind() const override { return ReportKind::kLegacyCur; }
  std::string Describe() const override;
  Status CheckExists() override;
  Result<std::vector<BillingPeriod>> PeriodsIn(const DateWindow& window) override;
  Result<std::optional<PeriodVersion>> Newest(const BillingPeriod& period) override;
  Result<PeriodVersion> Version(const BillingPeriod& period, std::string_view version_key) override;
  Status StatFiles(PeriodVersion& version) override;

  const ReportLocation& location() const { return location_; }

 private:
  // kRetryable unless the status table says READY; without a status table Ok unless `required`.
  Status CheckAthenaStatus(bool required, const BillingPeriod& period);
  // The period's version from its month folder of Parquet files (no manifest); nullopt when it has none.
  Result<std::optional<PeriodVersion>> AthenaVersion(const BillingPeriod& period);
  // A Parquet version's key: the manifest's ETag, and a hash of the files' ETags from their folders.
  Result<std::string> ParquetVersionKey(const PeriodPlan& plan);

  s3::ObjectStore& store_;
  std::string prefix_;  // as given
  ReportLocation location_;
  bool status_read_ = false;
  std::string status_key_;                 // where the status table was found; "" when it was not
  std::optional<std::string> status_value_;  // its one row's status
  std::optional<Error> status_error_;        // reading it failed
};

// The key of a planned version: the assemblyId in create-new mode; in overwrite mode, which replaces
// files in place, the manifest's ETag and a hash of the files' ETags from the period folder's listing
// (KeyWithFileEtags, shared with the export reader), so that a file rewritten under an unchanged manifest
// is a new version.
std::string LegacyVersionKey(const PeriodPlan& plan);

// The description of a legacy manifest's version: columns typed (the manifest's types, or for manifests
// before 2019 the types AWS documents, cur/column_catalog.h), roles, files, format. kUnsupported for a
// column type billpipe does not know. For Parquet (compression "Parquet") columns and roles get their
// Athena names (a later header with the same Athena name is left out: AWS writes one column).
Result<PeriodVersion> DescribeLegacyVersion(const LegacyManifest& manifest, const DataEncoding& encoding,
                                            const ReportLocation& location, const BillingPeriod& period,
                                            std::string version_key, std::string manifest_key);

// A column's manifest type, or for manifests before 2019 (no types) the type AWS documents for that
// column, else "String".
std::string LegacyColumnType(const ManifestColumn& column);

}  // namespace billpipe::cur
