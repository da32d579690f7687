#include "cur/legacy_cur_reader.h"

#include <map>

#include <fmt/format.h>

#include "cur/column_catalog.h"
#include "cur/report_discovery.h"

namespace billpipe::cur {

std::string LegacyColumnType(const ManifestColumn& column) {
  if (!column.type.empty()) return column.type;
  if (auto i = FindCatalogColumn(column.category, column.name)) return std::string(ColumnCatalog()[*i].type);
  return "String";
}

std::string LegacyVersionKey(const PeriodPlan& plan) {
  if (plan.layout == ReportLayout::kCreateNew) return plan.version_key;
  std::map<std::string, std::string> etags;
  for (const auto& o : plan.folder_objects) etags[o.key] = o.etag;
  std::vector<std::string> file_etags;
  file_etags.reserve(plan.files.size());
  for (const auto& f : plan.files) file_etags.push_back(etags[f.key]);
  return KeyWithFileEtags(plan.version_key, file_etags);
}

Result<PeriodVersion> DescribeLegacyVersion(const LegacyManifest& manifest, const DataEncoding& encoding,
                                            const ReportLocation& location, const BillingPeriod& period,
                                            std::string version_key, std::string manifest_key) {
  PeriodVersion v;
  v.period = period;
  v.version_key = std::move(version_key);
  v.bucket = location.bucket;
  v.description_key = std::move(manifest_key);
  v.format = encoding.format;
  v.compression = encoding.compression;
  for (const auto& key : manifest.report_keys) v.files.push_back(DataFile{key, 0, ""});
  v.columns.reserve(manifest.columns.size());
  for (const auto& c : manifest.columns) {
    std::string header = c.Header();
    auto type = table::ColumnTypeFromName(LegacyColumnType(c));
    if (!type) {
      Error e = std::move(type).error();
      e.Context(fmt::format("period {} ({}), column {}", period.Label(), S3Url(location.bucket, v.description_key),
                            header));
      return Fail(std::move(e));
    }
    // The window is applied to the usage start, whatever the manifest says its type is.
    if (header == kLegacyUsageStart) *type = table::ColumnType::kDateTime;
    v.columns.push_back(ReportColumn{std::move(header), *type});
  }
  // The roles are the legacy headers whether or not this version lists them (the loader says which is
  // missing when it needs it).
  v.roles = ColumnRoles{std::string(kLegacyUsageStart), std::string(kLegacyInvoiceId), std::string(kLegacyCost),
                        std::string(kLegacyUsageAmount), std::string(kLegacyLineItemId), {}};
  return v;
}

LegacyCurReader::LegacyCurReader(s3::ObjectStore& store, std::string bucket, std::string prefix, std::string name)
    : store_(store), prefix_(std::move(prefix)),
      location_{std::move(bucket), PrefixAsFolder(prefix_), std::move(name)} {}

std::string LegacyCurReader::Describe() const { return S3Url(location_.bucket, location_.Root()); }

Status LegacyCurReader::CheckExists() {
  BP_RETURN_IF_ERROR(ValidateReportName(location_.name));
  BP_RETURN_IF_ERROR(ValidateReportPrefix(prefix_));
  BP_ASSIGN_OR_RETURN(auto listing, store_.List(location_.bucket, location_.Root(), "/"));
  if (!listing.common_prefixes.empty()) return Ok();
  BP_ASSIGN_OR_RETURN(auto reports, DiscoverReports(store_, location_.bucket, prefix_));
  BP_RETURN_IF_ERROR(SelectReport(reports, location_.bucket, prefix_, location_.name));
  return Ok();
}

Result<std::vector<BillingPeriod>> LegacyCurReader::PeriodsIn(const DateWindow& window) {
  BP_RETURN_IF_ERROR(CheckPeriodCount(window));
  return PeriodsOverlapping(window);
}

Result<std::optional<PeriodVersion>> LegacyCurReader::Newest(const BillingPeriod& period) {
  // Data files are asked about only for the periods that need loading (StatFiles): a run with nothing
  // new reads listings and manifests only.
  auto planned = PlanPeriod(store_, location_, period, FileCheck::kLater);
  if (!planned) {
    if (planned.error().code == ErrorCode::kNotFound && planned.error().key == location_.ManifestKey(period)) {
      return std::optional<PeriodVersion>();
    }
    return Fail(std::move(planned).error());
  }
  BP_ASSIGN_OR_RETURN(auto version, DescribeLegacyVersion(planned->manifest, planned->encoding, location_, period,
                                                          LegacyVersionKey(*planned), planned->manifest_key));
  return std::optional<PeriodVersion>(std::move(version));
}

Result<PeriodVersion> LegacyCurReader::Version(const BillingPeriod& period, std::string_view version_key) {
  BP_ASSIGN_OR_RETURN(auto newest, Newest(period));
  if (newest && newest->version_key == version_key) return std::move(*newest);
  // An older version: in create-new mode its assembly's own manifest, which AWS keeps.
  const std::string key = location_.PeriodFolder(period) + std::string(version_key) + "/" + location_.name +
                          "-Manifest.json";
  auto text = store_.GetSmall(location_.bucket, key, kMaxManifestBytes);
  if (!text) return Fail(std::move(text).error());
  auto manifest = ParseLegacyManifest(*text);
  if (!manifest) return Fail(std::move(manifest).error().Context(S3Url(location_.bucket, key)));
  BP_ASSIGN_OR_RETURN(DataEncoding encoding, CheckManifestFiles(*manifest, location_, period, key));
  return DescribeLegacyVersion(*manifest, encoding, location_, period, std::string(version_key), key);
}

Status LegacyCurReader::StatFiles(PeriodVersion& version) {
  PeriodPlan plan;
  plan.period = version.period;
  for (const auto& f : version.files) plan.files.push_back(s3::ObjectInfo{f.key, 0, "", ""});
  BP_RETURN_IF_ERROR(cur::StatFiles(store_, location_, plan));
  for (size_t i = 0; i < plan.files.size(); ++i) {
    version.files[i].size = static_cast<int64_t>(plan.files[i].size);
    version.files[i].etag = plan.files[i].etag;
  }
  return Ok();
}

}  // namespace billpipe::cur
