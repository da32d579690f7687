// Streaming gzip decompression (RFC 1952) with ISA-L's igzip.
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
// Read writes straight into the caller's buffer: give it large buffers (≥ 256 KiB) for speed.
class GzipSource final : public ByteSource {
 public:
  static constexpr size_t kDefaultInputBufferSize = 1 << 20;

  explicit GzipSource(std::unique_ptr<ByteSource> inner,
                      size_t input_buffer_size = kDefaultInputBufferSize);

  Result<size_t> Read(std::span<char> out) override;
  // "gzip(<inner>)".
  std::string Describe() const override;

  // Compressed bytes consumed so far, and members completed so far.
  int64_t compressed_offset() const { return input_.offset(); }
  int members() const { return members_; }

 private:
  Error Corrupt(std::string_view what) const;

  InputBuffer input_;
  Inflater inflater_;
  int members_ = 0;
  bool in_member_ = false;  // some byte of the current member was consumed
  bool done_ = false;
  std::optional<Error> error_;
};

}  // namespace billpipe::codec
