#include "parquet/thrift_compact.h"

#include <cstring>

#include <fmt/format.h>

namespace billpipe::parquet {

void CompactReader::Fail(std::string_view what) {
  if (error_.empty()) error_ = fmt::format("{} at byte {} of the Thrift structure", what, position());
  pos_ = end_;
}

bool CompactReader::Expect(bool condition, std::string_view what) {
  if (!condition) Fail(what);
  return condition && ok();
}

uint8_t CompactReader::ReadByte() {
  if (pos_ >= end_) {
    Fail("the structure ends early");
    return 0;
  }
  return *pos_++;
}

uint64_t CompactReader::ReadVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    const uint8_t b = ReadByte();
    if (!ok()) return 0;
    if (shift == 63 && b > 1) break;
    value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return value;
  }
  Fail("a variable-length integer is longer than 64 bits");
  return 0;
}

void CompactReader::BeginStruct() {
  if (!Expect(depth_ < kMaxDepth, fmt::format("structures nest deeper than {}", kMaxDepth))) return;
  ++depth_;
  last_field_ids_[depth_] = 0;
}

void CompactReader::EndStruct() {
  if (depth_ > 0) --depth_;
}

bool CompactReader::ReadFieldHeader(int16_t* id, CompactType* type) {
  if (!ok()) return false;
  const uint8_t b = ReadByte();
  if (!ok()) return false;
  const uint8_t t = b & 0x0f;
  if (t == 0) return false;  // stop
  if (!Expect(t <= 12, fmt::format("unknown field type {}", t))) return false;
  const uint8_t delta = b >> 4;
  int64_t field_id;
  if (delta != 0) {
    field_id = last_field_ids_[depth_] + delta;
  } else {
    field_id = ReadZigzag();
  }
  if (!Expect(field_id >= INT16_MIN && field_id <= INT16_MAX, "a field id is out of range")) return false;
  last_field_ids_[depth_] = static_cast<int16_t>(field_id);
  *id = static_cast<int16_t>(field_id);
  *type = static_cast<CompactType>(t);
  return true;
}

bool CompactReader::ReadBool(CompactType field_type) {
  if (field_type == CompactType::kBoolTrue) return true;
  if (field_type == CompactType::kBoolFalse) return false;
  Fail("a boolean field has another type");
  return false;
}

bool CompactReader::ReadListBool() { return ReadByte() == 1; }

int32_t CompactReader::ReadI32(CompactType type) {
  const int64_t v = ReadI64(type);
  if (v < INT32_MIN || v > INT32_MAX) {
    Fail("a 32-bit integer field is out of range");
    return 0;
  }
  return static_cast<int32_t>(v);
}

int64_t CompactReader::ReadI64(CompactType type) {
  switch (type) {
    case CompactType::kByte:
      return static_cast<int8_t>(ReadByte());
    case CompactType::kI16:
    case CompactType::kI32:
    case CompactType::kI64:
      return ReadZigzag();
    default:
      Fail("an integer field has another type");
      return 0;
  }
}

std::string_view CompactReader::ReadBinary(CompactType type) {
  if (!Expect(type == CompactType::kBinary, "a string field has another type")) return {};
  const uint64_t n = ReadVarint();
  if (!ok()) return {};
  if (!Expect(n <= static_cast<uint64_t>(end_ - pos_), fmt::format("a string of {} bytes runs past the end", n))) {
    return {};
  }
  std::string_view s(reinterpret_cast<const char*>(pos_), static_cast<size_t>(n));
  pos_ += n;
  return s;
}

uint32_t CompactReader::ReadListHeader(CompactType type, CompactType* element_type) {
  *element_type = CompactType::kStop;
  if (!Expect(type == CompactType::kList || type == CompactType::kSet, "a list field has another type")) return 0;
  const uint8_t b = ReadByte();
  uint64_t n = b >> 4;
  if (n == 15) n = ReadVarint();
  const uint8_t t = b & 0x0f;
  if (!ok()) return 0;
  if (!Expect(t >= 1 && t <= 12, fmt::format("unknown list element type {}", t))) return 0;
  // Every element takes at least one byte (a bool, a varint, an empty struct's stop byte).
  if (!Expect(n <= static_cast<uint64_t>(end_ - pos_), fmt::format("a list of {} elements runs past the end", n))) {
    return 0;
  }
  *element_type = static_cast<CompactType>(t == 2 ? 1 : t);
  return static_cast<uint32_t>(n);
}

void CompactReader::Skip(CompactType type) {
  if (!ok()) return;
  switch (type) {
    case CompactType::kBoolTrue:
    case CompactType::kBoolFalse:
      return;  // the value is in the field header
    case CompactType::kByte:
      ReadByte();
      return;
    case CompactType::kI16:
    case CompactType::kI32:
    case CompactType::kI64:
      ReadVarint();
      return;
    case CompactType::kDouble:
      if (Expect(end_ - pos_ >= 8, "a double runs past the end")) pos_ += 8;
      return;
    case CompactType::kBinary:
      ReadBinary(type);
      return;
    case CompactType::kList:
    case CompactType::kSet: {
      CompactType element;
      const uint32_t n = ReadListHeader(type, &element);
      if (!Expect(depth_ < kMaxDepth, fmt::format("structures nest deeper than {}", kMaxDepth))) return;
      ++depth_;
      for (uint32_t i = 0; i < n && ok(); ++i) {
        if (element == CompactType::kBoolTrue) {
          ReadByte();
        } else {
          Skip(element);
        }
      }
      --depth_;
      return;
    }
    case CompactType::kMap: {
      const uint64_t n = ReadVarint();
      if (n == 0 || !ok()) return;
      const uint8_t kv = ReadByte();
      if (!Expect(n <= static_cast<uint64_t>(end_ - pos_), "a map runs past the end")) return;
      const auto key = static_cast<CompactType>(kv >> 4);
      const auto value = static_cast<CompactType>(kv & 0x0f);
      if (!Expect((kv >> 4) >= 1 && (kv >> 4) <= 12 && (kv & 0x0f) >= 1 && (kv & 0x0f) <= 12,
                  "unknown map element type")) {
        return;
      }
      if (!Expect(depth_ < kMaxDepth, fmt::format("structures nest deeper than {}", kMaxDepth))) return;
      ++depth_;
      for (uint64_t i = 0; i < n && ok(); ++i) {
        if (key == CompactType::kBoolTrue || key == CompactType::kBoolFalse) ReadByte(); else Skip(key);
        if (value == CompactType::kBoolTrue || value == CompactType::kBoolFalse) ReadByte(); else Skip(value);
      }
      --depth_;
      return;
    }
    case CompactType::kStruct: {
      BeginStruct();
      int16_t id;
      CompactType t;
      while (ReadFieldHeader(&id, &t)) Skip(t);
      EndStruct();
      return;
    }
    case CompactType::kStop:
      Fail("unexpected stop field");
      return;
  }
}

}  // namespace billpipe::parquet
