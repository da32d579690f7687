// Rows that own their bytes, so a worker can hand them to the writer thread and go on decoding: a
// sink::SparseBatch with the segment and the dataset's column names.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sink/sparse_batch.h"

namespace billpipe::pipeline {

class OwnedBatch final : public sink::SparseBatch {
 public:
  using SparseBatch::SparseBatch;

  int64_t segment = 0;                                           // the segment these rows belong to
  std::shared_ptr<const std::vector<std::string>> column_names;  // dataset column per batch column
};

}  // namespace billpipe::pipeline
