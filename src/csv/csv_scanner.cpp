#include "csv/csv_scanner.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "util/utf8.h"

#if defined(__SSE2__)
#include <immintrin.h>
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

#if defined(__SSE2__)
struct BlockMasks {
  uint64_t commas;
  uint64_t newlines;
  uint64_t special;  // '"', '\r' and bytes >= 0x80
};

// 64-byte blocks with SSE2 (every x86-64 CPU).
struct Sse2Blocks {
  static BlockMasks Scan(const char* p) {
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i quote = _mm_set1_epi8('"');
    BlockMasks m{0, 0, 0};
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      const uint64_t commas = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)));
      const uint64_t newlines = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)));
      const uint64_t special = static_cast<uint32_t>(
          _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr)), v)));
      m.commas |= commas << (16 * i);
      m.newlines |= newlines << (16 * i);
      m.special |= special << (16 * i);
    }
    return m;
  }
  // Set bits of x. __builtin_popcountll is a libgcc call on the baseline x86-64 target (no POPCNT).
  static size_t Count(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<size_t>((x * 0x0101010101010101ULL) >> 56);
  }
};

#if defined(__x86_64__)
// The same masks 32 bytes at a time, and POPCNT. Only reached through ScanRowAvx2, which is compiled
// for AVX2 and chosen at run time.
struct Avx2Blocks {
  __attribute__((target("avx2,bmi,popcnt"))) static BlockMasks Scan(const char* p) {
    const __m256i comma = _mm256_set1_epi8(',');
    const __m256i lf = _mm256_set1_epi8('\n');
    const __m256i cr = _mm256_set1_epi8('\r');
    const __m256i quote = _mm256_set1_epi8('"');
    BlockMasks m{0, 0, 0};
    for (int i = 0; i < 2; ++i) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * i));
      const uint64_t commas = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, comma)));
      const uint64_t newlines = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)));
      const uint64_t special = static_cast<uint32_t>(_mm256_movemask_epi8(
          _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, cr)), v)));
      m.commas |= commas << (32 * i);
      m.newlines |= newlines << (32 * i);
      m.special |= special << (32 * i);
    }
    return m;
  }
  __attribute__((target("avx2,bmi,popcnt"))) static size_t Count(uint64_t x) {
    return static_cast<size_t>(__builtin_popcountll(x));
  }
};
#endif
#else
struct Sse2Blocks {};  // no block scanning without SSE2: the careful path does everything
#endif

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
    // Columns start kColumnSkew views apart from a power of two: with a stride of exactly 2^k bytes
    // every column's slot for one row maps to the same L1 cache set, and the row's scatter thrashes.
    stride_ = capacity + kColumnSkew;
    fields_.assign(columns * stride_, std::string_view());
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

  options_.max_row_bytes = std::max(options_.max_row_bytes, options_.buffer_size);
  capacity_ = options_.buffer_size;
  buffer_.assign(capacity_ + kPadding, '\0');
  scratch_.resize(capacity_);
  row_fields_.resize(64);
#if defined(__x86_64__) && defined(__SSE2__)
  use_avx2_ = options_.allow_avx2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
              __builtin_cpu_supports("popcnt");
#endif
}

CsvScanner::FieldTarget CsvScanner::Overflow(size_t nf) {
  if (scanning_header_ && nf < options_.max_header_fields) {  // past the limit: counted, not kept
    row_fields_.resize(std::min(std::max<size_t>(64, nf * 2), options_.max_header_fields));
    return {row_fields_.data() + nf, 1, row_fields_.size()};
  }
  return {&overflow_slot_, 0, SIZE_MAX};
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

// Scans one row starting at `start`; its fields go to `target`. kIncomplete when the row runs past the
// data in the buffer and the stream has more.
CsvScanner::ScanStatus CsvScanner::ScanRow(const char* start, RowScan& row, FieldTarget target) {
#if defined(__x86_64__) && defined(__SSE2__)
  if (use_avx2_) return ScanRowAvx2(start, row, target);
#endif
  return ScanRowSse2(start, row, target);
}

// flatten: ScanRowWith and the block functions inlined, each compiled for the wrapper's target.
__attribute__((flatten)) CsvScanner::ScanStatus CsvScanner::ScanRowSse2(const char* start, RowScan& row,
                                                                        FieldTarget target) {
  return ScanRowWith<Sse2Blocks>(start, row, target);
}

#if defined(__x86_64__)
__attribute__((target("avx2,bmi,popcnt"), flatten)) CsvScanner::ScanStatus CsvScanner::ScanRowAvx2(
    const char* start, RowScan& row, FieldTarget target) {
#if defined(__SSE2__)
  return ScanRowWith<Avx2Blocks>(start, row, target);
#else
  return ScanRowWith<Sse2Blocks>(start, row, target);
#endif
}
#endif

template <class Blocks>
CsvScanner::ScanStatus CsvScanner::ScanRowWith(const char* start, RowScan& row, FieldTarget target) {
  const char* const end = buffer_.data() + end_;
  const char* p = start;
  row = RowScan();
  row.start = start;
  size_t nf = 0;
  std::string_view* out = target.out;
  ptrdiff_t stride = target.stride;
  size_t limit = target.limit;
  auto put = [&](std::string_view value) {
    if (nf == limit) [[unlikely]] {
      const FieldTarget more = Overflow(nf);
      out = more.out;
      stride = more.stride;
      limit = more.limit;
    }
    *out = value;
    out += stride;
    ++nf;
  };
  while (true) {  // one field per iteration (the fast path below may take many)
#if defined(__SSE2__)
    // Fast path: plain fields, 64 bytes at a time. Commas and the first newline before the first
    // special byte (quote, CR, non-ASCII, or the sentinel at the end of the data) end fields without
    // further checks; a field that starts with a quote or holds a special byte goes to the careful
    // path below. Reading 64 bytes from any p <= end stays inside the padding, and the sentinel stops
    // us at end.
    {
      const char* field = p;
      const char* block = p;
      while (true) {
        const BlockMasks m = Blocks::Scan(block);
        const uint64_t first_special = m.special & (0 - m.special);
        const uint64_t before_special = first_special != 0 ? first_special - 1 : ~uint64_t{0};
        const uint64_t newlines = m.newlines & before_special;
        const uint64_t first_newline = newlines & (0 - newlines);
        uint64_t commas = m.commas & (first_newline != 0 ? first_newline - 1 : before_special);
        const size_t count = Blocks::Count(commas);
        if (nf + count < limit) {
          // Every field fits: no bound check per field (the common case, ~4 bytes a field in CURs).
          std::string_view* o = out;
          const ptrdiff_t step = stride;
          while (commas != 0) {
            const char* sep = block + __builtin_ctzll(commas);
            *o = std::string_view(field, static_cast<size_t>(sep - field));
            o += step;
            field = sep + 1;
            commas &= commas - 1;
          }
          out = o;
          nf += count;
        } else {
          while (commas != 0) {
            const char* sep = block + __builtin_ctzll(commas);
            put(std::string_view(field, static_cast<size_t>(sep - field)));
            field = sep + 1;
            commas &= commas - 1;
          }
        }
        if (first_newline != 0) {
          const char* sep = block + __builtin_ctzll(first_newline);
          put(std::string_view(field, static_cast<size_t>(sep - field)));
          row.raw_end = sep;
          row.next = sep + 1;
          row.num_fields = nf;
          return ScanStatus::kComplete;
        }
        if (first_special != 0) break;
        block += 64;
      }
      p = field;
    }
#endif
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
    put(value);
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
    out[-stride] = std::string_view(field_start, static_cast<size_t>(q - field_start));
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
    scanning_header_ = true;
    const ScanStatus status = ScanRow(buffer_.data() + pos_, row, {row_fields_.data(), 1, row_fields_.size()});
    scanning_header_ = false;
    if (status == ScanStatus::kComplete) return true;
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
  if (row.num_fields > options.max_header_fields) {
    return Fail(ErrorCode::kBadData,
                fmt::format("{}: the header row has {} fields, more than the {} this file may have; it is not the "
                            "report's file, or it is damaged",
                            scanner->source_name(), row.num_fields, options.max_header_fields));
  }
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
  if (options_.batch_rows == 0 && columns > 0) {
    options_.batch_rows = std::clamp<size_t>(CsvOptions::kBatchFieldSlots / columns, CsvOptions::kMinBatchRows, 8192);
  }
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
    // The row's fields go straight to its slots in the batch; a row that is not kept is overwritten.
    const FieldTarget target{batch.fields_.data() + batch.rows_, static_cast<ptrdiff_t>(batch.stride_), columns};
    if (ScanRow(buffer_.data() + pos_, row, target) == ScanStatus::kIncomplete) {
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
        // The rows before the bad one are handed out first, whatever the batch size; the error comes
        // with the next call.
        failed_ = e.ToError();
        if (batch.rows_ > 0) return true;
        return std::unexpected(*failed_);
      }
      ++rows_rejected_;
      batch.rejected_.push_back(std::move(e));
    } else if (!blank) {
      const size_t r = batch.rows_++;
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
