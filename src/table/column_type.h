// Column types of a CUR: the manifest's `columns[].type`.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::table {

enum class ColumnType {
  kString,              // text; an empty field is the empty string
  kOptionalString,      // text; an empty field is NULL
  kDateTime,            // UTC timestamp (TimestampMicros); an empty field is NULL
  kBigDecimal,          // exact Decimal; an empty field is NULL (AWS leaves some BigDecimal fields empty)
  kOptionalBigDecimal,  // exact Decimal; an empty field is NULL
  kInterval,            // "start/end" timestamps, kept as text and checked; an empty field is NULL
};

// "String", "OptionalString", "DateTime", "BigDecimal", "OptionalBigDecimal", "Interval".
std::string_view ColumnTypeName(ColumnType type);
// The manifest's type name. Manifests before 2019 have none: "" → kString. Unknown names →
// kUnsupported naming the known ones.
Result<ColumnType> ColumnTypeFromName(std::string_view name);

// One column a reader should produce: `name` is the CSV header it is read from (exact match).
struct ColumnSchema {
  std::string name;
  ColumnType type = ColumnType::kString;
};

}  // namespace billpipe::table
