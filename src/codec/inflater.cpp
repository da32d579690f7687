#include "codec/inflater.h"

#include <isa-l/igzip_lib.h>

namespace billpipe::codec {

Inflater::Inflater(uint32_t mode) : state_(std::make_unique<inflate_state>()), mode_(mode) { Reset(); }

Inflater::~Inflater() = default;

void Inflater::Reset() {
  isal_inflate_init(state_.get());
  state_->crc_flag = mode_;
  produced_ = 0;
}

Inflater::Step Inflater::Inflate(const uint8_t* in, uint32_t in_size, uint8_t* out, uint32_t out_size) {
  state_->next_in = const_cast<uint8_t*>(in);  // ISA-L's API is not const-correct; it never writes input.
  state_->avail_in = in_size;
  state_->next_out = out;
  state_->avail_out = out_size;
  Step step;
  step.code = isal_inflate(state_.get());
  step.consumed = in_size - state_->avail_in;
  step.produced = out_size - state_->avail_out;
  produced_ += step.produced;
  step.finished = step.code >= 0 && state_->block_state == ISAL_BLOCK_FINISH;
  // Raw deflate has nothing after it that ISA-L would read, so the whole bytes still in its bit
  // buffer belong to whatever follows the stream (a ZIP data descriptor or the next header).
  if (step.finished && mode_ != ISAL_GZIP) step.unused = static_cast<uint32_t>(state_->read_in_length / 8);
  return step;
}

uint32_t Inflater::crc() const { return state_->crc; }

std::string_view Inflater::Describe(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method in the gzip header";
    case ISAL_INCORRECT_CHECKSUM: return "CRC-32 or length check failed";
    case ISAL_NEED_DICT: return "a preset dictionary is required";
    default: return "invalid compressed data";
  }
}

}  // namespace billpipe::codec
