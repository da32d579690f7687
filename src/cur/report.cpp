#include "cur/report.h"

#include <algorithm>

#include <fmt/format.h>

namespace billpipe::cur {
namespace {

// AWS Cost and Usage Report API limits (PutReportDefinition: ReportName and S3Prefix, at most 256).
constexpr size_t kMaxReportNameLength = 256;
constexpr size_t kMaxReportPrefixLength = 256;

bool IsReportNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         std::string_view("!-_.*'()").find(c) != std::string_view::npos;
}

}  // namespace

std::string_view ReportFormatName(ReportFormat format) {
  switch (format) {
    case ReportFormat::kLegacyCsv: return "legacy CSV";
    case ReportFormat::kLegacyParquet: return "legacy Parquet";
    case ReportFormat::kDataExport: return "CUR 2.0 / FOCUS export";
  }
  return "unknown";
}

std::string_view ReportLayoutName(ReportLayout layout) {
  switch (layout) {
    case ReportLayout::kCreateNew: return "create-new";
    case ReportLayout::kOverwrite: return "overwrite";
    case ReportLayout::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string S3Url(std::string_view bucket, std::string_view key) {
  return fmt::format("s3://{}/{}", bucket, key);
}

Status ValidateReportName(std::string_view name) {
  if (name.empty() || name.size() > kMaxReportNameLength || !std::all_of(name.begin(), name.end(), IsReportNameChar)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("\"{}\" is not a valid report name: a report name has 1 to {} characters, each a "
                            "letter, a digit or one of ! - _ . * ' ( )",
                            name, kMaxReportNameLength));
  }
  return Ok();
}

Status ValidateReportPrefix(std::string_view prefix) {
  if (prefix.size() > kMaxReportPrefixLength ||
      !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c == '/' || IsReportNameChar(c); })) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("\"{}\" is not a valid report path prefix: a prefix has at most {} characters, each "
                            "a letter, a digit or one of ! - _ . * ' ( ) /",
                            prefix, kMaxReportPrefixLength));
  }
  return Ok();
}

std::string PrefixAsFolder(std::string_view prefix) {
  std::string folder(prefix);
  if (!folder.empty() && folder.back() != '/') folder += '/';
  return folder;
}

ReportLayout DetectLayout(const LegacyManifest& manifest, std::string_view period_folder, bool has_subfolders) {
  if (manifest.report_keys.empty()) return has_subfolders ? ReportLayout::kCreateNew : ReportLayout::kOverwrite;
  std::string assembly_folder = fmt::format("{}{}/", period_folder, manifest.assembly_id);
  bool all_in_assembly = true;
  bool all_in_period = true;
  for (const std::string& key : manifest.report_keys) {
    std::string_view k = key;
    all_in_assembly = all_in_assembly && !manifest.assembly_id.empty() && k.starts_with(assembly_folder) &&
                      k.find('/', assembly_folder.size()) == std::string_view::npos;
    all_in_period = all_in_period && k.starts_with(period_folder) &&
                    k.find('/', period_folder.size()) == std::string_view::npos;
  }
  if (all_in_assembly) return ReportLayout::kCreateNew;
  if (all_in_period) return ReportLayout::kOverwrite;
  return ReportLayout::kUnknown;
}

}  // namespace billpipe::cur
