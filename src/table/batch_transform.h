// A step between a batch source and the loader that turns each batch of one set of columns into a batch
// of another set (cur/focus_transform.h: a legacy CUR or CUR 2.0 report into FOCUS 1.2 columns). A report
// version carries it (cur::PeriodVersion::transform); the loader applies it to every file's source
// (pipeline/file_loader.cpp, OpenFileBatches), so it runs per batch on the decoding threads and must be
// cheap and streaming: no state beyond one batch.
#pragma once

#include <memory>

#include "table/batch_source.h"

namespace billpipe::table {

class BatchTransform {
 public:
  BatchTransform() = default;
  BatchTransform(const BatchTransform&) = delete;
  BatchTransform& operator=(const BatchTransform&) = delete;
  virtual ~BatchTransform() = default;

  // A source yielding `source`'s rows transformed. Its schema is the transform's columns, or empty when
  // `source`'s is (an empty file). Bad values the transform itself finds follow options.policy like the
  // source's own (kFail: the read fails with the RowError; kSkip: the row is left out and listed in the
  // batch's rejected()); options.where names the file. Thread-safe: one transform serves many files at once.
  virtual std::unique_ptr<BatchSource> Apply(std::unique_ptr<BatchSource> source,
                                             const BatchSourceOptions& options) const = 0;
};

}  // namespace billpipe::table
