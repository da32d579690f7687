#include "table/decimal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace billpipe::table {
namespace {

constexpr Int128 Pow10(int n) {
  Int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

struct Powers {
  Int128 p[Decimal::kMaxDigits + 1];
  constexpr Powers() : p() {
    for (int i = 0; i <= Decimal::kMaxDigits; ++i) p[i] = Pow10(i);
  }
};
constexpr Powers kPowers;
constexpr Int128 kLimit = Pow10(Decimal::kMaxDigits);  // |unscaled| must stay below 10^38

// Whether the 8 bytes at p are all ASCII digits, and their value (SWAR: 3 multiplies, no loop).
inline bool EightDigits(const char* p, uint64_t* value) {
  uint64_t x;
  std::memcpy(&x, p, sizeof x);  // little-endian: p[0] is the low byte
  const uint64_t d = x - 0x3030303030303030ULL;
  // A byte is a digit when it was 0x30..0x39: no borrow out of it, and adding 6 keeps it below 0x10.
  if (((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL) || (((d + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0)) {
    return false;
  }
  uint64_t v = d;
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL;      // pairs: p[0]p[1], p[2]p[3], ...
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL;    // quads
  v = (v * 10000 + (v >> 32)) & 0x00000000FFFFFFFFULL;  // all eight
  *value = v;
  return true;
}

}  // namespace

bool Decimal::TryParse(std::string_view text, Decimal* out) {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  // Fast path for what AWS writes: digits '.' digits, at most 18 digits in all (fits a uint64).
  if (end - p >= 3 && end - p <= 19) {
    uint64_t v = 0;
    const char* q = p;
    while (q < end && static_cast<unsigned>(*q - '0') <= 9) v = v * 10 + static_cast<unsigned>(*q++ - '0');
    if (q > p && q < end - 1 && *q == '.') {
      const char* const fraction_start = ++q;
      uint64_t eight;
      if (end - q >= 8 && EightDigits(q, &eight)) {
        v = v * 100000000 + eight;
        q += 8;
      }
      while (q < end && static_cast<unsigned>(*q - '0') <= 9) v = v * 10 + static_cast<unsigned>(*q++ - '0');
      if (q == end) {
        const Int128 value = static_cast<Int128>(v);
        *out = Decimal(negative ? -value : value, static_cast<int>(end - fraction_start));
        return true;
      }
    }
  }
  // Mantissa: up to 19 digits in a uint64, the rest in 128 bits.
  uint64_t small = 0;
  Int128 big = 0;
  int digits = 0;       // significant digits taken (leading zeros skipped)
  int fraction = 0;     // digits after the '.'
  bool any_digit = false;
  bool dot = false;
  for (; p < end; ++p) {
    const char c = *p;
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (dot) ++fraction;
      if (digits == 0 && c == '0') continue;
      if (++digits > kMaxDigits) return false;
      if (digits <= 19) {
        small = small * 10 + static_cast<uint64_t>(c - '0');
        if (digits == 19) big = small;
      } else {
        big = big * 10 + (c - '0');
      }
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any_digit) return false;
  Int128 value = digits < 19 ? static_cast<Int128>(small) : big;
  int scale = fraction;
  if (p < end) {
    if (*p != 'e' && *p != 'E') return false;
    ++p;
    bool exp_negative = false;
    if (p < end && (*p == '-' || *p == '+')) {
      exp_negative = *p == '-';
      ++p;
    }
    if (p == end) return false;
    int exponent = 0;
    for (; p < end; ++p) {
      if (*p < '0' || *p > '9') return false;
      exponent = exponent * 10 + (*p - '0');
      if (exponent > 1000) return false;
    }
    scale += exp_negative ? exponent : -exponent;
  }
  if (scale < 0) {
    // 2.5e3: scale up the digits (exactly) to scale 0.
    if (digits - scale > kMaxDigits && value != 0) return false;
    value = value != 0 ? value * kPowers.p[-scale] : 0;
    scale = 0;
  }
  if (scale > kMaxScale) return false;
  *out = Decimal(negative ? -value : value, scale);
  return true;
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  Decimal d;
  if (TryParse(text, &d)) return d;
  return Fail(ErrorCode::kBadData, fmt::format("'{}' is not a decimal number of at most {} digits", text,
                                               kMaxDigits));
}

bool Decimal::Rescale(int scale, Decimal* out) const {
  if (scale < scale_ || scale > kMaxScale) return false;
  const Int128 factor = kPowers.p[scale - scale_];
  const Int128 magnitude = unscaled_ < 0 ? -unscaled_ : unscaled_;
  if (magnitude != 0 && magnitude >= kLimit / factor) return false;
  *out = Decimal(unscaled_ * factor, scale);
  return true;
}

Result<Decimal> Decimal::Add(const Decimal& a, const Decimal& b) {
  const int scale = std::max(a.scale_, b.scale_);
  Decimal x, y;
  if (a.Rescale(scale, &x) && b.Rescale(scale, &y)) {
    // Two values below 10^38 can sum past 2^127: check the addition itself, then the 38 digits.
    Int128 sum;
    if (!__builtin_add_overflow(x.unscaled_, y.unscaled_, &sum) && sum < kLimit && sum > -kLimit) {
      return Decimal(sum, scale);
    }
  }
  return Fail(ErrorCode::kBadData, fmt::format("the sum of {} and {} has more than {} digits", a.ToString(),
                                               b.ToString(), kMaxDigits));
}

int Decimal::Compare(const Decimal& a, const Decimal& b) {
  // Compare at the common scale; values have < 10^38 magnitude so one side may need 10^76: compare
  // integer parts first, then the fractions at the larger scale.
  const int scale = std::max(a.scale_, b.scale_);
  const Int128 a_int = a.unscaled_ / kPowers.p[a.scale_];
  const Int128 b_int = b.unscaled_ / kPowers.p[b.scale_];
  if (a_int != b_int) return a_int < b_int ? -1 : 1;
  const Int128 a_frac = (a.unscaled_ % kPowers.p[a.scale_]) * kPowers.p[scale - a.scale_];
  const Int128 b_frac = (b.unscaled_ % kPowers.p[b.scale_]) * kPowers.p[scale - b.scale_];
  if (a_frac != b_frac) return a_frac < b_frac ? -1 : 1;
  return 0;
}

size_t Decimal::ToChars(char* out) const {
  const bool negative = unscaled_ < 0;
  UInt128 magnitude = negative ? static_cast<UInt128>(-unscaled_) : static_cast<UInt128>(unscaled_);
  char digits[48];
  int n = 0;
  // Digit by digit in 64 bits once the value fits: a division of 128-bit values is a library call.
  while (magnitude > UINT64_MAX) {
    digits[n++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  }
  uint64_t small = static_cast<uint64_t>(magnitude);
  do {
    digits[n++] = static_cast<char>('0' + small % 10);
    small /= 10;
  } while (small != 0);
  while (n <= scale_) digits[n++] = '0';  // at least one digit before the point
  char* p = out;
  if (negative) *p++ = '-';
  for (int i = n - 1; i >= 0; --i) {
    *p++ = digits[i];
    if (i == scale_ && i != 0) *p++ = '.';
  }
  return static_cast<size_t>(p - out);
}

std::string Decimal::ToString() const {
  char buffer[kMaxChars];
  return std::string(buffer, ToChars(buffer));
}

double Decimal::ToDouble() const {
  // Exact operands give one correctly rounded division: |unscaled| below 2^53 is exact in a double, and
  // so is every power of ten up to 10^22. What AWS writes ("24.0000000000": scale 10, a few digits) is
  // always this case; anything else goes through from_chars, which rounds correctly too.
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr Int128 kExact = Int128{1} << 53;
  if (unscaled_ < kExact && unscaled_ > -kExact && scale_ <= 22) {
    return static_cast<double>(static_cast<int64_t>(unscaled_)) / kPowers[scale_];
  }
  const std::string text = ToString();
  double out = 0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

}  // namespace billpipe::table
