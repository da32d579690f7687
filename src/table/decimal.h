// Exact decimal numbers for CUR costs and amounts: no precision lost between the file and the sink.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::table {

// GCC and Clang's 128-bit integers (__extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// A decimal number unscaled × 10^-scale with up to 38 significant digits (|unscaled| < 10^38, as
// PostgreSQL numeric(38, s) and most SQL decimals hold) and 0 ≤ scale ≤ 38. The scale is kept as
// written: "24.0000000000" has scale 10 and prints back the same. Equality and ordering compare values
// (1.0 == 1.00). A plain value type; 32 bytes.
class Decimal {
 public:
  static constexpr int kMaxDigits = 38;
  static constexpr int kMaxScale = 38;

  Decimal() = default;
  // Exactly unscaled × 10^-scale; the caller keeps |unscaled| < 10^38 and 0 ≤ scale ≤ 38.
  static Decimal FromUnscaled(Int128 unscaled, int scale) { return Decimal(unscaled, scale); }

  // Parses what AWS writes: an optional sign, digits with an optional '.', e.g. "24.0000000000",
  // "4.0", "-0.0000001", ".5", "7." and, exactly, an exponent ("1E-7" → 0.0000001, scale 7;
  // "2.5e3" → 2500, scale 0). Nothing else: no spaces, no thousands separators, no NaN or
  // infinity, no hex. Refused: more than 38 significant digits, or a scale above 38.
  static bool TryParse(std::string_view text, Decimal* out);
  // TryParse with the reason on failure (kBadData): "'1.2.3' is not a decimal number".
  static Result<Decimal> Parse(std::string_view text);

  Int128 unscaled() const { return unscaled_; }
  int scale() const { return scale_; }

  // The exact sum at the larger of the two scales; kBadData when it needs more than 38 digits.
  static Result<Decimal> Add(const Decimal& a, const Decimal& b);
  // The same value at a larger scale (exact); false when it would need more than 38 digits.
  bool Rescale(int scale, Decimal* out) const;

  // "24.0000000000", "-0.0000001", "2500": digits as scaled, no exponent, no '+'.
  std::string ToString() const;
  // ToString's text written to `out` (at least kMaxChars bytes); returns its length.
  static constexpr size_t kMaxChars = 42;  // sign, 39 digits of an Int128, point, leading zero
  size_t ToChars(char* out) const;
  // The nearest double, correctly rounded (for sinks without an exact decimal type).
  double ToDouble() const;

  friend bool operator==(const Decimal& a, const Decimal& b) { return Compare(a, b) == 0; }
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
    const int c = Compare(a, b);
    return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
  }

 private:
  Decimal(Int128 unscaled, int scale) : unscaled_(unscaled), scale_(scale) {}
  static int Compare(const Decimal& a, const Decimal& b);

  Int128 unscaled_ = 0;
  int scale_ = 0;
};

}  // namespace billpipe::table
