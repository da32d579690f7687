#include "codec/zip_source.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace billpipe::codec {
namespace {

// Signatures and sizes from PKWARE's APPNOTE.TXT 6.3.
constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralDirSignature = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDirSignature = 0x06064b50;
constexpr uint32_t kDigitalSignatureSignature = 0x05054b50;
constexpr uint32_t kDataDescriptorSignature = 0x08074b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kFlagEncrypted = 1 << 0;
constexpr uint16_t kFlagDataDescriptor = 1 << 3;
constexpr uint16_t kFlagStrongEncryption = 1 << 6;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint32_t kZip64Marker = 0xFFFFFFFF;

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t Le64(const uint8_t* p) { return Le32(p) | (static_cast<uint64_t>(Le32(p + 4)) << 32); }

}  // namespace

ZipSource::ZipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size)
    : ZipSource(std::move(inner), input_buffer_size, DefaultInflateBackend()) {}

ZipSource::ZipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, InflateBackend backend)
    : ZipSource(std::move(inner), input_buffer_size, Result<InflateBackend>(backend)) {}

ZipSource::ZipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, Result<InflateBackend> backend)
    : input_(std::move(inner), std::max<size_t>(input_buffer_size, 256 * 1024)) {
  auto inflater = backend ? Inflater::Create(*backend) : std::unexpected(backend.error());
  if (inflater) {
    inflater_ = std::move(*inflater);
  } else {
    error_ = inflater.error();
  }
}

std::string ZipSource::Describe() const { return "zip(" + input_.inner().Describe() + ")"; }

Error ZipSource::Bad(std::string_view what, int64_t offset) const {
  Error e(ErrorCode::kBadData,
          fmt::format("bad ZIP archive {} at byte {}: {}", input_.inner().Describe(), offset, what));
  e.offset = offset;
  return e;
}

Error ZipSource::Truncated() const {
  Error e(ErrorCode::kBadData, fmt::format("truncated ZIP archive {}: it ends at byte {}",
                                           input_.inner().Describe(), input_.offset() + input_.size()));
  e.offset = input_.offset() + static_cast<int64_t>(input_.size());
  return e;
}

// Reads local headers until a file member starts. Directory entries are skipped.
Status ZipSource::ReadLocalHeaders(bool after_member) {
  while (true) {
    const int64_t at = input_.offset();
    BP_ASSIGN_OR_RETURN(bool have, input_.Ensure(4));
    if (!have) {
      if (at == 0 && input_.size() == 0) return Fail(Bad("the file is empty, not a ZIP archive", 0));
      return Fail(Truncated());
    }
    const uint32_t signature = Le32(input_.data());
    const bool end_of_entries = signature == kCentralHeaderSignature || signature == kEndOfCentralDirSignature ||
                                signature == kZip64EndOfCentralDirSignature ||
                                signature == kDigitalSignatureSignature;
    if (end_of_entries && after_member) {
      state_ = State::kDone;
      return Ok();
    }
    if (end_of_entries) return Fail(Bad("the archive holds no file member", at));
    if (signature != kLocalHeaderSignature) {
      return Fail(Bad(after_member ? "expected the central directory"
                                   : (at == 0 ? "not a ZIP archive" : "expected a local file header"),
                      at));
    }
    header_start_ = at;
    BP_ASSIGN_OR_RETURN(have, input_.Ensure(kLocalHeaderSize));
    if (!have) return Fail(Truncated());
    const uint8_t* h = input_.data();
    flags_ = Le16(h + 6);
    method_ = Le16(h + 8);
    header_crc_ = Le32(h + 14);
    header_compressed_ = Le32(h + 18);
    header_uncompressed_ = Le32(h + 22);
    const size_t name_len = Le16(h + 26);
    const size_t extra_len = Le16(h + 28);
    BP_ASSIGN_OR_RETURN(have, input_.Ensure(kLocalHeaderSize + name_len + extra_len));
    if (!have) return Fail(Truncated());
    h = input_.data();
    name_.assign(reinterpret_cast<const char*>(h + kLocalHeaderSize), name_len);
    zip64_ = false;
    const uint8_t* extra = h + kLocalHeaderSize + name_len;
    for (size_t pos = 0; pos + 4 <= extra_len;) {
      const uint16_t id = Le16(extra + pos);
      const size_t size = Le16(extra + pos + 2);
      if (pos + 4 + size > extra_len) return Fail(Bad("malformed extra field in a local file header", at));
      if (id == kZip64ExtraId) {
        zip64_ = true;
        const uint8_t* field = extra + pos + 4;
        size_t used = 0;
        // The local header's ZIP64 field holds the sizes whose 32-bit fields are 0xFFFFFFFF, in this order.
        if (header_uncompressed_ == kZip64Marker && used + 8 <= size) {
          header_uncompressed_ = Le64(field + used);
          used += 8;
        }
        if (header_compressed_ == kZip64Marker && used + 8 <= size) {
          header_compressed_ = Le64(field + used);
          used += 8;
        }
      }
      pos += 4 + size;
    }
    has_descriptor_ = (flags_ & kFlagDataDescriptor) != 0;
    const bool is_directory = !name_.empty() && name_.back() == '/';
    input_.Consume(kLocalHeaderSize + name_len + extra_len);
    if (is_directory && !has_descriptor_ && header_compressed_ == 0) continue;

    if (flags_ & (kFlagEncrypted | kFlagStrongEncryption)) {
      return Fail(ErrorCode::kUnsupported,
                  fmt::format("ZIP archive {}: member '{}' is encrypted", input_.inner().Describe(), name_));
    }
    if (method_ != kMethodStored && method_ != kMethodDeflate) {
      return Fail(ErrorCode::kUnsupported,
                  fmt::format("ZIP archive {}: member '{}' uses compression method {}; only stored (0) and "
                              "deflate (8) are supported",
                              input_.inner().Describe(), name_, method_));
    }
    if (method_ == kMethodStored && has_descriptor_) {
      return Fail(ErrorCode::kUnsupported,
                  fmt::format("ZIP archive {}: member '{}' is stored with a data descriptor, which cannot "
                              "be read as a stream",
                              input_.inner().Describe(), name_));
    }
    data_start_ = input_.offset();
    stored_left_ = header_compressed_;
    stored_crc_ = 0;
    produced_ = 0;
    inflater_->Reset();
    state_ = State::kData;
    return Ok();
  }
}

Status ZipSource::FinishMember() {
  const int64_t data_end = input_.offset();
  const uint64_t compressed = static_cast<uint64_t>(data_end - data_start_);
  const uint32_t crc = method_ == kMethodStored ? stored_crc_ : inflater_->crc();
  uint32_t want_crc = header_crc_;
  uint64_t want_compressed = header_compressed_;
  uint64_t want_uncompressed = header_uncompressed_;
  if (has_descriptor_) {
    BP_ASSIGN_OR_RETURN(bool have, input_.Ensure(4));
    if (!have) return Fail(Truncated());
    if (Le32(input_.data()) == kDataDescriptorSignature) input_.Consume(4);
    // ZIP64 descriptors carry 8-byte sizes. Writers disagree on when; take whichever reading matches.
    BP_ASSIGN_OR_RETURN(have, input_.Ensure(12));
    if (!have) return Fail(Truncated());
    const uint8_t* d = input_.data();
    want_crc = Le32(d);
    want_compressed = Le32(d + 4);
    want_uncompressed = Le32(d + 8);
    size_t descriptor_size = 12;
    const bool short_matches = want_compressed == (compressed & 0xFFFFFFFF) &&
                               want_uncompressed == (produced_ & 0xFFFFFFFF);
    if (zip64_ || !short_matches) {
      BP_ASSIGN_OR_RETURN(bool have_long, input_.Ensure(20));
      if (have_long) {
        d = input_.data();
        const uint64_t long_compressed = Le64(d + 4);
        const uint64_t long_uncompressed = Le64(d + 12);
        if (zip64_ || (long_compressed == compressed && long_uncompressed == produced_)) {
          want_compressed = long_compressed;
          want_uncompressed = long_uncompressed;
          descriptor_size = 20;
        }
      }
    }
    input_.Consume(descriptor_size);
  }
  if (crc != want_crc) {
    return Fail(Bad(fmt::format("CRC-32 mismatch in member '{}': the data has {:08x}, the archive says {:08x}",
                                name_, crc, want_crc),
                    data_end));
  }
  if (compressed != want_compressed || produced_ != want_uncompressed) {
    return Fail(Bad(fmt::format("size mismatch in member '{}': {} compressed / {} uncompressed bytes, the "
                                "archive says {} / {}",
                                name_, compressed, produced_, want_compressed, want_uncompressed),
                    data_end));
  }
  // What follows must be the central directory (or directory entries): a second file is refused.
  const std::string first = name_;
  state_ = State::kAfterMember;
  BP_RETURN_IF_ERROR(ReadLocalHeaders(/*after_member=*/true));
  if (state_ == State::kData) {
    return Fail(Bad(fmt::format("the archive holds more than one file member ('{}', '{}')", first, name_),
                    header_start_));
  }
  return Ok();
}

Result<size_t> ZipSource::ReadData(std::span<char> out) {
  const uint32_t out_size =
      static_cast<uint32_t>(std::min<size_t>(out.size(), std::numeric_limits<uint32_t>::max()));
  while (true) {
    if (method_ == kMethodStored) {
      if (stored_left_ == 0) return 0;
      BP_ASSIGN_OR_RETURN(bool have, input_.Refill());
      if (!have) return Fail(Truncated());
      const size_t n = static_cast<size_t>(std::min<uint64_t>({stored_left_, input_.size(), out_size}));
      std::memcpy(out.data(), input_.data(), n);
      stored_crc_ = Crc32(stored_crc_, reinterpret_cast<const uint8_t*>(out.data()), n);
      input_.Consume(n);
      stored_left_ -= n;
      produced_ += n;
      return n;
    }
    BP_ASSIGN_OR_RETURN(bool have, input_.Refill());
    if (!have) return Fail(Truncated());
    const uint32_t in_size =
        static_cast<uint32_t>(std::min<size_t>(input_.size(), std::numeric_limits<uint32_t>::max()));
    auto step = inflater_->Inflate(input_.data(), in_size, reinterpret_cast<uint8_t*>(out.data()), out_size);
    input_.Consume(step.consumed);
    if (!step.error.empty()) {
      if (!input_.Unconsume(step.unused)) {
        return Fail(Error(ErrorCode::kInternal, "deflate read ahead more than the input buffer keeps"));
      }
      return Fail(Bad(fmt::format("corrupt deflate data in member '{}': {}", name_, step.error),
                      input_.offset()));
    }
    produced_ += step.produced;
    if (step.finished) {
      if (!input_.Unconsume(step.unused)) {
        return Fail(Error(ErrorCode::kInternal, "deflate read ahead more than the input buffer keeps"));
      }
      method_ = kMethodStored;  // nothing left to inflate: the next call reports the end
      stored_left_ = 0;
      stored_crc_ = inflater_->crc();
      if (step.produced > 0) return step.produced;
      return 0;
    }
    if (step.produced > 0) return step.produced;
  }
}

Result<size_t> ZipSource::Read(std::span<char> out) {
  if (error_) return std::unexpected(*error_);
  if (out.empty()) return 0;
  auto fail = [&](Error e) -> Result<size_t> {
    error_ = e;
    return std::unexpected(std::move(e));
  };
  while (true) {
    switch (state_) {
      case State::kHeader: {
        auto st = ReadLocalHeaders(/*after_member=*/false);
        if (!st) return fail(std::move(st).error());
        break;
      }
      case State::kData: {
        auto n = ReadData(out);
        if (!n) return fail(std::move(n).error());
        if (*n > 0) return *n;
        state_ = State::kAfterMember;
        break;
      }
      case State::kAfterMember: {
        auto st = FinishMember();
        if (!st) return fail(std::move(st).error());
        break;
      }
      case State::kDone:
        return 0;
    }
  }
}

}  // namespace billpipe::codec
