#include "sink/pg_binary.h"

#include <algorithm>
#include <array>
#include <vector>

namespace billpipe::sink {
namespace {

void Put16(std::string& out, uint16_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}
void Put32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out.append(b, 4);
}
void Put64(std::string& out, uint64_t v) {
  Put32(out, static_cast<uint32_t>(v >> 32));
  Put32(out, static_cast<uint32_t>(v));
}

// Floor division by 4 (for negative decimal positions too).
int FloorDiv4(int v) { return v >= 0 ? v / 4 : -((-v + 3) / 4); }

constexpr uint16_t kNumericPos = 0x0000, kNumericNeg = 0x4000, kNumericNaN = 0xC000;
constexpr int kMaxExponent = 1000;  // PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE; beyond it, input refuses too
// The 1970 epoch in PostgreSQL's (2000-01-01), in microseconds.
constexpr int64_t kPgEpochMicros = 946684800LL * 1000000;

}  // namespace

void AppendPgCopyHeader(std::string& out) {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // and its terminating NUL: 11 bytes
  out.append(kSignature, 11);
  Put32(out, 0);  // flags: no OIDs
  Put32(out, 0);  // header extension length
}

void AppendPgCopyTrailer(std::string& out) { Put16(out, 0xFFFF); }
void AppendPgRowStart(std::string& out, uint16_t fields) { Put16(out, fields); }
void AppendPgNull(std::string& out) { Put32(out, 0xFFFFFFFFu); }

void AppendPgBytes(std::string& out, std::string_view bytes) {
  Put32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

void AppendPgTimestamp(std::string& out, int64_t millis_since_1970) {
  Put32(out, 8);
  Put64(out, static_cast<uint64_t>(millis_since_1970 * 1000 - kPgEpochMicros));
}

bool AppendPgNumeric(std::string& out, std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (text.substr(i).size() == 3 && (text[i] | 0x20) == 'n' && (text[i + 1] | 0x20) == 'a' &&
      (text[i + 2] | 0x20) == 'n' && i == 0) {
    Put32(out, 8);
    Put16(out, 0);
    Put16(out, 0);
    Put16(out, kNumericNaN);
    Put16(out, 0);
    return true;
  }
  // The digits as written (leading zeros skipped), and where the point sits among them.
  thread_local std::vector<uint8_t> digits;
  digits.clear();
  int integer_digits = 0, fraction_digits = 0;
  bool any = false, point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (point) ++fraction_digits;
      if (digits.empty() && c == '0' && !point) continue;  // a leading zero of the integer part
      digits.push_back(static_cast<uint8_t>(c - '0'));
      if (!point) ++integer_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  int exponent = 0;
  if (i < text.size()) {
    if ((text[i] | 0x20) != 'e') return false;
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (i == text.size()) return false;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > kMaxExponent) return false;
    }
    if (exp_negative) exponent = -exponent;
  }
  // Display scale as numeric input computes it: the places written, less the exponent.
  const int dscale = std::max(0, fraction_digits - exponent);
  // Digit k (0-based in `digits`) stands for 10^(point_at - 1 - k). A fraction's leading zeros were kept
  // in `digits` (they follow the point), so point_at counts the integer digits kept.
  const int point_at = integer_digits + exponent;
  const int n = static_cast<int>(digits.size());
  // Base-10000 groups from the highest weight down; group weight w holds 10^(4w) .. 10^(4w+3).
  const int w_high = FloorDiv4(point_at - 1);
  const int w_low = FloorDiv4(point_at - n);
  thread_local std::vector<uint16_t> groups;
  groups.assign(n == 0 ? 0 : static_cast<size_t>(w_high - w_low + 1), 0);
  static constexpr std::array<uint16_t, 4> kPow = {1, 10, 100, 1000};
  for (int k = 0; k < n; ++k) {
    const int p = point_at - 1 - k;
    const int w = FloorDiv4(p);
    groups[static_cast<size_t>(w_high - w)] += static_cast<uint16_t>(digits[static_cast<size_t>(k)] * kPow[static_cast<size_t>(p - 4 * w)]);
  }
  // Zero groups at either end are not sent (the server strips them too).
  size_t first = 0, last = groups.size();
  while (first < last && groups[first] == 0) ++first;
  while (last > first && groups[last - 1] == 0) --last;
  const int ndigits = static_cast<int>(last - first);
  const int weight = ndigits == 0 ? 0 : w_high - static_cast<int>(first);
  Put32(out, static_cast<uint32_t>(8 + 2 * ndigits));
  Put16(out, static_cast<uint16_t>(ndigits));
  Put16(out, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  Put16(out, ndigits == 0 || !negative ? kNumericPos : kNumericNeg);
  Put16(out, static_cast<uint16_t>(dscale));
  for (size_t g = first; g < last; ++g) Put16(out, groups[g]);
  return true;
}

}  // namespace billpipe::sink
