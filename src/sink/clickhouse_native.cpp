#include "sink/clickhouse_native.h"

#include <cstring>

#include <fmt/format.h>

namespace billpipe::sink {
namespace {

__extension__ typedef __int128 Int128;

constexpr int kScale = 10;
constexpr int kMaxIntegerDigits = 28;  // Decimal(38, 10)

void PutVarUInt(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void PutString(std::string& out, std::string_view s) {
  PutVarUInt(out, s.size());
  out.append(s);
}
template <typename T>
void PutLE(std::string& out, T v) {  // x86 and ARM are little-endian, as the format is
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

size_t DefaultSize(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kDecimal: return 16;
    case ColumnKind::kTimestamp: return 4;
    case ColumnKind::kText: return 1;  // an empty string: its length 0
  }
  return 1;
}

std::string_view TypeName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kDecimal: return "Nullable(Decimal(38, 10))";
    case ColumnKind::kTimestamp: return "Nullable(DateTime('UTC'))";
    case ColumnKind::kText: return "Nullable(String)";
  }
  return "Nullable(String)";
}

}  // namespace

void NativeBlock::Reset(const std::vector<std::string>& names, const std::vector<ColumnKind>& kinds) {
  columns_.clear();
  for (size_t i = 0; i < names.size(); ++i) columns_.push_back(Column{names[i], kinds[i], {}, {}});
  dates_.clear();
  versions_.clear();
  segments_.clear();
  rows_ = bytes_ = 0;
}

void NativeBlock::StartRow(uint16_t days_since_1970, std::string_view version_key, uint64_t segment) {
  PutLE(dates_, days_since_1970);
  PutString(versions_, version_key);
  PutLE(segments_, segment);
  bytes_ += 11 + version_key.size();
}

void NativeBlock::Fill(Column& c) {
  const size_t have = c.nulls.size();
  if (have >= rows_) return;
  c.nulls.append(rows_ - have, '\1');
  c.data.append((rows_ - have) * DefaultSize(c.kind), '\0');
}

void NativeBlock::SetText(size_t column, std::string_view text) {
  Column& c = columns_[column];
  Fill(c);
  c.nulls += '\0';
  PutString(c.data, text);
  bytes_ += text.size() + 2;
}

Status NativeBlock::SetDecimal(size_t column, std::string_view text, std::string_view column_name) {
  Column& c = columns_[column];
  // Digits, an optional point, more digits; places past 10 must be zeros.
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  Int128 value = 0;
  int integer_digits = 0, places = 0;
  bool point = false, any = false, exact = true;
  for (; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '.' && !point) {
      point = true;
      continue;
    }
    if (ch < '0' || ch > '9') break;
    any = true;
    if (!point) {
      if (integer_digits > 0 || ch != '0') ++integer_digits;
      if (integer_digits <= kMaxIntegerDigits) value = value * 10 + (ch - '0');  // else refused below
    } else if (places < kScale) {
      ++places;
      value = value * 10 + (ch - '0');
    } else if (ch != '0') {
      exact = false;
    }
  }
  if (!any || i != text.size() || !exact || integer_digits > kMaxIntegerDigits) {
    if (any && i == text.size() && exact) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("The value '{}' of column {} has more than {} integer digits, which ClickHouse's "
                              "Decimal(38, {}) cannot hold.", text.substr(0, 60), column_name, kMaxIntegerDigits, kScale));
    }
    if (any && i == text.size()) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("The value '{}' of column {} has more than {} decimal places, which ClickHouse's "
                              "Decimal(38, {}) cannot hold exactly.", text.substr(0, 60), column_name, kScale, kScale));
    }
    return Fail(ErrorCode::kBadData, fmt::format("The value '{}' of column {} is not a decimal number ClickHouse's "
                                                 "Decimal(38, {}) reads.", text.substr(0, 60), column_name, kScale));
  }
  for (; places < kScale; ++places) value *= 10;
  if (negative) value = -value;
  Fill(c);
  c.nulls += '\0';
  PutLE(c.data, value);
  bytes_ += 17;
  return Ok();
}

Status NativeBlock::SetTimestamp(size_t column, int64_t millis, std::string_view column_name) {
  Column& c = columns_[column];
  // DateTime holds whole seconds since 1970 as UInt32.
  const int64_t s = millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
  if (s < 0 || s > 0xFFFFFFFFLL) {
    return Fail(ErrorCode::kBadData, fmt::format("The time {} s since 1970 of column {} is outside ClickHouse's "
                                                 "DateTime (1970 to 2106).", s, column_name));
  }
  Fill(c);
  c.nulls += '\0';
  PutLE(c.data, static_cast<uint32_t>(s));
  bytes_ += 5;
  return Ok();
}

void NativeBlock::AppendTo(std::string& out) {
  PutVarUInt(out, 3 + columns_.size());
  PutVarUInt(out, rows_);
  PutString(out, "billing_period");
  PutString(out, "Date");
  out += dates_;
  PutString(out, "version_key");
  PutString(out, "String");
  out += versions_;
  PutString(out, "_segment");
  PutString(out, "UInt64");
  out += segments_;
  for (auto& c : columns_) {
    Fill(c);
    PutString(out, c.name);
    PutString(out, TypeName(c.kind));
    out += c.nulls;
    out += c.data;
    c.nulls.clear();
    c.data.clear();
  }
  dates_.clear();
  versions_.clear();
  segments_.clear();
  rows_ = bytes_ = 0;
}

}  // namespace billpipe::sink
