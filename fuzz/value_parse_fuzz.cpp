// libFuzzer target: decimal and timestamp parsing. Oracle: what parses prints back to text that parses
// to the same value (and, for decimals, the same scale).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "table/decimal.h"
#include "table/timestamp.h"

using namespace billpipe::table;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Decimal d;
  if (Decimal::TryParse(text, &d)) {
    Decimal again;
    const std::string printed = d.ToString();
    if (!Decimal::TryParse(printed, &again) || !(again == d) || again.scale() != d.scale()) std::abort();
    auto sum = Decimal::Add(d, d);
    if (sum) {
      Decimal half;
      (void)half;
      if ((sum->unscaled() & 1) != 0 && sum->scale() == d.scale()) std::abort();  // 2x is even
    }
  }
  TimestampMicros t;
  if (TryParseTimestamp(text, &t)) {
    TimestampMicros again;
    if (!TryParseTimestamp(FormatTimestamp(t), &again) || again != t) std::abort();
  }
  TimestampMicros a, b;
  if (TryParseInterval(text, &a, &b) && b < a) std::abort();
  return 0;
}
