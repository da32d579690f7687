#include "util/escape.h"

#include <fmt/format.h>

namespace billpipe {
namespace {

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when it is not one.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;                                   // overlong
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;               // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;              // surrogates
  if (n == 4 && (c > 0xF4 || (c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

}  // namespace

std::string EscapeForDisplay(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 16);
  size_t fits = 0;       // out's length after the last piece that still leaves room for the cut marker
  bool cut = false;
  const std::string marker = fmt::format("… ({} bytes)", text.size());
  const size_t keep = max_bytes > marker.size() ? max_bytes - marker.size() : 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = Utf8Length(text, i);
    if (n == 1 && c >= 0x20 && c != 0x7F) {
      out += static_cast<char>(c);
    } else if (n == 1) {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : fmt::format("\\x{:02x}", c);
    } else if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
      n = 1;
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(text[i + 1]));  // a C1 control (CSI is U+009B)
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
    if (out.size() <= keep) fits = out.size();
    if (out.size() > max_bytes) {  // the text will be cut: stop reading
      cut = true;
      break;
    }
  }
  if (!cut) return out;
  out.resize(fits);
  return out + marker;
}

}  // namespace billpipe
