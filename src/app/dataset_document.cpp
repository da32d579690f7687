#include "app/dataset_document.h"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "pipeline/dataset_spec.h"
#include "s3/client.h"
#include "util/date.h"
#include "util/date_time.h"

namespace billpipe::app {
namespace {

std::unexpected<Error> NotAField(std::string_view where, std::string_view key, std::string_view fields) {
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("'{}{}' is not a dataset field (the fields are {})", where, key.substr(0, 60), fields));
}

}  // namespace

Result<SysTime> ParseUtcTimestamp(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not a date and time: write YYYY-MM-DDTHH:MM:SSZ in UTC, e.g. 2026-12-01T06:00:00Z.",
                            text.substr(0, 40)));
  };
  if (auto t = TryParseUtcDateTime(text)) return *t;
  return bad();
}

nlohmann::ordered_json DatasetDocumentJson(const catalog::DatasetDefinition& d) {
  nlohmann::ordered_json details;
  details["report_type"] = d.report_type;
  details["filter"] = std::string(pipeline::FilterName(d.filter));
  details["schema"] = std::string(pipeline::OutputSchemaName(d.schema));
  details["bucket"] = d.bucket;
  details["prefix"] = d.prefix;
  details["report_name"] = d.report_name;
  details["start"] = d.duration.start.ToString();
  details["end"] = d.duration.end ? nlohmann::ordered_json(d.duration.end->ToString()) : nlohmann::ordered_json();
  nlohmann::ordered_json scheduling;
  scheduling["schedule"] = d.schedule.ToString();
  scheduling["start_at"] =
      d.schedule.start_at ? nlohmann::ordered_json(FormatTimestamp(*d.schedule.start_at)) : nlohmann::ordered_json();
  scheduling["retry"] = d.retry.ToString();
  scheduling["update_method"] = std::string(pipeline::UpdateMethodName(d.update_method));
  scheduling["keep_versions"] = d.keep_versions;
  scheduling["retention_months"] = d.retention_months;
  scheduling["skip_bad_rows"] = d.skip_bad_rows;
  nlohmann::ordered_json j;
  j["name"] = d.name;
  j["description"] = d.description;
  j["account"] = d.account.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.account);
  // null: the data directory's SQLite file. The password is never shown: "********" when one is stored.
  j["destination"] = d.destination.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.destination);
  j["destination_password"] = d.destination_password_stored ? nlohmann::ordered_json("********") : nlohmann::ordered_json();
  j["details"] = std::move(details);
  j["scheduling"] = std::move(scheduling);
  j["paused"] = d.paused;
  j["pause_reason"] = d.pause_reason;
  j["next_run_at"] = d.next_run_at ? nlohmann::ordered_json(FormatTimestamp(*d.next_run_at)) : nlohmann::ordered_json();
  j["created_at"] = FormatTimestamp(d.created_at);
  j["updated_at"] = FormatTimestamp(d.updated_at);
  return j;
}

Result<DatasetDocument> DatasetDocumentFromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) return Fail(ErrorCode::kInvalidArgument, "The dataset must be a JSON object.");
  DatasetDocument out;
  auto text = [](const nlohmann::json& obj, std::string_view where, const char* key,
                 std::optional<std::string>* into) -> Status {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return Ok();
    if (!it->is_string()) return Fail(ErrorCode::kInvalidArgument, fmt::format("{}{} must be a string", where, key));
    *into = it->get<std::string>();
    return Ok();
  };
  // Shown-only keys (of the Data Center's dataset view too) are accepted, so that a shown dataset can be
  // sent back, and ignored.
  static const std::set<std::string> kTop = {"name",        "description", "account",    "destination", "details",
                                             "scheduling",  "paused",      "pause_reason", "next_run_at",
                                             "created_at",  "updated_at",  "warnings",   "last_run",
                                             "running_run_id", "line_items", "month",    "month_cost",
                                             "destination_password"};
  for (const auto& [key, value] : doc.items()) {
    if (!kTop.count(key)) {
      return NotAField("", key, "name, description, account, destination, details{...}, scheduling{...}, paused");
    }
  }
  std::optional<std::string> name;
  BP_RETURN_IF_ERROR(text(doc, "", "name", &name));
  out.name = name.value_or("");
  BP_RETURN_IF_ERROR(text(doc, "", "description", &out.fields.description));
  BP_RETURN_IF_ERROR(text(doc, "", "account", &out.fields.account));
  // As `dataset create --to` takes it (never with a password in it; docs/destinations.md).
  BP_RETURN_IF_ERROR(text(doc, "", "destination", &out.fields.destination));
  // The destination's password, sent once (the Data Center's password field) and stored sealed, as the
  // CLI's --to-password-* flags do; the view shows "********" for it, which sent back changes nothing.
  std::optional<std::string> password;
  BP_RETURN_IF_ERROR(text(doc, "", "destination_password", &password));
  if (password && !password->empty() && *password != "********") out.fields.destination_password = password;
  if (auto it = doc.find("paused"); it != doc.end() && !it->is_null()) {
    if (!it->is_boolean()) return Fail(ErrorCode::kInvalidArgument, "paused must be true or false");
    out.paused = it->get<bool>();
  }
  if (auto it = doc.find("details"); it != doc.end() && !it->is_null()) {
    const auto& d = *it;
    if (!d.is_object()) return Fail(ErrorCode::kInvalidArgument, "details must be an object");
    static const std::set<std::string> kDetails = {"report_type", "filter", "schema", "bucket",
                                                   "prefix",      "report_name", "start", "end"};
    for (const auto& [key, value] : d.items()) {
      if (!kDetails.count(key)) {
        return NotAField("details.", key, "report_type, filter, schema, bucket, prefix, report_name, start, end");
      }
    }
    BP_RETURN_IF_ERROR(text(d, "details.", "report_type", &out.fields.report_type));
    BP_RETURN_IF_ERROR(text(d, "details.", "filter", &out.fields.filter));
    BP_RETURN_IF_ERROR(text(d, "details.", "schema", &out.fields.schema));
    BP_RETURN_IF_ERROR(text(d, "details.", "bucket", &out.fields.bucket));
    BP_RETURN_IF_ERROR(text(d, "details.", "prefix", &out.fields.prefix));
    BP_RETURN_IF_ERROR(text(d, "details.", "report_name", &out.fields.report_name));
    std::optional<std::string> start, end;
    BP_RETURN_IF_ERROR(text(d, "details.", "start", &start));
    BP_RETURN_IF_ERROR(text(d, "details.", "end", &end));
    if (end && end->empty()) end.reset();
    if (start && !end) {
      out.fields.duration.date = start;  // a single date
    } else if (start || end) {
      out.fields.duration.start = start;
      out.fields.duration.end = end;
    }
  }
  if (auto it = doc.find("scheduling"); it != doc.end() && !it->is_null()) {
    const auto& s = *it;
    if (!s.is_object()) return Fail(ErrorCode::kInvalidArgument, "scheduling must be an object");
    static const std::set<std::string> kScheduling = {"schedule",      "start_at",      "retry",        "update_method",
                                                      "keep_versions", "retention_months", "skip_bad_rows"};
    for (const auto& [key, value] : s.items()) {
      if (!kScheduling.count(key)) {
        return NotAField("scheduling.", key,
                         "schedule, start_at, retry, update_method, keep_versions, retention_months, skip_bad_rows");
      }
    }
    BP_RETURN_IF_ERROR(text(s, "scheduling.", "schedule", &out.fields.schedule));
    BP_RETURN_IF_ERROR(text(s, "scheduling.", "retry", &out.fields.retry));
    BP_RETURN_IF_ERROR(text(s, "scheduling.", "update_method", &out.fields.update_method));
    if (auto st = s.find("start_at"); st != s.end()) {
      if (st->is_null() || (st->is_string() && st->get<std::string>().empty())) {
        out.fields.no_start_later = true;
      } else if (!st->is_string()) {
        return Fail(ErrorCode::kInvalidArgument, "scheduling.start_at must be a string");
      } else {
        BP_ASSIGN_OR_RETURN(out.fields.start_later, ParseUtcTimestamp(st->get<std::string>()));
      }
    }
    for (auto [key, into] : {std::pair{"keep_versions", &out.fields.keep_versions},
                             std::pair{"retention_months", &out.fields.retention_months}}) {
      auto n = s.find(key);
      if (n == s.end() || n->is_null()) continue;
      if (!n->is_number_integer()) {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("scheduling.{} must be a whole number", key));
      }
      *into = n->get<int>();
    }
    if (auto b = s.find("skip_bad_rows"); b != s.end() && !b->is_null()) {
      if (!b->is_boolean()) return Fail(ErrorCode::kInvalidArgument, "scheduling.skip_bad_rows must be true or false");
      out.fields.skip_bad_rows = b->get<bool>();
    }
  }
  return out;
}

Result<pipeline::Preview> PreviewDraft(catalog::Catalog& catalog, const DatasetFields& fields, size_t rows) {
  // A preview reads the start of one file: a small read-ahead keeps what is fetched and thrown away small.
  constexpr size_t kPreviewStreamBuffer = 1u << 20;
  catalog::DatasetDefinition def;
  def.name = "preview";
  BP_RETURN_IF_ERROR(ApplyDatasetFields(fields, def));
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(catalog, def));
  job.client.stream_buffer_bytes = kPreviewStreamBuffer;
  job.client.retry.max_attempts = 2;  // a person is waiting
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  return pipeline::PreviewDataset(job.request, *store, Clock::System(), rows);
}

}  // namespace billpipe::app
