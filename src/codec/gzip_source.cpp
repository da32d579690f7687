#include "codec/gzip_source.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <isa-l/igzip_lib.h>

namespace billpipe::codec {

GzipSource::GzipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size)
    : input_(std::move(inner), input_buffer_size), inflater_(ISAL_GZIP) {}

std::string GzipSource::Describe() const { return "gzip(" + input_.inner().Describe() + ")"; }

Error GzipSource::Corrupt(std::string_view what) const {
  Error e(ErrorCode::kBadData, fmt::format("corrupt gzip data in {} at compressed byte {}: {}",
                                           input_.inner().Describe(), input_.offset(), what));
  e.offset = input_.offset();
  return e;
}

Result<size_t> GzipSource::Read(std::span<char> out) {
  if (error_) return std::unexpected(*error_);
  if (done_ || out.empty()) return 0;
  auto fail = [&](Error e) -> Result<size_t> {
    error_ = e;
    return std::unexpected(std::move(e));
  };
  const uint32_t out_size =
      static_cast<uint32_t>(std::min<size_t>(out.size(), std::numeric_limits<uint32_t>::max()));
  while (true) {
    if (input_.size() == 0) {
      auto more = input_.Refill();
      if (!more) return fail(std::move(more).error());
      if (!*more) {
        if (in_member_) {
          Error e(ErrorCode::kBadData,
                  fmt::format("truncated gzip data in {}: the stream ends at compressed byte {} inside "
                              "member {}",
                              input_.inner().Describe(), input_.offset(), members_ + 1));
          e.offset = input_.offset();
          return fail(std::move(e));
        }
        done_ = true;
        return 0;
      }
    }
    const uint32_t in_size =
        static_cast<uint32_t>(std::min<size_t>(input_.size(), std::numeric_limits<uint32_t>::max()));
    auto step = inflater_.Inflate(input_.data(), in_size, reinterpret_cast<uint8_t*>(out.data()), out_size);
    if (step.code < 0) {
      // Point at where the inflater stopped, not past the bytes it took.
      input_.Consume(step.consumed);
      if (step.code == ISAL_INVALID_WRAPPER && members_ > 0 && !in_member_) {
        return fail(Corrupt(fmt::format("the bytes after gzip member {} are not a gzip member", members_)));
      }
      return fail(Corrupt(Inflater::Describe(step.code)));
    }
    if (step.consumed > 0) in_member_ = true;
    input_.Consume(step.consumed);
    if (step.finished) {
      ++members_;
      in_member_ = false;
      inflater_.Reset();
    }
    if (step.produced > 0) return step.produced;
    if (step.consumed == 0 && !step.finished && input_.size() > 0) {
      return fail(Error(ErrorCode::kInternal,
                        fmt::format("gzip inflater of {} made no progress", input_.inner().Describe())));
    }
  }
}

}  // namespace billpipe::codec
