// Streaming gzip decompression (RFC 1952): headers and trailers here, deflate by ISA-L's igzip or zlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "codec/inflater.h"
#include "codec/input_buffer.h"
#include "util/byte_source.h"

namespace billpipe::codec {

// A ByteSource that inflates the gzip stream read from `inner`.
//
// - Any number of concatenated gzip members is one stream (as gunzip does); each member's CRC-32 and
//   length (modulo 2^32, as RFC 1952 defines it) are checked when the member ends. The length field is
//   never used for anything else, so files above 4 GiB work.
// - An empty inner source (0 bytes) is an empty stream: AWS writes empty trailing chunk files.
// - Corrupt data, bytes after a member that are not another gzip member, or an inner source that ends
//   inside a member → ErrorCode::kBadData whose message names inner.Describe() and the compressed byte
//   offset (also in Error::offset). Errors of the inner source are passed on unchanged. After an
//   error every later Read returns the same error.
// - Header fields FEXTRA, FNAME, FCOMMENT and FHCRC are skipped (the header CRC is not checked).
// - The deflate data is inflated by `backend` (ISA-L by default when built with it, else zlib; see
//   DefaultInflateBackend): both give the same bytes, errors and offsets.
// Read writes straight into the caller's buffer: give it large buffers (≥ 256 KiB) for speed.
class GzipSource final : public ByteSource {
 public:
  static constexpr size_t kDefaultInputBufferSize = 1 << 20;

  // With DefaultInflateBackend(); an invalid BILLPIPE_GZIP is the error of the first Read.
  explicit GzipSource(std::unique_ptr<ByteSource> inner,
                      size_t input_buffer_size = kDefaultInputBufferSize);
  GzipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, InflateBackend backend);

  Result<size_t> Read(std::span<char> out) override;
  // "gzip(<inner>)".
  std::string Describe() const override;

  // Compressed bytes consumed so far, and members completed so far.
  int64_t compressed_offset() const { return input_.offset(); }
  int members() const { return members_; }

 private:
  GzipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, Result<InflateBackend> backend);
  Error Corrupt(std::string_view what) const;
  Error Truncated() const;
  Result<bool> ReadHeader();  // false: the stream ended cleanly before another member
  Status Skip(size_t n);
  Status SkipZeroTerminated();
  Result<size_t> ReadData(std::span<char> out);
  Status ReadTrailer();

  enum class State { kHeader, kData, kTrailer, kDone };
  InputBuffer input_;
  std::unique_ptr<Inflater> inflater_;
  State state_ = State::kHeader;
  int members_ = 0;
  std::optional<Error> error_;
};

}  // namespace billpipe::codec
