#include "cur/manifest.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cur/billing_period.h"

namespace billpipe::cur {
namespace {

using nlohmann::json;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::unexpected<Error> Missing(std::string_view field) {
  return Fail(ErrorCode::kBadData, fmt::format("manifest field \"{}\" is missing", field));
}

// "a number", "an object", "null".
std::string Describe(const json& value) {
  if (value.is_null()) return "null";
  return fmt::format("{} {}", value.is_array() || value.is_object() ? "an" : "a", value.type_name());
}

std::unexpected<Error> WrongType(std::string_view field, const json& value, std::string_view expected) {
  return Fail(ErrorCode::kBadData,
              fmt::format("manifest field \"{}\" is {}, expected {}", field, Describe(value), expected));
}

// The string at object[key]; kBadData if absent (when required) or not a string.
Result<std::string> GetString(const json& object, const std::string& key, const std::string& field,
                              bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return Missing(field);
    return std::string();
  }
  if (!it->is_string()) return WrongType(field, *it, "a string");
  return it->get<std::string>();
}

Result<const json*> GetArray(const json& object, const std::string& key, bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return Missing(key);
    return nullptr;
  }
  if (!it->is_array()) return WrongType(key, *it, "an array");
  return &*it;
}

Result<const json*> GetObject(const json& value, const std::string& field) {
  if (!value.is_object()) return WrongType(field, value, "an object");
  return &value;
}

Result<SysTime> GetTime(const json& object, const std::string& key, const std::string& field) {
  BP_ASSIGN_OR_RETURN(std::string text, GetString(object, key, field, /*required=*/true));
  auto time = ParseManifestTime(text);
  if (!time) return Fail(ErrorCode::kBadData, fmt::format("manifest field \"{}\": {}", field, time.error().message));
  return *time;
}

}  // namespace

std::optional<DataEncoding> EncodingFromManifest(std::string_view value) {
  if (EqualsIgnoreCase(value, "GZIP")) return DataEncoding{table::DataFormat::kCsv, Compression::kGzip};
  if (EqualsIgnoreCase(value, "ZIP")) return DataEncoding{table::DataFormat::kCsv, Compression::kZip};
  if (EqualsIgnoreCase(value, "Parquet")) return DataEncoding{table::DataFormat::kParquet, Compression::kNone};
  return std::nullopt;
}

std::string_view DataFileSuffix(const DataEncoding& encoding) {
  if (encoding.format == table::DataFormat::kParquet) return ".snappy.parquet";
  switch (encoding.compression) {
    case Compression::kGzip: return ".csv.gz";
    case Compression::kZip: return ".csv.zip";
    case Compression::kNone: return ".csv";
  }
  return "";
}

Result<LegacyManifest> ParseLegacyManifest(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, ...": keep the readable part.
    std::string_view what = e.what();
    if (size_t close = what.find("] "); what.starts_with("[json.exception.") && close != std::string_view::npos) {
      what.remove_prefix(close + 2);
    }
    return Fail(ErrorCode::kBadData, fmt::format("the manifest is not JSON: {}", what));
  }
  if (!doc.is_object()) {
    return Fail(ErrorCode::kBadData, fmt::format("the manifest is {}, expected a JSON object", Describe(doc)));
  }

  LegacyManifest m;
  BP_ASSIGN_OR_RETURN(m.assembly_id, GetString(doc, "assemblyId", "assemblyId", true));
  BP_ASSIGN_OR_RETURN(m.compression, GetString(doc, "compression", "compression", true));

  auto period_it = doc.find("billingPeriod");
  if (period_it == doc.end()) return Missing("billingPeriod");
  BP_ASSIGN_OR_RETURN(const json* period, GetObject(*period_it, "billingPeriod"));
  BP_ASSIGN_OR_RETURN(m.billing_period_start, GetTime(*period, "start", "billingPeriod.start"));
  BP_ASSIGN_OR_RETURN(m.billing_period_end, GetTime(*period, "end", "billingPeriod.end"));
  if (m.billing_period_end <= m.billing_period_start) {
    return Fail(ErrorCode::kBadData, fmt::format("manifest field \"billingPeriod\": end {} is not after start {}",
                                                 FormatIsoTime(m.billing_period_end),
                                                 FormatIsoTime(m.billing_period_start)));
  }

  BP_ASSIGN_OR_RETURN(const json* columns, GetArray(doc, "columns", true));
  if (columns->size() > kMaxManifestColumns) {
    return Fail(ErrorCode::kBadData,
                fmt::format("the manifest lists {} columns; no report has more than {}, so it is refused",
                            columns->size(), kMaxManifestColumns));
  }
  m.columns.reserve(columns->size());
  for (size_t i = 0; i < columns->size(); ++i) {
    std::string field = fmt::format("columns[{}]", i);
    BP_ASSIGN_OR_RETURN(const json* column, GetObject((*columns)[i], field));
    ManifestColumn c;
    BP_ASSIGN_OR_RETURN(c.category, GetString(*column, "category", field + ".category", true));
    BP_ASSIGN_OR_RETURN(c.name, GetString(*column, "name", field + ".name", true));
    BP_ASSIGN_OR_RETURN(c.type, GetString(*column, "type", field + ".type", false));
    m.columns.push_back(std::move(c));
  }

  BP_ASSIGN_OR_RETURN(const json* keys, GetArray(doc, "reportKeys", true));
  for (size_t i = 0; i < keys->size(); ++i) {
    const json& key = (*keys)[i];
    if (!key.is_string()) return WrongType(fmt::format("reportKeys[{}]", i), key, "a string");
    m.report_keys.push_back(key.get<std::string>());
  }

  BP_ASSIGN_OR_RETURN(m.account, GetString(doc, "account", "account", false));
  BP_ASSIGN_OR_RETURN(m.charset, GetString(doc, "charset", "charset", false));
  BP_ASSIGN_OR_RETURN(m.content_type, GetString(doc, "contentType", "contentType", false));
  BP_ASSIGN_OR_RETURN(m.report_id, GetString(doc, "reportId", "reportId", false));
  BP_ASSIGN_OR_RETURN(m.report_name, GetString(doc, "reportName", "reportName", false));
  BP_ASSIGN_OR_RETURN(m.bucket, GetString(doc, "bucket", "bucket", false));
  BP_ASSIGN_OR_RETURN(const json* artifacts, GetArray(doc, "additionalArtifactKeys", false));
  if (artifacts != nullptr) {
    for (size_t i = 0; i < artifacts->size(); ++i) {
      std::string field = fmt::format("additionalArtifactKeys[{}]", i);
      BP_ASSIGN_OR_RETURN(const json* artifact, GetObject((*artifacts)[i], field));
      ArtifactKey a;
      BP_ASSIGN_OR_RETURN(a.artifact_type, GetString(*artifact, "artifactType", field + ".artifactType", true));
      BP_ASSIGN_OR_RETURN(a.name, GetString(*artifact, "name", field + ".name", true));
      m.additional_artifact_keys.push_back(std::move(a));
    }
  }
  return m;
}

}  // namespace billpipe::cur
