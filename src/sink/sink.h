// Where a dataset's rows go. A sink stores, per dataset:
//  * segments: the rows of one billing period as loaded from one report version for one window share
//    and filter. A segment is written once and never changed.
//  * dataset versions: each run publishes a set of segments as the dataset's new current version, in
//    the same transaction as the per-period state. Readers see the dataset before or after a run,
//    never between. Older versions are kept up to a retention and can be restored.
// What goes into a version (Replace / Append / Partition) is decided by pipeline/, not here.
#pragma once

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
  kText,       // String, OptionalString, Interval
  kTimestamp,  // DateTime: UTC, millisecond precision
  kDecimal,    // BigDecimal, OptionalBigDecimal: exact where the sink has a decimal type, else double
};

std::string_view ColumnKindName(ColumnKind kind);

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
};

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
};

// What a segment holds; together these say whether a later run can reuse it unchanged.
struct SegmentKey {
  std::string billing_period;  // first day of the period, "2019-12-01"
  std::string version_key;     // assemblyId, or the manifest ETag in overwrite mode
  std::string window_start;    // the window's share of the period, inclusive dates "YYYY-MM-DD"
  std::string window_end;
  std::string filter;          // "all", "invoiced", "estimated"
  bool operator==(const SegmentKey&) const = default;
};

struct Segment {
  int64_t id = 0;
  SegmentKey key;
  int64_t line_items = 0;
  std::string unblended_cost;  // exact decimal text
  std::string status;          // "estimated", "final", "restated"
  std::string loaded_at;       // ISO 8601 UTC
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

  virtual Status FinishSegment(int64_t segment, int64_t line_items, std::string_view unblended_cost,
                               std::string_view status) = 0;

  // Makes these segments the dataset's current version. retention: how many earlier versions to keep
  // restorable; segments no kept version uses are deleted.
  virtual Result<int64_t> Publish(const std::vector<int64_t>& segments, std::string_view note,
                                  int retention) = 0;

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

  // Starts the one write transaction of a run.
  virtual Result<std::unique_ptr<LoadTransaction>> Begin(std::string_view dataset) = 0;

  virtual Result<std::vector<DatasetVersion>> ListVersions(std::string_view dataset) = 0;

  // Makes an earlier kept version current again (itself recorded as a new version).
  virtual Result<int64_t> Restore(std::string_view dataset, int64_t version) = 0;

  // What the dataset actually holds for a segment: rows, and the sum of line_item_unblended_cost (as
  // the sink stores it: exact where it has decimals, else double).
  struct StoredTotals {
    int64_t rows = 0;
    double unblended_cost = 0;
  };
  virtual Result<StoredTotals> CountSegment(std::string_view dataset, const Segment& segment) = 0;

  // Drops everything the sink holds for the dataset: its rows, every kept version and the state, in one
  // transaction. A dataset the sink does not know is not an error (returns false); true when dropped.
  virtual Result<bool> DropDataset(std::string_view dataset) = 0;
};

// Dataset names: letters, digits and underscores, starting with a letter, at most 63 characters
// (so every sink can use them as a table name unquoted). The message says what is wrong.
Status ValidateDatasetName(std::string_view name);

}  // namespace billpipe::sink
