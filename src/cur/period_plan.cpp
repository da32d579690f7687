#include "cur/period_plan.h"

#include <algorithm>

#include <fmt/format.h>


namespace billpipe::cur {
namespace {

// Error of one period, naming the period and the manifest; `key` is what the error is about (the manifest,
// or a data file it names).
Error PeriodError(const ReportLocation& location, const BillingPeriod& period, Error error,
                  const std::string& key) {
  std::string where = fmt::format("period {} ({})", period.Label(), S3Url(location.bucket, location.ManifestKey(period)));
  if (error.code == ErrorCode::kAuth) {
    // A refused login keeps its exact sentence first (DESIGN.md "Clear errors"); where comes after.
    error.message += fmt::format(" While reading {}.", where);
  } else {
    error.Context(where);
  }
  error.bucket = location.bucket;
  error.key = key;
  return error;
}

// Whether a key has a "." or ".." path segment (which some tools resolve, leaving the report's folder).
bool HasDotSegment(std::string_view key) {
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    std::string_view segment = key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace

Result<DataEncoding> CheckManifestFiles(const LegacyManifest& m, const ReportLocation& location,
                                        const BillingPeriod& period, const std::string& manifest_key) {
  auto fail_with = [&](ErrorCode code, std::string message, const std::string& key) {
    return Fail(PeriodError(location, period, Error(code, std::move(message)), key));
  };
  auto encoding = EncodingFromManifest(m.compression);
  if (!encoding) {
    return fail_with(ErrorCode::kBadData,
                     fmt::format("compression \"{}\" is neither GZIP, ZIP nor Parquet", m.compression),
                     manifest_key);
  }
  std::string_view suffix = DataFileSuffix(*encoding);
  const std::string root = location.Root();
  for (size_t i = 0; i < m.report_keys.size(); ++i) {
    const std::string& key = m.report_keys[i];
    // The bucket is not trusted: a manifest names files of its own report only (DESIGN.md).
    if (!key.starts_with(root) || HasDotSegment(key)) {
      return fail_with(ErrorCode::kBadData,
                       fmt::format("reportKeys[{}] {} is not a file of this report: a manifest may only name keys "
                                   "under {} without '.' or '..' segments. The manifest is refused and nothing "
                                   "of this period is loaded",
                                   i, S3Url(location.bucket, key), S3Url(location.bucket, root)),
                       key);
    }
    if (!key.ends_with(suffix)) {
      return fail_with(ErrorCode::kBadData,
                       fmt::format("compression is {} but reportKeys[{}] {} does not end in {}", m.compression, i,
                                   S3Url(location.bucket, key), suffix),
                       key);
    }
  }

  return *encoding;
}

Result<PeriodPlan> PlanPeriod(s3::ObjectStore& store, const ReportLocation& location, const BillingPeriod& period,
                              FileCheck check) {
  const std::string manifest_key = location.ManifestKey(period);
  auto fail = [&](Error error, const std::string& key) { return Fail(PeriodError(location, period, std::move(error), key)); };
  auto fail_with = [&](ErrorCode code, std::string message, const std::string& key) {
    return fail(Error(code, std::move(message)), key);
  };

  PeriodPlan plan;
  plan.period = period;
  plan.manifest_key = manifest_key;
  const std::string period_folder = location.PeriodFolder(period);

  // The period folder with a delimiter: the manifest's ETag and LastModified, and whether there are
  // (assembly) subfolders, without opening any of them.
  auto listing = store.List(location.bucket, period_folder, "/");
  if (!listing) return fail(std::move(listing).error(), manifest_key);
  auto manifest_object = std::find_if(listing->objects.begin(), listing->objects.end(),
                                      [&](const s3::ObjectInfo& o) { return o.key == manifest_key; });
  if (manifest_object == listing->objects.end()) {
    return fail_with(ErrorCode::kNotFound, "the manifest is missing", manifest_key);
  }
  plan.manifest_object = *manifest_object;
  plan.folder_objects = listing->objects;

  auto text = store.GetSmall(location.bucket, manifest_key, kMaxManifestBytes);
  if (!text) return fail(std::move(text).error(), manifest_key);
  auto manifest = ParseLegacyManifest(*text);
  if (!manifest) return fail(std::move(manifest).error(), manifest_key);
  plan.manifest = std::move(*manifest);
  const LegacyManifest& m = plan.manifest;

  if (auto same = CheckManifestPeriod(m, period); !same) return fail(std::move(same).error(), manifest_key);

  auto encoding = CheckManifestFiles(m, location, period, manifest_key);
  if (!encoding) return Fail(std::move(encoding).error());
  plan.encoding = *encoding;
  plan.compression = encoding->compression;

  plan.layout = DetectLayout(m, period_folder, !listing->common_prefixes.empty());
  plan.version_key = plan.layout == ReportLayout::kCreateNew ? m.assembly_id : plan.manifest_object.etag;

  plan.files.reserve(m.report_keys.size());
  for (const std::string& key : m.report_keys) plan.files.push_back(s3::ObjectInfo{key, 0, "", ""});
  if (check == FileCheck::kHead) BP_RETURN_IF_ERROR(StatFiles(store, location, plan));
  return plan;
}

Status StatFiles(s3::ObjectStore& store, const ReportLocation& location, PeriodPlan& plan) {
  const BillingPeriod& period = plan.period;
  auto fail_with = [&](ErrorCode code, std::string message, const std::string& key) {
    return Fail(PeriodError(location, period, Error(code, std::move(message)), key));
  };
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const std::string key = plan.files[i].key;
    auto info = store.Head(location.bucket, key);
    if (!info) {
      if (info.error().code == ErrorCode::kNotFound) {
        return fail_with(ErrorCode::kNotFound,
                         fmt::format("reportKeys[{}] {} does not exist", i, S3Url(location.bucket, key)), key);
      }
      return Fail(PeriodError(location, period, std::move(info).error(), key));
    }
    plan.files[i] = std::move(*info);
  }
  return Ok();
}

Result<std::vector<PeriodOutcome>> PlanPeriods(s3::ObjectStore& store, const ReportLocation& location,
                                               const DateWindow& window) {
  if (window.start > window.end) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("the date window starts on {}, after its last day {}", window.start.ToString(),
                            window.end.ToString()));
  }
  BP_RETURN_IF_ERROR(ValidateReportName(location.name));
  BP_RETURN_IF_ERROR(ValidateReportPrefix(location.prefix));
  BP_ASSIGN_OR_RETURN(s3::Listing listing, store.List(location.bucket, location.Root(), "/"));
  std::vector<BillingPeriod> periods;
  for (const std::string& folder : listing.common_prefixes) {
    std::string_view segment(folder);
    segment.remove_prefix(location.Root().size());
    segment.remove_suffix(1);
    auto period = ParsePeriodFolder(segment);
    if (period && period->Overlaps(window)) periods.push_back(*period);
  }
  std::sort(periods.begin(), periods.end());
  std::vector<PeriodOutcome> outcomes;
  outcomes.reserve(periods.size());
  for (const BillingPeriod& period : periods) {
    outcomes.push_back({period, PlanPeriod(store, location, period)});
  }
  return outcomes;
}

}  // namespace billpipe::cur
