#include "cur/period_plan.h"

#include <algorithm>

#include <fmt/format.h>

#include "cur/report_discovery.h"

namespace billpipe::cur {
namespace {

// Error of one period, naming the period and the manifest; `key` is what the error is about (the manifest,
// or a data file it names).
Error PeriodError(const ReportLocation& location, const BillingPeriod& period, Error error,
                  const std::string& key) {
  error.Context(fmt::format("period {} ({})", period.Label(), S3Url(location.bucket, location.ManifestKey(period))));
  error.bucket = location.bucket;
  error.key = key;
  return error;
}

}  // namespace

Result<PeriodPlan> PlanPeriod(s3::ObjectStore& store, const ReportLocation& location, const BillingPeriod& period) {
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

  auto text = store.GetSmall(location.bucket, manifest_key, kMaxManifestBytes);
  if (!text) return fail(std::move(text).error(), manifest_key);
  auto manifest = ParseLegacyManifest(*text);
  if (!manifest) return fail(std::move(manifest).error(), manifest_key);
  plan.manifest = std::move(*manifest);
  const LegacyManifest& m = plan.manifest;

  if (m.billing_period_start != SysTime{period.start} || m.billing_period_end != SysTime{period.end}) {
    return fail_with(ErrorCode::kBadData,
                     fmt::format("the manifest's billingPeriod {} to {} is not the folder's {} to {}",
                                 FormatIsoTime(m.billing_period_start), FormatIsoTime(m.billing_period_end),
                                 FormatIsoTime(SysTime{period.start}), FormatIsoTime(SysTime{period.end})),
                     manifest_key);
  }

  plan.compression = CompressionFromManifest(m.compression);
  if (plan.compression == Compression::kParquet) {
    return fail_with(ErrorCode::kUnsupported, "compression Parquet: Parquet reports are not supported yet",
                     manifest_key);
  }
  if (plan.compression == Compression::kOther) {
    return fail_with(ErrorCode::kBadData, fmt::format("compression \"{}\" is neither GZIP nor ZIP", m.compression),
                     manifest_key);
  }
  std::string_view suffix = DataFileSuffix(plan.compression);
  for (size_t i = 0; i < m.report_keys.size(); ++i) {
    const std::string& key = m.report_keys[i];
    if (!key.ends_with(suffix)) {
      return fail_with(ErrorCode::kBadData,
                       fmt::format("compression is {} but reportKeys[{}] {} does not end in {}", m.compression, i,
                                   S3Url(location.bucket, key), suffix),
                       key);
    }
  }

  plan.layout = DetectLayout(m, period_folder, !listing->common_prefixes.empty());
  plan.version_key = plan.layout == ReportLayout::kCreateNew ? m.assembly_id : plan.manifest_object.etag;

  plan.files.reserve(m.report_keys.size());
  for (size_t i = 0; i < m.report_keys.size(); ++i) {
    const std::string& key = m.report_keys[i];
    auto info = store.Head(location.bucket, key);
    if (!info) {
      if (info.error().code == ErrorCode::kNotFound) {
        return fail_with(ErrorCode::kNotFound,
                         fmt::format("reportKeys[{}] {} does not exist", i, S3Url(location.bucket, key)), key);
      }
      return fail(std::move(info).error(), key);
    }
    plan.files.push_back(std::move(*info));
  }
  return plan;
}

Result<std::vector<PeriodOutcome>> PlanPeriods(s3::ObjectStore& store, const ReportLocation& location,
                                               const DateWindow& window) {
  if (window.first > window.last) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("the date window starts on {}, after its last day {}", FormatDate(window.first),
                            FormatDate(window.last)));
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
    if (period && period->Overlaps(window.first, window.last)) periods.push_back(*period);
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
