// A dataset as a JSON document with the TOML export's field names and nesting (catalog/dataset_toml.h):
//   {"name", "description", "account",
//    "details": {"report_type", "filter", "schema", "bucket", "prefix", "report_name", "start", "end"},
//    "scheduling": {"schedule", "start_at", "retry", "update_method", "keep_versions",
//                   "retention_months", "skip_bad_rows"}}
// — the form the Data Center's API reads and writes (docs/datacenter.md). Shown datasets also carry
// "paused", "pause_reason", "next_run_at", "created_at" and "updated_at".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "app/datasets.h"
#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "pipeline/preview.h"
#include "util/status.h"

namespace billpipe::app {

nlohmann::ordered_json DatasetDocumentJson(const catalog::DatasetDefinition& dataset);

// The fields a document sets (absent keys stay unset; "end" absent or "" with "start" given: a single
// date). Unknown keys and wrong types are kInvalidArgument naming the key, e.g. "details.bucket must
// be a string". name is filled from "name" when given.
struct DatasetDocument {
  std::string name;
  DatasetFields fields;
  std::optional<bool> paused;
};
Result<DatasetDocument> DatasetDocumentFromJson(const nlohmann::json& doc);

// "2026-12-01T06:00:00Z" or "2026-12-01 06:00" (UTC).
Result<SysTime> ParseUtcTimestamp(std::string_view text);

// The Load Preview of a dataset not saved yet: its fields over the defaults, read with its account.
Result<pipeline::Preview> PreviewDraft(catalog::Catalog& catalog, const DatasetFields& fields, size_t rows);

}  // namespace billpipe::app
