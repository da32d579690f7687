#include "csv/csv_scanner.h"

#include <gtest/gtest.h>

#include <random>

#include "../codec/compress_helpers.h"
#include "codec/gzip_source.h"

namespace billpipe::csv {
namespace {

using billpipe::testing::ChunkedSource;
using Rows = std::vector<std::vector<std::string>>;

struct Scanned {
  std::vector<std::string> header;
  Rows rows;
  std::vector<int64_t> lines;
  std::vector<int64_t> offsets;
  std::vector<std::string> raws;
  std::vector<RowError> rejected;
  std::vector<size_t> batch_sizes;
};

Result<Scanned> ScanAll(std::string text, CsvOptions options = {}, size_t chunk = 1 << 20,
                        std::string name = "s3://b/r.csv") {
  BP_ASSIGN_OR_RETURN(auto scanner,
                      CsvScanner::Open(std::make_unique<ChunkedSource>(std::move(text), chunk, name), options));
  Scanned out;
  out.header = scanner->header();
  RecordBatch batch;
  while (true) {
    BP_ASSIGN_OR_RETURN(bool more, scanner->NextBatch(batch));
    if (!more) {
      EXPECT_EQ(batch.num_rows(), 0u);
      break;
    }
    out.batch_sizes.push_back(batch.num_rows());
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < batch.num_columns(); ++c) row.emplace_back(batch.field(r, c));
      out.rows.push_back(std::move(row));
      out.lines.push_back(batch.line(r));
      out.offsets.push_back(batch.offset(r));
      out.raws.emplace_back(batch.raw(r));
    }
    for (const auto& e : batch.rejected()) out.rejected.push_back(e);
  }
  EXPECT_EQ(scanner->rows_read(), static_cast<int64_t>(out.rows.size()));
  EXPECT_EQ(scanner->rows_rejected(), static_cast<int64_t>(out.rejected.size()));
  return out;
}

std::string ErrorOf(std::string text, CsvOptions options = {}) {
  auto out = ScanAll(std::move(text), options);
  if (out) return "no error";
  EXPECT_EQ(out.error().code, ErrorCode::kBadData);
  return out.error().message;
}

TEST(CsvScanner, HeaderAndRows) {
  auto out = ScanAll("a,b,c\n1,2,3\n4,,6\n");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(out->rows, (Rows{{"1", "2", "3"}, {"4", "", "6"}}));
  EXPECT_EQ(out->lines, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out->offsets, (std::vector<int64_t>{6, 12}));
  EXPECT_EQ(out->raws, (std::vector<std::string>{"1,2,3", "4,,6"}));
}

TEST(CsvScanner, CrlfAndNoFinalLineEnding) {
  auto out = ScanAll("a,b\r\n1,2\r\n3,4");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->header, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(out->rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(out->raws, (std::vector<std::string>{"1,2", "3,4"}));
}

TEST(CsvScanner, FinalCrlfAndLoneCarriageReturnInData) {
  auto out = ScanAll("a,b\r\nx\ry,2\r\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->rows, (Rows{{"x\ry", "2"}}));
}

TEST(CsvScanner, ByteOrderMarkIsSkipped) {
  auto out = ScanAll("\xEF\xBB\xBFidentity/LineItemId,bill/InvoiceId\nabc,\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->header, (std::vector<std::string>{"identity/LineItemId", "bill/InvoiceId"}));
  EXPECT_EQ(out->rows, (Rows{{"abc", ""}}));
  EXPECT_EQ(out->offsets, (std::vector<int64_t>{38}));
}

TEST(CsvScanner, QuotedFieldsWithCommasQuotesAndNewlines) {
  auto out = ScanAll(
      "name,note,n\n"
      "\"Amazon Web Services, Inc.\",\"say \"\"hi\"\"\",1\n"
      "\"\",\"two\nlines\r\nhere\",2\n"
      "\"\"\"\",plain,3\n");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->rows, (Rows{{"Amazon Web Services, Inc.", "say \"hi\"", "1"},
                             {"", "two\nlines\r\nhere", "2"},
                             {"\"", "plain", "3"}}));
  EXPECT_EQ(out->lines, (std::vector<int64_t>{2, 3, 6}));
}

TEST(CsvScanner, EmptyStreamHasNoHeaderAndNoRows) {
  for (std::string text : {"", "\xEF\xBB\xBF"}) {
    auto out = ScanAll(text);
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->header.empty());
    EXPECT_TRUE(out->rows.empty());
  }
}

TEST(CsvScanner, HeaderOnly) {
  auto out = ScanAll("a,b");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->header, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(out->rows.empty());
}

TEST(CsvScanner, BlankLinesAreSkippedButCounted) {
  auto out = ScanAll("a,b\n\n1,2\r\n\r\n\n3,4\n\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(out->lines, (std::vector<int64_t>{3, 6}));
}

TEST(CsvScanner, OneColumnBlankLineIsAnEmptyValue) {
  auto out = ScanAll("a\n1\n\n2\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->rows, (Rows{{"1"}, {""}, {"2"}}));
}

TEST(CsvScanner, BatchesHoldAtMostBatchRows) {
  CsvOptions options;
  options.batch_rows = 2;
  auto out = ScanAll("a\n1\n2\n3\n4\n5\n", options);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->batch_sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(out->rows, (Rows{{"1"}, {"2"}, {"3"}, {"4"}, {"5"}}));
}

TEST(CsvScanner, RowsLongerThanTheBufferGrowIt) {
  CsvOptions options;
  options.buffer_size = 64;
  const std::string long_value(1000, 'x');
  const std::string quoted = "\"" + std::string(300, 'q') + "\"\"" + std::string(300, ',') + "\"";
  auto out = ScanAll("a,b\n" + long_value + ",1\n" + quoted + ",2\nshort,3\n", options, 7);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->rows, (Rows{{long_value, "1"}, {std::string(300, 'q') + "\"" + std::string(300, ','), "2"},
                             {"short", "3"}}));
}

TEST(CsvScanner, RowLongerThanMaxRowBytesStopsTheRead) {
  CsvOptions options;
  options.buffer_size = 64;
  options.max_row_bytes = 256;
  EXPECT_EQ(ErrorOf("a,b\n1,2\n\"never closed," + std::string(1000, 'x'), options),
            "s3://b/r.csv: line 3 (byte 8): the row is longer than 256 bytes; a closing quote may be missing");
}

// One test per malformed input, with the exact message.

TEST(CsvScanner, TooFewFields) {
  EXPECT_EQ(ErrorOf("a,b,c\n1,2,3\n1,2\n"),
            "s3://b/r.csv: line 3 (byte 12), column 3 'c': too few fields: expected 3 fields, found 2: row \"1,2\"");
}

TEST(CsvScanner, TooManyFields) {
  EXPECT_EQ(ErrorOf("a,b\n1,2,3\n"),
            "s3://b/r.csv: line 2 (byte 4), column 3: too many fields: expected 2 fields, found 3: row \"1,2,3\"");
}

TEST(CsvScanner, UnterminatedQuote) {
  EXPECT_EQ(ErrorOf("a,b\n1,\"open\nstill open\n"),
            "s3://b/r.csv: line 2 (byte 4), column 2 'b': unterminated quote: the quoted field is not closed "
            "before the end of the stream: row \"1,\\\"open\\nstill open\\n\"");
}

TEST(CsvScanner, QuoteInsideAnUnquotedField) {
  EXPECT_EQ(ErrorOf("a,b\n1,5\" screen\n"),
            "s3://b/r.csv: line 2 (byte 4), column 2 'b': bad quote: a quote inside an unquoted field: row "
            "\"1,5\\\" screen\"");
}

TEST(CsvScanner, TextAfterAClosingQuote) {
  EXPECT_EQ(ErrorOf("a,b\n\"x\"y,2\n"),
            "s3://b/r.csv: line 2 (byte 4), column 1 'a': bad quote: text after the closing quote: row "
            "\"\\\"x\\\"y,2\"");
}

TEST(CsvScanner, CarriageReturnAfterAClosingQuote) {
  EXPECT_EQ(ErrorOf("a,b\n1,\"x\"\ry\n"),
            "s3://b/r.csv: line 2 (byte 4), column 2 'b': bad quote: text after the closing quote: row "
            "\"1,\\\"x\\\"\\ry\"");
}

TEST(CsvScanner, InvalidUtf8) {
  EXPECT_EQ(ErrorOf("a,b\nok,caf\xE9\n"),
            "s3://b/r.csv: line 2 (byte 4), column 2 'b': invalid UTF-8: byte 0xE9 at byte 10 is not valid "
            "UTF-8: row \"ok,caf\\xe9\"");
}

TEST(CsvScanner, InvalidUtf8InAQuotedField) {
  EXPECT_EQ(ErrorOf("a,b\n\"\xC0\xAF\",x\n"),
            "s3://b/r.csv: line 2 (byte 4), column 1 'a': invalid UTF-8: byte 0xC0 at byte 5 is not valid "
            "UTF-8: row \"\\\"\\xc0\\xaf\\\",x\"");
}

TEST(CsvScanner, TruncatedUtf8AtTheEndOfTheStream) {
  EXPECT_EQ(ErrorOf("a\n\xE2\x82"), "s3://b/r.csv: line 2 (byte 2), column 1 'a': invalid UTF-8: byte 0xE2 at byte 2 "
                                    "is not valid UTF-8: row \"\\xe2\\x82\"");
}

TEST(CsvScanner, ValidUtf8IsKept) {
  auto out = ScanAll("a,b\nCafé,\"東京, 日本\"\n😀,x\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->rows, (Rows{{"Café", "東京, 日本"}, {"😀", "x"}}));
}

TEST(CsvScanner, BadHeader) {
  auto out = ScanAll("a,\"b\n");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "header row: s3://b/r.csv: line 1 (byte 0), column 2: unterminated quote: the quoted field is not "
            "closed before the end of the stream: row \"a,\\\"b\\n\"");
}

TEST(CsvScanner, ErrorFieldsAndStickiness) {
  auto scanner = CsvScanner::Open(std::make_unique<StringSource>("a,b\n1\n", "f.csv"));
  ASSERT_TRUE(scanner);
  RecordBatch batch;
  auto first = (*scanner)->NextBatch(batch);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kBadData);
  EXPECT_EQ(first.error().line, 2);
  EXPECT_EQ(first.error().offset, 4);
  EXPECT_EQ(first.error().column, "b");
  auto again = (*scanner)->NextBatch(batch);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, first.error().message);
}

TEST(CsvScanner, FailPolicyHandsOutTheRowsBeforeTheBadOne) {
  auto scanner = CsvScanner::Open(std::make_unique<StringSource>("a,b\n1,2\n3,4\nbad\n5,6\n", "f.csv"));
  ASSERT_TRUE(scanner);
  RecordBatch batch;
  auto first = (*scanner)->NextBatch(batch);
  ASSERT_TRUE(first);
  ASSERT_TRUE(*first);
  EXPECT_EQ(batch.num_rows(), 2u);
  auto second = (*scanner)->NextBatch(batch);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().line, 4);
  EXPECT_EQ((*scanner)->rows_read(), 2);
}

TEST(CsvScanner, SkipPolicyCollectsRejectedRows) {
  CsvOptions options;
  options.policy = RowErrorPolicy::kSkip;
  options.batch_rows = 2;
  auto out = ScanAll("a,b\n1,2\nbad\n3,4\n\"x\"y,5\n6,7\n8,\"open", options);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->rows, (Rows{{"1", "2"}, {"3", "4"}, {"6", "7"}}));
  ASSERT_EQ(out->rejected.size(), 3u);
  EXPECT_EQ(out->rejected[0].kind, RowErrorKind::kTooFewFields);
  EXPECT_EQ(out->rejected[0].line, 3);
  EXPECT_EQ(out->rejected[0].offset, 8);
  EXPECT_EQ(out->rejected[0].raw, "bad");
  EXPECT_EQ(out->rejected[0].column, 2);
  EXPECT_EQ(out->rejected[0].column_name, "b");
  EXPECT_EQ(out->rejected[1].kind, RowErrorKind::kBadQuote);
  EXPECT_EQ(out->rejected[1].line, 5);
  EXPECT_EQ(out->rejected[1].raw, "\"x\"y,5");
  EXPECT_EQ(out->rejected[2].kind, RowErrorKind::kUnterminatedQuote);
  EXPECT_EQ(out->rejected[2].line, 7);
  EXPECT_EQ(out->rejected[2].raw, "8,\"open");
  EXPECT_EQ(out->rejected[2].Message(),
            "s3://b/r.csv: line 7 (byte 27), column 2 'b': unterminated quote: the quoted field is not closed "
            "before the end of the stream: row \"8,\\\"open\"");
}

TEST(CsvScanner, LongRawTextIsCutInTheMessage) {
  const std::string row = std::string(5000, 'z');
  CsvOptions options;
  options.policy = RowErrorPolicy::kSkip;
  auto out = ScanAll("a,b\n" + row + "\n", options);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->rejected.size(), 1u);
  EXPECT_EQ(out->rejected[0].raw.size(), RowError::kMaxRawBytes);
  EXPECT_TRUE(out->rejected[0].raw_truncated);
  EXPECT_EQ(out->rejected[0].Message(), "s3://b/r.csv: line 2 (byte 4), column 2 'b': too few fields: expected 2 "
                                        "fields, found 1: row \"" + std::string(256, 'z') + "...\"");
}

TEST(CsvScanner, ErrorsOfTheSourcePassThrough) {
  Error boom(ErrorCode::kRetryable, "connection reset");
  auto scanner = CsvScanner::Open(std::make_unique<billpipe::testing::FailingSource>("a,b\n" + std::string(200, '1') + ",2\n3,", boom),
                                  CsvOptions{.buffer_size = 64});
  ASSERT_TRUE(scanner);
  RecordBatch batch;
  Result<bool> more = true;
  while (more && *more) more = (*scanner)->NextBatch(batch);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, ErrorCode::kRetryable);
  EXPECT_EQ(more.error().message, "connection reset");
}

TEST(CsvScanner, ReadsGzipThroughTheCodec) {
  std::string text = "a,b\n";
  for (int i = 0; i < 50000; ++i) text += std::to_string(i) + ",\"v, " + std::to_string(i) + "\"\n";
  const std::string gz = billpipe::testing::Gzip(text);
  auto scanner = CsvScanner::Open(std::make_unique<codec::GzipSource>(std::make_unique<StringSource>(gz, "s3://b/r.csv.gz")),
                                  CsvOptions{.buffer_size = 100000});
  ASSERT_TRUE(scanner);
  EXPECT_EQ((*scanner)->source_name(), "gzip(s3://b/r.csv.gz)");
  RecordBatch batch;
  int64_t rows = 0, sum = 0;
  while (true) {
    auto more = (*scanner)->NextBatch(batch);
    ASSERT_TRUE(more);
    if (!*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      sum += std::stoll(std::string(batch.field(r, 0)));
      EXPECT_EQ(batch.field(r, 1), "v, " + std::string(batch.field(r, 0)));
    }
    rows += static_cast<int64_t>(batch.num_rows());
  }
  EXPECT_EQ(rows, 50000);
  EXPECT_EQ(sum, 49999LL * 50000 / 2);
}

// Property test: random valid CSV against a plain character-by-character RFC 4180 parser.

struct Reference {
  std::vector<std::string> header;
  Rows rows;
  std::vector<int64_t> lines;
};

Reference ReferenceParse(const std::string& text) {
  Reference ref;
  Rows all;
  std::vector<int64_t> starts;
  size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  int64_t line = 1;
  while (i < text.size()) {
    std::vector<std::string> row;
    std::string field;
    const int64_t row_line = line;
    bool row_done = false;
    while (!row_done) {
      field.clear();
      if (i < text.size() && text[i] == '"') {
        ++i;
        while (true) {
          if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
          } else if (text[i] == '"') {
            ++i;
            break;
          } else {
            if (text[i] == '\n') ++line;
            field += text[i++];
          }
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
               !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
          field += text[i++];
        }
      }
      row.push_back(field);
      if (i >= text.size()) {
        row_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        i += text[i] == '\r' ? 2 : 1;
        ++line;
        row_done = true;
      }
    }
    all.push_back(row);
    starts.push_back(row_line);
  }
  ref.header = all.empty() ? std::vector<std::string>{} : all[0];
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r].size() == 1 && all[r][0].empty() && ref.header.size() != 1) continue;  // blank line
    ref.rows.push_back(all[r]);
    ref.lines.push_back(starts[r]);
  }
  return ref;
}

std::string RandomField(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"a", "Z", "0", "9", ".", " ", "-", "/", ":", "é", "東",
                                                  "😀", ",", "\"", "\n", "\r\n", "\r", "24.0000000000",
                                                  "2018-05-01T00:00:00Z", "Amazon Web Services, Inc."};
  std::string f;
  const int n = std::uniform_int_distribution<int>(0, 6)(rng) == 0 ? 40 : std::uniform_int_distribution<int>(0, 5)(rng);
  for (int i = 0; i < n; ++i) f += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
  return f;
}

std::string Encode(const std::string& f, std::mt19937& rng) {
  const bool needs = f.find_first_of(",\"\r\n") != std::string::npos;
  if (!needs && std::uniform_int_distribution<int>(0, 4)(rng) != 0) return f;
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

TEST(CsvScannerProperty, MatchesAReferenceParserOnRandomCsv) {
  std::mt19937 rng(20240501);
  for (int iteration = 0; iteration < 300; ++iteration) {
    const size_t columns = std::uniform_int_distribution<size_t>(1, 8)(rng);
    const size_t rows = std::uniform_int_distribution<size_t>(0, 60)(rng);
    const bool crlf = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    std::string text = std::uniform_int_distribution<int>(0, 5)(rng) == 0 ? "\xEF\xBB\xBF" : "";
    for (size_t r = 0; r <= rows; ++r) {
      if (r > 0) text += crlf ? "\r\n" : "\n";
      for (size_t c = 0; c < columns; ++c) {
        if (c > 0) text += ',';
        std::string f = r == 0 ? "col" + std::to_string(c) : RandomField(rng);
        // A row of one empty field is a blank line; the reference and the scanner both skip it.
        if (columns == 1 && f.empty()) f = "x";
        text += Encode(f, rng);
      }
    }
    if (std::uniform_int_distribution<int>(0, 1)(rng) == 1) text += crlf ? "\r\n" : "\n";
    const Reference ref = ReferenceParse(text);
    for (size_t buffer : {size_t{64}, size_t{97}, size_t{4096}}) {
      CsvOptions options;
      options.buffer_size = buffer;
      options.batch_rows = std::uniform_int_distribution<size_t>(1, 10)(rng);
      const size_t chunk = std::uniform_int_distribution<size_t>(1, 50)(rng);
      auto out = ScanAll(text, options, chunk);
      ASSERT_TRUE(out) << out.error().message << "\n" << text;
      ASSERT_EQ(out->header, ref.header) << text;
      ASSERT_EQ(out->rows, ref.rows) << "buffer " << buffer << " chunk " << chunk << "\n" << text;
      ASSERT_EQ(out->lines, ref.lines) << text;
    }
  }
}

// The block scanner runs 16 bytes at a time (SSE2) or, on CPUs with AVX2, 32; rows of many short
// fields fill the batch's slots straight from the blocks. Wide rows with every kind of field, good and
// bad, at several buffer sizes: both give exactly the same rows and errors.
TEST(CsvScanner, Sse2AndAvx2GiveTheSameRowsAndErrors) {
  std::string text;
  constexpr size_t kColumns = 150;
  for (size_t c = 0; c < kColumns; ++c) text += (c ? ",c" : "c") + std::to_string(c);
  text += "\n";
  uint32_t x = 7;
  for (int r = 0; r < 400; ++r) {
    size_t columns = kColumns;
    if (r % 97 == 5) columns = kColumns + 3;  // too many fields: past the header's count
    if (r % 89 == 7) columns = kColumns - 40;  // too few
    for (size_t c = 0; c < columns; ++c) {
      if (c) text += ',';
      x = x * 1664525u + 1013904223u;
      switch (x >> 28) {
        case 0: text += "\"quoted, \"\"x\"\"\""; break;
        case 1: text += "caf\xc3\xa9"; break;
        case 2: text += std::to_string(x); break;
        case 3: text += "\"multi\nline\""; break;
        case 4: if (r % 50 == 3) text += "bad\"quote"; break;
        default: break;  // empty: most CUR fields
      }
    }
    text += (r % 3 == 0) ? "\r\n" : "\n";
  }
  for (size_t buffer : {size_t{64}, size_t{4096}, size_t{1} << 20}) {
    CsvOptions sse2{.buffer_size = buffer, .policy = RowErrorPolicy::kSkip, .allow_avx2 = false};
    CsvOptions avx2{.buffer_size = buffer, .policy = RowErrorPolicy::kSkip, .allow_avx2 = true};
    auto a = ScanAll(text, sse2, 777);
    auto b = ScanAll(text, avx2, 777);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(a->header.size(), kColumns);
    EXPECT_EQ(a->rows, b->rows) << "buffer " << buffer;
    EXPECT_EQ(a->lines, b->lines);
    EXPECT_EQ(a->offsets, b->offsets);
    ASSERT_EQ(a->rejected.size(), b->rejected.size());
    for (size_t i = 0; i < a->rejected.size(); ++i) EXPECT_EQ(a->rejected[i].Message(), b->rejected[i].Message());
    EXPECT_EQ(a->rows.size() + a->rejected.size(), 400u);
    EXPECT_GE(a->rejected.size(), 8u);
  }
}

// Issue 11 a: a header of millions of empty fields was copied field by field before anything compared
// it with the manifest (a 31 KB .csv.gz drove a run to 2.6 GB). Fields past the limit are only counted.
TEST(CsvScanner, AHeaderWiderThanAllowedIsRefusedWithoutKeepingItsFields) {
  CsvOptions options;
  options.max_header_fields = 20;
  std::string wide(2'000'000, ',');
  auto r = ScanAll(wide + "\n1,2\n", options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadData);
  EXPECT_EQ(r.error().message,
            "s3://b/r.csv: the header row has 2000001 fields, more than the 20 this file may have; it is not the "
            "report's file, or it is damaged");
  auto ok = ScanAll(std::string(19, ',') + "\n" + std::string(19, ',') + "\n", options);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->header.size(), 20u);
  EXPECT_EQ(ok->rows.size(), 1u);
}

// The default bound is SQLite's largest column limit.
TEST(CsvScanner, TheDefaultHeaderBoundIs32767Fields) {
  auto r = ScanAll(std::string(32767, ',') + "\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "s3://b/r.csv: the header row has 32768 fields, more than the 32767 this file may have; it is not the "
            "report's file, or it is damaged");
}

}  // namespace
}  // namespace billpipe::csv
