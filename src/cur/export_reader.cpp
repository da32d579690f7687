#include "cur/export_reader.h"

#include <algorithm>

#include <fmt/format.h>

#include "cur/export_discovery.h"
#include "cur/report_discovery.h"

namespace billpipe::cur {
namespace {

table::ColumnType ExportColumnType(std::string_view type) {
  std::string t(type);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "timestamp" || t == "datetime") return table::ColumnType::kDateTime;
  if (t == "decimal" || t == "double" || t == "float" || t == "bigdecimal" || t.starts_with("decimal(")) {
    return table::ColumnType::kOptionalBigDecimal;
  }
  return table::ColumnType::kString;
}

}  // namespace

// The columns a run's rollup groups by: CUR 2.0 keeps the region in its product map; FOCUS has no line
// item type, its ChargeCategory (Usage, Tax, Credit, Purchase) stands in.
RollupDimensions ExportDimensions(ExportKind kind) {
  if (kind == ExportKind::kCur2) {
    return {"line_item_usage_account_id", "line_item_product_code", "product.region", "line_item_usage_type",
            "line_item_line_item_type"};
  }
  return {"SubAccountId", "x_ServiceCode", "RegionId", "x_UsageType", "ChargeCategory"};
}

PeriodVersion DescribeExportVersion(const ExportLocation& location, const ExportPeriodVersion& delivery) {
  PeriodVersion v;
  v.period = delivery.period;
  v.version_key = delivery.version_key;
  v.bucket = location.bucket;
  v.description_key = delivery.manifest_key;
  v.format = delivery.format == "parquet" ? table::DataFormat::kParquet : table::DataFormat::kCsv;
  v.compression = delivery.compression == "gzip" ? codec::Compression::kGzip : codec::Compression::kNone;
  v.kind_name = std::string(ExportKindName(delivery.kind));
  for (size_t i = 0; i < delivery.manifest.data_files.size(); ++i) {
    const s3::ObjectInfo* head = i < delivery.files.size() ? &delivery.files[i] : nullptr;
    v.files.push_back(DataFile{delivery.manifest.data_files[i].key, head ? static_cast<int64_t>(head->size) : 0,
                               head ? head->etag : ""});
  }
  const ExportColumnRoles& roles = delivery.roles;
  v.columns.reserve(delivery.manifest.columns.size());
  for (const ExportColumn& c : delivery.manifest.columns) {
    table::ColumnType type = ExportColumnType(c.type);
    // The window is applied to the usage start and the cost is totalled exactly, whatever the types say.
    if (c.name == roles.usage_start) type = table::ColumnType::kDateTime;
    if (c.name == roles.cost) type = table::ColumnType::kOptionalBigDecimal;
    if (IsMapColumn(delivery.kind, c.name)) {
      type = table::ColumnType::kOptionalString;  // an empty map value is NULL, which JSON functions skip
      v.roles.json_objects.push_back(c.name);
    }
    v.columns.push_back(ReportColumn{c.name, type});
  }
  v.roles.usage_start = roles.usage_start;
  v.roles.invoice_id = roles.invoice_id;
  v.roles.cost = roles.cost;
  v.roles.usage_amount = roles.usage_amount;
  v.roles.line_item_id = "";  // exports have no line item id column
  v.dimensions = ExportDimensions(delivery.kind);
  v.keep_column_names = true;
  return v;
}

ExportReader::ExportReader(s3::ObjectStore& store, std::string bucket, std::string prefix, std::string name)
    : store_(store), prefix_(std::move(prefix)),
      location_{std::move(bucket), PrefixAsFolder(prefix_), std::move(name)} {}

std::string ExportReader::Describe() const { return S3Url(location_.bucket, location_.Root()); }

Status ExportReader::CheckExists() {
  BP_RETURN_IF_ERROR(ValidateReportName(location_.name));
  BP_RETURN_IF_ERROR(ValidateReportPrefix(prefix_));
  BP_ASSIGN_OR_RETURN(auto listing, store_.List(location_.bucket, location_.MetadataRoot(), "/"));
  if (!listing.common_prefixes.empty()) return Ok();
  BP_ASSIGN_OR_RETURN(auto reports, DiscoverReports(store_, location_.bucket, prefix_));
  BP_ASSIGN_OR_RETURN(auto selected,
                      SelectReportOrExport(reports, location_.bucket, prefix_, location_.name, ReportPick::kExport));
  if (selected.format != ReportFormat::kDataExport) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("report \"{}\" under {} is a {} report, not a data export: use --report-type {} (or {})",
                            location_.name, S3Url(location_.bucket, location_.prefix),
                            ReportFormatName(selected.format), kReportTypeLegacy, kReportTypeAny));
  }
  if (selected.location.prefix != location_.prefix) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("export \"{}\" is not directly under {}: it is under {}; give that prefix",
                            location_.name, S3Url(location_.bucket, location_.prefix),
                            S3Url(location_.bucket, selected.location.prefix)));
  }
  return Ok();
}

Result<std::vector<BillingPeriod>> ExportReader::PeriodsIn(const DateWindow& window) {
  BP_RETURN_IF_ERROR(CheckPeriodCount(window));
  return PeriodsOverlapping(window);
}

Result<std::optional<PeriodVersion>> ExportReader::Newest(const BillingPeriod& period) {
  auto delivery = ReadExportPeriod(store_, location_, period);
  if (!delivery) {
    // No top-level manifest yet: nothing delivered, or a first delivery still being written.
    if (delivery.error().code == ErrorCode::kNotFound && delivery.error().key == location_.ManifestKey(period)) {
      return std::optional<PeriodVersion>();
    }
    return Fail(std::move(delivery).error());
  }
  return std::optional<PeriodVersion>(DescribeExportVersion(location_, *delivery));
}

Result<PeriodVersion> ExportReader::Version(const BillingPeriod& period, std::string_view version_key) {
  BP_ASSIGN_OR_RETURN(auto newest, Newest(period));
  if (newest && newest->version_key == version_key) return std::move(*newest);
  BP_ASSIGN_OR_RETURN(auto older, ReadExportExecution(store_, location_, period, version_key));
  return DescribeExportVersion(location_, older);
}

Status ExportReader::StatFiles(PeriodVersion& version) {
  // Newest and Version HEAD every file already; a version built elsewhere is filled in here.
  for (DataFile& file : version.files) {
    if (!file.etag.empty()) continue;
    auto head = store_.Head(location_.bucket, file.key);
    if (!head) {
      Error error = std::move(head).error();
      error.Context(fmt::format("export period {}: data file {}", version.period.Label(),
                                S3Url(location_.bucket, ShownFromBucket(file.key))));
      return Fail(std::move(error));
    }
    file.size = static_cast<int64_t>(head->size);
    file.etag = head->etag;
  }
  return Ok();
}

}  // namespace billpipe::cur
