// Bad input rows as values: what is wrong, where, and the raw text, handed to a policy. Shared by every
// batch source (CSV now; Parquet and others later): the kinds below name CSV's problems and kBadValue
// (a value that is not of its column's type) any format's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe {

enum class RowErrorKind {
  kTooManyFields,      // more fields than the header has
  kTooFewFields,       // fewer fields than the header has
  kUnterminatedQuote,  // a quoted field still open at the end of the stream
  kBadQuote,           // a quote inside an unquoted field, or text after a closing quote
  kInvalidUtf8,        // bytes that are not UTF-8
  kBadValue,           // a value that does not parse as its column's type (a batch source: typed columns)
};

// "too many fields", "too few fields", "unterminated quote", "bad quote", "invalid UTF-8", "bad value".
std::string_view RowErrorKindName(RowErrorKind kind);

// One rejected row. Positions refer to the decompressed stream (text formats); a format without lines
// gives the 1-based row number as `line` and 0 as `offset`.
struct RowError {
  static constexpr size_t kMaxRawBytes = 4096;  // longer rows keep their first kMaxRawBytes bytes
  static constexpr size_t kMaxMessageRawBytes = 256;

  RowErrorKind kind = RowErrorKind::kBadValue;
  std::string source;        // ByteSource::Describe() of the stream: "gzip(s3://bucket/key)"
  int64_t line = 0;          // 1-based line where the row starts (quoted newlines count as lines)
  int64_t offset = 0;        // byte offset where the row starts
  int column = 0;            // 1-based column the error is in; 0 when it is not one column
  std::string column_name;   // the header's name for that column, when there is one
  std::string detail;        // what is wrong: "expected 3 fields, found 2"
  std::string raw;           // the row's bytes as read, without the line ending (see kMaxRawBytes)
  bool raw_truncated = false;

  // The sentence a person reads, e.g.
  //   gzip(s3://b/k.gz): line 3 (byte 20), column 3 'c': too few fields: expected 3, found 2: row "1,2"
  // The raw text is quoted with C escapes for control and non-ASCII bytes, cut at kMaxMessageRawBytes.
  std::string Message() const;
  // kBadData with Message() and the line, offset and column fields set.
  Error ToError() const;
};

// What happens to a bad row: kFail stops the read with the row's error (the default); kSkip leaves the
// row out, counts it and hands its RowError to the caller with the batch it was found in.
enum class RowErrorPolicy { kFail, kSkip };

}  // namespace billpipe
