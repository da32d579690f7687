// The project's own table of CUR columns: the 275 columns, in order, of a real legacy CUR manifest
// (testdata/cur-manifests/manifest-2019-12.json), each with its category, name and manifest type.
// AWS's data dictionary documents them. The table is source, not read at run time.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace billpipe::cur {

// A column as a legacy manifest lists it. The CSV header is "category/name".
struct CatalogColumn {
  std::string_view category;  // "identity", "bill", "lineItem", "product", "pricing", ...
  std::string_view name;      // "LineItemId", "instanceType", "aws:cloudformation:stack-name", ...
  std::string_view type;      // "String", "DateTime", "BigDecimal", "OptionalBigDecimal",
                              // "OptionalString" or "Interval"
};

// Number of columns in the table.
inline constexpr size_t kCatalogColumnCount = 275;

// All columns, in the manifest's order (identity, bill, lineItem, product, pricing, reservation,
// discount, savingsPlan, resourceTags). Valid for the life of the program.
std::span<const CatalogColumn> ColumnCatalog();

// The position of category/name in ColumnCatalog(), or nullopt when the table does not have it.
std::optional<size_t> FindCatalogColumn(std::string_view category, std::string_view name);

}  // namespace billpipe::cur
