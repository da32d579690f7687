// Rows that own their bytes, so a worker can hand them to the writer thread and go on decoding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sink/sink.h"

namespace billpipe::pipeline {

class OwnedBatch final : public sink::RowBatch {
 public:
  explicit OwnedBatch(size_t columns) : columns_(columns) {}

  size_t rows() const override { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  size_t columns() const override { return columns_; }
  sink::Cell Get(size_t row, size_t column) const override {
    const Stored& s = cells_[row * columns_ + column];
    sink::Cell c;
    c.kind = s.kind;
    c.text = std::string_view(arena_.data() + s.offset, s.length);
    c.number = s.number;
    c.millis = s.millis;
    return c;
  }

  // Appending: call one Add* per column, in order, for each row.
  void AddNull() { cells_.push_back(Stored{sink::Cell::Kind::kNull, 0, 0, 0, 0}); }
  void AddText(std::string_view text) { cells_.push_back(Stored{sink::Cell::Kind::kText, Copy(text), text.size(), 0, 0}); }
  void AddDecimal(std::string_view text, double value) {
    cells_.push_back(Stored{sink::Cell::Kind::kDecimal, Copy(text), text.size(), value, 0});
  }
  void AddTimestamp(int64_t millis) { cells_.push_back(Stored{sink::Cell::Kind::kTimestamp, 0, 0, 0, millis}); }
  // Drops the last row's cells (a filtered-out or rejected row), given how many were added for it.
  void DropLast(size_t cells) { cells_.resize(cells_.size() - cells); }
  size_t cells() const { return cells_.size(); }
  size_t bytes() const { return arena_.size() + cells_.size() * sizeof(Stored); }

  int64_t segment = 0;                       // the segment these rows belong to
  std::shared_ptr<const std::vector<std::string>> column_names;  // dataset column per batch column

 private:
  struct Stored {
    sink::Cell::Kind kind;
    size_t offset;
    size_t length;
    double number;
    int64_t millis;
  };
  size_t Copy(std::string_view text) {
    size_t at = arena_.size();
    arena_.append(text);
    return at;
  }
  size_t columns_;
  std::string arena_;
  std::vector<Stored> cells_;
};

}  // namespace billpipe::pipeline
