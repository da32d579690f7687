#include "pipeline/rollup.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <climits>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/date.h"

namespace billpipe::pipeline {
namespace {

constexpr int64_t kMicrosPerDay = 86400ll * 1000 * 1000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// A decimal cell: the typed value, or the text parsed (a column that is text in this file).
Result<table::Decimal> DecimalAt(const table::ColumnBatch& batch, int col, size_t r) {
  const table::Column& c = batch.column(static_cast<size_t>(col));
  if (c.is_null(r)) return table::Decimal();
  if (!c.decimal.empty()) return c.decimal[r];
  table::Decimal v;
  if (r >= c.text.size() || c.text[r].empty()) return v;
  if (!table::Decimal::TryParse(c.text[r], &v)) {
    return Fail(ErrorCode::kBadData, fmt::format("line {}: column {} is not a decimal number", batch.line(r),
                                                 batch.schema(static_cast<size_t>(col)).name));
  }
  return v;
}

void AppendPart(std::string& key, std::string_view part) {
  const auto n = static_cast<uint32_t>(part.size());
  key.append(reinterpret_cast<const char*>(&n), sizeof n);
  key.append(part);
}

}  // namespace

RollupColumns FindRollupColumns(const std::vector<table::ColumnSchema>& schema, const cur::ColumnRoles& roles,
                                const cur::RollupDimensions& dimensions) {
  RollupColumns found;
  auto find = [&](std::string_view name) {
    if (name.empty()) return -1;
    for (size_t i = 0; i < schema.size(); ++i) {
      if (schema[i].name == name) return static_cast<int>(i);
    }
    return -1;
  };
  found.usage_start = find(roles.usage_start);
  found.cost = find(roles.cost);
  found.usage_amount = find(roles.usage_amount);
  const std::array<const std::string*, sink::kRollupDimensions> names = {
      &dimensions.account, &dimensions.service, &dimensions.region, &dimensions.usage_type,
      &dimensions.line_item_type};
  for (size_t d = 0; d < names.size(); ++d) {
    const std::string& name = *names[d];
    found.dimensions[d] = find(name);
    size_t dot = name.find('.');
    if (found.dimensions[d] < 0 && dot != std::string::npos) {
      found.dimensions[d] = find(std::string_view(name).substr(0, dot));
      if (found.dimensions[d] >= 0) found.map_keys[d] = name.substr(dot + 1);
    }
  }
  return found;
}

std::string MapValue(std::string_view text, std::string_view key) {
  if (text.find('\\') != std::string_view::npos) {
    // Escapes: let the JSON parser read it (rare in practice).
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) return "";
    auto it = parsed.find(std::string(key));
    return it != parsed.end() && it->is_string() ? it->get<std::string>() : "";
  }
  // Without escapes every '"' opens or closes a string, so "key" followed by ':' is the key.
  const std::string quoted = fmt::format("\"{}\"", key);
  for (size_t at = text.find(quoted); at != std::string_view::npos; at = text.find(quoted, at + 1)) {
    size_t p = at + quoted.size();
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r' || text[p] == '\n')) ++p;
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r' || text[p] == '\n')) ++p;
    if (p >= text.size() || text[p] != '"') return "";
    size_t end = text.find('"', p + 1);
    if (end == std::string_view::npos) return "";
    return std::string(text.substr(p + 1, end - p - 1));
  }
  return "";
}

Status RollupAccumulator::Add(const table::ColumnBatch& batch, const RollupColumns& columns,
                              const std::vector<uint8_t>& keep) {
  if (columns.usage_start < 0) return Ok();
  const table::Column& start = batch.column(static_cast<size_t>(columns.usage_start));
  int64_t day_number = INT64_MIN;
  std::string day;
  std::string mapped;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    if (!keep[r] || start.is_null(r)) continue;
    const int64_t d = FloorDiv(start.micros[r], kMicrosPerDay);
    if (d != day_number) {
      day_number = d;
      day = Date::FromDays(d).ToString();
    }
    key_.clear();
    AppendPart(key_, day);
    for (size_t i = 0; i < sink::kRollupDimensions; ++i) {
      const int col = columns.dimensions[i];
      std::string_view value;
      if (col >= 0) {
        const table::Column& c = batch.column(static_cast<size_t>(col));
        if (!c.is_null(r) && r < c.text.size()) value = c.text[r];
        if (!columns.map_keys[i].empty() && !value.empty()) {
          mapped = MapValue(value, columns.map_keys[i]);
          value = mapped;
        }
      }
      AppendPart(key_, value);
    }
    auto it = groups_.find(key_);
    if (it == groups_.end()) it = groups_.emplace(key_, Totals{}).first;
    Totals& t = it->second;
    ++t.line_items;
    if (columns.cost >= 0) {
      BP_ASSIGN_OR_RETURN(table::Decimal cost, DecimalAt(batch, columns.cost, r));
      BP_ASSIGN_OR_RETURN(t.cost, table::Decimal::Add(t.cost, cost));
    }
    if (columns.usage_amount >= 0) {
      BP_ASSIGN_OR_RETURN(table::Decimal usage, DecimalAt(batch, columns.usage_amount, r));
      BP_ASSIGN_OR_RETURN(t.usage, table::Decimal::Add(t.usage, usage));
    }
  }
  return Ok();
}

Status RollupAccumulator::Merge(const RollupAccumulator& other) {
  for (const auto& [key, theirs] : other.groups_) {
    Totals& mine = groups_[key];
    mine.line_items += theirs.line_items;
    BP_ASSIGN_OR_RETURN(mine.cost, table::Decimal::Add(mine.cost, theirs.cost));
    BP_ASSIGN_OR_RETURN(mine.usage, table::Decimal::Add(mine.usage, theirs.usage));
  }
  return Ok();
}

std::vector<sink::RollupRow> RollupAccumulator::Rows() const {
  std::vector<sink::RollupRow> out;
  out.reserve(groups_.size());
  for (const auto& [key, totals] : groups_) {
    sink::RollupRow row;
    size_t p = 0;
    auto next = [&] {
      uint32_t n = 0;
      std::memcpy(&n, key.data() + p, sizeof n);
      p += sizeof n;
      std::string part = key.substr(p, n);
      p += n;
      return part;
    };
    row.day = next();
    for (auto& d : row.dimensions) d = next();
    row.line_items = totals.line_items;
    row.cost = totals.cost.ToString();
    row.usage = totals.usage.ToString();
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end(), [](const sink::RollupRow& a, const sink::RollupRow& b) {
    return std::tie(a.day, a.dimensions) < std::tie(b.day, b.dimensions);
  });
  return out;
}

Result<sink::SegmentRollup> RollupAccumulator::Finish() const {
  sink::SegmentRollup out;
  out.rows = Rows();
  for (size_t d = 0; d < sink::kRollupDimensions; ++d) {
    std::map<std::pair<std::string, std::string>, Totals> by;  // (day, value) -> totals
    for (const auto& [key, totals] : groups_) {
      size_t p = 0;
      auto next = [&] {
        uint32_t n = 0;
        std::memcpy(&n, key.data() + p, sizeof n);
        p += sizeof n;
        std::string_view part(key.data() + p, n);
        p += n;
        return part;
      };
      std::string_view day = next(), value;
      for (size_t i = 0; i <= d; ++i) value = next();
      Totals& t = by[{std::string(day), std::string(value)}];
      t.line_items += totals.line_items;
      BP_ASSIGN_OR_RETURN(t.cost, table::Decimal::Add(t.cost, totals.cost));
      BP_ASSIGN_OR_RETURN(t.usage, table::Decimal::Add(t.usage, totals.usage));
    }
    auto& rows = out.by_dimension[d];
    rows.reserve(by.size());
    for (const auto& [day_value, totals] : by) {
      sink::RollupRow row;
      row.day = day_value.first;
      row.dimensions[d] = day_value.second;
      row.line_items = totals.line_items;
      row.cost = totals.cost.ToString();
      row.usage = totals.usage.ToString();
      rows.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace billpipe::pipeline
