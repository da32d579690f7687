#include "catalog/dataset_toml.h"

#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "util/date.h"

namespace billpipe::catalog {
namespace {

constexpr int64_t kMsPerSecond = 1000;

toml::date_time ToTomlTime(SysTime t) {
  int64_t ms = t.time_since_epoch().count();
  int64_t days = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  int64_t rest = ms - days * 86'400'000;
  Date d = Date::FromDays(days);
  toml::date date{d.year, d.month, d.day};
  toml::time time{static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
                  static_cast<int>(rest / kMsPerSecond % 60), static_cast<int>(rest % kMsPerSecond) * 1'000'000};
  return toml::date_time{date, time, toml::time_offset{}};
}

}  // namespace

std::string DatasetToToml(const DatasetDefinition& d) {
  toml::table details{
      {"report_type", d.report_type},
      {"filter", std::string(pipeline::FilterName(d.filter))},
      {"schema", std::string(pipeline::OutputSchemaName(d.schema))},
      {"bucket", d.bucket},
      {"prefix", d.prefix},
      {"report_name", d.report_name},
      {"start", d.duration.start.ToString()},
  };
  if (d.duration.end) details.insert("end", d.duration.end->ToString());
  toml::table scheduling{
      {"schedule", d.schedule.ToString()},
      {"retry", d.retry.ToString()},
      {"update_method", std::string(pipeline::UpdateMethodName(d.update_method))},
      {"keep_versions", d.keep_versions},
      {"retention_months", d.retention_months},
      {"skip_bad_rows", d.skip_bad_rows},
  };
  if (d.schedule.start_at) scheduling.insert("start_at", ToTomlTime(*d.schedule.start_at));
  toml::table root{
      {"name", d.name},
      {"description", d.description},
      {"account", d.account},
      {"details", std::move(details)},
      {"scheduling", std::move(scheduling)},
  };
  // The destination without its password (never exported); absent: the data directory's SQLite file.
  if (!d.destination.empty()) root.insert("destination", d.destination);
  std::ostringstream out;
  out << "# billpipe dataset (billpipe dataset import FILE)\n" << root << "\n";
  return out.str();
}

Result<DatasetDefinition> DatasetFromToml(std::string_view text, std::string_view source) {
  toml::table root;
  try {  // toml++ reports parse errors by exception: converted here
    root = toml::parse(text, std::string(source));
  } catch (const toml::parse_error& err) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}:{}:{}: {}", source, err.source().begin.line, err.source().begin.column,
                            err.description()));
  }
  DatasetDefinition d;
  auto where = [&](const toml::node* node, std::string_view key) {
    if (node) return fmt::format("{}:{}: '{}'", source, node->source().begin.line, key);
    return fmt::format("{}: '{}'", source, key);
  };
  auto string_at = [&](const toml::table& table, std::string_view prefix, std::string_view key,
                       bool required) -> Result<std::string> {
    std::string full = prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
    const toml::node* node = table.get(key);
    if (!node) {
      if (required) return Fail(ErrorCode::kInvalidArgument, fmt::format("{} is missing", where(nullptr, full)));
      return std::string();
    }
    if (!node->is_string()) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("{} must be a string", where(node, full)));
    }
    return std::string(node->as_string()->get());
  };
  auto field_error = [&](const toml::table& table, std::string_view prefix, std::string_view key, const Error& e) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}: {}", where(table.get(key), fmt::format("{}.{}", prefix, key)), e.message));
  };
  for (auto&& [key, node] : root) {
    std::string_view k = key.str();
    if (k != "name" && k != "description" && k != "account" && k != "destination" && k != "details" &&
        k != "scheduling") {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("{} is not a dataset field (the fields are name, description, account, destination, "
                              "[details] and [scheduling])",
                              where(&node, k)));
    }
  }
  BP_ASSIGN_OR_RETURN(d.name, string_at(root, "", "name", true));
  BP_ASSIGN_OR_RETURN(d.description, string_at(root, "", "description", false));
  BP_ASSIGN_OR_RETURN(d.account, string_at(root, "", "account", true));
  BP_ASSIGN_OR_RETURN(d.destination, string_at(root, "", "destination", false));
  const toml::table* details = root["details"].as_table();
  if (!details) return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: the table [details] is missing", source));
  std::string report_type;
  BP_ASSIGN_OR_RETURN(report_type, string_at(*details, "details", "report_type", false));
  if (!report_type.empty()) d.report_type = report_type;
  std::string filter;
  BP_ASSIGN_OR_RETURN(filter, string_at(*details, "details", "filter", false));
  if (!filter.empty()) {
    auto f = pipeline::ParseFilter(filter);
    if (!f) return field_error(*details, "details", "filter", f.error());
    d.filter = *f;
  }
  std::string schema;
  BP_ASSIGN_OR_RETURN(schema, string_at(*details, "details", "schema", false));
  if (!schema.empty()) {
    auto sc = pipeline::ParseOutputSchema(schema);
    if (!sc) return field_error(*details, "details", "schema", sc.error());
    d.schema = *sc;
  }
  BP_ASSIGN_OR_RETURN(d.bucket, string_at(*details, "details", "bucket", true));
  BP_ASSIGN_OR_RETURN(d.prefix, string_at(*details, "details", "prefix", false));
  BP_ASSIGN_OR_RETURN(d.report_name, string_at(*details, "details", "report_name", true));
  std::string start, end;
  BP_ASSIGN_OR_RETURN(start, string_at(*details, "details", "start", true));
  BP_ASSIGN_OR_RETURN(end, string_at(*details, "details", "end", false));
  auto s = pipeline::DateSpec::Parse(start);
  if (!s) return field_error(*details, "details", "start", s.error());
  d.duration.start = *s;
  if (!end.empty()) {
    auto e = pipeline::DateSpec::Parse(end);
    if (!e) return field_error(*details, "details", "end", e.error());
    d.duration.end = *e;
  }
  const toml::table* scheduling = root["scheduling"].as_table();
  if (scheduling) {
    std::string schedule, retry, method;
    BP_ASSIGN_OR_RETURN(schedule, string_at(*scheduling, "scheduling", "schedule", false));
    if (!schedule.empty()) {
      auto sc = Schedule::Parse(schedule);
      if (!sc) return field_error(*scheduling, "scheduling", "schedule", sc.error());
      d.schedule = *sc;
    }
    if (const toml::node* start_at = scheduling->get("start_at")) {
      const auto* dt = start_at->as_date_time();
      if (!dt || !dt->get().offset) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("{} must be a date and time with its offset, e.g. 2026-12-01T06:00:00Z",
                                where(start_at, "scheduling.start_at")));
      }
      const toml::date_time& v = dt->get();
      Date date{v.date.year, v.date.month, v.date.day};
      int64_t ms = date.Days() * 86'400'000 + (v.time.hour * 3600 + v.time.minute * 60 + v.time.second) * kMsPerSecond +
                   v.time.nanosecond / 1'000'000 - int64_t{v.offset->minutes} * 60'000;
      d.schedule.start_at = SysTime(std::chrono::milliseconds(ms));
    }
    BP_ASSIGN_OR_RETURN(retry, string_at(*scheduling, "scheduling", "retry", false));
    if (!retry.empty()) {
      auto r = RetryPolicy::Parse(retry);
      if (!r) return field_error(*scheduling, "scheduling", "retry", r.error());
      d.retry = *r;
    }
    BP_ASSIGN_OR_RETURN(method, string_at(*scheduling, "scheduling", "update_method", false));
    if (!method.empty()) {
      auto m = pipeline::ParseUpdateMethod(method);
      if (!m) return field_error(*scheduling, "scheduling", "update_method", m.error());
      d.update_method = *m;
    }
    // Numbers and a flag (issue 11 p); absent: the defaults.
    for (auto [key, field, max] : {std::tuple{"keep_versions", &d.keep_versions, kMaxKeepVersions},
                                   std::tuple{"retention_months", &d.retention_months, kMaxRetentionMonths}}) {
      const toml::node* node = scheduling->get(key);
      if (node == nullptr) continue;
      const auto* v = node->as_integer();
      if (v == nullptr || v->get() < 0 || v->get() > max) {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("{} must be a whole number from 0 to {}",
                                                             where(node, std::string("scheduling.") + key), max));
      }
      *field = static_cast<int>(v->get());
    }
    if (const toml::node* node = scheduling->get("skip_bad_rows")) {
      const auto* v = node->as_boolean();
      if (v == nullptr) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("{} must be true or false", where(node, "scheduling.skip_bad_rows")));
      }
      d.skip_bad_rows = v->get();
    }
  }
  return d;
}

}  // namespace billpipe::catalog
