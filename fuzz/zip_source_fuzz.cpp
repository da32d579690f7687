// libFuzzer target: ZipSource on arbitrary bytes: no crash, no hang, errors are kBadData/kUnsupported.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec/zip_source.h"

using namespace billpipe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  codec::ZipSource zip(std::make_unique<StringSource>(std::string(reinterpret_cast<const char*>(data), size), "fuzz"),
                       64 + size % 1000);
  char buf[4096];
  size_t total = 0;
  while (true) {
    auto n = zip.Read(std::span<char>(buf, 1 + size % sizeof(buf)));
    if (!n) {
      if (n.error().code != ErrorCode::kBadData && n.error().code != ErrorCode::kUnsupported) std::abort();
      return 0;
    }
    if (*n == 0) return 0;
    total += *n;
    if (total > (1u << 22)) return 0;
  }
}
