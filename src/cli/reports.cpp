// `billpipe reports s3://BUCKET[/PREFIX]`: the Cost and Usage Reports under a prefix (docs/reports.md).
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/reports.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "cur/export_discovery.h"
#include "cur/report_discovery.h"
#include "cur/report_reader.h"
#include "s3/s3_url.h"

namespace billpipe::cli {
namespace {

struct ReportsOptions {
  std::string url;
  std::string report;
  std::string report_type = "cost-and-usage";
  bool json = false;
  StoreOptions store;
};

std::string Version(const cur::PeriodSummary& p) {
  return p.layout == cur::ReportLayout::kCreateNew ? p.assembly_id : p.etag;
}

std::string_view FormatId(cur::ReportFormat format) {
  switch (format) {
    case cur::ReportFormat::kLegacyCsv: return "legacy-csv";
    case cur::ReportFormat::kLegacyParquet: return "legacy-parquet";
    case cur::ReportFormat::kDataExport: return "data-export";
  }
  return "unknown";
}

std::string ExportKindLabel(const cur::ExportSummary& e) {
  return e.kind ? fmt::format("{} export", cur::ExportKindName(*e.kind)) : "data export of unknown kind";
}

std::string_view ExportFormatLabel(const std::string& format) { return format == "parquet" ? "Parquet" : "gzip CSV"; }

void PrintExportText(const cur::ExportSummary& e) {
  std::cout << fmt::format("  {}, {} delivery, {}, {} columns, {} billing period{}\n", ExportKindLabel(e),
                           cur::ExportDeliveryName(e.delivery), ExportFormatLabel(e.format), e.column_count,
                           e.periods.size(), e.periods.size() == 1 ? "" : "s");
  for (const cur::ExportPeriodSummary& p : e.periods) {
    if (!p.error.empty()) {
      std::cout << fmt::format("  {}  error: {}\n", p.period.Label(), p.error);
    } else if (p.delivery == cur::ExportDelivery::kCreateNew) {
      std::cout << fmt::format("  {}  execution {}  delivered {}\n", p.period.Label(), p.execution_id,
                               p.last_modified);
    } else {
      std::cout << fmt::format("  {}  execution {}  ETag {}  delivered {}\n", p.period.Label(), p.execution_id,
                               p.etag, p.last_modified);
    }
  }
}

void PrintText(const app::DiscoveredReports& found, const std::string& where) {
  const std::vector<cur::ReportSummary>& reports = found.reports;
  if (reports.empty()) {
    std::cout << fmt::format("No Cost and Usage Report under {}.\n", where);
    return;
  }
  for (size_t i = 0; i < reports.size(); ++i) {
    const cur::ReportSummary& r = reports[i];
    std::cout << fmt::format("{}  {}\n", r.location.name, cur::S3Url(r.location.bucket, r.location.Root()));
    if (i < found.exports.size() && found.exports[i]) {
      PrintExportText(*found.exports[i]);
      continue;
    }
    if (!r.supported()) {
      std::vector<std::string> labels;
      for (const auto& p : r.periods) labels.push_back(p.period.Label());
      std::cout << fmt::format("  {}: not supported yet; billing periods: {}\n", cur::ReportFormatName(r.format),
                               labels.empty() ? "none" : fmt::format("{}", fmt::join(labels, ", ")));
      continue;
    }
    // A Parquet report without manifests has its columns in the files only.
    const std::string columns = r.column_count == 0 && r.format == cur::ReportFormat::kLegacyParquet
                                    ? "columns from the files"
                                    : fmt::format("{} columns", r.column_count);
    std::cout << fmt::format("  {}, {} versions, {}, {}, {} billing period{}\n", cur::ReportFormatName(r.format),
                             cur::ReportLayoutName(r.layout),
                             r.compression.empty() ? "compression unknown" : r.compression, columns,
                             r.periods.size(), r.periods.size() == 1 ? "" : "s");
    for (const cur::PeriodSummary& p : r.periods) {
      if (!p.error.empty()) {
        std::cout << fmt::format("  {}  error: {}\n", p.period.Label(), p.error);
      } else if (!p.data_folder.empty()) {
        std::cout << fmt::format("  {}  no manifest: the Parquet files in {} are the period's data\n",
                                 p.period.Label(), cur::S3Url(r.location.bucket, p.data_folder));
      } else if (p.layout == cur::ReportLayout::kCreateNew) {
        std::cout << fmt::format("  {}  assembly {}  delivered {}\n", p.period.Label(), p.assembly_id,
                                 p.last_modified);
      } else {
        std::cout << fmt::format("  {}  assembly {}  ETag {}  delivered {}\n", p.period.Label(), p.assembly_id,
                                 p.etag, p.last_modified);
      }
    }
  }
}

nlohmann::ordered_json ExportJson(const cur::ExportSummary& e) {
  nlohmann::ordered_json j;
  j["kind"] = e.kind ? nlohmann::ordered_json(cur::ExportKindName(*e.kind)) : nlohmann::ordered_json();
  j["delivery"] = cur::ExportDeliveryName(e.delivery);
  j["file_format"] = e.format;
  j["compression"] = e.compression;
  j["columns"] = e.column_count;
  j["periods"] = nlohmann::ordered_json::array();
  for (const cur::ExportPeriodSummary& p : e.periods) {
    nlohmann::ordered_json period;
    period["period"] = p.period.Label();
    period["start"] = cur::FormatDate(p.period.start);
    period["end"] = cur::FormatDate(p.period.end);
    period["manifest_key"] = p.manifest_key;
    if (!p.error.empty()) {
      period["error"] = p.error;
    } else {
      period["version"] = p.execution_id;
      period["execution_id"] = p.execution_id;
      period["etag"] = p.etag;
      period["last_modified"] = p.last_modified;
      period["kind"] = p.kind ? nlohmann::ordered_json(cur::ExportKindName(*p.kind)) : nlohmann::ordered_json();
      period["delivery"] = cur::ExportDeliveryName(p.delivery);
      period["file_format"] = p.format;
      period["columns"] = p.column_count;
      period["data_files"] = p.data_file_count;
    }
    j["periods"].push_back(std::move(period));
  }
  return j;
}

void PrintJson(const app::DiscoveredReports& found, const s3::S3Url& location) {
  const std::vector<cur::ReportSummary>& reports = found.reports;
  nlohmann::ordered_json out;
  out["bucket"] = location.bucket;
  out["prefix"] = cur::PrefixAsFolder(location.key);
  out["reports"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < reports.size(); ++i) {
    const cur::ReportSummary& r = reports[i];
    nlohmann::ordered_json report;
    report["name"] = r.location.name;
    report["prefix"] = r.location.prefix;
    report["url"] = cur::S3Url(r.location.bucket, r.location.Root());
    report["format"] = FormatId(r.format);
    if (i < found.exports.size() && found.exports[i]) {
      report["supported"] = true;
      report.update(ExportJson(*found.exports[i]));
      out["reports"].push_back(std::move(report));
      continue;
    }
    report["supported"] = r.supported();
    if (r.supported()) {
      report["layout"] = cur::ReportLayoutName(r.layout);
      report["compression"] = r.compression;
      report["columns"] = r.column_count;
    }
    report["periods"] = nlohmann::ordered_json::array();
    for (const cur::PeriodSummary& p : r.periods) {
      nlohmann::ordered_json period;
      period["period"] = p.period.Label();
      period["start"] = cur::FormatDate(p.period.start);
      period["end"] = cur::FormatDate(p.period.end);
      if (r.supported()) {
        period["manifest_key"] = p.manifest_key;
        if (!p.error.empty()) {
          period["error"] = p.error;
        } else if (!p.data_folder.empty()) {
          period["data_folder"] = p.data_folder;
          period["layout"] = cur::ReportLayoutName(p.layout);
          period["compression"] = p.compression;
        } else {
          period["version"] = Version(p);
          period["assembly_id"] = p.assembly_id;
          period["etag"] = p.etag;
          period["last_modified"] = p.last_modified;
          period["layout"] = cur::ReportLayoutName(p.layout);
          period["compression"] = p.compression;
          period["columns"] = p.column_count;
        }
      }
      report["periods"].push_back(std::move(period));
    }
    out["reports"].push_back(std::move(report));
  }
  std::cout << out.dump(2) << "\n";
}

int RunReports(const ReportsOptions& options) {
  auto kind = cur::ParseReportType(options.report_type);
  if (!kind) return ReportError(kind.error());
  cur::ReportPick pick = *kind == cur::ReportKind::kLegacyCur    ? cur::ReportPick::kLegacy
                         : *kind == cur::ReportKind::kDataExport ? cur::ReportPick::kExport
                                                                 : cur::ReportPick::kAny;
  auto found = app::DiscoverReports(options.store.Settings(), options.url, options.report, pick);
  if (!found) return ReportError(found.error());
  if (options.json) {
    PrintJson(*found, found->location);
  } else {
    PrintText(*found, cur::S3Url(found->location.bucket, cur::PrefixAsFolder(found->location.key)));
  }
  return kExitOk;
}

}  // namespace

void RegisterReportsCommand(CLI::App& app, CliState& state) {
  auto options = std::make_shared<ReportsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "reports", "List the Cost and Usage Reports and data exports (CUR 2.0, FOCUS) under s3://BUCKET[/PREFIX]: name, "
                 "kind, layout or delivery, format, billing periods and the newest version of each, columns");
  cmd->add_option("location", options->url, "s3://BUCKET or s3://BUCKET/PREFIX")->required();
  cmd->add_option("--report", options->report, "Show only this report (an error lists the names there)");
  cmd->add_option("--report-type", options->report_type,
                  "With --report, when a legacy report and an export share the name: legacy-cur or data-export")
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "Print JSON");
  options->store.AddTo(*cmd);
  cmd->footer(
      "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the shared\n"
      "credentials and config files (--profile, AWS_PROFILE). With --from-dir DIR, the bucket is the folder\n"
      "DIR/BUCKET (e.g. made with 'aws s3 sync s3://BUCKET DIR/BUCKET').");
  cmd->callback([options, &state] { state.exit_code = RunReports(*options); });
}

}  // namespace billpipe::cli
