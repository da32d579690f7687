#include "parquet/column_values.h"

namespace billpipe::parquet {

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kBoolean: return "boolean";
    case ValueKind::kInt64: return "integer";
    case ValueKind::kDouble: return "double";
    case ValueKind::kString: return "string";
    case ValueKind::kDecimal: return "decimal";
    case ValueKind::kTimestamp: return "timestamp";
    case ValueKind::kDate: return "date";
    case ValueKind::kMapJson: return "map";
  }
  return "unknown";
}

void ColumnValues::Clear() {
  null.clear();
  ints.clear();
  nanos.clear();
  doubles.clear();
  decimals.clear();
  bytes.clear();
  text_end.clear();
}

void ColumnValues::AppendNull() {
  null.push_back(1);
  switch (kind) {
    case ValueKind::kBoolean:
    case ValueKind::kInt64:
    case ValueKind::kDate:
      ints.push_back(0);
      break;
    case ValueKind::kTimestamp:
      ints.push_back(0);
      nanos.push_back(0);
      break;
    case ValueKind::kDouble:
      doubles.push_back(0);
      break;
    case ValueKind::kDecimal:
      decimals.emplace_back();
      break;
    case ValueKind::kString:
    case ValueKind::kMapJson:
      text_end.push_back(bytes.size());
      break;
  }
}

void ColumnValues::AppendFrom(const ColumnValues& from, size_t r) {
  null.push_back(0);
  switch (kind) {
    case ValueKind::kBoolean:
    case ValueKind::kInt64:
    case ValueKind::kDate:
      ints.push_back(from.ints[r]);
      break;
    case ValueKind::kTimestamp:
      ints.push_back(from.ints[r]);
      nanos.push_back(from.nanos[r]);
      break;
    case ValueKind::kDouble:
      doubles.push_back(from.doubles[r]);
      break;
    case ValueKind::kDecimal:
      decimals.push_back(from.decimals[r]);
      break;
    case ValueKind::kString:
    case ValueKind::kMapJson:
      bytes.append(from.text(r));
      text_end.push_back(bytes.size());
      break;
  }
}

}  // namespace billpipe::parquet
