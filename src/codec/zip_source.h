// Streaming reader for a ZIP archive (PKWARE APPNOTE 6.3) that holds one file: AWS's `.csv.zip`
// Cost and Usage Report files.
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

// A ByteSource yielding the uncompressed bytes of the single file member of the ZIP archive read from
// `inner`, front to back, without seeking: it parses the local file headers itself (the central
// directory at the end is not needed), so it works on a non-seekable stream such as an S3 body.
//
// - Methods: stored (0) and deflate (8). Data descriptors (flag bit 3) after deflate data, with or
//   without their signature; ZIP64 sizes (extra field 0x0001 and 8-byte descriptor sizes).
// - The member's name is not looked at. Directory entries (names ending in '/', no data) are skipped.
// - The member's CRC-32 and both sizes are checked when it ends.
// - kBadData, naming inner.Describe() and the byte offset in the archive (Error::offset): not a ZIP
//   archive, no file member, more than one file member, corrupt deflate data, CRC or size mismatch, a
//   truncated archive. kUnsupported: encryption, other methods (e.g. deflate64, bzip2), and stored data
//   with a data descriptor (its end cannot be found without the central directory).
// After an error every later Read returns the same error.
class ZipSource final : public ByteSource {
 public:
  static constexpr size_t kDefaultInputBufferSize = 1 << 20;

  // Deflate members with DefaultInflateBackend() (ISA-L or zlib, the same results); an invalid
  // BILLPIPE_GZIP is the error of the first Read.
  explicit ZipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size = kDefaultInputBufferSize);
  ZipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, InflateBackend backend);

  Result<size_t> Read(std::span<char> out) override;
  // "zip(<inner>)".
  std::string Describe() const override;

  // The member's name as written in its local header (for messages only), once the header was read.
  const std::string& member_name() const { return name_; }

 private:
  enum class State { kHeader, kData, kAfterMember, kDone };

  Status ReadLocalHeaders(bool after_member);  // to the next file member, or kDone after one
  Status FinishMember();       // data descriptor, checks, then what follows the member
  Result<size_t> ReadData(std::span<char> out);
  Error Bad(std::string_view what, int64_t offset) const;
  Error Truncated() const;
  ZipSource(std::unique_ptr<ByteSource> inner, size_t input_buffer_size, Result<InflateBackend> backend);

  InputBuffer input_;
  std::unique_ptr<Inflater> inflater_;
  State state_ = State::kHeader;
  std::optional<Error> error_;

  // The current member.
  std::string name_;
  uint16_t flags_ = 0;
  uint16_t method_ = 0;
  bool zip64_ = false;
  bool has_descriptor_ = false;
  uint32_t header_crc_ = 0;
  uint64_t header_compressed_ = 0;
  uint64_t header_uncompressed_ = 0;
  int64_t header_start_ = 0;    // archive offset of the member's local header
  int64_t data_start_ = 0;      // archive offset of the member's first data byte
  uint64_t stored_left_ = 0;    // stored: bytes still to copy
  uint32_t stored_crc_ = 0;     // stored: CRC-32 so far
  uint64_t produced_ = 0;
};

}  // namespace billpipe::codec
