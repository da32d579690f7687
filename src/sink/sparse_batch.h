// Rows stored sparsely, for batches built on one thread and written on another. CUR rows fill a fraction
// of their columns (product columns only for their service), so only non-null cells are kept, 16 bytes
// each plus their text in one arena. Sinks read them without copying through RowBatch::AsSparse.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sink/sink.h"

namespace billpipe::sink {

// An allocator whose resize() leaves trivially constructible elements uninitialized: SparseBatch::BeginRows
// writes every cell it makes room for, so zeroing them first is wasted work.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::construct_at(p, std::forward<Args>(args)...);
  }
};

class SparseBatch : public RowBatch {
 public:
  explicit SparseBatch(size_t columns) : columns_(columns), contents_(columns, 0) { row_end_.reserve(1024); }
  // With room for `like` cells and arena bytes (those of the batch before), so that a batch of the same
  // size is built without growing: each growth copies the arena and touches new pages.
  struct Size {
    size_t cells = 0, arena = 0;
  };
  SparseBatch(size_t columns, Size like) : SparseBatch(columns) {
    cells_.reserve(like.cells);
    arena_.reserve(like.arena);
  }
  Size size() const { return Size{cells_.size(), arena_.size()}; }

  size_t rows() const override { return row_end_.size(); }
  size_t columns() const override { return columns_; }
  Cell Get(size_t row, size_t column) const override {
    for (size_t i = RowBegin(row); i < row_end_[row]; ++i) {
      if (cells_[i].column == column) return ToCell(cells_[i]);
      if (cells_[i].column > column) break;
    }
    return Cell{};
  }
  void NonNull(size_t row, std::vector<std::pair<uint32_t, Cell>>& out) const override {
    out.clear();
    for (size_t i = RowBegin(row); i < row_end_[row]; ++i) out.emplace_back(cells_[i].column, ToCell(cells_[i]));
  }

  void ColumnContents(std::vector<uint8_t>& out) const override { out = contents_; }

  // Appending: one Add* per column, in column order, for each row.
  void AddNull() {
    contents_[column_] |= kHasNull;
    Next();
  }
  void AddText(std::string_view text) { Push(Cell::Kind::kText, text); }
  // A decimal as its exact text (PostgreSQL's numeric, ClickHouse's Decimal) and its nearest double
  // (SQLite's REAL), kept in the arena just before the text.
  void AddDecimal(std::string_view text, double number) {
    const size_t at = arena_.size();
    arena_.resize(at + sizeof number + text.size());
    std::memcpy(arena_.data() + at, &number, sizeof number);
    std::memcpy(arena_.data() + at + sizeof number, text.data(), text.size());
    cells_.push_back(Stored{static_cast<uint16_t>(column_), Cell::Kind::kDecimal,
                            static_cast<uint32_t>(text.size()), at + sizeof number});
    contents_[column_] |= kHasValue;
    Next();
  }
  void AddTimestamp(int64_t millis) {
    cells_.push_back(Stored{static_cast<uint16_t>(column_), Cell::Kind::kTimestamp, 0,
                            static_cast<uint64_t>(millis)});
    contents_[column_] |= kHasValue;
    Next();
  }
  size_t bytes() const { return arena_.size() + cells_.size() * sizeof(Stored); }

  // Appending rows column by column, the cheap way from a columnar batch, whose rows fill few of their
  // columns: BeginRows(cells) adds one row per entry, with room for that many non-null cells; then each
  // column in increasing order Puts its non-null cells of those rows (row 0 is the first row begun) and
  // says whether it had a null (MarkNull). Each row must get exactly its count of cells.
  void BeginRows(std::span<const uint32_t> cells) {
    cursor_.resize(cells.size());
    size_t at = cells_.size();
    for (size_t i = 0; i < cells.size(); ++i) {
      cursor_[i] = static_cast<uint32_t>(at);
      at += cells[i];
      row_end_.push_back(static_cast<uint32_t>(at));
    }
    cells_.resize(at);
  }
  void PutText(size_t row, size_t column, std::string_view text) {
    cells_[cursor_[row]++] =
        Stored{static_cast<uint16_t>(column), Cell::Kind::kText, static_cast<uint32_t>(text.size()), arena_.size()};
    arena_.append(text);
    contents_[column] |= text.empty() ? kHasEmpty : kHasValue;
  }
  // write(char* out) puts the decimal's text at out (at most max_chars bytes) and returns its length.
  template <typename Write>
  void PutDecimal(size_t row, size_t column, double number, size_t max_chars, Write write) {
    const size_t at = arena_.size();
    arena_.resize(at + sizeof number + max_chars);
    std::memcpy(arena_.data() + at, &number, sizeof number);
    const size_t length = write(arena_.data() + at + sizeof number);
    arena_.resize(at + sizeof number + length);
    cells_[cursor_[row]++] =
        Stored{static_cast<uint16_t>(column), Cell::Kind::kDecimal, static_cast<uint32_t>(length), at + sizeof number};
    contents_[column] |= kHasValue;
  }
  void PutTimestamp(size_t row, size_t column, int64_t millis) {
    cells_[cursor_[row]++] =
        Stored{static_cast<uint16_t>(column), Cell::Kind::kTimestamp, 0, static_cast<uint64_t>(millis)};
    contents_[column] |= kHasValue;
  }
  void MarkNull(size_t column) { contents_[column] |= kHasNull; }

  // Reading without copying, for sinks that take the fast path (RowBatch::AsSparse): a row's non-null
  // cells in column order, each turned into a Cell by ToCell.
  struct Stored {
    uint16_t column;
    Cell::Kind kind;
    uint32_t length;
    uint64_t payload;  // arena offset of text (a decimal's double sits just before it), or the timestamp's ms
  };
  static_assert(sizeof(Stored) == 16);
  std::span<const Stored> Row(size_t row) const {
    return std::span<const Stored>(cells_.data() + RowBegin(row), cells_.data() + row_end_[row]);
  }
  Cell ToCell(const Stored& s) const {
    Cell c;
    c.kind = s.kind;
    if (s.kind == Cell::Kind::kTimestamp) {
      c.millis = static_cast<int64_t>(s.payload);
    } else {
      c.text = std::string_view(arena_.data() + s.payload, s.length);
      if (s.kind == Cell::Kind::kDecimal) std::memcpy(&c.number, c.text.data() - sizeof c.number, sizeof c.number);
    }
    return c;
  }
  const SparseBatch* AsSparse() const override { return this; }

 private:
  size_t RowBegin(size_t row) const { return row == 0 ? 0 : row_end_[row - 1]; }
  [[gnu::always_inline]] void Push(Cell::Kind kind, std::string_view text) {
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
  std::vector<Stored, UninitializedAllocator<Stored>> cells_;
  std::vector<uint32_t> row_end_;
  std::vector<uint32_t> cursor_;  // BeginRows: each new row's next cell
};

}  // namespace billpipe::sink
