// A small owning wrapper around ISA-L's streaming inflate state (about 100 KiB, so it lives on the
// heap), used by the gzip and ZIP sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

struct inflate_state;

namespace billpipe::codec {

class Inflater {
 public:
  // mode: ISA-L crc_flag (ISAL_GZIP for gzip members, ISAL_GZIP_NO_HDR for raw deflate with a
  // CRC-32 of the output, as ZIP needs).
  explicit Inflater(uint32_t mode);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Starts a new stream (the next gzip member or ZIP entry).
  void Reset();

  struct Step {
    int code = 0;             // ISA-L return code; negative is corrupt data.
    uint32_t consumed = 0;    // input bytes taken
    uint32_t produced = 0;    // output bytes written
    bool finished = false;    // the stream (member) ended, its trailer checked where the mode has one
    uint32_t unused = 0;      // when finished: bytes read ahead past the end, to give back to the input
  };
  Step Inflate(const uint8_t* in, uint32_t in_size, uint8_t* out, uint32_t out_size);

  // CRC-32 of everything produced since Reset (ISAL_GZIP_NO_HDR mode).
  uint32_t crc() const;
  // Bytes produced since Reset.
  uint64_t produced() const { return produced_; }

  // A human description of an ISA-L error code: "invalid deflate block".
  static std::string_view Describe(int code);

 private:
  std::unique_ptr<inflate_state> state_;
  uint32_t mode_;
  uint64_t produced_ = 0;
};

}  // namespace billpipe::codec
