// The Load Preview: the first rows of a dataset as a run would load them — the newest version of the
// newest billing period in the window that has a report, its columns named and typed as in the dataset,
// after the filter and the window — written nowhere.
//
// It reuses the run's pieces: the period plan (top-level manifest only), the column naming, and
// LoadFile (fetch, decompress, CSV, filter, types). Reading stops once enough rows are found: LoadFile
// hands rows over in batches of at most kBatchRows, so at most about one batch of lines past the ones
// shown (plus the object store's and decoder's read-ahead buffers) is read, never the whole file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/run.h"
#include "s3/object_store.h"
#include "util/clock.h"
#include "util/status.h"

namespace billpipe::pipeline {

struct PreviewColumn {
  std::string name;             // the dataset column: line_item_usage_start_date
  std::string type;             // sink::ColumnKindName: "text", "timestamp", "decimal"
  std::string original_header;  // lineItem/UsageStartDate
};

struct Preview {
  std::string period;        // "2026-11"
  std::string version_key;   // assemblyId, or the manifest ETag (overwrite mode)
  std::string manifest_key;  // the period's top-level manifest
  std::string window;        // the window's share of the period
  std::string filter;        // "all", "invoiced", "estimated"
  std::vector<PreviewColumn> columns;  // the period's columns, in the manifest's order
  // rows[r][c] is the value of columns[c]; nullopt is NULL. Timestamps as ISO 8601 UTC, decimals as
  // their exact text.
  std::vector<std::vector<std::optional<std::string>>> rows;
  int64_t compressed_bytes_read = 0;  // bytes of data files read from the store
};

// The first `rows` rows (after filter and window) of the newest version of the newest period in the
// window of req (req.dataset, update and workers are not used). No period with a report in the window:
// kNotFound naming the window. An unknown report: kNotFound listing the reports there.
Result<Preview> PreviewDataset(const RunRequest& req, s3::ObjectStore& store, Clock& clock, size_t rows);

// For a person: the columns with their types, then each row as "column: value" lines, empty and NULL
// values left out (a CUR row fills a few dozen of its hundreds of columns).
std::string FormatPreview(const Preview& preview, const std::string& dataset);
// {period, version_key, window, filter, columns:[{name,type,original_header}], rows:[{column: value}]}
// (NULLs left out of each row object; empty texts kept as "").
std::string PreviewJson(const Preview& preview);

}  // namespace billpipe::pipeline
