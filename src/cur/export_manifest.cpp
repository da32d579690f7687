#include "cur/export_manifest.h"

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace billpipe::cur {
namespace {

using nlohmann::json;

std::unexpected<Error> BadField(std::string_view field, std::string_view problem) {
  return Fail(ErrorCode::kBadData, fmt::format("export manifest field \"{}\" {}", field, problem));
}

// "a number", "an object", "null".
std::string JsonKind(const json& value) {
  if (value.is_null()) return "null";
  return fmt::format("{} {}", value.is_array() || value.is_object() ? "an" : "a", value.type_name());
}

// The member `key` of object, checked to be of the expected JSON type; nullptr when absent and optional.
Result<const json*> Member(const json& object, const std::string& key, const std::string& field, json::value_t type,
                           bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return BadField(field, "is missing");
    return nullptr;
  }
  if (it->type() != type) {
    std::string_view expected = type == json::value_t::string ? "a string"
                                : type == json::value_t::array ? "an array"
                                                                : "an object";
    return BadField(field, fmt::format("is {}, expected {}", JsonKind(*it), expected));
  }
  return &*it;
}

Result<std::string> RequiredString(const json& object, const std::string& key, const std::string& field) {
  BP_ASSIGN_OR_RETURN(const json* value, Member(object, key, field, json::value_t::string, true));
  return value->get<std::string>();
}

}  // namespace

std::string ShownFromBucket(std::string_view text) {
  std::string out;
  bool cut = text.size() > kMaxShownBytes;
  if (cut) text = text.substr(0, kMaxShownBytes);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out.push_back(c);
    }
  }
  if (cut) out += "...";
  return out;
}

Result<ExportDataFile> ParseDataFileUri(std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (!uri.starts_with(kScheme)) return Fail(ErrorCode::kBadData, "is not an s3://bucket/key URI");
  std::string_view rest = uri.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size()) {
    return Fail(ErrorCode::kBadData, "is not an s3://bucket/key URI");
  }
  return ExportDataFile{std::string(uri), std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

Result<ExportManifest> ParseExportManifest(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    std::string_view what = e.what();
    if (size_t close = what.find("] "); what.starts_with("[json.exception.") && close != std::string_view::npos) {
      what.remove_prefix(close + 2);
    }
    return Fail(ErrorCode::kBadData, fmt::format("the export manifest is not JSON: {}", what));
  }
  if (!doc.is_object()) {
    return Fail(ErrorCode::kBadData, fmt::format("the export manifest is {}, expected a JSON object", JsonKind(doc)));
  }

  ExportManifest m;
  BP_ASSIGN_OR_RETURN(m.execution_id, RequiredString(doc, "executionId", "executionId"));
  if (m.execution_id.empty()) return BadField("executionId", "is empty");
  BP_ASSIGN_OR_RETURN(m.export_arn, RequiredString(doc, "exportArn", "exportArn"));

  BP_ASSIGN_OR_RETURN(const json* columns, Member(doc, "columns", "columns", json::value_t::array, true));
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < columns->size(); ++i) {
    std::string field = fmt::format("columns[{}]", i);
    const json& column = (*columns)[i];
    if (!column.is_object()) return BadField(field, fmt::format("is {}, expected an object", JsonKind(column)));
    ExportColumn c;
    BP_ASSIGN_OR_RETURN(c.name, RequiredString(column, "name", field + ".name"));
    BP_ASSIGN_OR_RETURN(c.type, RequiredString(column, "type", field + ".type"));
    if (c.name.empty()) return BadField(field + ".name", "is empty");
    if (!names.insert(c.name).second) {
      return BadField(field + ".name", fmt::format("repeats the column \"{}\"", ShownFromBucket(c.name)));
    }
    m.columns.push_back(std::move(c));
  }

  BP_ASSIGN_OR_RETURN(const json* files, Member(doc, "dataFiles", "dataFiles", json::value_t::array, true));
  for (size_t i = 0; i < files->size(); ++i) {
    std::string field = fmt::format("dataFiles[{}]", i);
    const json& uri = (*files)[i];
    if (!uri.is_string()) return BadField(field, fmt::format("is {}, expected a string", JsonKind(uri)));
    auto file = ParseDataFileUri(uri.get_ref<const std::string&>());
    if (!file) return BadField(field, file.error().message);
    m.data_files.push_back(std::move(*file));
  }

  BP_ASSIGN_OR_RETURN(const json* extra,
                      Member(doc, "additionalOutputFiles", "additionalOutputFiles", json::value_t::array, false));
  if (extra != nullptr) {
    for (size_t i = 0; i < extra->size(); ++i) {
      const json& entry = (*extra)[i];
      if (!entry.is_object()) {
        return BadField(fmt::format("additionalOutputFiles[{}]", i),
                        fmt::format("is {}, expected an object", JsonKind(entry)));
      }
      m.additional_output_files.push_back(entry.dump());
    }
  }
  return m;
}

}  // namespace billpipe::cur
