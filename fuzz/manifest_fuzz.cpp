// libFuzzer target for the legacy manifest parser (not part of libbillpipe: CMake leaves *_fuzz.cpp out).
// Needs a clang whose C++23 library support has std::expected (clang 16 or later with libstdc++ 12):
//   clang++ -std=c++2b -g -O1 -fsanitize=fuzzer,address,undefined -Isrc src/cur/manifest_fuzz.cpp
//     src/cur/manifest.cpp src/cur/billing_period.cpp -lfmt -o manifest_fuzz
//   ./manifest_fuzz -max_len=65536 CORPUS_DIR ../shared/testdata/cur-manifests
// The parser must return a manifest or kBadData for any input, and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cur/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto manifest = billpipe::cur::ParseLegacyManifest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!manifest && manifest.error().code != billpipe::ErrorCode::kBadData) std::abort();
  return 0;
}
