// Exact decimal amounts with ten fractional digits, as CUR writes costs, rates and usage amounts
// ("24.0000000000"). Stored as an integer count of 1e-10 units in a 128-bit integer, so sums of any number of
// line items are exact (no binary floating point anywhere in the generator's totals).
#pragma once

#include <cstdint>
#include <string>

namespace billpipe::curgen {

// GCC's 128-bit integers (__extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

class Decimal10 {
 public:
  static constexpr int64_t kScale = 10'000'000'000;  // 1e10: ten fractional digits

  constexpr Decimal10() = default;
  // units: the value times 1e10 (Decimal10::FromUnits(15) is 0.0000000015).
  static constexpr Decimal10 FromUnits(Int128 units) {
    Decimal10 d;
    d.units_ = units;
    return d;
  }
  static constexpr Decimal10 FromInt(int64_t whole) { return FromUnits(static_cast<Int128>(whole) * kScale); }

  constexpr Int128 units() const { return units_; }
  constexpr bool IsZero() const { return units_ == 0; }
  constexpr bool IsNegative() const { return units_ < 0; }

  constexpr Decimal10 operator+(Decimal10 o) const { return FromUnits(units_ + o.units_); }
  constexpr Decimal10 operator-(Decimal10 o) const { return FromUnits(units_ - o.units_); }
  constexpr Decimal10 operator-() const { return FromUnits(-units_); }
  Decimal10& operator+=(Decimal10 o) {
    units_ += o.units_;
    return *this;
  }
  constexpr bool operator==(const Decimal10&) const = default;

  // The product rounded to ten places, halves away from zero. Operands must keep
  // |a.units * b.units| below 2^126 (e.g. amounts below 1e9 times rates below 1e9).
  static Decimal10 Multiply(Decimal10 a, Decimal10 b);

  // Appends "-12.3456789012" (always ten fractional digits; "0.0000000000" for zero).
  void AppendTo(std::string& out) const;
  std::string ToString() const;

 private:
  Int128 units_ = 0;
};

}  // namespace billpipe::curgen
