// The fetch -> decode -> shape part of a run for one file: stream it from the object store, decompress,
// read typed batches through the batch source the version's format calls for (table/batch_source.h),
// filter lines by the window and the filter, total the cost, and hand owned batches to the writer.
// Which columns are the usage start, the invoice id and the cost comes from the version's roles
// (cur::ColumnRoles), never from a report kind's names.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cur/report_reader.h"
#include "pipeline/dataset_spec.h"
#include "pipeline/owned_batch.h"
#include "pipeline/progress.h"
#include "pipeline/rollup.h"
#include "pipeline/run.h"
#include "s3/object_store.h"
#include "table/batch_source.h"
#include "util/bounded_queue.h"

namespace billpipe::pipeline {

// How the files of one period version map onto the dataset.
struct PeriodShape {
  table::DataFormat format = table::DataFormat::kCsv;
  codec::Compression compression = codec::Compression::kNone;
  std::vector<table::ColumnSchema> columns;  // the files' columns, typed (the batch source's `expected`)
  // Applied to each file's batches when set (cur::PeriodVersion::transform): the batches then have the
  // version's columns, which dataset_name maps.
  std::shared_ptr<const table::BatchTransform> transform;
  std::unordered_map<std::string, std::string> dataset_name;  // batch column -> dataset column
  cur::ColumnRoles roles;
  cur::RollupDimensions dimensions;  // what the rollup groups by (pipeline/rollup.h)
  Filter filter = Filter::kAll;
  DateWindow share;  // the window's share of the period
};

// The shape of a version's files. dataset_names maps a file column to its dataset column; a column it
// does not map keeps its own name.
PeriodShape ShapeOf(const cur::PeriodVersion& version, Filter filter, const DateWindow& share,
                    std::unordered_map<std::string, std::string> dataset_names = {});

struct FileTask {
  size_t period = 0;  // index into the run's loaded periods
  int64_t segment = 0;
  std::string bucket;
  std::string key;
  int64_t size = 0;
  std::string etag;  // "" when not known: a format read at offsets (Parquet) then asks S3 once (HEAD)
};

struct FileStats {
  int64_t read = 0;      // lines read
  int64_t loaded = 0;    // lines handed to the writer
  int64_t filtered = 0;  // lines outside the filter or window
  int64_t rejected = 0;  // malformed lines skipped
  bool saw_invoice = false;  // some line (filtered or not) had an invoice id
  std::string cost = "0";    // exact sum of the cost column over loaded lines
  RollupAccumulator rollup;  // of the loaded lines, when the file was loaded (LoadTarget::out); not added by Add

  void Add(const FileStats& other);
};

// The loader's bound on one Parquet row group's compressed column chunks (the columns read): a file
// written with larger row groups is refused with an error that says so.
inline constexpr uint64_t kMaxParquetRowGroupBytes = 512ull << 20;

// Rows per batch handed to the writer.
inline constexpr size_t kBatchRows = 2048;

// Where a file's shaped rows go, and what stops the work.
struct LoadTarget {
  BadRowPolicy bad_rows = BadRowPolicy::kFail;
  BoundedQueue<OwnedBatch>* out = nullptr;  // null: only count and sum (verify)
  const std::atomic<bool>* cancel = nullptr;  // optional: true stops the file with kCancelled
  ProgressCounters* progress = nullptr;       // optional
};

// Opens a file's typed batches, counted for progress: CSV as the object's stream, decompressed, then the
// CSV source; Parquet through ranged reads of the object pinned to its ETag (s3/object_random_access.h),
// then the Parquet source (parquet/parquet_batch_source.h), whose memory is bounded by one row group
// (kMaxParquetRowGroupBytes of the columns read) plus one page per column. Then the shape's transform,
// when it has one (the dataset's schema, pipeline/schema_step.h).
Result<std::unique_ptr<table::BatchSource>> OpenFileBatches(const FileTask& task, const PeriodShape& shape,
                                                            s3::ObjectStore& store, BadRowPolicy bad_rows,
                                                            ProgressCounters* progress);

// Filters, totals and hands on every batch of a source (any format). `where` names the file in errors.
Status ShapeBatches(table::BatchSource& source, const PeriodShape& shape, const FileTask& task,
                    const LoadTarget& target, FileStats& stats);

// Loads one file: OpenFileBatches, then ShapeBatches.
Status LoadFile(const FileTask& task, const PeriodShape& shape, s3::ObjectStore& store, const LoadTarget& target,
                FileStats& stats);

// Exact decimal addition of two decimal texts ("-1.25" + "0.0000000001").
std::string AddDecimalText(std::string_view a, std::string_view b);

}  // namespace billpipe::pipeline
