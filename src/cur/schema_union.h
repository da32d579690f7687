// The dataset schema of a report over several billing periods: the union of the periods' columns (columns
// come and go from month to month: tags, products), each with one type and one Athena name.
#pragma once

#include <string>
#include <vector>

#include "cur/column_names.h"
#include "cur/manifest.h"
#include "cur/report_reader.h"

namespace billpipe::cur {

// The type that holds values of both manifest types a and b ("" = not given, as in manifests before
// 2019). The widening rules (docs/loading.md, "Columns and types"):
//   equal -> that type; one not given -> the other;
//   BigDecimal + OptionalBigDecimal -> OptionalBigDecimal (decimals stay decimals);
//   String + OptionalString -> OptionalString;
//   anything else, a real conflict (DateTime + String, BigDecimal + String, ...) -> String, which holds any
//   text.
std::string WiderColumnType(const std::string& a, const std::string& b);

struct SchemaColumn {
  std::string name;    // Athena name, unique in the schema
  std::string header;  // original header "category/Name"
  std::string type;    // manifest type after widening; "" when no period gave one
  // Other headers of this column (SameColumn): the Athena name of a CSV header, from a legacy report's
  // Parquet files or a CUR 2.0 export, or the CSV header of a column first seen by its Athena name.
  std::vector<std::string> aliases;
};

// A column whose type differed between periods.
struct TypeWidening {
  std::string header;
  std::string from;  // the type before the period that changed it
  std::string to;
};

struct DatasetSchema {
  std::vector<SchemaColumn> columns;  // first-seen order: periods in the order given, columns in order
  std::vector<ColumnCollision> collisions;
  std::vector<TypeWidening> widenings;
};

// The union of the periods' columns, keyed by original header (exact bytes; a header that is SameColumn
// as an earlier one joins it as an alias), named with NameColumns over the union so that a header keeps
// one name across periods.
DatasetSchema UnionSchema(const std::vector<std::vector<ManifestColumn>>& periods);
// The same over report readers' typed columns (cur/report_reader.h); types as table::ColumnTypeName.
DatasetSchema UnionSchema(const std::vector<std::vector<ReportColumn>>& periods);

}  // namespace billpipe::cur
