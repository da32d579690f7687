#include "cur/export_discovery.h"

#include <algorithm>

#include <fmt/format.h>

#include "cur/manifest.h"

namespace billpipe::cur {
namespace {

ExportPeriodSummary ReadPeriodSummary(s3::ObjectStore& store, const ExportLocation& location,
                                      const BillingPeriod& period, const s3::Listing& metadata) {
  ExportPeriodSummary summary;
  summary.period = period;
  summary.manifest_key = location.ManifestKey(period);
  std::string where = S3Url(location.bucket, summary.manifest_key);
  auto found = std::find_if(metadata.objects.begin(), metadata.objects.end(),
                            [&](const s3::ObjectInfo& o) { return o.key == summary.manifest_key; });
  if (found == metadata.objects.end()) {
    summary.error = fmt::format("{} is missing", where);
    return summary;
  }
  summary.last_modified = found->last_modified;
  summary.etag = found->etag;
  auto text = store.GetSmall(location.bucket, summary.manifest_key, kMaxManifestBytes);
  if (!text) {
    summary.error = text.error().message;
    return summary;
  }
  auto manifest = ParseExportManifest(*text);
  if (!manifest) {
    summary.error = fmt::format("{}: {}", where, manifest.error().message);
    return summary;
  }
  summary.execution_id = manifest->execution_id;
  summary.column_count = manifest->columns.size();
  summary.data_file_count = manifest->data_files.size();
  if (!manifest->data_files.empty() && manifest->data_files.front().key.ends_with(".parquet")) {
    summary.format = "parquet";
  }
  summary.delivery = DetectDelivery(location, period, *manifest, !metadata.common_prefixes.empty());
  auto kind = DetectExportKind(manifest->columns);
  if (!kind) {
    summary.error = fmt::format("{}: {}", where, kind.error().message);
    return summary;
  }
  summary.kind = *kind;
  if (auto confined = CheckDataFilesConfined(location, *manifest); !confined) {
    summary.error = fmt::format("{}: {}", where, confined.error().message);
  }
  return summary;
}

}  // namespace

Result<ExportSummary> DescribeExport(s3::ObjectStore& store, const ReportSummary& report) {
  if (report.format != ReportFormat::kDataExport) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} is a {} report, not a data export",
                            S3Url(report.location.bucket, report.location.Root()), ReportFormatName(report.format)));
  }
  ExportSummary summary;
  summary.location = {report.location.bucket, report.location.prefix, report.location.name};
  for (const PeriodSummary& listed : report.periods) {
    BP_ASSIGN_OR_RETURN(s3::Listing metadata,
                        store.List(summary.location.bucket, summary.location.MetadataFolder(listed.period), "/"));
    summary.periods.push_back(ReadPeriodSummary(store, summary.location, listed.period, metadata));
  }
  for (auto it = summary.periods.rbegin(); it != summary.periods.rend(); ++it) {
    if (!it->error.empty() || !it->kind) continue;
    summary.kind = it->kind;
    summary.delivery = it->delivery;
    summary.column_count = it->column_count;
    summary.format = it->format;
    summary.compression = it->format == "parquet" ? "none" : "gzip";
    break;
  }
  return summary;
}

Result<ReportSummary> SelectReportOrExport(const std::vector<ReportSummary>& reports, const std::string& bucket,
                                           const std::string& prefix, const std::string& name, ReportPick pick) {
  BP_RETURN_IF_ERROR(ValidateReportName(name));
  auto is_export = [](const ReportSummary& r) { return r.format == ReportFormat::kDataExport; };
  std::vector<ReportSummary> candidates;
  for (const ReportSummary& report : reports) {
    if (report.location.name != name) {
      candidates.push_back(report);  // kept: SelectReport names the reports there when nothing matches
      continue;
    }
    if (pick == ReportPick::kLegacy && is_export(report)) continue;
    if (pick == ReportPick::kExport && !is_export(report)) continue;
    candidates.push_back(report);
  }
  std::vector<const ReportSummary*> matches;
  for (const ReportSummary& report : candidates) {
    if (report.location.name == name) matches.push_back(&report);
  }
  for (const ReportSummary* a : matches) {
    for (const ReportSummary* b : matches) {
      if (is_export(*a) && !is_export(*b) && a->location.prefix == b->location.prefix) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("report \"{}\" under {} is both a legacy Cost and Usage Report ({}) and a data export "
                                "({}): pick one with --report-type legacy-cur or --report-type data-export (a "
                                "dataset's report_type)",
                                name, S3Url(bucket, a->location.prefix), S3Url(bucket, b->location.Root()),
                                S3Url(bucket, a->location.Root() + "data/")));
      }
    }
  }
  if (matches.size() == 1 && is_export(*matches.front())) return *matches.front();
  return SelectReport(candidates, bucket, prefix, name);
}

}  // namespace billpipe::cur
