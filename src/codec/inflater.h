// Raw deflate (RFC 1951) decompression with a CRC-32 of the output, behind one small interface with two
// implementations: ISA-L's igzip (fast; used when billpipe is built with ISA-L) and zlib's inflate (the
// fallback). The gzip and ZIP sources parse their own headers and trailers around it, so both
// implementations give the same bytes, the same errors and the same offsets.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "util/status.h"

namespace billpipe::codec {

enum class InflateBackend { kIsal, kZlib };

// "isal" / "zlib".
std::string_view InflateBackendName(InflateBackend backend);

// Whether this build has ISA-L (CMake option BILLPIPE_ISAL: AUTO uses it when libisal is installed).
bool IsalAvailable();

// The backend the decoders use by default: ISA-L when built with it, else zlib. The environment
// variable BILLPIPE_GZIP=zlib (or =isal) overrides it, for tests and comparisons; read once per process.
// BILLPIPE_GZIP=isal in a build without ISA-L, or any other value, is kInvalidArgument.
Result<InflateBackend> DefaultInflateBackend();

// Streaming raw deflate. Not thread-safe; not copyable.
class Inflater {
 public:
  // kInvalidArgument for kIsal in a build without ISA-L.
  static Result<std::unique_ptr<Inflater>> Create(InflateBackend backend);
  virtual ~Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Starts a new stream (the next gzip member or ZIP entry): CRC and counts back to zero.
  virtual void Reset() = 0;

  struct Step {
    // Empty when the data is valid so far; else what is wrong with it, in the same words for both
    // implementations: "invalid deflate block", "invalid deflate symbol", "invalid back-reference distance".
    std::string_view error;
    uint32_t consumed = 0;   // input bytes taken
    uint32_t produced = 0;   // output bytes written
    bool finished = false;   // the deflate stream ended (its last block is complete)
    // When finished or on an error: whole bytes taken (in this call or before) but not decoded, still in
    // the implementation's bit buffer. Give them back to the input: after the stream they are the gzip
    // trailer or a ZIP data descriptor; on an error the input then stands within a byte of the bad bits,
    // the same for both implementations (ISA-L reads 8 bytes at a time, zlib one).
    uint32_t unused = 0;
  };
  virtual Step Inflate(const uint8_t* in, uint32_t in_size, uint8_t* out, uint32_t out_size) = 0;

  // CRC-32 (as gzip and ZIP define it) of everything produced since Reset, and how many bytes that was.
  virtual uint32_t crc() const = 0;
  uint64_t produced() const { return produced_; }

 protected:
  Inflater() = default;
  uint64_t produced_ = 0;
};

// CRC-32 as gzip and ZIP define it, continued from `crc` (0 to start).
uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t size);

}  // namespace billpipe::codec
