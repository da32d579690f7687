// `billpipe reports s3://BUCKET[/PREFIX]`: the Cost and Usage Reports under a prefix (docs/reports.md).
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cur/report_discovery.h"
#include "s3/local_dir_store.h"

namespace billpipe::cli {
namespace {

struct ReportsOptions {
  std::string url;
  std::string report;
  bool json = false;
  std::string from_dir;
  std::string endpoint_url;
  std::string profile;
  std::string region;
  std::string ca_bundle;
  bool no_verify_ssl = false;
};

struct S3Location {
  std::string bucket;
  std::string prefix;
};

// Bucket names: S3's characters (legacy us-east-1 buckets also allow capitals and '_'), 3 to 255 long.
bool ValidBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 255) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<S3Location> ParseS3Url(const std::string& url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("\"{}\" is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX", url));
  }
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Location location{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (!ValidBucketName(location.bucket)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("\"{}\" is not a valid bucket name: a bucket name has 3 to 255 characters, each a "
                            "letter, a digit, '.', '-' or '_'",
                            location.bucket));
  }
  return location;
}

Result<std::unique_ptr<s3::ObjectStore>> MakeStore(const ReportsOptions& options) {
  if (!options.from_dir.empty()) {
    BP_ASSIGN_OR_RETURN(auto store, s3::LocalDirStore::Create({.root = options.from_dir, .root_is_bucket = true}));
    return std::unique_ptr<s3::ObjectStore>(std::move(store));
  }
  return Fail(ErrorCode::kUnsupported,
              "this build cannot read S3 yet (the S3 client is not in it): copy the bucket with 'aws s3 sync' and "
              "give the copy with --from-dir DIR");
}

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
    std::cout << fmt::format("  {}, {} versions, {}, {} columns, {} billing period{}\n",
                             cur::ReportFormatName(r.format), cur::ReportLayoutName(r.layout),
                             r.compression.empty() ? "compression unknown" : r.compression, r.column_count,
                             r.periods.size(), r.periods.size() == 1 ? "" : "s");
    for (const cur::PeriodSummary& p : r.periods) {
      if (!p.error.empty()) {
        std::cout << fmt::format("  {}  error: {}\n", p.period.Label(), p.error);
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

void PrintJson(const std::vector<cur::ReportSummary>& reports, const S3Location& location) {
  nlohmann::ordered_json out;
  out["bucket"] = location.bucket;
  out["prefix"] = cur::PrefixAsFolder(location.prefix);
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

int Fails(const Error& error) {
  std::cerr << "billpipe: " << error.message << "\n";
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

int RunReports(const ReportsOptions& options) {
  auto location = ParseS3Url(options.url);
  if (!location) return Fails(location.error());
  if (auto valid = cur::ValidateReportPrefix(location->prefix); !valid) return Fails(valid.error());
  if (!options.report.empty()) {
    if (auto valid = cur::ValidateReportName(options.report); !valid) return Fails(valid.error());
  }
  auto store = MakeStore(options);
  if (!store) return Fails(store.error());
  auto reports = cur::DiscoverReports(**store, location->bucket, location->prefix);
  if (!reports) return Fails(reports.error());
  if (!options.report.empty()) {
    auto selected = cur::SelectReport(*reports, location->bucket, location->prefix, options.report);
    if (!selected) return Fails(selected.error());
    *reports = {std::move(*selected)};
  }
  if (options.json) {
    PrintJson(*reports, *location);
  } else {
    PrintText(*reports, cur::S3Url(location->bucket, cur::PrefixAsFolder(location->prefix)));
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
  cmd->add_option("--from-dir", options->from_dir,
                  "Read a local copy of the bucket (e.g. made with 'aws s3 sync s3://BUCKET DIR') instead of S3");
  cmd->add_option("--endpoint-url", options->endpoint_url, "S3 endpoint (S3-compatible storage, tests)");
  cmd->add_option("--profile", options->profile, "AWS profile for the credentials");
  cmd->add_option("--region", options->region, "AWS region of the bucket");
  cmd->add_option("--ca-bundle", options->ca_bundle, "PEM file of CA certificates to trust for TLS");
  cmd->add_flag("--no-verify-ssl", options->no_verify_ssl, "Do not verify TLS certificates (unsafe; for testing)");
  cmd->callback([options, &state] { state.exit_code = RunReports(*options); });
}

}  // namespace billpipe::cli
