#include "cur/export_layout.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cur/json_object_reader.h"
#include "cur/report.h"
#include "cur/report_reader.h"

namespace billpipe::cur {
namespace {

using namespace std::chrono;

bool HasColumn(std::span<const ExportColumn> columns, std::string_view name) {
  return std::any_of(columns.begin(), columns.end(), [&](const ExportColumn& c) { return c.name == name; });
}

constexpr std::array<std::string_view, 4> kCur2MapColumns = {"product", "resource_tags", "cost_category",
                                                            "discount"};
constexpr std::array<std::string_view, 1> kFocusMapColumns = {"Tags"};

// Whether every '/'-separated segment of key is a plain name (not empty, ".", "..").
bool PlainSegments(std::string_view key) {
  while (true) {
    size_t slash = key.find('/');
    std::string_view segment = key.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    key.remove_prefix(slash + 1);
  }
}

// The folder of a key: "a/b/c" -> "a/b/".
std::string_view FolderOf(std::string_view key) {
  size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : key.substr(0, slash + 1);
}

}  // namespace

std::string_view ExportKindName(ExportKind kind) {
  switch (kind) {
    case ExportKind::kCur2: return "CUR 2.0";
    case ExportKind::kFocus10: return "FOCUS 1.0";
    case ExportKind::kFocus12: return "FOCUS 1.2";
  }
  return "CUR 2.0";
}

std::string_view ExportDeliveryName(ExportDelivery delivery) {
  switch (delivery) {
    case ExportDelivery::kCreateNew: return "create-new";
    case ExportDelivery::kOverwrite: return "overwrite";
    case ExportDelivery::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string PartitionName(const BillingPeriod& period) {
  year_month_day ymd{period.start};
  return fmt::format("BILLING_PERIOD={:04d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()));
}

std::optional<BillingPeriod> ParsePartitionName(std::string_view name) {
  constexpr std::string_view kKey = "BILLING_PERIOD=";
  if (!name.starts_with(kKey) || name.size() != kKey.size() + 7) return std::nullopt;
  std::string_view v = name.substr(kKey.size());  // "2024-05"
  if (v[4] != '-') return std::nullopt;
  int y = 0, m = 0;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (v[i] < '0' || v[i] > '9') return std::nullopt;
    (i < 4 ? y : m) = (i < 4 ? y : m) * 10 + (v[i] - '0');
  }
  year_month ym{year{y}, month{static_cast<unsigned>(m)}};
  if (m < 1 || m > 12 || !ym.ok()) return std::nullopt;
  return BillingPeriod{sys_days{ym / 1}, sys_days{(ym + months{1}) / 1}};
}

Result<ExportKind> DetectExportKind(std::span<const ExportColumn> columns) {
  if (HasColumn(columns, "line_item_usage_start_date") && HasColumn(columns, "line_item_unblended_cost")) {
    return ExportKind::kCur2;
  }
  if (HasColumn(columns, "ChargePeriodStart") && HasColumn(columns, "BilledCost")) {
    return HasColumn(columns, "InvoiceId") ? ExportKind::kFocus12 : ExportKind::kFocus10;
  }
  return Fail(ErrorCode::kBadData,
              "the export's columns are neither CUR 2.0 (line_item_usage_start_date and line_item_unblended_cost) "
              "nor FOCUS (ChargePeriodStart and BilledCost)");
}

ExportColumnRoles ExportRoles(ExportKind kind) {
  switch (kind) {
    case ExportKind::kCur2:
      return {"line_item_usage_start_date", "bill_invoice_id", "line_item_unblended_cost", "line_item_usage_amount"};
    case ExportKind::kFocus10: return {"ChargePeriodStart", "", "BilledCost", "ConsumedQuantity"};
    case ExportKind::kFocus12: return {"ChargePeriodStart", "InvoiceId", "BilledCost", "ConsumedQuantity"};
  }
  return {};
}

Result<ExportColumnRoles> ResolveColumnRoles(ExportKind kind, std::span<const ExportColumn> columns) {
  ExportColumnRoles roles = ExportRoles(kind);
  for (const std::string* required : {&roles.usage_start, &roles.invoice_id, &roles.cost}) {
    if (!required->empty() && !HasColumn(columns, *required)) {
      return Fail(ErrorCode::kBadData, fmt::format("the {} export has no column \"{}\": add it to the export's "
                                                   "query",
                                                   ExportKindName(kind), *required));
    }
  }
  if (!HasColumn(columns, roles.usage_amount)) roles.usage_amount.clear();
  return roles;
}

Status CheckInvoiceFilter(ExportKind kind, std::string_view filter) {
  if (filter == "All" || !ExportRoles(kind).invoice_id.empty()) return Ok();
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("the {} filter needs an invoice column, and {} exports have none (InvoiceId came with "
                          "FOCUS 1.2): use the All filter, or a FOCUS 1.2 or CUR 2.0 export",
                          filter, ExportKindName(kind)));
}

std::span<const std::string_view> MapColumns(ExportKind kind) {
  if (kind == ExportKind::kCur2) return kCur2MapColumns;
  return kFocusMapColumns;
}

bool IsMapColumn(ExportKind kind, std::string_view column) {
  auto maps = MapColumns(kind);
  return std::find(maps.begin(), maps.end(), column) != maps.end();
}

std::optional<std::string> CheckMapValue(std::string_view column, std::string_view value) {
  if (value.empty()) return std::nullopt;
  // The fast reader decides for nearly every value; nlohmann's parser only explains a bad one.
  if (JsonObjectReader::IsObject(value)) return std::nullopt;
  size_t first = value.find_first_not_of(" \t\r\n");
  // accept() runs the parser without building the value (and without recursion: deep nesting is fine).
  if (first != std::string_view::npos && value[first] == '{' && nlohmann::json::accept(value)) return std::nullopt;
  nlohmann::json parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Where it stops being JSON, without the text itself: parse again for the position.
    try {
      nlohmann::json again = nlohmann::json::parse(value);
      (void)again;
    } catch (const nlohmann::json::parse_error& e) {
      return fmt::format("map column \"{}\" is not JSON: syntax error at byte {}", column, e.byte);
    }
    return fmt::format("map column \"{}\" is not JSON", column);
  }
  std::string_view kind = parsed.is_array()     ? "a JSON array"
                          : parsed.is_string()  ? "a JSON string"
                          : parsed.is_boolean() ? "a JSON boolean"
                          : parsed.is_null()    ? "null"
                                                : "a JSON number";
  return fmt::format("map column \"{}\" holds {}, expected a JSON object", column, kind);
}

ExportDelivery DetectDelivery(const ExportLocation& location, const BillingPeriod& period,
                              const ExportManifest& manifest, bool metadata_has_subfolders) {
  if (manifest.data_files.empty()) {
    return metadata_has_subfolders ? ExportDelivery::kCreateNew : ExportDelivery::kOverwrite;
  }
  std::string data_folder = location.DataFolder(period);
  std::string suffix = "-" + manifest.execution_id + "/";
  bool all_direct = true, all_in_execution = true;
  for (const ExportDataFile& file : manifest.data_files) {
    std::string_view folder = FolderOf(file.key);
    all_direct = all_direct && folder == data_folder;
    bool in_execution = folder.starts_with(data_folder) && folder.size() > data_folder.size() + suffix.size() &&
                        folder.ends_with(suffix) &&
                        folder.substr(data_folder.size()).find('/') == folder.size() - data_folder.size() - 1;
    all_in_execution = all_in_execution && in_execution;
  }
  if (all_in_execution) return ExportDelivery::kCreateNew;
  if (all_direct) return ExportDelivery::kOverwrite;
  return ExportDelivery::kUnknown;
}

Status CheckDataFilesConfined(const ExportLocation& location, const ExportManifest& manifest) {
  std::string data_root = location.DataRoot();
  for (size_t i = 0; i < manifest.data_files.size(); ++i) {
    const ExportDataFile& file = manifest.data_files[i];
    std::string problem;
    if (file.bucket != location.bucket) {
      problem = fmt::format("is in bucket \"{}\", not the export's bucket \"{}\"", ShownFromBucket(file.bucket),
                            location.bucket);
    } else if (!PlainSegments(file.key)) {
      problem = "has an empty, \".\" or \"..\" path segment";
    } else if (!file.key.starts_with(data_root)) {
      problem = fmt::format("is outside the export's data folder {}", S3Url(location.bucket, data_root));
    }
    if (!problem.empty()) {
      Error error(ErrorCode::kBadData,
                  fmt::format("dataFiles[{}] {} {}: refused", i, ShownFromBucket(file.uri), problem));
      error.bucket = file.bucket;
      error.key = file.key;
      return Fail(std::move(error));
    }
  }
  return Ok();
}

std::string ExportVersionKey(ExportDelivery delivery, const ExportManifest& manifest,
                             std::span<const s3::ObjectInfo> files) {
  if (delivery == ExportDelivery::kCreateNew) return manifest.execution_id;
  std::vector<std::string> etags;
  etags.reserve(files.size());
  for (const s3::ObjectInfo& file : files) etags.push_back(file.etag);
  return KeyWithFileEtags(manifest.execution_id, etags);
}

std::string_view ExportPeriodStatusName(ExportPeriodStatus status) {
  switch (status) {
    case ExportPeriodStatus::kOpen: return "open";
    case ExportPeriodStatus::kClosed: return "closed";
    case ExportPeriodStatus::kRestated: return "restated";
  }
  return "open";
}

ExportPeriodStatus StatusWithoutInvoice(const BillingPeriod& period, SysTime now, std::string_view version_key,
                                        const std::optional<PriorPeriodState>& prior) {
  if (now <= SysTime(period.end) + kFocusClosedAfter) return ExportPeriodStatus::kOpen;
  if (!prior || prior->status == ExportPeriodStatus::kOpen) return ExportPeriodStatus::kClosed;
  if (prior->status == ExportPeriodStatus::kRestated || prior->version_key != version_key) {
    return ExportPeriodStatus::kRestated;
  }
  return ExportPeriodStatus::kClosed;
}

namespace {

// Reads and checks the manifest at manifest_key (the top-level one or an execution's own); errors name
// the period and the key.
Result<ExportPeriodVersion> ReadDelivery(s3::ObjectStore& store, const ExportLocation& location,
                                         const BillingPeriod& period, std::string manifest_key,
                                         const s3::Listing& listing) {
  ExportPeriodVersion v;
  v.period = period;
  v.manifest_key = std::move(manifest_key);
  auto fail = [&](Error error) -> std::unexpected<Error> {
    error.Context(fmt::format("export period {} ({})", period.Label(), S3Url(location.bucket, v.manifest_key)));
    if (error.key.empty()) {
      error.bucket = location.bucket;
      error.key = v.manifest_key;
    }
    return std::unexpected<Error>(std::move(error));
  };
  auto text = store.GetSmall(location.bucket, v.manifest_key, kMaxManifestBytes);
  if (!text) return fail(std::move(text).error());
  auto manifest = ParseExportManifest(*text);
  if (!manifest) return fail(std::move(manifest).error());
  v.manifest = std::move(*manifest);
  auto kind = DetectExportKind(v.manifest.columns);
  if (!kind) return fail(std::move(kind).error());
  v.kind = *kind;
  auto roles = ResolveColumnRoles(v.kind, v.manifest.columns);
  if (!roles) return fail(std::move(roles).error());
  v.roles = std::move(*roles);
  if (auto confined = CheckDataFilesConfined(location, v.manifest); !confined) {
    return fail(std::move(confined).error());
  }
  for (size_t i = 0; i < v.manifest.data_files.size(); ++i) {
    const ExportDataFile& file = v.manifest.data_files[i];
    // The format is the files': the loader picks the batch source by it (Parquet once its source lands).
    std::string format = file.key.ends_with(".parquet") ? "parquet" : file.key.ends_with(".csv.gz") ? "csv" : "";
    if (format.empty()) {
      return fail(Error(ErrorCode::kBadData, fmt::format("dataFiles[{}] {} ends in neither .csv.gz nor .parquet", i,
                                                         ShownFromBucket(file.uri))));
    }
    if (i > 0 && format != v.format) {
      return fail(Error(ErrorCode::kBadData, fmt::format("dataFiles[{}] {} is {}, dataFiles[0] is {}: one delivery "
                                                         "has one format",
                                                         i, ShownFromBucket(file.uri), format, v.format)));
    }
    v.format = format;
    v.compression = format == "csv" ? "gzip" : "none";
    auto head = store.Head(location.bucket, file.key);
    if (!head) {
      Error error = std::move(head).error();
      if (error.code == ErrorCode::kNotFound) {
        error.message = fmt::format("data file dataFiles[{}] {} is missing", i, ShownFromBucket(file.uri));
      }
      error.bucket = location.bucket;
      error.key = file.key;
      return fail(std::move(error));
    }
    v.files.push_back(std::move(*head));
  }
  v.delivery = DetectDelivery(location, period, v.manifest, !listing.common_prefixes.empty());
  v.version_key = ExportVersionKey(v.delivery, v.manifest, v.files);
  return v;
}

}  // namespace

Result<ExportPeriodVersion> ReadExportPeriod(s3::ObjectStore& store, const ExportLocation& location,
                                             const BillingPeriod& period) {
  const std::string manifest_key = location.ManifestKey(period);
  auto fail = [&](Error error) -> std::unexpected<Error> {
    error.Context(fmt::format("export period {} ({})", period.Label(), S3Url(location.bucket, manifest_key)));
    if (error.key.empty()) {
      error.bucket = location.bucket;
      error.key = manifest_key;
    }
    return std::unexpected<Error>(std::move(error));
  };
  auto listing = store.List(location.bucket, location.MetadataFolder(period), "/");
  if (!listing) return fail(std::move(listing).error());
  auto found = std::find_if(listing->objects.begin(), listing->objects.end(),
                            [&](const s3::ObjectInfo& o) { return o.key == manifest_key; });
  if (found == listing->objects.end()) return fail(Error(ErrorCode::kNotFound, "the manifest is missing"));
  BP_ASSIGN_OR_RETURN(auto v, ReadDelivery(store, location, period, manifest_key, *listing));
  v.manifest_object = *found;
  return v;
}

Result<ExportPeriodVersion> ReadExportExecution(s3::ObjectStore& store, const ExportLocation& location,
                                                const BillingPeriod& period, std::string_view execution_id) {
  const std::string folder = location.MetadataFolder(period);
  BP_ASSIGN_OR_RETURN(auto listing, store.List(location.bucket, folder, "/"));
  const std::string suffix = fmt::format("-{}/", execution_id);
  for (const std::string& sub : listing.common_prefixes) {
    if (!sub.ends_with(suffix) || sub.size() <= folder.size() + suffix.size()) continue;
    BP_ASSIGN_OR_RETURN(auto v, ReadDelivery(store, location, period, sub + location.name + "-Manifest.json", listing));
    // An execution's own manifest describes that execution only.
    v.delivery = ExportDelivery::kCreateNew;
    v.version_key = ExportVersionKey(v.delivery, v.manifest, v.files);
    if (v.version_key != execution_id) break;
    return v;
  }
  Error error(ErrorCode::kNotFound,
              fmt::format("export period {}: execution {} is no longer in {}", period.Label(),
                          ShownFromBucket(execution_id), S3Url(location.bucket, folder)));
  error.bucket = location.bucket;
  error.key = folder;
  return Fail(std::move(error));
}

}  // namespace billpipe::cur
