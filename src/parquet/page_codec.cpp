#include "parquet/page_codec.h"

#include <snappy-c.h>
#include <zstd.h>

#include <cstring>

#include <fmt/format.h>

#include "codec/gzip_source.h"

namespace billpipe::parquet {
namespace {

// A ByteSource over bytes the caller keeps alive (a page inside a column chunk).
class ViewSource final : public ByteSource {
 public:
  explicit ViewSource(std::string_view data) : data_(data) {}
  Result<size_t> Read(std::span<char> out) override {
    const size_t n = std::min(out.size(), data_.size());
    std::memcpy(out.data(), data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }
  std::string Describe() const override { return "page"; }

 private:
  std::string_view data_;
};

Error SizeMismatch(Codec codec, size_t got, size_t want) {
  return Error(ErrorCode::kBadData, fmt::format("the {} page decompresses to {} bytes, but its header says {}",
                                                CodecName(codec), got, want));
}

}  // namespace

Status DecompressPage(Codec codec, std::string_view in, size_t uncompressed_size, std::string* out) {
  out->resize(uncompressed_size);
  switch (codec) {
    case Codec::kUncompressed:
      if (in.size() != uncompressed_size) return Fail(SizeMismatch(codec, in.size(), uncompressed_size));
      std::memcpy(out->data(), in.data(), in.size());
      return Ok();
    case Codec::kSnappy: {
      size_t n = 0;
      if (snappy_uncompressed_length(in.data(), in.size(), &n) != SNAPPY_OK) {
        return Fail(ErrorCode::kBadData, "the SNAPPY page is corrupt (bad length header)");
      }
      if (n != uncompressed_size) return Fail(SizeMismatch(codec, n, uncompressed_size));
      size_t got = uncompressed_size;
      if (snappy_uncompress(in.data(), in.size(), out->data(), &got) != SNAPPY_OK || got != uncompressed_size) {
        return Fail(ErrorCode::kBadData, "the SNAPPY page is corrupt");
      }
      return Ok();
    }
    case Codec::kZstd: {
      const size_t got = ZSTD_decompress(out->data(), out->size(), in.data(), in.size());
      if (ZSTD_isError(got)) {
        return Fail(ErrorCode::kBadData, fmt::format("the ZSTD page is corrupt: {}", ZSTD_getErrorName(got)));
      }
      if (got != uncompressed_size) return Fail(SizeMismatch(codec, got, uncompressed_size));
      return Ok();
    }
    case Codec::kGzip: {
      codec::GzipSource gz(std::make_unique<ViewSource>(in), std::max<size_t>(in.size(), 1));
      size_t done = 0;
      while (true) {
        char extra[1];
        std::span<char> dest = done < out->size() ? std::span<char>(out->data() + done, out->size() - done)
                                                  : std::span<char>(extra, 1);
        auto n = gz.Read(dest);
        if (!n) return Fail(Error(n.error()).Context("the GZIP page is corrupt"));
        if (*n == 0) break;
        if (done >= out->size()) return Fail(SizeMismatch(codec, done + *n, uncompressed_size));
        done += *n;
      }
      if (done != uncompressed_size) return Fail(SizeMismatch(codec, done, uncompressed_size));
      return Ok();
    }
    default:
      return Fail(ErrorCode::kUnsupported, fmt::format("the {} codec is not supported (billpipe reads UNCOMPRESSED, "
                                                       "SNAPPY, GZIP and ZSTD)", CodecName(codec)));
  }
}

}  // namespace billpipe::parquet
