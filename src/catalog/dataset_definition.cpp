#include "catalog/dataset_definition.h"

#include <fmt/format.h>

#include "cur/report_reader.h"
#include "s3/bucket_name.h"
#include "sink/open_sink.h"
#include "sink/sink.h"

namespace billpipe::catalog {
namespace {

Status CheckText(std::string_view field, std::string_view value, size_t max) {
  if (value.size() > max) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The {} is {} characters long; the most allowed is {}.", field, value.size(), max));
  }
  for (unsigned char c : value) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("The {} has a control character.", field));
    }
  }
  return Ok();
}

}  // namespace

std::string NormalizePrefix(std::string_view prefix) {
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string(prefix);
}

Result<pipeline::Duration> ParseDurationFlags(const DurationFlags& f) {
  int forms = (f.date ? 1 : 0) + (f.days_back ? 1 : 0) + ((f.start || f.end) ? 1 : 0);
  constexpr std::string_view kForms =
      "Give one of: --date D (a single day), --days-back N (the single day N days back), or --start S --end E "
      "(a range, both days included); each date is YYYY-MM-DD or Nd (N days back).";
  if (forms == 0) return Fail(ErrorCode::kInvalidArgument, fmt::format("The duration is missing. {}", kForms));
  if (forms > 1) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("The duration is given in more than one way. {}", kForms));
  }
  pipeline::Duration d;
  auto with_field = [](std::string_view field, Error e) {
    e.Context(fmt::format("The duration's {}", field));
    return Fail(std::move(e));
  };
  if (f.date) {
    auto s = pipeline::DateSpec::Parse(*f.date);
    if (!s) return with_field("date", s.error());
    d.start = *s;
    return d;
  }
  if (f.days_back) {
    auto s = pipeline::DateSpec::Parse(fmt::format("{}d", *f.days_back));
    if (!s) return with_field("days back", s.error());
    d.start = *s;  // "Days Back" of a single date is that one day, as --date Nd
    return d;
  }
  if (!f.start || !f.end) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The duration's range needs both --start and --end. {}", kForms));
  }
  auto s = pipeline::DateSpec::Parse(*f.start);
  if (!s) return with_field("start", s.error());
  auto e = pipeline::DateSpec::Parse(*f.end);
  if (!e) return with_field("end", e.error());
  d.start = *s;
  d.end = *e;
  return d;
}

std::string DurationToString(const pipeline::Duration& d) {
  if (!d.end) return d.start.ToString();
  return fmt::format("{} to {}", d.start.ToString(), d.end->ToString());
}

Result<std::vector<std::string>> ValidateDefinition(const DatasetDefinition& def, Date today) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(def.name));
  BP_RETURN_IF_ERROR(CheckText("description", def.description, kMaxDescriptionLength));
  BP_RETURN_IF_ERROR(cur::ParseReportType(def.report_type));
  BP_RETURN_IF_ERROR(s3::ValidateBucketName(def.bucket));
  BP_RETURN_IF_ERROR(CheckText("prefix", def.prefix, 1024));  // S3 keys are at most 1024 bytes
  if (def.report_name.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "The report name is missing: give the name of the Cost and Usage Report as AWS shows it "
                "(--report NAME).");
  }
  if (def.report_name.find('/') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The report name '{}' has a '/': give the path before it as --prefix and the report's "
                            "own name as --report.",
                            def.report_name));
  }
  BP_RETURN_IF_ERROR(CheckText("report name", def.report_name, 256));
  auto window = pipeline::ResolveWindow(def.duration, today);
  if (!window) return Fail(window.error());
  std::vector<std::string> warnings = pipeline::WindowWarnings(def.filter, def.duration, *window, today);
  if (def.keep_versions < 0 || def.keep_versions > kMaxKeepVersions) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The number of kept versions is 0 to {}, not {}.", kMaxKeepVersions, def.keep_versions));
  }
  if (def.retention_months < 0 || def.retention_months > kMaxRetentionMonths) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The retention is 0 to {} months (0 keeps all), not {}.", kMaxRetentionMonths,
                            def.retention_months));
  }
  if (!def.destination.empty()) {
    BP_RETURN_IF_ERROR(CheckText("destination", def.destination, kMaxDestinationLength));
    auto kind = sink::ValidateDestination(def.destination);
    if (!kind) return Fail(kind.error());
  }
  BP_ASSIGN_OR_RETURN(auto schedule_warnings, Validate(def.schedule));
  warnings.insert(warnings.end(), schedule_warnings.begin(), schedule_warnings.end());
  return warnings;
}

}  // namespace billpipe::catalog
