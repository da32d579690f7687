#include "cur/report_discovery.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "cur/manifest.h"

namespace billpipe::cur {
namespace {

using namespace std::chrono;

// "a/b/" -> "b"; "" -> "".
std::string LastSegment(std::string_view folder) {
  if (folder.empty()) return "";
  folder.remove_suffix(1);
  size_t slash = folder.rfind('/');
  return std::string(slash == std::string_view::npos ? folder : folder.substr(slash + 1));
}

// "a/b/" -> "a/"; "b/" -> "".
std::string Parent(std::string_view folder) {
  if (folder.empty()) return "";
  folder.remove_suffix(1);
  size_t slash = folder.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(folder.substr(0, slash + 1));
}

// "key=123" -> 123 when segment is key=<digits>; -1 otherwise.
int KeyedNumber(std::string_view segment, std::string_view key) {
  if (!segment.starts_with(key) || segment.size() == key.size() || segment.size() > key.size() + 6) return -1;
  int value = 0;
  for (char c : segment.substr(key.size())) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

PeriodSummary PeriodOnly(const BillingPeriod& period) {
  PeriodSummary summary;
  summary.period = period;
  return summary;
}

std::optional<BillingPeriod> MonthPeriod(int y, int m) {
  year_month ym{year{y}, month{static_cast<unsigned>(m)}};
  if (!ym.ok()) return std::nullopt;
  return BillingPeriod{sys_days{ym / 1}, sys_days{(ym + months{1}) / 1}};
}

// "BILLING_PERIOD=2024-05" -> May 2024.
std::optional<BillingPeriod> ExportPeriod(std::string_view segment) {
  constexpr std::string_view kKey = "BILLING_PERIOD=";
  if (!segment.starts_with(kKey) || segment.size() != kKey.size() + 7 || segment[kKey.size() + 4] != '-') {
    return std::nullopt;
  }
  int y = KeyedNumber(segment.substr(0, kKey.size() + 4), kKey);
  int m = KeyedNumber(std::string(kKey) + std::string(segment.substr(kKey.size() + 5)), kKey);
  if (y < 0 || m < 0) return std::nullopt;
  return MonthPeriod(y, m);
}

class Walker {
 public:
  Walker(s3::ObjectStore& store, const std::string& bucket, std::string top)
      : store_(store), bucket_(bucket), top_(std::move(top)) {}

  Status Visit(const std::string& folder, int depth) {
    BP_ASSIGN_OR_RETURN(s3::Listing listing, ListFolder(folder));
    std::string name = LastSegment(folder);
    if (!name.empty() && ValidateReportName(name)) {
      std::vector<BillingPeriod> periods;
      bool has_data = false, has_metadata = false, has_self = false;
      for (const std::string& child : listing.common_prefixes) {
        std::string segment = LastSegment(child);
        if (auto period = ParsePeriodFolder(segment)) periods.push_back(*period);
        has_data = has_data || segment == "data";
        has_metadata = has_metadata || segment == "metadata";
        has_self = has_self || segment == name;
      }
      if (has_data && has_metadata) {
        BP_RETURN_IF_ERROR(AddDataExport(folder, name));
        // A legacy report of the same name may share the folder (period folders beside data/, metadata/).
        if (!periods.empty()) return AddLegacy(folder, name, std::move(periods));
        return Ok();
      }
      if (has_self) {
        BP_ASSIGN_OR_RETURN(bool parquet, AddParquetIfThere(folder, name, periods));
        if (parquet) return Ok();
      }
      if (!periods.empty()) return AddLegacy(folder, name, std::move(periods));
    }
    if (depth >= kMaxDiscoveryDepth) return Ok();
    for (const std::string& child : listing.common_prefixes) BP_RETURN_IF_ERROR(Visit(child, depth + 1));
    return Ok();
  }

  std::vector<ReportSummary> TakeReports() { return std::move(reports_); }

 private:
  Result<s3::Listing> ListFolder(const std::string& folder) {
    if (++folders_listed_ > kMaxDiscoveryFolders) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("looking for reports under {} listed more than {} folders without finishing: give "
                              "the report's path prefix (the folder that holds the report folder)",
                              S3Url(bucket_, top_), kMaxDiscoveryFolders));
    }
    return store_.List(bucket_, folder, "/");
  }

  ReportSummary NewReport(ReportFormat format, const std::string& folder, const std::string& name) {
    ReportSummary report;
    report.format = format;
    report.location = {bucket_, Parent(folder), name};
    return report;
  }

  Status AddDataExport(const std::string& folder, const std::string& name) {
    ReportSummary report = NewReport(ReportFormat::kDataExport, folder, name);
    BP_ASSIGN_OR_RETURN(s3::Listing metadata, ListFolder(folder + "metadata/"));
    for (const std::string& child : metadata.common_prefixes) {
      if (auto period = ExportPeriod(LastSegment(child))) report.periods.push_back(PeriodOnly(*period));
    }
    report.compression = "";
    reports_.push_back(std::move(report));
    return Ok();
  }

  // A legacy Parquet report keeps its data in <report>/<report>/year=YYYY/month=M/; a month may also have a
  // manifest in its period folder (`manifest_periods`), which then describes it.
  Result<bool> AddParquetIfThere(const std::string& folder, const std::string& name,
                                 const std::vector<BillingPeriod>& manifest_periods) {
    BP_ASSIGN_OR_RETURN(s3::Listing inner, ListFolder(folder + name + "/"));
    ReportSummary report = NewReport(ReportFormat::kLegacyParquet, folder, name);
    bool any_year = false;
    std::vector<std::pair<BillingPeriod, std::string>> months;  // period, month folder
    for (const std::string& year_folder : inner.common_prefixes) {
      int y = KeyedNumber(LastSegment(year_folder), "year=");
      if (y < 0) continue;
      any_year = true;
      BP_ASSIGN_OR_RETURN(s3::Listing listed, ListFolder(year_folder));
      for (const std::string& month_folder : listed.common_prefixes) {
        int m = KeyedNumber(LastSegment(month_folder), "month=");
        if (auto period = m < 0 ? std::nullopt : MonthPeriod(y, m)) months.emplace_back(*period, month_folder);
      }
    }
    if (!any_year) return false;
    for (const BillingPeriod& period : manifest_periods) {
      report.periods.push_back(ReadPeriod(report.location, period));
    }
    for (const auto& [period, month_folder] : months) {
      if (std::find(manifest_periods.begin(), manifest_periods.end(), period) != manifest_periods.end()) continue;
      PeriodSummary summary = PeriodOnly(period);
      summary.data_folder = month_folder;
      summary.layout = ReportLayout::kOverwrite;
      summary.compression = "Parquet";
      report.periods.push_back(std::move(summary));
    }
    std::sort(report.periods.begin(), report.periods.end(),
              [](const PeriodSummary& a, const PeriodSummary& b) { return a.period < b.period; });
    report.layout = ReportLayout::kOverwrite;  // Athena reports are always overwritten in place
    report.compression = "Parquet";
    for (auto it = report.periods.rbegin(); it != report.periods.rend(); ++it) {
      if (it->error.empty() && it->data_folder.empty()) {
        report.column_count = it->column_count;
        break;
      }
    }
    reports_.push_back(std::move(report));
    return true;
  }

  Status AddLegacy(const std::string& folder, const std::string& name, std::vector<BillingPeriod> periods) {
    ReportSummary report = NewReport(ReportFormat::kLegacyCsv, folder, name);
    std::sort(periods.begin(), periods.end());
    for (const BillingPeriod& period : periods) {
      PeriodSummary summary = ReadPeriod(report.location, period);
      if (summary.error.empty() && EncodingFromManifest(summary.compression) &&
          EncodingFromManifest(summary.compression)->format == table::DataFormat::kParquet) {
        report.format = ReportFormat::kLegacyParquet;
      }
      report.periods.push_back(std::move(summary));
    }
    for (auto it = report.periods.rbegin(); it != report.periods.rend(); ++it) {
      if (!it->error.empty()) continue;
      report.layout = it->layout;
      report.compression = it->compression;
      report.column_count = it->column_count;
      break;
    }
    reports_.push_back(std::move(report));
    return Ok();
  }

  PeriodSummary ReadPeriod(const ReportLocation& location, const BillingPeriod& period) {
    PeriodSummary summary;
    summary.period = period;
    summary.manifest_key = location.ManifestKey(period);
    std::string period_folder = location.PeriodFolder(period);
    auto listing = ListFolder(period_folder);
    if (!listing) {
      summary.error = listing.error().message;
      return summary;
    }
    auto manifest_object = std::find_if(listing->objects.begin(), listing->objects.end(),
                                        [&](const s3::ObjectInfo& o) { return o.key == summary.manifest_key; });
    if (manifest_object == listing->objects.end()) {
      summary.error = fmt::format("{} is missing", S3Url(bucket_, summary.manifest_key));
      return summary;
    }
    summary.last_modified = manifest_object->last_modified;
    summary.etag = manifest_object->etag;
    auto text = store_.GetSmall(bucket_, summary.manifest_key, kMaxManifestBytes);
    if (!text) {
      summary.error = text.error().message;
      return summary;
    }
    auto manifest = ParseLegacyManifest(*text);
    if (!manifest) {
      summary.error = fmt::format("{}: {}", S3Url(bucket_, summary.manifest_key), manifest.error().message);
      return summary;
    }
    if (auto same = CheckManifestPeriod(*manifest, period); !same) {
      summary.error = fmt::format("{}: {}", S3Url(bucket_, summary.manifest_key), same.error().message);
      return summary;
    }
    summary.assembly_id = manifest->assembly_id;
    summary.compression = manifest->compression;
    summary.column_count = manifest->columns.size();
    summary.layout = DetectLayout(*manifest, period_folder, !listing->common_prefixes.empty());
    return summary;
  }

  s3::ObjectStore& store_;
  const std::string& bucket_;
  std::string top_;
  int folders_listed_ = 0;
  std::vector<ReportSummary> reports_;
};

std::string Described(const ReportSummary& report) {
  if (report.supported()) return report.location.name;
  if (report.format == ReportFormat::kDataExport) {
    return fmt::format("{} ({})", report.location.name, ReportFormatName(report.format));
  }
  return fmt::format("{} ({}, not supported yet)", report.location.name, ReportFormatName(report.format));
}

}  // namespace

Result<std::vector<ReportSummary>> DiscoverReports(s3::ObjectStore& store, const std::string& bucket,
                                                   const std::string& prefix) {
  BP_RETURN_IF_ERROR(ValidateReportPrefix(prefix));
  std::string top = PrefixAsFolder(prefix);
  Walker walker(store, bucket, top);
  BP_RETURN_IF_ERROR(walker.Visit(top, 0));
  std::vector<ReportSummary> reports = walker.TakeReports();
  std::sort(reports.begin(), reports.end(), [](const ReportSummary& a, const ReportSummary& b) {
    return std::tie(a.location.prefix, a.location.name) < std::tie(b.location.prefix, b.location.name);
  });
  return reports;
}

Result<ReportSummary> SelectReport(const std::vector<ReportSummary>& reports, const std::string& bucket,
                                   const std::string& prefix, const std::string& name) {
  BP_RETURN_IF_ERROR(ValidateReportName(name));
  std::string where = S3Url(bucket, PrefixAsFolder(prefix));
  std::vector<const ReportSummary*> matches;
  for (const ReportSummary& report : reports) {
    if (report.location.name == name) matches.push_back(&report);
  }
  if (matches.empty()) {
    if (reports.empty()) {
      return Fail(ErrorCode::kNotFound, fmt::format("report \"{}\" was not found under {}: there is no Cost and "
                                                    "Usage Report there",
                                                    name, where));
    }
    std::map<std::string, std::string> names;  // sorted, each name once
    for (const ReportSummary& report : reports) names.emplace(report.location.name, Described(report));
    std::vector<std::string> listed;
    for (auto& [_, described] : names) listed.push_back(described);
    return Fail(ErrorCode::kNotFound, fmt::format("report \"{}\" was not found under {}. Reports there: {}", name,
                                                  where, fmt::join(listed, ", ")));
  }
  if (matches.size() > 1) {
    std::vector<std::string> prefixes;
    for (const ReportSummary* report : matches) prefixes.push_back(S3Url(bucket, report->location.prefix));
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("report \"{}\" is under several prefixes: {}. Give the one to use in the s3:// URL",
                            name, fmt::join(prefixes, ", ")));
  }
  const ReportSummary& report = *matches.front();
  if (report.format == ReportFormat::kDataExport) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("report \"{}\" under {} is a {}, not a legacy report: use --report-type data-export "
                            "or cost-and-usage",
                            name, S3Url(bucket, report.location.prefix), ReportFormatName(report.format)));
  }
  if (!report.supported()) {
    return Fail(ErrorCode::kUnsupported,
                fmt::format("report \"{}\" under {} is a {} report: not supported yet (billpipe reads legacy CSV "
                            "and Parquet reports)",
                            name, S3Url(bucket, report.location.prefix), ReportFormatName(report.format)));
  }
  return report;
}

}  // namespace billpipe::cur
