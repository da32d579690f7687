#include "codec/gzip_source.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace billpipe::codec {
namespace {

// RFC 1952 section 2.3.
constexpr size_t kFixedHeaderSize = 10;
constexpr size_t kTrailerSize = 8;
constexpr uint8_t kId1 = 0x1f, kId2 = 0x8b, kMethodDeflate = 8;
constexpr uint8_t kFlagHeaderCrc = 1 << 1, kFlagExtra = 1 << 2, kFlagName = 1 << 3, kFlagComment = 1 << 4;
constexpr uint8_t kFlagsReserved = 0xe0;

uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

GzipSource::GzipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size)
    : GzipSource(std::move(inner), input_buffer_size, DefaultInflateBackend()) {}

GzipSource::GzipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, InflateBackend backend)
    : GzipSource(std::move(inner), input_buffer_size, Result<InflateBackend>(backend)) {}

GzipSource::GzipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, Result<InflateBackend> backend)
    : input_(std::move(inner), std::max<size_t>(input_buffer_size, 64)) {
  auto inflater = backend ? Inflater::Create(*backend) : std::unexpected(backend.error());
  if (inflater) {
    inflater_ = std::move(*inflater);
  } else {
    error_ = inflater.error();
  }
}

std::string GzipSource::Describe() const { return "gzip(" + input_.inner().Describe() + ")"; }

Error GzipSource::Corrupt(std::string_view what) const {
  Error e(ErrorCode::kBadData, fmt::format("corrupt gzip data in {} at compressed byte {}: {}",
                                           input_.inner().Describe(), input_.offset(), what));
  e.offset = input_.offset();
  return e;
}

Error GzipSource::Truncated() const {
  const int64_t end = input_.offset() + static_cast<int64_t>(input_.size());
  Error e(ErrorCode::kBadData, fmt::format("truncated gzip data in {}: the stream ends at compressed byte {} inside "
                                           "member {}",
                                           input_.inner().Describe(), end, members_ + 1));
  e.offset = end;
  return e;
}

Status GzipSource::Skip(size_t n) {
  while (n > 0) {
    if (input_.size() == 0) {
      BP_ASSIGN_OR_RETURN(bool more, input_.Refill());
      if (!more) return Fail(Truncated());
    }
    const size_t take = std::min(n, input_.size());
    input_.Consume(take);
    n -= take;
  }
  return Ok();
}

Status GzipSource::SkipZeroTerminated() {
  while (true) {
    if (input_.size() == 0) {
      BP_ASSIGN_OR_RETURN(bool more, input_.Refill());
      if (!more) return Fail(Truncated());
    }
    const void* zero = std::memchr(input_.data(), 0, input_.size());
    if (zero != nullptr) {
      input_.Consume(static_cast<size_t>(static_cast<const uint8_t*>(zero) - input_.data()) + 1);
      return Ok();
    }
    input_.Consume(input_.size());
  }
}

Result<bool> GzipSource::ReadHeader() {
  BP_ASSIGN_OR_RETURN(bool have, input_.Ensure(kFixedHeaderSize));
  if (!have) {
    if (input_.size() == 0) return false;  // the end, between members (or an empty file)
    return Fail(Truncated());
  }
  const uint8_t* h = input_.data();
  const bool magic = h[0] == kId1 && h[1] == kId2;
  const uint8_t method = h[2], flags = h[3];
  // Errors point past the fixed header, as ISA-L's own gzip parser did.
  input_.Consume(kFixedHeaderSize);
  if (!magic || (flags & kFlagsReserved) != 0) {
    if (members_ > 0) {
      return Fail(Corrupt(fmt::format("the bytes after gzip member {} are not a gzip member", members_)));
    }
    return Fail(Corrupt("invalid gzip header"));
  }
  if (method != kMethodDeflate) return Fail(Corrupt("unsupported compression method in the gzip header"));
  if (flags & kFlagExtra) {
    BP_ASSIGN_OR_RETURN(have, input_.Ensure(2));
    if (!have) return Fail(Truncated());
    const size_t extra = static_cast<size_t>(input_.data()[0] | (input_.data()[1] << 8));
    input_.Consume(2);
    BP_RETURN_IF_ERROR(Skip(extra));
  }
  if (flags & kFlagName) BP_RETURN_IF_ERROR(SkipZeroTerminated());
  if (flags & kFlagComment) BP_RETURN_IF_ERROR(SkipZeroTerminated());
  if (flags & kFlagHeaderCrc) BP_RETURN_IF_ERROR(Skip(2));
  return true;
}

Status GzipSource::ReadTrailer() {
  BP_ASSIGN_OR_RETURN(bool have, input_.Ensure(kTrailerSize));
  if (!have) return Fail(Truncated());
  const uint32_t crc = Le32(input_.data()), size = Le32(input_.data() + 4);
  input_.Consume(kTrailerSize);
  // ISIZE is the length modulo 2^32 (RFC 1952): checked, never used to size anything.
  if (crc != inflater_->crc() || size != static_cast<uint32_t>(inflater_->produced())) {
    return Fail(Corrupt("CRC-32 or length check failed"));
  }
  ++members_;
  return Ok();
}

Result<size_t> GzipSource::ReadData(std::span<char> out) {
  const uint32_t out_size =
      static_cast<uint32_t>(std::min<size_t>(out.size(), std::numeric_limits<uint32_t>::max()));
  while (true) {
    if (input_.size() == 0) {
      BP_ASSIGN_OR_RETURN(bool more, input_.Refill());
      if (!more) return Fail(Truncated());
    }
    const uint32_t in_size =
        static_cast<uint32_t>(std::min<size_t>(input_.size(), std::numeric_limits<uint32_t>::max()));
    auto step = inflater_->Inflate(input_.data(), in_size, reinterpret_cast<uint8_t*>(out.data()), out_size);
    input_.Consume(step.consumed);
    if ((!step.error.empty() || step.finished) && !input_.Unconsume(step.unused)) {
      return Fail(Error(ErrorCode::kInternal, "deflate read ahead more than the input buffer keeps"));
    }
    if (!step.error.empty()) return Fail(Corrupt(step.error));
    if (step.finished) {
      state_ = State::kTrailer;
      return step.produced;  // may be 0: the caller goes on to the trailer
    }
    if (step.produced > 0) return step.produced;
    if (step.consumed == 0 && input_.size() > 0) {
      return Fail(Error(ErrorCode::kInternal,
                        fmt::format("gzip inflater of {} made no progress", input_.inner().Describe())));
    }
  }
}

Result<size_t> GzipSource::Read(std::span<char> out) {
  if (error_) return std::unexpected(*error_);
  if (out.empty()) return 0;
  auto fail = [&](Error e) -> Result<size_t> {
    error_ = e;
    return std::unexpected(std::move(e));
  };
  while (true) {
    switch (state_) {
      case State::kHeader: {
        auto started = ReadHeader();
        if (!started) return fail(std::move(started).error());
        if (!*started) {
          state_ = State::kDone;
          return 0;
        }
        inflater_->Reset();
        state_ = State::kData;
        break;
      }
      case State::kData: {
        auto n = ReadData(out);
        if (!n) return fail(std::move(n).error());
        if (*n > 0) return *n;
        break;
      }
      case State::kTrailer: {
        auto st = ReadTrailer();
        if (!st) return fail(std::move(st).error());
        state_ = State::kHeader;
        break;
      }
      case State::kDone:
        return 0;
    }
  }
}

}  // namespace billpipe::codec
