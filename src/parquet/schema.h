// A Parquet file's schema as billpipe reads it: the leaf columns (with their definition and repetition
// levels) and the top-level fields a dataset can load, each with the kind of value it yields or the
// reason it cannot be read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parquet/column_values.h"
#include "parquet/metadata.h"
#include "util/status.h"

namespace billpipe::parquet {

struct LeafColumn {
  std::string path;  // dotted, e.g. "tags.key_value.key"
  SchemaElement element;
  int max_def = 0;
  int max_rep = 0;
  ValueKind kind = ValueKind::kString;  // what the leaf's values convert to
  int scale = 0;                        // kDecimal
  TimeUnit unit = TimeUnit::kNone;      // kTimestamp from INT64
  std::string unsupported;              // non-empty: why the leaf's values cannot be read
};

struct Field {
  std::string name;  // the top-level column name
  ValueKind kind = ValueKind::kString;
  // Leaves (indexes into Schema::leaves and into a row group's columns): one for a plain column; the
  // key and the value for a MAP.
  std::vector<size_t> leaves;
  int map_def = 0;    // kMapJson: definition level at which the map is present (not NULL)
  int entry_def = 0;  // kMapJson: definition level at which an entry is present
  std::string unsupported;  // non-empty: the feature that makes it unreadable, e.g. "LIST columns"
};

struct Schema {
  std::vector<LeafColumn> leaves;
  std::vector<Field> fields;
};

// kBadData for a malformed schema tree (children counts that do not add up, a leaf without a type,
// deeper than 64 levels). Unsupported types are not errors here: they are recorded in `unsupported`.
Result<Schema> BuildSchema(const std::vector<SchemaElement>& elements);

}  // namespace billpipe::parquet
