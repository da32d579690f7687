#include "util/row_error.h"

#include <fmt/format.h>

#include "util/utf8.h"

namespace billpipe {

std::string_view RowErrorKindName(RowErrorKind kind) {
  switch (kind) {
    case RowErrorKind::kTooManyFields: return "too many fields";
    case RowErrorKind::kTooFewFields: return "too few fields";
    case RowErrorKind::kUnterminatedQuote: return "unterminated quote";
    case RowErrorKind::kBadQuote: return "bad quote";
    case RowErrorKind::kInvalidUtf8: return "invalid UTF-8";
    case RowErrorKind::kBadValue: return "bad value";
  }
  return "bad row";
}

namespace {

std::string EscapeRaw(std::string_view raw, bool truncated) {
  std::string out;
  const size_t n = std::min(raw.size(), RowError::kMaxMessageRawBytes);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          // Valid UTF-8 stays readable; anything else is escaped so the message itself is UTF-8.
          const int len = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(raw.data()) + i, n - i);
          if (len > 0) {
            out.append(raw.data() + i, static_cast<size_t>(len));
            i += static_cast<size_t>(len) - 1;
          } else {
            out += fmt::format("\\x{:02x}", c);
          }
        }
    }
  }
  if (truncated || raw.size() > n) out += "...";
  return out;
}

}  // namespace

std::string RowError::Message() const {
  std::string where = fmt::format("{}: line {} (byte {})", source, line, offset);
  if (column > 0) {
    where += fmt::format(", column {}", column);
    if (!column_name.empty()) where += fmt::format(" '{}'", column_name);
  }
  return fmt::format("{}: {}: {}: row \"{}\"", where, RowErrorKindName(kind), detail,
                     EscapeRaw(raw, raw_truncated));
}

Error RowError::ToError() const {
  Error e(ErrorCode::kBadData, Message());
  e.line = line;
  e.offset = offset;
  e.column = column_name.empty() && column > 0 ? std::to_string(column) : column_name;
  return e;
}

}  // namespace billpipe
