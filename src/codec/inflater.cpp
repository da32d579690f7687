#include "codec/inflater.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#if BILLPIPE_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

namespace billpipe::codec {
namespace {

constexpr std::string_view kInvalidBlock = "invalid deflate block";
constexpr std::string_view kInvalidSymbol = "invalid deflate symbol";
constexpr std::string_view kInvalidDistance = "invalid back-reference distance";

#if BILLPIPE_HAVE_ISAL
class IsalInflater final : public Inflater {
 public:
  IsalInflater() : state_(std::make_unique<inflate_state>()) { Reset(); }

  void Reset() override {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP_NO_HDR;  // raw deflate, CRC-32 of the output
    produced_ = 0;
  }

  Step Inflate(const uint8_t* in, uint32_t in_size, uint8_t* out, uint32_t out_size) override {
    state_->next_in = const_cast<uint8_t*>(in);  // ISA-L's API is not const-correct; it never writes input.
    state_->avail_in = in_size;
    state_->next_out = out;
    state_->avail_out = out_size;
    const int code = isal_inflate(state_.get());
    Step step;
    step.consumed = in_size - state_->avail_in;
    step.produced = out_size - state_->avail_out;
    produced_ += step.produced;
    // ISA-L reads input 8 bytes at a time into a bit buffer: the whole bytes still there were not decoded.
    // After some errors the count is negative (it decoded past the input as if zeros followed): none.
    const uint32_t buffered = static_cast<uint32_t>(std::max(state_->read_in_length, 0) / 8);
    if (code < 0) {
      step.error = code == ISAL_INVALID_SYMBOL     ? kInvalidSymbol
                   : code == ISAL_INVALID_LOOKBACK ? kInvalidDistance
                                                   : kInvalidBlock;
      step.unused = buffered;
      return step;
    }
    step.finished = state_->block_state == ISAL_BLOCK_FINISH;
    if (step.finished) step.unused = buffered;
    return step;
  }

  uint32_t crc() const override { return state_->crc; }

 private:
  std::unique_ptr<inflate_state> state_;  // about 100 KiB: on the heap
};
#endif

class ZlibInflater final : public Inflater {
 public:
  ZlibInflater() {
    if (inflateInit2(&z_, -MAX_WBITS) != Z_OK) std::abort();  // only fails without memory
  }
  ~ZlibInflater() override { inflateEnd(&z_); }

  void Reset() override {
    inflateReset(&z_);
    crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
    produced_ = 0;
  }

  Step Inflate(const uint8_t* in, uint32_t in_size, uint8_t* out, uint32_t out_size) override {
    z_.next_in = const_cast<Bytef*>(in);
    z_.avail_in = in_size;
    z_.next_out = out;
    z_.avail_out = out_size;
    const int code = inflate(&z_, Z_NO_FLUSH);
    Step step;
    step.consumed = in_size - z_.avail_in;
    step.produced = out_size - z_.avail_out;
    produced_ += step.produced;
    crc_ = static_cast<uint32_t>(crc32_z(crc_, out, step.produced));
    if (code == Z_DATA_ERROR || code == Z_NEED_DICT || code == Z_STREAM_ERROR || code == Z_MEM_ERROR) {
      step.error = Describe(z_.msg);
      // data_type's low bits: the bits zlib holds but has not decoded (zlib.h, "Z_BLOCK").
      step.unused = static_cast<uint32_t>(z_.data_type & 63) / 8;
      return step;
    }
    // zlib takes input a byte at a time as it needs it, so nothing is read past the end of the stream.
    step.finished = code == Z_STREAM_END;
    return step;
  }

  uint32_t crc() const override { return crc_; }

 private:
  // zlib's messages in ISA-L's three classes (inflate.c, inffast.c, inftrees.c).
  static std::string_view Describe(const char* msg) {
    const std::string_view m = msg != nullptr ? msg : "";
    if (m.find("distance") != std::string_view::npos) return kInvalidDistance;
    if (m == "invalid literal/length code" || m == "invalid code -- missing end-of-block") return kInvalidSymbol;
    return kInvalidBlock;
  }

  z_stream z_{};
  uint32_t crc_ = 0;
};

}  // namespace

std::string_view InflateBackendName(InflateBackend backend) {
  return backend == InflateBackend::kIsal ? "isal" : "zlib";
}

bool IsalAvailable() { return BILLPIPE_HAVE_ISAL != 0; }

Result<InflateBackend> DefaultInflateBackend() {
  static const Result<InflateBackend> chosen = []() -> Result<InflateBackend> {
    const char* env = std::getenv("BILLPIPE_GZIP");
    const std::string value = env != nullptr ? env : "";
    if (value.empty()) return IsalAvailable() ? InflateBackend::kIsal : InflateBackend::kZlib;
    if (value == "zlib") return InflateBackend::kZlib;
    if (value == "isal" && IsalAvailable()) return InflateBackend::kIsal;
    if (value == "isal") {
      return Fail(ErrorCode::kInvalidArgument,
                  "BILLPIPE_GZIP=isal: this billpipe was built without ISA-L; use zlib or unset it");
    }
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("BILLPIPE_GZIP='{}': expected isal or zlib (or unset for the default)", value));
  }();
  return chosen;
}

Result<std::unique_ptr<Inflater>> Inflater::Create(InflateBackend backend) {
  if (backend == InflateBackend::kZlib) return std::unique_ptr<Inflater>(std::make_unique<ZlibInflater>());
#if BILLPIPE_HAVE_ISAL
  return std::unique_ptr<Inflater>(std::make_unique<IsalInflater>());
#else
  return Fail(ErrorCode::kInvalidArgument, "this billpipe was built without ISA-L");
#endif
}

uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t size) {
#if BILLPIPE_HAVE_ISAL
  return crc32_gzip_refl(crc, data, size);
#else
  return static_cast<uint32_t>(crc32_z(crc, data, size));
#endif
}

}  // namespace billpipe::codec
