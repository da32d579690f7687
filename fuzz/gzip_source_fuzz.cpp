// libFuzzer target: GzipSource on arbitrary bytes. Oracle: when it succeeds, zlib (inflate with gzip
// header, member after member) decodes the same bytes to the same output.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "codec/gzip_source.h"

using namespace billpipe;

namespace {

constexpr size_t kMaxOutput = 1 << 22;

// zlib's view of a multi-member gzip stream; nullopt-like "!" prefix when it fails.
bool ZlibGunzip(const std::string& in, std::string* out) {
  size_t pos = 0;
  if (in.empty()) return true;
  while (pos < in.size()) {
    z_stream z{};
    if (inflateInit2(&z, 16 + 15) != Z_OK) return false;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    z.avail_in = static_cast<uInt>(in.size() - pos);
    char buf[65536];
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof(buf);
      rc = inflate(&z, Z_NO_FLUSH);
      out->append(buf, sizeof(buf) - z.avail_out);
      if (out->size() > kMaxOutput) {
        inflateEnd(&z);
        return false;
      }
    } while (rc == Z_OK);
    const size_t used = (in.size() - pos) - z.avail_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return false;
    pos += used;
  }
  return true;
}

// Decodes `in` with GzipSource on `backend`: true and the output, or false (the error must be kBadData).
// nullopt when the output grew too large to compare.
std::optional<bool> Decode(const std::string& in, codec::InflateBackend backend, std::string* out) {
  const size_t size = in.size();
  codec::GzipSource gz(std::make_unique<StringSource>(in, "fuzz"), 64 + size % 1000, backend);
  char buf[4096];
  while (true) {
    auto n = gz.Read(std::span<char>(buf, 1 + size % sizeof(buf)));
    if (!n) {
      if (n.error().code != ErrorCode::kBadData) std::abort();
      return false;
    }
    if (*n == 0) return true;
    out->append(buf, *n);
    if (out->size() > kMaxOutput) return std::nullopt;
  }
}

}  // namespace

// Oracles: zlib's own gunzip decodes the same bytes when GzipSource succeeds, and GzipSource with ISA-L
// and with zlib agree on success and output (on arbitrary corrupt data they may name different faults).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  std::string out;
  const auto ok = Decode(in, codec::InflateBackend::kZlib, &out);
  if (!ok) return 0;
  if (codec::IsalAvailable()) {
    std::string isal_out;
    const auto isal_ok = Decode(in, codec::InflateBackend::kIsal, &isal_out);
    if (isal_ok && (*isal_ok != *ok || (*ok && isal_out != out))) std::abort();
  }
  if (!*ok) return 0;
  std::string expected;
  if (ZlibGunzip(in, &expected) && expected != out) std::abort();
  return 0;
}
