// A reader of the Thrift compact protocol, just enough for Parquet's footer and page headers
// (docs/parquet.md says why we do not use Apache Thrift's library). It never reads outside its input,
// never recurses deeper than kMaxDepth, and never trusts a length: a list or string longer than the
// bytes left is an error. Errors are sticky: after the first one every read returns a zero value and
// ReadFieldHeader returns the stop field, so decoding loops end; check ok() / error() at the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace billpipe::parquet {

enum class CompactType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactReader {
 public:
  static constexpr int kMaxDepth = 32;

  CompactReader(const uint8_t* data, size_t size) : pos_(data), end_(data + size), begin_(data) {}

  // Structs: call BeginStruct, then ReadFieldHeader until it returns false (the stop field), reading or
  // skipping each field's value, then EndStruct.
  void BeginStruct();
  bool ReadFieldHeader(int16_t* id, CompactType* type);
  void EndStruct();

  // Values, for a field whose header said the matching type. A mismatch is an error.
  bool ReadBool(CompactType field_type);  // a bool field carries its value in its type
  int32_t ReadI32(CompactType type);      // accepts byte, i16, i32
  int64_t ReadI64(CompactType type);      // accepts byte, i16, i32, i64
  std::string_view ReadBinary(CompactType type);
  // A list (or set) header: its element type and size (bounded by the bytes left).
  uint32_t ReadListHeader(CompactType type, CompactType* element_type);
  // A list element's bool (1 byte in lists).
  bool ReadListBool();

  void Skip(CompactType type);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t position() const { return static_cast<size_t>(pos_ - begin_); }
  void Fail(std::string_view what);

 private:
  uint64_t ReadVarint();
  int64_t ReadZigzag() {
    const uint64_t v = ReadVarint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  uint8_t ReadByte();
  bool Expect(bool condition, std::string_view what);

  const uint8_t* pos_;
  const uint8_t* end_;
  const uint8_t* begin_;
  int16_t last_field_ids_[kMaxDepth + 1] = {};
  int depth_ = 0;
  std::string error_;
};

}  // namespace billpipe::parquet
