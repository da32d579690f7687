// A small deterministic random generator (SplitMix64). The generator seeds one per line item from
// (seed, month, line number), so a line's values do not depend on how many lines were made before it:
// an older assembly is exactly a prefix of a newer one, and output is byte-for-byte reproducible.
#pragma once

#include <cstdint>

#include "curgen/fixed_decimal.h"

namespace billpipe::curgen {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  Random(uint64_t seed, uint64_t a, uint64_t b) : state_(Mix(Mix(seed ^ 0x6a09e667f3bcc909ULL) ^ a) ^ b) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<UInt128>(Next()) * n) >> 64); }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  // True with probability per_mille / 1000.
  bool PerMille(uint32_t per_mille) { return Below(1000) < per_mille; }

  static uint64_t Mix(uint64_t x) {
    x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdULL;
    x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  }

 private:
  uint64_t state_;
};

}  // namespace billpipe::curgen
