// `billpipe reports s3://BUCKET[/PREFIX]`: the Cost and Usage Reports under a prefix (docs/reports.md).
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/reports.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "cur/report_discovery.h"
#include "s3/s3_url.h"

namespace billpipe::cli {
namespace {

struct ReportsOptions {
  std::string url;
  std::string report;
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

void PrintText(const std::vector<cur::ReportSummary>& reports, const std::string& where) {
  if (reports.empty()) {
    std::cout << fmt::format("No Cost and Usage Report under {}.\n", where);
    return;
  }
  for (const cur::ReportSummary& r : reports) {
    std::cout << fmt::format("{}  {}\n", r.location.name, cur::S3Url(r.location.bucket, r.location.Root()));
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

void PrintJson(const std::vector<cur::ReportSummary>& reports, const s3::S3Url& location) {
  nlohmann::ordered_json out;
  out["bucket"] = location.bucket;
  out["prefix"] = cur::PrefixAsFolder(location.key);
  out["reports"] = nlohmann::ordered_json::array();
  for (const cur::ReportSummary& r : reports) {
    nlohmann::ordered_json report;
    report["name"] = r.location.name;
    report["prefix"] = r.location.prefix;
    report["url"] = cur::S3Url(r.location.bucket, r.location.Root());
    report["format"] = FormatId(r.format);
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
  auto found = app::DiscoverReports(options.store.Settings(), options.url, options.report);
  if (!found) return ReportError(found.error());
  if (options.json) {
    PrintJson(found->reports, found->location);
  } else {
    PrintText(found->reports, cur::S3Url(found->location.bucket, cur::PrefixAsFolder(found->location.key)));
  }
  return kExitOk;
}

}  // namespace

void RegisterReportsCommand(CLI::App& app, CliState& state) {
  auto options = std::make_shared<ReportsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "reports", "List the Cost and Usage Reports under s3://BUCKET[/PREFIX]: name, layout, compression, billing "
                 "periods and the newest version of each, columns");
  cmd->add_option("location", options->url, "s3://BUCKET or s3://BUCKET/PREFIX")->required();
  cmd->add_option("--report", options->report, "Show only this report (an error lists the names there)");
  cmd->add_flag("--json", options->json, "Print JSON");
  options->store.AddTo(*cmd);
  cmd->footer(
      "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the shared\n"
      "credentials and config files (--profile, AWS_PROFILE). With --from-dir DIR, the bucket is the folder\n"
      "DIR/BUCKET (e.g. made with 'aws s3 sync s3://BUCKET DIR/BUCKET').");
  cmd->callback([options, &state] { state.exit_code = RunReports(*options); });
}

}  // namespace billpipe::cli
