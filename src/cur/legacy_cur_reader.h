// The report reader for legacy Cost and Usage Reports (CUR 1.0, CSV): period folders
// `<prefix><name>/<YYYYMMDD-YYYYMMDD>/` with a top-level manifest each (cur/period_plan.h), versions by
// assemblyId (create-new mode) or by the ETags of the manifest and the files (overwrite mode).
#pragma once

#include <memory>
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
  s3::ObjectStore& store_;
  std::string prefix_;  // as given
  ReportLocation location_;
};

// The key of a planned version: the assemblyId in create-new mode; in overwrite mode, which replaces
// files in place, the manifest's ETag and a hash of the files' ETags from the period folder's listing
// (KeyWithFileEtags, shared with the export reader), so that a file rewritten under an unchanged manifest
// is a new version.
std::string LegacyVersionKey(const PeriodPlan& plan);

// The description of a legacy manifest's version: columns typed (the manifest's types, or for manifests
// before 2019 the types AWS documents, cur/column_catalog.h), roles, files, format. kUnsupported for a
// column type billpipe does not know.
Result<PeriodVersion> DescribeLegacyVersion(const LegacyManifest& manifest, const DataEncoding& encoding,
                                            const ReportLocation& location, const BillingPeriod& period,
                                            std::string version_key, std::string manifest_key);

// A column's manifest type, or for manifests before 2019 (no types) the type AWS documents for that
// column, else "String".
std::string LegacyColumnType(const ManifestColumn& column);

}  // namespace billpipe::cur
