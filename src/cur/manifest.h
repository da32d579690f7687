// The manifest of a legacy Cost and Usage Report (CUR 1.0): `<report>-Manifest.json`, one at the top of
// each billing-period folder (overwritten at each update) and, in create-new mode, one per assembly.
// Fields as ../shared/CUR_FORMAT.md "Manifest (legacy)" describes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <optional>

#include "codec/decoder.h"
#include "table/batch_source.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::cur {

// Manifests larger than this are refused (kBadData): the largest real ones are tens of kilobytes.
inline constexpr size_t kMaxManifestBytes = 16 << 20;
// Manifests listing more columns than this are refused (kBadData): real reports have a few hundred
// (tags included), and every column costs work in every later step.
inline constexpr size_t kMaxManifestColumns = 5000;

// One column of the report, in the order of the CSV header.
struct ManifestColumn {
  std::string category;  // "lineItem"
  std::string name;      // "UsageStartDate"
  std::string type;      // "DateTime", "String", "BigDecimal", ...; empty in manifests before 2019

  // The CSV header of the column: "lineItem/UsageStartDate".
  std::string Header() const { return category + "/" + name; }
  friend bool operator==(const ManifestColumn&, const ManifestColumn&) = default;
};

struct ArtifactKey {
  std::string artifact_type;  // "RedshiftCommands", "RedshiftManifest", ...
  std::string name;           // bucket-relative key
};

// One compression type in billpipe: codec's.
using codec::Compression;

// How a report's data files are written: format, then stream compression (kNone for Parquet, which
// compresses inside the file).
struct DataEncoding {
  table::DataFormat format = table::DataFormat::kCsv;
  Compression compression = Compression::kGzip;
  friend bool operator==(const DataEncoding&, const DataEncoding&) = default;
};

// A legacy manifest's "compression": "GZIP" / "ZIP" (any case) are CSV gzip / zip, "Parquet" is Parquet;
// anything else nullopt.
std::optional<DataEncoding> EncodingFromManifest(std::string_view value);
// The file-name ending AWS gives such data files: ".csv.gz", ".csv.zip", ".snappy.parquet".
std::string_view DataFileSuffix(const DataEncoding& encoding);

struct LegacyManifest {
  // Required: a manifest without them, or with them of the wrong JSON type, is refused.
  std::string assembly_id;  // a UUID or a timestamp like "20230903T040211Z"; opaque
  std::vector<ManifestColumn> columns;
  std::string compression;  // as written: "GZIP", "ZIP"
  SysTime billing_period_start;
  SysTime billing_period_end;  // exclusive: the first instant of the next month
  std::vector<std::string> report_keys;  // bucket-relative keys of the data files, in order

  // Optional: empty when absent.
  std::string account;  // 12-digit payer account
  std::string charset;  // "UTF-8"
  std::string content_type;  // "text/csv"
  std::string report_id;
  std::string report_name;
  std::string bucket;
  std::vector<ArtifactKey> additional_artifact_keys;
};

// Parses a legacy manifest. Unknown fields are ignored. Fails with kBadData when the text is not JSON, is
// not a JSON object, lacks a required field, or has a known field of the wrong type; the message names the
// field ("columns[3].name"). The caller adds where the manifest came from (Error::Context).
Result<LegacyManifest> ParseLegacyManifest(std::string_view json_text);

}  // namespace billpipe::cur
