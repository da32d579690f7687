#include "cur/legacy_cur_reader.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "cur/column_catalog.h"
#include "cur/column_names.h"
#include "cur/report_discovery.h"
#include "parquet/file_reader.h"
#include "parquet/parquet_batch_source.h"
#include "s3/object_random_access.h"
#include "util/escape.h"

namespace billpipe::cur {
namespace {

// FNV-1a over the files' keys and ETags, as LegacyVersionKey hashes ETags.
uint64_t HashFiles(const std::vector<s3::ObjectInfo>& files) {
  uint64_t h = 14695981039346656037ull;
  auto add = [&](std::string_view text) {
    for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;  // a separator no key or ETag holds
  };
  for (const auto& f : files) {
    add(f.key);
    add(f.etag);
  }
  return h;
}

// The rollup's dimensions in a legacy report: its headers, or (Parquet) their Athena names.
RollupDimensions LegacyDimensions(bool athena) {
  auto name = [athena](std::string_view header) { return athena ? AthenaColumnName(header) : std::string(header); };
  return {name("lineItem/UsageAccountId"), name("lineItem/ProductCode"), name("product/region"),
          name("lineItem/UsageType"), name("lineItem/LineItemType")};
}

ColumnRoles AthenaRoles() {
  return ColumnRoles{AthenaColumnName(kLegacyUsageStart), AthenaColumnName(kLegacyInvoiceId),
                     AthenaColumnName(kLegacyCost), AthenaColumnName(kLegacyUsageAmount),
                     AthenaColumnName(kLegacyLineItemId), {}};
}

// The type of a Parquet column of an Athena report without a manifest: the column catalog's type for its
// Athena name when that fits the values' kind, else the kind's default (parquet::DefaultColumnType).
table::ColumnType AthenaColumnType(const std::string& name, parquet::ValueKind kind) {
  static const std::unordered_map<std::string, std::string_view> catalog = [] {
    std::unordered_map<std::string, std::string_view> by_name;
    for (const auto& c : ColumnCatalog()) by_name.emplace(AthenaColumnName(fmt::format("{}/{}", c.category, c.name)), c.type);
    return by_name;
  }();
  const table::ColumnType fallback = parquet::DefaultColumnType(kind);
  if (name == AthenaColumnName(kLegacyUsageStart)) return table::ColumnType::kDateTime;
  auto it = catalog.find(name);
  if (it == catalog.end()) return fallback;
  auto type = table::ColumnTypeFromName(it->second);
  if (!type) return fallback;
  const bool decimal = *type == table::ColumnType::kBigDecimal || *type == table::ColumnType::kOptionalBigDecimal;
  const bool text = *type == table::ColumnType::kString || *type == table::ColumnType::kOptionalString ||
                    *type == table::ColumnType::kInterval;
  if (fallback == table::ColumnType::kBigDecimal && decimal) return *type;
  if (fallback == table::ColumnType::kString && text) return *type;
  return fallback;
}

}  // namespace

std::string AthenaMonthFolder(const ReportLocation& location, const BillingPeriod& period) {
  const Date first = period.FirstDay();
  return fmt::format("{}{}/year={}/month={}/", location.Root(), location.name, first.year, first.month);
}

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
  v.dimensions = LegacyDimensions(false);
  if (v.format == table::DataFormat::kParquet) {
    // The files name columns as Athena does; two headers with one Athena name are one column there.
    std::set<std::string> seen;
    std::vector<ReportColumn> named;
    for (auto& c : v.columns) {
      std::string name = AthenaColumnName(c.name);
      if (name.empty() || !seen.insert(name).second) continue;
      named.push_back(ReportColumn{std::move(name), c.type});
    }
    v.columns = std::move(named);
    v.roles = AthenaRoles();
    v.dimensions = LegacyDimensions(true);
  }
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
      // No manifest: an Athena report may still have the period's files in its month folder.
      return AthenaVersion(period);
    }
    return Fail(std::move(planned).error());
  }
  std::string version_key;
  if (planned->encoding.format == table::DataFormat::kParquet) {
    BP_RETURN_IF_ERROR(CheckAthenaStatus(false, period));
    BP_ASSIGN_OR_RETURN(version_key, ParquetVersionKey(*planned));
  } else {
    version_key = LegacyVersionKey(*planned);
  }
  BP_ASSIGN_OR_RETURN(auto version, DescribeLegacyVersion(planned->manifest, planned->encoding, location_, period,
                                                          std::move(version_key), planned->manifest_key));
  return std::optional<PeriodVersion>(std::move(version));
}

Result<std::string> LegacyCurReader::ParquetVersionKey(const PeriodPlan& plan) {
  // Athena reports are always overwritten in place: the files' ETags, from a listing of each folder
  // holding one, say whether a file changed under an unchanged manifest.
  std::set<std::string> folders;
  for (const auto& f : plan.files) folders.insert(f.key.substr(0, f.key.rfind('/') + 1));
  std::map<std::string, std::string> etags;
  for (const auto& folder : folders) {
    BP_ASSIGN_OR_RETURN(auto listing, store_.List(location_.bucket, folder, "/"));
    for (const auto& o : listing.objects) etags[o.key] = o.etag;
  }
  std::vector<s3::ObjectInfo> files;
  for (const auto& f : plan.files) files.push_back(s3::ObjectInfo{f.key, 0, etags[f.key], ""});
  return fmt::format("{}/{:016x}", plan.manifest_object.etag, HashFiles(files));
}

Status LegacyCurReader::CheckAthenaStatus(bool required, const BillingPeriod& period) {
  if (!status_read_) {
    status_read_ = true;
    for (const std::string& key : {location_.Root() + std::string(kStatusTableKey),
                                   location_.Root() + location_.name + "/" + std::string(kStatusTableKey)}) {
      auto read = [&]() -> Result<std::optional<std::string>> {
        auto object = s3::ObjectRandomAccessSource::Open(store_, location_.bucket, key);
        if (!object && object.error().code == ErrorCode::kNotFound) return std::optional<std::string>();
        if (!object) return Fail(std::move(object).error());
        BP_ASSIGN_OR_RETURN(auto file, parquet::FileReader::Open(std::move(*object)));
        auto field = file->FindField("status");
        if (!field) {
          return Fail(ErrorCode::kBadData, fmt::format("{}: the status table has no column \"status\"", S3Url(location_.bucket, key)));
        }
        BP_RETURN_IF_ERROR(file->Select({*field}));
        std::vector<parquet::ColumnValues> rows;
        BP_ASSIGN_OR_RETURN(bool any, file->NextBatch(2, rows));
        if (!any || rows[0].size() != 1 || rows[0].is_null(0) || rows[0].kind != parquet::ValueKind::kString) {
          return Fail(ErrorCode::kBadData, fmt::format("{}: the status table should hold one row with a text status, "
                                                       "and holds {} rows",
                                                       S3Url(location_.bucket, key), file->num_rows()));
        }
        return std::optional<std::string>(std::string(rows[0].text(0)));
      };
      auto value = read();
      if (!value) {
        status_error_ = std::move(value).error();
        break;
      }
      if (*value) {
        status_key_ = key;
        status_value_ = std::move(*value);
        break;
      }
    }
  }
  if (status_error_) return Fail(*status_error_);
  if (!status_value_) {
    if (!required) return Ok();
    return Fail(ErrorCode::kNotFound,
                fmt::format("period {}: {} holds Parquet files but there is neither a manifest ({}) nor the Athena "
                            "status table ({} or {}), so billpipe cannot tell whether AWS has finished writing them",
                            period.Label(), S3Url(location_.bucket, AthenaMonthFolder(location_, period)),
                            S3Url(location_.bucket, location_.ManifestKey(period)),
                            S3Url(location_.bucket, location_.Root() + std::string(kStatusTableKey)),
                            S3Url(location_.bucket, location_.Root() + location_.name + "/" + std::string(kStatusTableKey))));
  }
  if (*status_value_ != kStatusReady) {
    return Fail(ErrorCode::kRetryable,
                fmt::format("AWS is still writing the report {}: its status table {} says \"{}\", not {}. Nothing "
                            "was loaded; run again later",
                            Describe(), S3Url(location_.bucket, status_key_), ShownValue(*status_value_), kStatusReady));
  }
  return Ok();
}

Result<std::optional<PeriodVersion>> LegacyCurReader::AthenaVersion(const BillingPeriod& period) {
  const std::string folder = AthenaMonthFolder(location_, period);
  BP_ASSIGN_OR_RETURN(auto listing, store_.List(location_.bucket, folder, "/"));
  std::vector<s3::ObjectInfo> files;
  for (const auto& o : listing.objects) {
    if (o.key.ends_with(".parquet")) files.push_back(o);
  }
  if (files.empty()) return std::optional<PeriodVersion>();
  BP_RETURN_IF_ERROR(CheckAthenaStatus(true, period));
  PeriodVersion v;
  v.period = period;
  v.version_key = fmt::format("athena/{:016x}", HashFiles(files));
  v.bucket = location_.bucket;
  v.description_key = folder;
  v.format = table::DataFormat::kParquet;
  v.compression = codec::Compression::kNone;
  v.roles = AthenaRoles();
  // The columns: the union of the files' own, in first-seen order (one footer read each).
  std::set<std::string> seen;
  for (const auto& f : files) {
    v.files.push_back(DataFile{f.key, static_cast<int64_t>(f.size), f.etag});
    auto file = parquet::FileReader::Open(s3::ObjectRandomAccessSource::FromInfo(store_, location_.bucket, f));
    if (!file) {
      Error e = std::move(file).error();
      e.Context(fmt::format("period {}", period.Label()));
      e.bucket = location_.bucket;
      e.key = f.key;
      return Fail(std::move(e));
    }
    for (const auto& field : (*file)->schema().fields) {
      if (!seen.insert(field.name).second) continue;
      v.columns.push_back(ReportColumn{field.name, AthenaColumnType(field.name, field.kind)});
    }
  }
  return std::optional<PeriodVersion>(std::move(v));
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
  // Versions read from a listing (Athena month folders) know their files already.
  if (std::all_of(version.files.begin(), version.files.end(), [](const DataFile& f) { return !f.etag.empty(); })) {
    return Ok();
  }
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
