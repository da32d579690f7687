// The CUR generator for AWS Data Exports: writes a CUR 2.0 or FOCUS export (gzip CSV) in either delivery
// option, exactly as docs/exports.md lays it out, from the same line-item model as the legacy generator
// (line_items.h), and returns the exact totals of what it wrote (expected.json, as for legacy reports).
//
//   <prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/[<timestamp>-<executionId>/]<export>-00001.csv.gz
//   <prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/[<timestamp>-<executionId>/]<export>-Manifest.json
//
// Create new: each execution in its own `<timestamp>-<executionId>/` folders under data/ and metadata/,
// the top-level manifest rewritten after each (it names the newest complete one). Overwrite: each execution
// replaces the chunks and the top-level manifest in place; with shrink_chunks, earlier executions wrote
// more chunks than the newest, whose trailing chunks are left as empty (zero-byte) files and listed in
// dataFiles. Every older execution is a month-to-date prefix of the next. Map columns hold JSON object
// text with awkward keys and values (commas, quotes, newlines, non-ASCII).
// Output is a pure function of the options. Memory does not grow with the number of line items.
#pragma once

#include "cur/export_layout.h"
#include "curgen/expected_totals.h"
#include "curgen/generator.h"
#include "curgen/object_writer.h"
#include "util/status.h"

namespace billpipe::curgen {

struct ExportOptions {
  // bucket, prefix, report_name (the export name), start month, months, line items, time unit, files per
  // period (chunks per execution), month_status, tag_drift and seed as for legacy reports. Compression is
  // always gzip, chunk numbers always five digits; versioning and assemblies_per_month are not used.
  CurgenOptions base;
  cur::ExportKind kind = cur::ExportKind::kCur2;
  cur::ExportDelivery delivery = cur::ExportDelivery::kCreateNew;  // kCreateNew or kOverwrite
  int executions_per_month = 1;  // deliveries per month, 1..100
  // Overwrite, with at least two executions: the earlier ones wrote this many more chunks than the newest.
  int shrink_chunks = 0;
  // Create new: after the newest complete execution, one more whose data files are being written (its first
  // chunk, half the lines) and whose manifests are not there yet. Readers must not see it.
  bool in_progress_execution = false;
};

// Refuses impossible options with kInvalidArgument, naming the option.
Status ValidateExportOptions(const ExportOptions& options);

// The options as written into expected.json's "generator" field.
nlohmann::ordered_json ExportOptionsJson(const ExportOptions& options);

// The CSV header (column names, in order) of a kind's export as the generator writes it.
std::vector<std::string> ExportColumnNames(cur::ExportKind kind);

// Writes the whole export. PeriodTotals use the export's words: period "BILLING_PERIOD=2019-12",
// assembly ids are execution ids, report keys the dataFiles' keys; unblended_cost is the cost column's sum
// (line_item_unblended_cost, or BilledCost which equals it). For FOCUS 1.0 (no invoice column)
// with_invoice_id is empty and invoiced false.
Result<GeneratedReport> GenerateExport(const ExportOptions& options, ObjectWriter& writer);

}  // namespace billpipe::curgen
