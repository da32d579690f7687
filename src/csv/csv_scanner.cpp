#include "csv/csv_scanner.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "csv/utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace billpipe::csv {
namespace {

// Bytes after the data: a sentinel quote at end_ stops every search, and the 16-byte loads that
// start before it stay inside the allocation.
constexpr size_t kPadding = 64;
constexpr char kSentinel = '"';
constexpr unsigned char kUtf8Bom[] = {0xEF, 0xBB, 0xBF};

enum class QuoteProblem { kNone, kQuoteInUnquoted, kTextAfterQuote };

// First byte at or after p that is ',', '\n', '\r', '"' or not ASCII. The sentinel bounds the search.
inline const char* FindUnquotedSpecial(const char* p) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i quote = _mm_set1_epi8('"');
  while (true) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
    const int mask = _mm_movemask_epi8(hit) | _mm_movemask_epi8(v);  // v's sign bits: non-ASCII bytes
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#else
  while (true) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == ',' || c == '\n' || c == '\r' || c == '"' || c >= 0x80) return p;
    ++p;
  }
#endif
}

// First byte at or after p that is '"', '\n' or not ASCII.
inline const char* FindQuotedSpecial(const char* p) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i quote = _mm_set1_epi8('"');
  while (true) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, quote));
    const int mask = _mm_movemask_epi8(hit) | _mm_movemask_epi8(v);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#else
  while (true) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '\n' || c == '"' || c >= 0x80) return p;
    ++p;
  }
#endif
}

}  // namespace

struct CsvScanner::RowScan {
  const char* start = nullptr;
  const char* raw_end = nullptr;  // end of the row's text, before its line ending
  const char* next = nullptr;     // first byte after the line ending
  size_t num_fields = 0;
  int64_t newlines = 0;           // inside quoted fields
  // The first problem found in the row, if any.
  bool has_error = false;
  RowErrorKind kind = RowErrorKind::kBadQuote;
  size_t error_field = 0;         // 0-based
  QuoteProblem quote_problem = QuoteProblem::kNone;
  const char* bad_byte = nullptr;

  void Note(RowErrorKind k, size_t field, const char* at = nullptr, QuoteProblem q = QuoteProblem::kNone) {
    if (has_error) return;
    has_error = true;
    kind = k;
    error_field = field;
    bad_byte = at;
    quote_problem = q;
  }
};

void RecordBatch::Reset(size_t columns, size_t capacity) {
  if (columns != columns_ || capacity != capacity_) {
    columns_ = columns;
    capacity_ = capacity;
    fields_.assign(columns * capacity, std::string_view());
    lines_.resize(capacity);
    offsets_.resize(capacity);
    raws_.resize(capacity);
  }
  rows_ = 0;
  rejected_.clear();
}

CsvScanner::CsvScanner(std::unique_ptr<ByteSource> source, CsvOptions options)
    : source_(std::move(source)), options_(options), source_name_(source_->Describe()) {
  options_.buffer_size = std::max<size_t>(options_.buffer_size, 64);
  options_.batch_rows = std::max<size_t>(options_.batch_rows, 1);
  options_.max_row_bytes = std::max(options_.max_row_bytes, options_.buffer_size);
  capacity_ = options_.buffer_size;
  buffer_.assign(capacity_ + kPadding, '\0');
  scratch_.resize(capacity_);
  row_fields_.resize(64);
}

CsvScanner::~CsvScanner() = default;

Status CsvScanner::Fill() {
  if (pos_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    buffer_offset_ += static_cast<int64_t>(pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  scratch_used_ = 0;
  while (end_ < capacity_ && !eof_) {
    BP_ASSIGN_OR_RETURN(size_t n, source_->Read(std::span<char>(buffer_.data() + end_, capacity_ - end_)));
    if (n == 0) eof_ = true;
    end_ += n;
  }
  buffer_[end_] = kSentinel;
  if (!started_) {
    started_ = true;
    if (end_ >= sizeof(kUtf8Bom) && std::memcmp(buffer_.data(), kUtf8Bom, sizeof(kUtf8Bom)) == 0) {
      pos_ = sizeof(kUtf8Bom);
    }
  }
  return Ok();
}

Status CsvScanner::Grow() {
  if (capacity_ >= options_.max_row_bytes) {
    Error e(ErrorCode::kBadData,
            fmt::format("{}: line {} (byte {}): the row is longer than {} bytes; a closing quote may be missing",
                        source_name_, line_, buffer_offset_ + static_cast<int64_t>(pos_),
                        options_.max_row_bytes));
    e.line = line_;
    e.offset = buffer_offset_ + static_cast<int64_t>(pos_);
    return Fail(std::move(e));
  }
  capacity_ = std::min(capacity_ * 2, options_.max_row_bytes);
  buffer_.resize(capacity_ + kPadding);
  scratch_.resize(capacity_);
  return Ok();
}

// Scans one row starting at `start`; its fields go to row_fields_. kIncomplete when the row runs past
// the data in the buffer and the stream has more.
CsvScanner::ScanStatus CsvScanner::ScanRow(const char* start, RowScan& row) {
  const char* const end = buffer_.data() + end_;
  const char* p = start;
  row = RowScan();
  row.start = start;
  size_t nf = 0;
  while (true) {  // one field per iteration
    const char* field_start = p;
    std::string_view value;
    bool unquoted = true;
    if (*p == '"' && p < end) {
      ++p;
      const char* content = p;
      bool escaped = false;
      while (true) {
        p = FindQuotedSpecial(p);
        if (p >= end) {
          if (!eof_) return ScanStatus::kIncomplete;
          row.Note(RowErrorKind::kUnterminatedQuote, nf);
          break;
        }
        if (*p == '"') {
          if (p + 1 >= end && !eof_) return ScanStatus::kIncomplete;  // "" or closing: need the next byte
          if (p + 1 < end && p[1] == '"') {
            escaped = true;
            p += 2;
            continue;
          }
          break;
        }
        if (*p == '\n') {
          ++row.newlines;
          ++p;
          continue;
        }
        const int len = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p));
        if (len < 0 && !eof_) return ScanStatus::kIncomplete;
        if (len <= 0) {
          row.Note(RowErrorKind::kInvalidUtf8, nf, p);
          ++p;
        } else {
          p += len;
        }
      }
      if (p >= end) {
        value = std::string_view(content, static_cast<size_t>(end - content));
        p = end;
      } else {
        if (escaped) {
          char* out = scratch_.data() + scratch_used_;
          char* o = out;
          for (const char* s = content; s < p; ++s) {
            *o++ = *s;
            if (*s == '"') ++s;  // the second quote of a doubled pair
          }
          value = std::string_view(out, static_cast<size_t>(o - out));
          scratch_used_ += static_cast<size_t>(o - out);
        } else {
          value = std::string_view(content, static_cast<size_t>(p - content));
        }
        ++p;  // the closing quote
        unquoted = false;
        if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
          row.Note(RowErrorKind::kBadQuote, nf, nullptr, QuoteProblem::kTextAfterQuote);
          unquoted = true;  // read on to the separator as plain text
        }
      }
    }
    if (unquoted) {
      while (true) {
        p = FindUnquotedSpecial(p);
        const char c = *p;
        if (c == ',' || c == '\n' || p >= end) break;
        if (c == '\r') {
          if (p + 1 >= end) {
            if (!eof_) return ScanStatus::kIncomplete;
            break;
          }
          if (p[1] == '\n') break;
          ++p;  // a lone CR is data
          continue;
        }
        if (c == '"') {
          row.Note(RowErrorKind::kBadQuote, nf, nullptr, QuoteProblem::kQuoteInUnquoted);
          ++p;
          continue;
        }
        const int len = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p));
        if (len < 0 && !eof_) return ScanStatus::kIncomplete;
        if (len <= 0) {
          row.Note(RowErrorKind::kInvalidUtf8, nf, p);
          ++p;
        } else {
          p += len;
        }
      }
      if (p >= end && !eof_) return ScanStatus::kIncomplete;
      // A plain field, or a quoted one with text after it (a bad row): the field is the raw text.
      value = std::string_view(field_start, static_cast<size_t>(p - field_start));
    }
    if (nf == row_fields_.size()) row_fields_.resize(nf * 2);
    row_fields_[nf++] = value;
    // The field ends at p: a separator, a line ending or the end of the stream.
    if (p >= end) {
      row.raw_end = row.next = end;
      break;
    }
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p == '\n') {
      row.raw_end = p;
      row.next = p + 1;
      break;
    }
    // '\r': CRLF, or a lone CR at the very end of the stream.
    if (p + 1 >= end) {
      if (!eof_) return ScanStatus::kIncomplete;
      row.raw_end = p;
      row.next = end;
      break;
    }
    if (p[1] == '\n') {
      row.raw_end = p;
      row.next = p + 2;
      break;
    }
    // A lone CR right after a closing quote.
    row.Note(RowErrorKind::kBadQuote, nf - 1, nullptr, QuoteProblem::kTextAfterQuote);
    const char* q = p;
    while (q < end && *q != ',' && *q != '\n') ++q;
    if (q >= end && !eof_) return ScanStatus::kIncomplete;
    row_fields_[nf - 1] = std::string_view(field_start, static_cast<size_t>(q - field_start));
    p = q;
    if (p >= end) {
      row.raw_end = row.next = end;
      break;
    }
    if (*p == ',') {
      ++p;
      continue;
    }
    row.raw_end = (p > start && p[-1] == '\r') ? p - 1 : p;
    row.next = p + 1;
    break;
  }
  row.num_fields = nf;
  return ScanStatus::kComplete;
}

RowError CsvScanner::MakeRowError(const RowScan& row) const {
  RowError e;
  e.kind = row.kind;
  e.source = source_name_;
  e.line = line_;
  e.offset = buffer_offset_ + (row.start - buffer_.data());
  const size_t columns = header_.size();
  switch (row.kind) {
    case RowErrorKind::kTooFewFields:
    case RowErrorKind::kTooManyFields:
      e.detail = fmt::format("expected {} fields, found {}", columns, row.num_fields);
      break;
    case RowErrorKind::kUnterminatedQuote:
      e.detail = "the quoted field is not closed before the end of the stream";
      break;
    case RowErrorKind::kBadQuote:
      e.detail = row.quote_problem == QuoteProblem::kQuoteInUnquoted ? "a quote inside an unquoted field"
                                                                      : "text after the closing quote";
      break;
    case RowErrorKind::kInvalidUtf8:
      e.detail = fmt::format("byte 0x{:02X} at byte {} is not valid UTF-8",
                             static_cast<unsigned char>(*row.bad_byte),
                             buffer_offset_ + (row.bad_byte - buffer_.data()));
      break;
    case RowErrorKind::kBadValue:
      break;
  }
  e.column = static_cast<int>(row.error_field) + 1;
  if (row.error_field < columns) e.column_name = header_[row.error_field];
  const size_t raw_size = static_cast<size_t>(row.raw_end - row.start);
  e.raw.assign(row.start, std::min(raw_size, RowError::kMaxRawBytes));
  e.raw_truncated = raw_size > RowError::kMaxRawBytes;
  return e;
}

Result<bool> CsvScanner::ScanWholeRow(RowScan& row) {
  while (true) {
    if (pos_ >= end_) {
      if (eof_) return false;
      BP_RETURN_IF_ERROR(Fill());
      continue;
    }
    if (ScanRow(buffer_.data() + pos_, row) == ScanStatus::kComplete) return true;
    if (pos_ == 0 && end_ == capacity_) BP_RETURN_IF_ERROR(Grow());
    BP_RETURN_IF_ERROR(Fill());
  }
}

Result<std::unique_ptr<CsvScanner>> CsvScanner::Open(std::unique_ptr<ByteSource> source, CsvOptions options) {
  std::unique_ptr<CsvScanner> scanner(new CsvScanner(std::move(source), options));
  BP_RETURN_IF_ERROR(scanner->Fill());
  RowScan row;
  BP_ASSIGN_OR_RETURN(bool have, scanner->ScanWholeRow(row));
  if (!have) return scanner;
  if (row.has_error) {
    RowError e = scanner->MakeRowError(row);
    Error error = e.ToError();
    error.message = "header row: " + error.message;
    return Fail(std::move(error));
  }
  scanner->header_.reserve(row.num_fields);
  for (size_t i = 0; i < row.num_fields; ++i) scanner->header_.emplace_back(scanner->row_fields_[i]);
  scanner->line_ += 1 + row.newlines;
  scanner->pos_ = static_cast<size_t>(row.next - scanner->buffer_.data());
  return scanner;
}

Result<bool> CsvScanner::NextBatch(RecordBatch& batch) {
  if (failed_) return std::unexpected(*failed_);
  const size_t columns = header_.size();
  batch.Reset(columns, options_.batch_rows);
  if (columns == 0) return false;
  scratch_used_ = 0;  // the previous batch's views end here
  RowScan row;
  while (batch.rows_ < batch.capacity_) {
    if (pos_ >= end_) {
      if (eof_ || batch.rows_ > 0 || !batch.rejected_.empty()) break;
      auto filled = Fill();
      if (!filled) {
        failed_ = filled.error();
        return std::unexpected(std::move(filled).error());
      }
      continue;
    }
    if (ScanRow(buffer_.data() + pos_, row) == ScanStatus::kIncomplete) {
      if (batch.rows_ > 0 || !batch.rejected_.empty()) break;  // its views must stay valid: refill next time
      Status st = (pos_ == 0 && end_ == capacity_) ? Grow() : Ok();
      if (st) st = Fill();
      if (!st) {
        failed_ = st.error();
        return std::unexpected(std::move(st).error());
      }
      continue;
    }
    const int64_t row_line = line_;
    const int64_t row_offset = buffer_offset_ + static_cast<int64_t>(pos_);
    const std::string_view raw(row.start, static_cast<size_t>(row.raw_end - row.start));
    const bool blank = raw.empty() && row.num_fields == 1 && columns != 1;
    if (!blank && !row.has_error && row.num_fields != columns) {
      row.has_error = true;
      if (row.num_fields < columns) {
        row.kind = RowErrorKind::kTooFewFields;
        row.error_field = row.num_fields;
      } else {
        row.kind = RowErrorKind::kTooManyFields;
        row.error_field = columns;
      }
    }
    if (!blank && row.has_error) {
      RowError e = MakeRowError(row);
      if (options_.policy == RowErrorPolicy::kFail) {
        failed_ = e.ToError();
        return std::unexpected(*failed_);
      }
      ++rows_rejected_;
      batch.rejected_.push_back(std::move(e));
    } else if (!blank) {
      const size_t r = batch.rows_++;
      std::string_view* out = batch.fields_.data() + r;
      for (size_t c = 0; c < columns; ++c) out[c * batch.capacity_] = row_fields_[c];
      batch.lines_[r] = row_line;
      batch.offsets_[r] = row_offset;
      batch.raws_[r] = raw;
      ++rows_read_;
    }
    line_ += 1 + row.newlines;
    pos_ = static_cast<size_t>(row.next - buffer_.data());
  }
  return batch.rows_ > 0 || !batch.rejected_.empty();
}

}  // namespace billpipe::csv
