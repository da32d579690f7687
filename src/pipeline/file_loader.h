// The fetch -> decode -> shape part of a run for one file: stream it from the object store, decompress,
// parse CSV, filter lines, convert values to the dataset's column types, and hand batches to the writer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/dataset_spec.h"
#include "pipeline/owned_batch.h"
#include "pipeline/progress.h"
#include "pipeline/run.h"
#include "s3/object_store.h"
#include "sink/sink.h"
#include "util/bounded_queue.h"

namespace billpipe::pipeline {

// How the files of one period map onto the dataset.
struct PeriodShape {
  struct Column {
    std::string name;  // dataset column
    sink::ColumnKind kind;
  };
  std::unordered_map<std::string, Column> by_header;  // CSV header -> dataset column
  Filter filter = Filter::kAll;
  DateWindow share;  // the window's share of the period
  std::string compression;  // the manifest's: "GZIP", "ZIP"
};

struct FileTask {
  size_t period = 0;  // index into the run's loaded periods
  int64_t segment = 0;
  std::string bucket;
  std::string key;
  int64_t size = 0;
};

struct FileStats {
  int64_t read = 0;      // lines read
  int64_t loaded = 0;    // lines handed to the writer
  int64_t filtered = 0;  // lines outside the filter or window
  int64_t rejected = 0;  // malformed lines skipped
  bool saw_invoice = false;  // some line (filtered or not) had a bill/InvoiceId
  std::string unblended_cost = "0";  // exact sum over loaded lines

  void Add(const FileStats& other);
};

// Rows per batch handed to the writer.
inline constexpr size_t kBatchRows = 2048;

// Loads one file. Stops early, returning kCancelled, when cancel becomes true.
Status LoadFile(const FileTask& task, const PeriodShape& shape, s3::ObjectStore& store, BadRowPolicy bad_rows,
                BoundedQueue<OwnedBatch>& out, const std::atomic<bool>& cancel, ProgressCounters* progress,
                FileStats& stats);

// Exact decimal addition of two decimal texts ("-1.25" + "0.0000000001").
std::string AddDecimalText(std::string_view a, std::string_view b);

}  // namespace billpipe::pipeline
