#include "cur/schema_union.h"

#include <unordered_map>

namespace billpipe::cur {

std::string WiderColumnType(const std::string& a, const std::string& b) {
  if (a == b || b.empty()) return a;
  if (a.empty()) return b;
  auto pair_is = [&](const char* x, const char* y) { return (a == x && b == y) || (a == y && b == x); };
  if (pair_is("BigDecimal", "OptionalBigDecimal")) return "OptionalBigDecimal";
  if (pair_is("String", "OptionalString")) return "OptionalString";
  return "String";
}

namespace {

struct HeaderType {
  std::string header;
  std::string type;
};

DatasetSchema Union(const std::vector<std::vector<HeaderType>>& periods) {
  DatasetSchema schema;
  std::vector<std::string> headers;
  std::vector<std::string> types;
  std::vector<std::vector<std::string>> aliases;
  std::unordered_map<std::string, size_t> index;     // header or alias -> position in headers
  std::unordered_map<std::string, size_t> by_athena;  // Athena name -> first column of that name
  for (const auto& columns : periods) {
    for (const auto& column : columns) {
      std::string header = column.header;
      auto it = index.find(header);
      if (it == index.end()) {
        // A column seen under its other name (a CSV header and its Athena name) is that column.
        std::string athena = AthenaColumnName(header);
        auto same = by_athena.find(athena);
        if (same != by_athena.end() && SameColumn(headers[same->second], header)) {
          aliases[same->second].push_back(header);
          it = index.emplace(header, same->second).first;
        } else {
          index.emplace(header, headers.size());
          by_athena.emplace(std::move(athena), headers.size());
          headers.push_back(std::move(header));
          types.push_back(column.type);
          aliases.emplace_back();
          continue;
        }
      }
      std::string& type = types[it->second];
      std::string wider = WiderColumnType(type, column.type);
      if (wider != type) {
        // Filling in a missing type is not a change worth reporting.
        if (!type.empty()) schema.widenings.push_back({headers[it->second], type, wider});
        type = std::move(wider);
      }
    }
  }
  ColumnNaming naming = NameColumns(headers);
  schema.collisions = std::move(naming.collisions);
  schema.columns.reserve(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    schema.columns.push_back(
        {std::move(naming.columns[i].name), std::move(headers[i]), std::move(types[i]), std::move(aliases[i])});
  }
  return schema;
}

}  // namespace

DatasetSchema UnionSchema(const std::vector<std::vector<ManifestColumn>>& periods) {
  std::vector<std::vector<HeaderType>> columns(periods.size());
  for (size_t p = 0; p < periods.size(); ++p) {
    for (const auto& c : periods[p]) columns[p].push_back({c.Header(), c.type});
  }
  return Union(columns);
}

DatasetSchema UnionSchema(const std::vector<std::vector<ReportColumn>>& periods) {
  std::vector<std::vector<HeaderType>> columns(periods.size());
  for (size_t p = 0; p < periods.size(); ++p) {
    for (const auto& c : periods[p]) columns[p].push_back({c.name, std::string(table::ColumnTypeName(c.type))});
  }
  return Union(columns);
}

}  // namespace billpipe::cur
