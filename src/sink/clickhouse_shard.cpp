#include "sink/clickhouse_shard.h"

#include <cstring>

namespace billpipe::sink {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline void Round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = Rotl(v1, 13);
  v1 ^= v0;
  v0 = Rotl(v0, 32);
  v2 += v3;
  v3 = Rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = Rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = Rotl(v1, 17);
  v1 ^= v2;
  v2 = Rotl(v2, 32);
}

inline uint64_t Load64(const char* p) {  // little-endian, as SipHash reads its words
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

uint64_t SipHash64(std::string_view bytes) {
  // The key is zero: the initial state is the constants themselves.
  uint64_t v0 = 0x736f6d6570736575ULL, v1 = 0x646f72616e646f6dULL, v2 = 0x6c7967656e657261ULL,
           v3 = 0x7465646279746573ULL;
  const size_t n = bytes.size();
  const char* p = bytes.data();
  const char* end = p + (n & ~size_t{7});
  for (; p != end; p += 8) {
    const uint64_t m = Load64(p);
    v3 ^= m;
    Round(v0, v1, v2, v3);
    Round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t b = static_cast<uint64_t>(n & 0xff) << 56;
  for (size_t i = 0; i < (n & 7); ++i) b |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  v3 ^= b;
  Round(v0, v1, v2, v3);
  Round(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) Round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

ShardSlots::ShardSlots(const std::vector<uint32_t>& weights) {
  for (size_t shard = 0; shard < weights.size(); ++shard) slots_.insert(slots_.end(), weights[shard], shard);
}

std::string SipHashKeyColumn(std::string_view engine_full) {
  constexpr std::string_view kStart = "sipHash64(ifNull(";
  auto at = engine_full.find(kStart);
  if (at == std::string_view::npos) return "";
  std::string_view rest = engine_full.substr(at + kStart.size());
  auto comma = rest.find(", '')");
  if (comma == std::string_view::npos) return "";
  std::string_view name = rest.substr(0, comma);
  if (name.size() >= 2 && name.front() == '`' && name.back() == '`') {
    std::string out;
    for (size_t i = 1; i + 1 < name.size(); ++i) {
      if (name[i] == '\\' && i + 2 < name.size()) ++i;
      out += name[i];
    }
    return out;
  }
  return std::string(name);
}

}  // namespace billpipe::sink
