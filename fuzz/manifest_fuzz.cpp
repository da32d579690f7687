// libFuzzer target for the legacy manifest parser: for any input it returns a manifest or kBadData, never
// crashes, throws or hangs, and a manifest it accepts has a billing period that ends after it starts. Built and run by fuzz/run
// (seeds: fuzz/seeds/manifest_fuzz and the real manifests in ../shared/testdata/cur-manifests).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cur/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto manifest = billpipe::cur::ParseLegacyManifest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!manifest) {
    if (manifest.error().code != billpipe::ErrorCode::kBadData || manifest.error().message.empty()) std::abort();
    return 0;
  }
  if (manifest->billing_period_end <= manifest->billing_period_start) std::abort();
  return 0;
}
