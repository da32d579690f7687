#include "table/column_type.h"

#include <fmt/format.h>

namespace billpipe::table {

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString: return "String";
    case ColumnType::kOptionalString: return "OptionalString";
    case ColumnType::kDateTime: return "DateTime";
    case ColumnType::kBigDecimal: return "BigDecimal";
    case ColumnType::kOptionalBigDecimal: return "OptionalBigDecimal";
    case ColumnType::kInterval: return "Interval";
  }
  return "String";
}

Result<ColumnType> ColumnTypeFromName(std::string_view name) {
  for (ColumnType t : {ColumnType::kString, ColumnType::kOptionalString, ColumnType::kDateTime,
                       ColumnType::kBigDecimal, ColumnType::kOptionalBigDecimal, ColumnType::kInterval}) {
    if (name == ColumnTypeName(t)) return t;
  }
  if (name.empty()) return ColumnType::kString;
  return Fail(ErrorCode::kUnsupported,
              fmt::format("unknown column type '{}': expected String, OptionalString, DateTime, BigDecimal, "
                          "OptionalBigDecimal or Interval",
                          name));
}

}  // namespace billpipe::table
