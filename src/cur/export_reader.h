// The report reader for AWS Data Exports (CUR 2.0 and FOCUS, cur/export_layout.h): periods in
// `<prefix><export>/metadata/BILLING_PERIOD=YYYY-MM/`, the newest delivery of each named by its top-level
// manifest only (execution folders are never listed to find files), versions by executionId (create new)
// or executionId plus the data files' ETags (overwrite). The kind (CUR 2.0, FOCUS 1.0, FOCUS 1.2) is told
// per period from the manifest's columns; the file format (gzip CSV, Parquet) from the data files' names,
// and flows to the loader in PeriodVersion::format.
#pragma once

#include <string>

#include "cur/export_layout.h"
#include "cur/report_reader.h"

namespace billpipe::cur {

// The columns a run's rollup groups by for an export of this kind (also what a report loaded as FOCUS
// groups by).
RollupDimensions ExportDimensions(ExportKind kind);

class ExportReader final : public ReportReader {
 public:
  // prefix as the user gives it ("" or "cur" or "cur/").
  ExportReader(s3::ObjectStore& store, std::string bucket, std::string prefix, std::string name);

  ReportKind kind() const override { return ReportKind::kDataExport; }
  std::string Describe() const override;
  Status CheckExists() override;
  Result<std::vector<BillingPeriod>> PeriodsIn(const DateWindow& window) override;
  // Reads the top-level manifest and HEADs every data file (the version key of an overwrite delivery is
  // made of their ETags), so the version comes back with sizes and ETags filled in.
  Result<std::optional<PeriodVersion>> Newest(const BillingPeriod& period) override;
  // The newest delivery, or in create-new mode an older execution's own manifest
  // (`metadata/BILLING_PERIOD=.../<timestamp>-<executionId>/`), which AWS keeps.
  Result<PeriodVersion> Version(const BillingPeriod& period, std::string_view version_key) override;
  Status StatFiles(PeriodVersion& version) override;

  const ExportLocation& location() const { return location_; }

 private:
  s3::ObjectStore& store_;
  std::string prefix_;  // as given
  ExportLocation location_;
};

// The PeriodVersion of a delivery ReadExportPeriod read: columns typed from the manifest's types
// (timestamp -> DateTime; decimal, double, float -> OptionalBigDecimal; anything else String; the usage
// start always DateTime, the cost always a decimal), roles and map columns of its kind, files with their
// HEADs, format and compression from the files' names.
PeriodVersion DescribeExportVersion(const ExportLocation& location, const ExportPeriodVersion& delivery);

}  // namespace billpipe::cur
