#include "curgen/fixed_decimal.h"

namespace billpipe::curgen {

Decimal10 Decimal10::Multiply(Decimal10 a, Decimal10 b) {
  Int128 p = a.units_ * b.units_;
  bool negative = p < 0;
  if (negative) p = -p;
  Int128 q = p / kScale;
  if (p % kScale >= kScale / 2) ++q;
  return FromUnits(negative ? -q : q);
}

void Decimal10::AppendTo(std::string& out) const {
  // One 128-bit division splits whole and fraction; the digits then come from 64-bit arithmetic
  // (this runs for every amount of every line the generator writes).
  bool negative = units_ < 0;
  UInt128 v = static_cast<UInt128>(negative ? -units_ : units_);
  UInt128 whole = v / static_cast<UInt128>(kScale);
  uint64_t fraction = static_cast<uint64_t>(v % static_cast<UInt128>(kScale));
  char buf[64];
  char* end = buf + sizeof buf;
  char* p = end;
  for (int i = 0; i < 10; ++i) {
    *--p = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  *--p = '.';
  if (whole <= UINT64_MAX) {
    uint64_t w = static_cast<uint64_t>(whole);
    do {
      *--p = static_cast<char>('0' + w % 10);
      w /= 10;
    } while (w != 0);
  } else {
    do {
      *--p = static_cast<char>('0' + static_cast<int>(whole % 10));
      whole /= 10;
    } while (whole != 0);
  }
  if (negative) *--p = '-';
  out.append(p, static_cast<size_t>(end - p));
}

std::string Decimal10::ToString() const {
  std::string s;
  AppendTo(s);
  return s;
}

}  // namespace billpipe::curgen
