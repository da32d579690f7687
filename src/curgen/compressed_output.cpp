#include "curgen/compressed_output.h"

#if BILLPIPE_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <zlib.h>

#include <cstdlib>
#include <vector>

#include <fmt/core.h>

namespace billpipe::curgen {
namespace {

constexpr size_t kOutBufferSize = 1 << 20;  // compressed bytes handed to the ObjectOutput at a time

#if BILLPIPE_HAVE_ISAL
// igzip at level 1 into out_; a gzip wrapper or raw deflate (for ZIP).
class DeflateStream {
 public:
  explicit DeflateStream(bool gzip) : level_buf_(ISAL_DEF_LVL1_DEFAULT), out_(kOutBufferSize) {
    const uint16_t gzip_flag = gzip ? IGZIP_GZIP : IGZIP_DEFLATE;
    isal_deflate_init(&z_);
    z_.level = 1;
    z_.level_buf = level_buf_.data();
    z_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    z_.gzip_flag = gzip_flag;
    z_.flush = NO_FLUSH;
    z_.end_of_stream = 0;
  }

  // Compresses text (or, with finish, the end of the stream), passing full buffers to sink.
  Status Deflate(std::string_view text, bool finish, ObjectOutput& sink) {
    z_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(text.data()));
    z_.avail_in = static_cast<uint32_t>(text.size());
    z_.end_of_stream = finish ? 1 : 0;
    for (;;) {
      z_.next_out = reinterpret_cast<uint8_t*>(out_.data());
      z_.avail_out = static_cast<uint32_t>(out_.size());
      int rc = isal_deflate(&z_);
      if (rc != COMP_OK) return Fail(ErrorCode::kInternal, fmt::format("isal_deflate failed ({})", rc));
      size_t produced = out_.size() - z_.avail_out;
      compressed_ += produced;
      if (produced > 0) BP_RETURN_IF_ERROR(sink.Write(std::string_view(out_.data(), produced)));
      bool done = finish ? z_.internal_state.state == ZSTATE_END : z_.avail_in == 0 && z_.avail_out > 0;
      if (done) return Ok();
    }
  }
  uint64_t compressed() const { return compressed_; }

 private:
  isal_zstream z_{};
  std::vector<uint8_t> level_buf_;
  std::vector<char> out_;
  uint64_t compressed_ = 0;
};
#else
// zlib at level 1 (built without ISA-L): a gzip wrapper or raw deflate (for ZIP).
class DeflateStream {
 public:
  explicit DeflateStream(bool gzip) : out_(kOutBufferSize) {
    if (deflateInit2(&z_, 1, Z_DEFLATED, gzip ? MAX_WBITS + 16 : -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      std::abort();  // only fails without memory
    }
  }
  ~DeflateStream() { deflateEnd(&z_); }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  Status Deflate(std::string_view text, bool finish, ObjectOutput& sink) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z_.avail_in = static_cast<uInt>(text.size());
    for (;;) {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      const int rc = deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) return Fail(ErrorCode::kInternal, "zlib deflate failed");
      const size_t produced = out_.size() - z_.avail_out;
      compressed_ += produced;
      if (produced > 0) BP_RETURN_IF_ERROR(sink.Write(std::string_view(out_.data(), produced)));
      const bool done = finish ? rc == Z_STREAM_END : z_.avail_in == 0 && z_.avail_out > 0;
      if (done) return Ok();
    }
  }
  uint64_t compressed() const { return compressed_; }

 private:
  z_stream z_{};
  std::vector<char> out_;
  uint64_t compressed_ = 0;
};
#endif

// Large writes are split so avail_in (32 bits) never overflows.
constexpr size_t kMaxChunk = 1u << 30;

class GzipOutput final : public CompressedOutput {
 public:
  explicit GzipOutput(std::unique_ptr<ObjectOutput> out) : out_(std::move(out)), z_(/*gzip=*/true) {}
  Status Write(std::string_view text) override {
    while (!text.empty()) {
      auto chunk = text.substr(0, kMaxChunk);
      BP_RETURN_IF_ERROR(z_.Deflate(chunk, false, *out_));
      text.remove_prefix(chunk.size());
    }
    return Ok();
  }
  Result<uint64_t> Finish() override {
    BP_RETURN_IF_ERROR(z_.Deflate({}, true, *out_));
    return out_->Close();
  }

 private:
  std::unique_ptr<ObjectOutput> out_;
  DeflateStream z_;
};

void Put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>((v >> 8) & 0xff));
}
void Put32(std::string& s, uint32_t v) {
  Put16(s, v & 0xffff);
  Put16(s, v >> 16);
}

// PKWARE APPNOTE 6.3: local header with bit 3 set (sizes and CRC follow the data in a descriptor),
// deflated data, data descriptor, central directory, end of central directory.
class ZipOutput final : public CompressedOutput {
 public:
  static constexpr uint16_t kVersionNeeded = 20;  // 2.0: deflate
  static constexpr uint16_t kFlagDataDescriptor = 0x0008;
  static constexpr uint16_t kMethodDeflate = 8;
  static constexpr uint64_t kZip32Limit = 0xffffffffULL;

  ZipOutput(std::unique_ptr<ObjectOutput> out, ZipMemberInfo member)
      : out_(std::move(out)), member_(std::move(member)), z_(/*gzip=*/false) {}

  Status Write(std::string_view text) override {
    if (!header_written_) BP_RETURN_IF_ERROR(WriteLocalHeader());
    while (!text.empty()) {
      auto chunk = text.substr(0, kMaxChunk);
      crc_ = static_cast<uint32_t>(crc32_z(crc_, reinterpret_cast<const Bytef*>(chunk.data()), chunk.size()));
      uncompressed_ += chunk.size();
      if (uncompressed_ >= kZip32Limit) {
        return Fail(ErrorCode::kUnsupported,
                    fmt::format("ZIP member {} would exceed 4 GiB (ZIP64 is not written); use more files "
                                "per period",
                                member_.name));
      }
      BP_RETURN_IF_ERROR(z_.Deflate(chunk, false, *out_));
      text.remove_prefix(chunk.size());
    }
    return Ok();
  }

  Result<uint64_t> Finish() override {
    if (!header_written_) BP_RETURN_IF_ERROR(WriteLocalHeader());
    BP_RETURN_IF_ERROR(z_.Deflate({}, true, *out_));
    uint64_t compressed = z_.compressed();
    if (compressed >= kZip32Limit) {
      return Fail(ErrorCode::kUnsupported, fmt::format("ZIP member {} exceeds 4 GiB compressed", member_.name));
    }
    std::string tail;
    Put32(tail, 0x08074b50);  // data descriptor
    Put32(tail, crc_);
    Put32(tail, static_cast<uint32_t>(compressed));
    Put32(tail, static_cast<uint32_t>(uncompressed_));
    uint64_t central_offset = header_size_ + compressed + tail.size();
    size_t central_start = tail.size();
    Put32(tail, 0x02014b50);  // central directory file header
    Put16(tail, kVersionNeeded);  // version made by (MS-DOS, 2.0)
    Put16(tail, kVersionNeeded);
    Put16(tail, kFlagDataDescriptor);
    Put16(tail, kMethodDeflate);
    Put16(tail, member_.dos_time);
    Put16(tail, member_.dos_date);
    Put32(tail, crc_);
    Put32(tail, static_cast<uint32_t>(compressed));
    Put32(tail, static_cast<uint32_t>(uncompressed_));
    Put16(tail, static_cast<uint32_t>(member_.name.size()));
    Put16(tail, 0);  // extra field length
    Put16(tail, 0);  // comment length
    Put16(tail, 0);  // disk number start
    Put16(tail, 0);  // internal attributes
    Put32(tail, 0);  // external attributes
    Put32(tail, 0);  // offset of the local header
    tail += member_.name;
    uint64_t central_size = tail.size() - central_start;
    Put32(tail, 0x06054b50);  // end of central directory
    Put16(tail, 0);
    Put16(tail, 0);
    Put16(tail, 1);
    Put16(tail, 1);
    Put32(tail, static_cast<uint32_t>(central_size));
    Put32(tail, static_cast<uint32_t>(central_offset));
    Put16(tail, 0);
    BP_RETURN_IF_ERROR(out_->Write(tail));
    return out_->Close();
  }

 private:
  Status WriteLocalHeader() {
    header_written_ = true;
    std::string h;
    Put32(h, 0x04034b50);
    Put16(h, kVersionNeeded);
    Put16(h, kFlagDataDescriptor);
    Put16(h, kMethodDeflate);
    Put16(h, member_.dos_time);
    Put16(h, member_.dos_date);
    Put32(h, 0);  // CRC, sizes: in the data descriptor
    Put32(h, 0);
    Put32(h, 0);
    Put16(h, static_cast<uint32_t>(member_.name.size()));
    Put16(h, 0);
    h += member_.name;
    header_size_ = h.size();
    return out_->Write(h);
  }

  std::unique_ptr<ObjectOutput> out_;
  ZipMemberInfo member_;
  DeflateStream z_;
  bool header_written_ = false;
  uint64_t header_size_ = 0;
  uint32_t crc_ = 0;
  uint64_t uncompressed_ = 0;
};

}  // namespace

std::unique_ptr<CompressedOutput> NewGzipOutput(std::unique_ptr<ObjectOutput> out) {
  return std::make_unique<GzipOutput>(std::move(out));
}

std::unique_ptr<CompressedOutput> NewZipOutput(std::unique_ptr<ObjectOutput> out, ZipMemberInfo member) {
  return std::make_unique<ZipOutput>(std::move(out), std::move(member));
}

}  // namespace billpipe::curgen
