#include "util/byte_source.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace billpipe {

Result<size_t> StringSource::Read(std::span<char> out) {
  size_t n = std::min(out.size(), data_.size() - pos_);
  std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<std::string> ReadAll(ByteSource& source, size_t max_bytes) {
  std::string data;
  char buf[64 * 1024];
  while (true) {
    BP_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) return data;
    if (data.size() + n > max_bytes) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("{} is larger than the {} bytes expected", source.Describe(), max_bytes));
    }
    data.append(buf, n);
  }
}

}  // namespace billpipe
