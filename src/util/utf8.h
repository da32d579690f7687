// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace billpipe {

// Length of the valid UTF-8 sequence starting at p (a byte >= 0x80), given `available` bytes from p;
// 0 when the bytes there are not valid UTF-8. Returns -1 when the sequence is cut off by the end of
// the bytes available but could still be valid.
inline int Utf8SequenceLength(const unsigned char* p, size_t available) {
  const unsigned char c = p[0];
  int len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < len; ++i) {
    if (static_cast<size_t>(i) >= available) return -1;
    const unsigned char b = p[i];
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return len;
}

// Whether all of s is UTF-8; on failure *bad is the index of the first byte that is not.
inline bool IsValidUtf8(std::string_view s, size_t* bad = nullptr) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const int len = Utf8SequenceLength(p + i, s.size() - i);
    if (len <= 0) {
      if (bad) *bad = i;
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

}  // namespace billpipe
