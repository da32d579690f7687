#include "util/date_time.h"

#include <cctype>
#include <chrono>
#include <string>

#include "util/date.h"

namespace billpipe {

std::optional<SysTime> TryParseUtcDateTime(std::string_view text) {
  std::string t(text);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  if (t.size() < 16 || (t[10] != ' ' && t[10] != 'T') || t[13] != ':') return std::nullopt;
  auto date = Date::Parse(std::string_view(t).substr(0, 10));
  if (!date) return std::nullopt;
  int h = 0, m = 0, s = 0;
  auto digits = [&](size_t pos, int* out, int max) {
    if (pos + 2 > t.size() || !std::isdigit(static_cast<unsigned char>(t[pos])) ||
        !std::isdigit(static_cast<unsigned char>(t[pos + 1]))) {
      return false;
    }
    *out = (t[pos] - '0') * 10 + (t[pos + 1] - '0');
    return *out <= max;
  };
  if (!digits(11, &h, 23) || !digits(14, &m, 59)) return std::nullopt;
  if (t.size() > 16 && (t[16] != ':' || t.size() != 19 || !digits(17, &s, 59))) return std::nullopt;
  return SysTime(std::chrono::milliseconds((date->Days() * 86'400 + h * 3600 + m * 60 + s) * 1000));
}

}  // namespace billpipe
