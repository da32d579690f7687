// Where a dataset's rows go. A sink stores, per dataset:
//  * segments: the rows of one billing period as loaded from one report version for one window share
//    and filter. A segment is written once and never changed.
//  * dataset versions: each run publishes a set of segments as the dataset's new current version, in
//    the same transaction as the per-period state. Readers see the dataset before or after a run,
//    never between. Older versions are kept up to a retention and can be restored.
// What goes into a version (Replace / Append / Partition) is decided by pipeline/, not here. A sink knows
// no report format: the loader tells it which column is the date to index rows by and which column's
// total it keeps (ColumnRoles), and hands it the totals (SegmentTotals).
//
// Atomicity: a run's rows may be written in several chunks (each its own transaction in the sink, so
// that a long load neither holds a lock nor grows a log for its whole length), but no reader sees them
// until Publish + Commit make the segments part of the dataset, in one short final transaction. A run
// that fails or is killed before Commit leaves the dataset exactly as it was; the sink removes the rows
// it wrote (at once when it can, else on the next Publish). docs/loading.md has the SQLite details.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace billpipe::sink {

enum class ColumnKind : uint8_t {
  kText,       // any text (strings, intervals)
  kTimestamp,  // UTC, millisecond precision
  kDecimal,    // exact where the sink has a decimal type, else double
};

std::string_view ColumnKindName(ColumnKind kind);  // "text", "timestamp", "decimal"
// The kind a stored ColumnKindName stands for (anything else: kText).
ColumnKind ColumnKindFromName(std::string_view name);

// Which lines of the report a segment holds. Stored by name ("all", "invoiced", "estimated").
enum class Filter : uint8_t {
  kAll,        // every line
  kInvoiced,   // lines with an invoice id
  kEstimated,  // lines without one
};
Result<Filter> ParseFilter(std::string_view text);  // "all" | "invoiced" | "estimated"
std::string_view FilterName(Filter filter);

// How final a segment's period is. Stored by name ("estimated", "final", "restated").
enum class Finality : uint8_t {
  kEstimated,  // the lines have no invoice id yet
  kFinal,      // they have one
  kRestated,   // a new version arrived after the period was final
};
Result<Finality> ParseFinality(std::string_view text);  // "estimated" | "final" | "restated"
std::string_view FinalityName(Finality finality);

// What the loader tells a sink about the dataset's columns (names as in ColumnDef::name). Any may be
// empty: no such column.
struct ColumnRoles {
  std::string date_column;   // rows are looked up by it: the sink may index each segment by it
  std::string total_column;  // the column whose sum CountSegment returns (a decimal column)
  std::string key_column;    // identifies a line (text): a sharded sink may spread rows by its hash
};

struct ColumnDef {
  std::string name;             // normalised, e.g. line_item_usage_start_date
  ColumnKind kind = ColumnKind::kText;
  std::string original_header;  // e.g. lineItem/UsageStartDate
};

// One value handed to a sink. Views point into the producer's buffers and are valid only during the
// Insert call that receives them.
struct Cell {
  enum class Kind : uint8_t { kNull, kText, kDecimal, kTimestamp };
  Kind kind = Kind::kNull;
  std::string_view text;  // kText: the value; kDecimal: its exact decimal text ("-1.2500000000")
  int64_t millis = 0;     // kTimestamp: milliseconds since 1970-01-01T00:00:00Z
  double number = 0;      // kDecimal: the nearest double to `text`, for sinks that store a double (SQLite's
                          // REAL); the batch's producer computes it, off the writer's thread
};

class SparseBatch;

// Rows to insert, read cell by cell.
class RowBatch {
 public:
  virtual ~RowBatch() = default;
  virtual size_t rows() const = 0;
  virtual size_t columns() const = 0;
  virtual Cell Get(size_t row, size_t column) const = 0;
  // The row's non-null cells with their column index, in column order (out is cleared first). The
  // default asks Get for every column; sparse batches do better.
  virtual void NonNull(size_t row, std::vector<std::pair<uint32_t, Cell>>& out) const;
  // What kinds of cells each column has in this batch: out[c] is a set of the bits below (out is resized
  // to columns()). The default reads every cell; batches that know do better.
  static constexpr uint8_t kHasValue = 1;  // a non-null cell that is not empty text
  static constexpr uint8_t kHasEmpty = 2;  // empty text ("" from a String column's empty field)
  static constexpr uint8_t kHasNull = 4;
  virtual void ColumnContents(std::vector<uint8_t>& out) const;
  // The same rows as a SparseBatch (sink/sparse_batch.h), read without copying; null when they are not one.
  virtual const SparseBatch* AsSparse() const { return nullptr; }
};

// What a segment holds; together these say whether a later run can reuse it unchanged.
struct SegmentKey {
  std::string billing_period;  // first day of the period, "2019-12-01"
  std::string version_key;     // the report version's key (opaque to the sink)
  std::string window_start;    // the window's share of the period, inclusive dates "YYYY-MM-DD"
  std::string window_end;
  Filter filter = Filter::kAll;
  bool operator==(const SegmentKey&) const = default;
};

// The dimensions of a segment's rollup, in RollupRow::dimensions' order.
enum class RollupDimension : uint8_t { kAccount, kService, kRegion, kUsageType, kLineItemType };
inline constexpr size_t kRollupDimensions = 5;
// "account", "service", "region", "usage_type", "line_item_type": the costs API's group_by names.
std::string_view RollupDimensionName(RollupDimension dimension);
std::optional<RollupDimension> ParseRollupDimension(std::string_view name);

// One row of a segment's rollup (docs/datacenter.md "Fast charts"): the segment's rows of one day that
// share all five dimensions, totalled. The loader computes it on its decoding threads (pipeline/rollup.h)
// and hands it to the sink with the segment's totals; the sink stores it with the segment, so a version's
// rollup is the rollups of its segments, and it changes exactly when the version's rows change.
struct RollupRow {
  std::string day;  // "2019-12-01": the UTC day of the date column (ColumnRoles::date_column)
  std::array<std::string, kRollupDimensions> dimensions;  // by RollupDimension; "" for an empty value or
                                                          // a report without that column
  int64_t line_items = 0;
  std::string cost = "0";   // exact decimal text: the sum of ColumnRoles::total_column, at its largest scale
  std::string usage = "0";  // exact decimal text: the sum of the usage amount ("0" where there is none)
};

// A segment's rollup as the loader hands it over: the rows by all five dimensions, and the same totals by
// day and one dimension (what a chart grouped by that dimension reads: a few rows per day instead of
// thousands).
struct SegmentRollup {
  std::vector<RollupRow> rows;
  // by_dimension[d]: rows with only dimensions[d] set (the others ""), one per day and value of d.
  std::array<std::vector<RollupRow>, kRollupDimensions> by_dimension;
};

// What the loader counted for a segment, recorded with it by FinishSegment.
struct SegmentTotals {
  int64_t line_items = 0;
  std::string total = "0";  // exact decimal text: the sum of the ColumnRoles::total_column over the rows
  Finality finality = Finality::kEstimated;
  // The segment's rollup; nullopt: not computed (the sink then records that the segment has none, and
  // readers of the rollup fall back to the rows). A sink that keeps no rollups ignores it.
  std::optional<SegmentRollup> rollup = std::nullopt;
};

struct Segment {
  int64_t id = 0;
  SegmentKey key;
  int64_t line_items = 0;
  std::string total;  // exact decimal text (SegmentTotals::total)
  Finality finality = Finality::kEstimated;
  std::string loaded_at;  // ISO 8601 UTC
};

struct DatasetVersion {
  int64_t version = 0;
  std::string created_at;
  std::string note;  // what made it: "replace run", "restore of version 3" ...
  std::vector<int64_t> segments;
};

// What a run needs to know about a dataset before it starts.
struct DatasetState {
  bool exists = false;
  std::vector<ColumnDef> columns;     // the union schema so far, in order
  std::optional<DatasetVersion> current;
  std::vector<Segment> current_segments;  // the segments of the current version
};

class LoadTransaction {
 public:
  LoadTransaction() = default;
  LoadTransaction(const LoadTransaction&) = delete;
  LoadTransaction& operator=(const LoadTransaction&) = delete;
  // Destroying an uncommitted transaction rolls it back.
  virtual ~LoadTransaction() = default;

  // Adds the columns the dataset does not have yet (by name); existing ones are kept.
  virtual Status EnsureColumns(const std::vector<ColumnDef>& columns) = 0;

  virtual Result<int64_t> BeginSegment(const SegmentKey& key) = 0;

  // Inserts rows into a segment. column_names[i] names the dataset column that batch column i fills
  // (all must exist; see EnsureColumns). Columns not named are NULL.
  virtual Status Insert(int64_t segment, std::span<const std::string> column_names, const RowBatch& batch) = 0;

  // Ends a segment: no more rows; the totals are recorded with it (visible once published). The sink
  // may build its indexes now (on ColumnRoles::date_column).
  virtual Status FinishSegment(int64_t segment, const SegmentTotals& totals) = 0;

  // Makes these segments the dataset's current version. retention: how many earlier versions to keep
  // restorable; segments no kept version uses are deleted.
  virtual Result<int64_t> Publish(const std::vector<int64_t>& segments, std::string_view note,
                                  int retention) = 0;

  // Ends the final transaction Publish opened: the new version becomes visible to readers at once.
  virtual Status Commit() = 0;
};

class Sink {
 public:
  Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  virtual ~Sink() = default;

  // Where the data is, for messages: "sqlite:/path/to/file.db".
  virtual std::string Describe() const = 0;

  virtual Result<DatasetState> ReadState(std::string_view dataset) = 0;

  // Starts a run's writes (see "Atomicity" above). roles: the column to index by date and the one to
  // total, among the dataset's columns.
  virtual Result<std::unique_ptr<LoadTransaction>> Begin(std::string_view dataset, const ColumnRoles& roles) = 0;

  virtual Result<std::vector<DatasetVersion>> ListVersions(std::string_view dataset) = 0;

  // Makes an earlier kept version current again (itself recorded as a new version).
  virtual Result<int64_t> Restore(std::string_view dataset, int64_t version) = 0;

  // What the dataset actually holds for a segment: rows, and the sum of total_column (as the sink stores
  // it: exact where it has decimals, else double; 0 when the segment has no such column).
  struct StoredTotals {
    int64_t rows = 0;
    double total = 0;
  };
  virtual Result<StoredTotals> CountSegment(std::string_view dataset, const Segment& segment,
                                            std::string_view total_column) = 0;

  // Drops everything the sink holds for the dataset: its rows, every kept version and the state, in one
  // transaction. A dataset the sink does not know is not an error (returns false); true when dropped.
  virtual Result<bool> DropDataset(std::string_view dataset) = 0;
};

// Dataset names: letters, digits and underscores, starting with a letter, at most 63 characters
// (so every sink can use them as a table name unquoted). The message says what is wrong. Names are
// case-insensitive (SQL folds unquoted names): sinks compare them case-folded (FoldDatasetName) so that
// "Costs" and "costs" are one dataset name, refused when the other exists.
Status ValidateDatasetName(std::string_view name);
// ASCII lower case.
std::string FoldDatasetName(std::string_view name);
}  // namespace billpipe::sink
