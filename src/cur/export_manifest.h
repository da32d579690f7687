// The manifest of an AWS Data Exports export (CUR 2.0, FOCUS): `<export>-Manifest.json` under
// `<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/` (the top-level one, replaced at each delivery) and,
// in create-new mode, one per execution under `.../<timestamp>-<executionId>/`. Fields as AWS's "Data
// Exports manifest file reference" describes them (../shared/CUR_FORMAT.md, docs/exports.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace billpipe::cur {

// One column of the export, in the order of the CSV header. The header is the name itself
// ("line_item_usage_start_date", "BilledCost"): export names already fit SQL.
struct ExportColumn {
  std::string name;
  std::string type;  // as written ("string", "timestamp", "double", "map<string,string>", ...); opaque
  friend bool operator==(const ExportColumn&, const ExportColumn&) = default;
};

// One entry of dataFiles: "s3://bucket/key", split.
struct ExportDataFile {
  std::string uri;     // as written
  std::string bucket;  // "billing"
  std::string key;     // "cur/my-export/data/BILLING_PERIOD=2024-05/my-export-00001.csv.gz"
};

struct ExportManifest {
  // Required: a manifest without them, or with them of the wrong JSON type, is refused.
  std::string execution_id;  // opaque; in create-new mode also the end of the execution folder's name
  std::string export_arn;    // "arn:aws:bcm-data-exports:us-east-1:123456789012:export/name-..."
  std::vector<ExportColumn> columns;
  std::vector<ExportDataFile> data_files;  // in order; may be empty (nothing delivered for the period)

  // Optional: additionalOutputFiles (Athena / Redshift integration files), each entry kept as compact
  // JSON text since only its presence matters to billpipe. Empty when absent.
  std::vector<std::string> additional_output_files;
};

// Parses an export manifest. Unknown fields are ignored (top level, in columns and in
// additionalOutputFiles). Fails with kBadData when the text is not JSON, is not a JSON object, lacks a
// required field, has a known field of the wrong type, an empty executionId, a column without a name,
// two columns of one name, or a dataFiles entry that is not an s3://bucket/key URI; the message names
// the field ("columns[3].name", "dataFiles[0]"). The caller adds where the manifest came from.
Result<ExportManifest> ParseExportManifest(std::string_view json_text);

// Text that came from the bucket (a key, a column name), made safe to show: control characters and DEL
// as \xNN, and at most kMaxShownBytes bytes of it followed by "..." (issue 11 brings one helper for all).
inline constexpr size_t kMaxShownBytes = 200;
std::string ShownFromBucket(std::string_view text);

// Splits "s3://bucket/key" (bucket non-empty, key non-empty); kBadData otherwise.
Result<ExportDataFile> ParseDataFileUri(std::string_view uri);

}  // namespace billpipe::cur
