// RFC 4180 CSV records from a ByteSource, handed out in batches of field views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "csv/row_error.h"
#include "util/byte_source.h"
#include "util/status.h"

namespace billpipe::csv {

struct CsvOptions {
  // The scanner's buffer. A row must fit in it; it doubles for a longer row up to max_row_bytes.
  // 1 MiB measured faster than 4 or 8 MiB: the bytes the decompressor writes are still in cache.
  size_t buffer_size = 1 << 20;
  // A row longer than this stops the read with kBadData whatever the policy (usually a quote that is
  // never closed): it bounds memory.
  size_t max_row_bytes = 64 << 20;
  // A header with more fields than this stops Open with kBadData: fields past the limit are counted, not
  // kept, so a hostile header (millions of empty fields) costs no memory beyond its bytes. The default
  // is SQLite's largest column limit; callers that know the expected width pass less
  // (table::MaxFileColumns).
  size_t max_header_fields = 32767;
  // Rows per batch at most; 0 picks kBatchFieldSlots / columns rows, clamped to [kMinBatchRows, 8192],
  // so that a batch's field views (16 bytes each, 128 KiB in all) stay in a core's L2 cache from one
  // batch to the next, beside the CSV streaming through: measured with callgrind's cache simulation
  // (512 KiB L2) on a 278-column CUR, 256-row batches (1.1 MiB of views) missed L2 on every row's
  // stores (16.6 M misses per 100k rows), 32-row batches 5.9 M; 5-10% less CPU time. A batch also ends
  // where the buffer must be refilled.
  size_t batch_rows = 0;
  static constexpr size_t kBatchFieldSlots = 8192;
  static constexpr size_t kMinBatchRows = 16;
  RowErrorPolicy policy = RowErrorPolicy::kFail;
  // Use AVX2 where the CPU has it (the results are the same; false is for tests and comparisons).
  bool allow_avx2 = true;
};

// Rows [0, num_rows()) of fields, stored column by column. Every view points into the scanner's
// buffers and stays valid until the next NextBatch call on the scanner that filled it (or the
// scanner's destruction). Reused across calls: its storage is allocated once.
class RecordBatch {
 public:
  size_t num_rows() const { return rows_; }
  size_t num_columns() const { return columns_; }
  std::string_view field(size_t row, size_t column) const { return fields_[column * stride_ + row]; }
  // The column's fields for rows [0, num_rows()).
  std::span<const std::string_view> column(size_t column) const {
    return {fields_.data() + column * stride_, rows_};
  }
  // Where row r starts (1-based line, byte offset in the decompressed stream) and its raw text without
  // the line ending: what a RowError about the row needs.
  int64_t line(size_t row) const { return lines_[row]; }
  int64_t offset(size_t row) const { return offsets_[row]; }
  std::string_view raw(size_t row) const { return raws_[row]; }
  // Rows left out of this batch under RowErrorPolicy::kSkip, in stream order.
  const std::vector<RowError>& rejected() const { return rejected_; }

 private:
  friend class CsvScanner;
  void Reset(size_t columns, size_t capacity);

  size_t rows_ = 0;
  size_t columns_ = 0;
  static constexpr size_t kColumnSkew = 5;
  size_t capacity_ = 0;
  size_t stride_ = 0;                     // capacity_ + kColumnSkew
  std::vector<std::string_view> fields_;  // column-major, stride_ slots per column
  std::vector<int64_t> lines_;
  std::vector<int64_t> offsets_;
  std::vector<std::string_view> raws_;
  std::vector<RowError> rejected_;
};

// Reads CSV (RFC 4180) with a header row:
// - fields separated by ',', rows ended by LF or CRLF (the last row may lack one);
// - quoted fields may hold commas, CR, LF and doubled quotes (""), which are unescaped; a field is
//   unquoted unless its first byte is a quote;
// - a UTF-8 byte order mark at the start is skipped; every field must be UTF-8;
// - every row must have as many fields as the header; an empty line is skipped (unless the header has
//   one column, where it is a row with one empty field).
// Bad rows become RowErrors (see RowErrorKind) handled by CsvOptions::policy. Errors of the source
// (corrupt gzip, network) end the read unchanged.
//
// The hot loop works on a large buffer with 16-byte SIMD compares, makes no virtual call and no
// allocation per field, and hands out views; fields with doubled quotes are unescaped into a scratch
// area. Not thread-safe; not copyable.
class CsvScanner {
 public:
  // Reads the header row. An empty stream (or one holding only a byte order mark) has an empty
  // header and no rows. A header that is not valid CSV or UTF-8 → kBadData.
  static Result<std::unique_ptr<CsvScanner>> Open(std::unique_ptr<ByteSource> source, CsvOptions options = {});
  CsvScanner(const CsvScanner&) = delete;
  CsvScanner& operator=(const CsvScanner&) = delete;

  const std::vector<std::string>& header() const { return header_; }
  size_t num_columns() const { return header_.size(); }

  // Fills `batch` with the next rows (replacing what it held). Returns false, with an empty batch,
  // at the end of the stream; true otherwise (the batch may hold no row but only rejected rows).
  // Under kFail the first bad row is returned as an error (RowError::ToError()): the rows before it
  // come in a batch first, so what is handed out does not depend on the batch size. Errors are final:
  // every later call returns the same error.
  Result<bool> NextBatch(RecordBatch& batch);

  // Rows handed out and rows rejected so far (the header not counted).
  int64_t rows_read() const { return rows_read_; }
  int64_t rows_rejected() const { return rows_rejected_; }
  RowErrorPolicy policy() const { return options_.policy; }
  // Describe() of the source: named in every RowError.
  const std::string& source_name() const { return source_name_; }

  ~CsvScanner();

 private:
  CsvScanner(std::unique_ptr<ByteSource> source, CsvOptions options);

  struct RowScan;
  enum class ScanStatus { kComplete, kIncomplete };
  // Where ScanRow writes a row's field views: field i at out[i * stride] for i < limit. Rows of a
  // batch go straight into the batch's column-major slots; the header goes to row_fields_.
  struct FieldTarget {
    std::string_view* out;
    ptrdiff_t stride;
    size_t limit;
  };
  // Picks ScanRowSse2 or, on CPUs with AVX2 (unless CsvOptions::allow_avx2 is false), ScanRowAvx2: the
  // same code (ScanRowWith) over 64-byte blocks compared 16 or 32 bytes at a time.
  ScanStatus ScanRow(const char* start, RowScan& row, FieldTarget target);
  template <class Blocks>
  ScanStatus ScanRowWith(const char* start, RowScan& row, FieldTarget target);
  ScanStatus ScanRowSse2(const char* start, RowScan& row, FieldTarget target);
#if defined(__x86_64__)
  __attribute__((target("avx2,bmi,popcnt"))) ScanStatus ScanRowAvx2(const char* start, RowScan& row,
                                                                    FieldTarget target);
#endif
  // The target for fields from `nf` on once `limit` is reached: row_fields_ grown (the header), or a
  // discard slot (a batch row with more fields than the header, an error that needs only the count).
  FieldTarget Overflow(size_t nf);
  Status Fill();
  Status Grow();
  Result<bool> ScanWholeRow(RowScan& row);  // for the header: refills and grows as needed
  RowError MakeRowError(const RowScan& row) const;

  std::unique_ptr<ByteSource> source_;
  CsvOptions options_;
  std::string source_name_;
  std::vector<std::string> header_;

  std::vector<char> buffer_;       // capacity_ bytes + kPadding
  size_t capacity_ = 0;
  size_t pos_ = 0;                 // next unscanned byte
  size_t end_ = 0;                 // bytes of data in buffer_
  int64_t buffer_offset_ = 0;      // stream offset of buffer_[0]
  int64_t line_ = 1;               // line number at pos_
  bool eof_ = false;
  bool started_ = false;           // the first fill (byte order mark check) happened

  std::vector<std::string_view> row_fields_;  // the header row's fields while it is scanned
  bool scanning_header_ = false;
  bool use_avx2_ = false;
  std::string_view overflow_slot_;            // fields past the header's count land here
  std::vector<char> scratch_;                 // unescaped quoted fields; capacity_ bytes, as the buffer
  size_t scratch_used_ = 0;                   // reset when the buffer is refilled
  std::optional<Error> failed_;               // a read that failed keeps failing
  int64_t rows_read_ = 0;
  int64_t rows_rejected_ = 0;
};

}  // namespace billpipe::csv
