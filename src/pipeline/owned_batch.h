// Rows that own their bytes, so a worker can hand them to the writer thread and go on decoding.
// Stored sparsely: CUR rows fill a fraction of their columns (product columns only for their service), so
// only non-null cells are kept, 16 bytes each plus their text in one arena.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sink/sink.h"

namespace billpipe::pipeline {

class OwnedBatch final : public sink::RowBatch {
 public:
  explicit OwnedBatch(size_t columns) : columns_(columns), contents_(columns, 0) { row_end_.reserve(1024); }

  size_t rows() const override { return row_end_.size(); }
  size_t columns() const override { return columns_; }
  sink::Cell Get(size_t row, size_t column) const override {
    for (size_t i = RowBegin(row); i < row_end_[row]; ++i) {
      if (cells_[i].column == column) return ToCell(cells_[i]);
      if (cells_[i].column > column) break;
    }
    return sink::Cell{};
  }
  void NonNull(size_t row, std::vector<std::pair<uint32_t, sink::Cell>>& out) const override {
    out.clear();
    for (size_t i = RowBegin(row); i < row_end_[row]; ++i) out.emplace_back(cells_[i].column, ToCell(cells_[i]));
  }

  void ColumnContents(std::vector<uint8_t>& out) const override { out = contents_; }

  // Appending: one Add* per column, in column order, for each row.
  void AddNull() {
    contents_[column_] |= kHasNull;
    Next();
  }
  void AddText(std::string_view text) { Push(sink::Cell::Kind::kText, text); }
  // A decimal as its exact text; sinks convert it (SQLite's REAL affinity, PostgreSQL's numeric).
  void AddDecimal(std::string_view text) { Push(sink::Cell::Kind::kDecimal, text); }
  void AddTimestamp(int64_t millis) {
    cells_.push_back(Stored{static_cast<uint16_t>(column_), sink::Cell::Kind::kTimestamp, 0,
                            static_cast<uint64_t>(millis)});
    contents_[column_] |= kHasValue;
    Next();
  }
  size_t bytes() const { return arena_.size() + cells_.size() * sizeof(Stored); }

  int64_t segment = 0;                                           // the segment these rows belong to
  std::shared_ptr<const std::vector<std::string>> column_names;  // dataset column per batch column

 private:
  struct Stored {
    uint16_t column;
    sink::Cell::Kind kind;
    uint32_t length;
    uint64_t payload;  // arena offset of text, or the timestamp's milliseconds
  };
  static_assert(sizeof(Stored) == 16);

  size_t RowBegin(size_t row) const { return row == 0 ? 0 : row_end_[row - 1]; }
  sink::Cell ToCell(const Stored& s) const {
    sink::Cell c;
    c.kind = s.kind;
    if (s.kind == sink::Cell::Kind::kTimestamp) {
      c.millis = static_cast<int64_t>(s.payload);
    } else {
      c.text = std::string_view(arena_.data() + s.payload, s.length);
    }
    return c;
  }
  void Push(sink::Cell::Kind kind, std::string_view text) {
    cells_.push_back(Stored{static_cast<uint16_t>(column_), kind, static_cast<uint32_t>(text.size()), arena_.size()});
    arena_.append(text);
    contents_[column_] |= text.empty() ? kHasEmpty : kHasValue;
    Next();
  }
  void Next() {
    if (++column_ == columns_) {
      row_end_.push_back(static_cast<uint32_t>(cells_.size()));
      column_ = 0;
    }
  }

  size_t columns_;
  std::vector<uint8_t> contents_;  // per column: RowBatch::kHas* bits
  size_t column_ = 0;  // the next Add's column
  std::string arena_;
  std::vector<Stored> cells_;
  std::vector<uint32_t> row_end_;
};

}  // namespace billpipe::pipeline
