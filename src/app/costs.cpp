#include "app/costs.h"

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "sink/sink.h"
#include "sink/sqlite_db.h"
#include "table/decimal.h"
#include "util/date.h"

namespace billpipe::app {
namespace {

constexpr const char* kDateColumn = "line_item_usage_start_date";
constexpr const char* kCostColumn = "line_item_unblended_cost";

Status ValidateDay(const std::string& day, std::string_view which) {
  if (day.empty()) return Ok();
  bool shape = day.size() == 10 && day[4] == '-' && day[7] == '-';
  for (size_t i = 0; shape && i < day.size(); ++i) {
    if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9')) shape = false;
  }
  if (!shape) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The {} date '{}' is not a date: give YYYY-MM-DD.", which, day.substr(0, 40)));
  }
  return Ok();
}

// The file of a SQLite destination ("sqlite:PATH" or a bare path), or kUnsupported.
Result<std::string> SqlitePath(const std::string& destination) {
  if (destination.starts_with("sqlite:")) return destination.substr(7);
  if (destination.find("://") != std::string::npos || destination.starts_with("postgresql:") ||
      destination.starts_with("clickhouse:")) {
    return Fail(ErrorCode::kUnsupported,
                "Cost charts are served for SQLite destinations only, for now (docs/datacenter.md).");
  }
  return destination;
}

}  // namespace

Result<std::string> CostGroupColumn(const std::string& group_by) {
  static const std::map<std::string, std::string> kColumns = {
      {"service", "line_item_product_code"},   {"account", "line_item_usage_account_id"},
      {"region", "product_region"},            {"usage_type", "line_item_usage_type"},
      {"line_item_type", "line_item_line_item_type"}};
  auto it = kColumns.find(group_by);
  if (it == kColumns.end()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Unknown group_by '{}': give service, account, region, usage_type or line_item_type.",
                            group_by.substr(0, 40)));
  }
  return it->second;
}

Result<std::vector<CostSeries>> DatasetCosts(const std::string& destination, const std::string& dataset,
                                             const CostQuery& q) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(dataset));
  BP_ASSIGN_OR_RETURN(std::string group_column, CostGroupColumn(q.group_by));
  if (q.granularity != "day" && q.granularity != "month") {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Unknown granularity '{}': give day or month.", q.granularity.substr(0, 40)));
  }
  BP_RETURN_IF_ERROR(ValidateDay(q.start, "start"));
  BP_RETURN_IF_ERROR(ValidateDay(q.end, "end"));
  BP_ASSIGN_OR_RETURN(std::string path, SqlitePath(destination));
  std::error_code ec;
  auto not_loaded = [&] {
    return Fail(ErrorCode::kNotFound, fmt::format("Dataset '{}' has no data yet: run it first.", dataset));
  };
  if (!std::filesystem::exists(path, ec)) return not_loaded();
  BP_ASSIGN_OR_RETURN(auto db, sink::SqliteDb::Open(path));
  // The view's columns: a dataset whose report lacks the grouping column has one group, "".
  BP_ASSIGN_OR_RETURN(auto cols, db->Prepare("SELECT name FROM pragma_table_info(?)"));
  cols->BindText(1, dataset);
  bool has_group = false, has_date = false, has_cost = false, any = false;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, cols->Step());
    if (!row) break;
    any = true;
    std::string name = cols->ColumnText(0);
    has_group |= name == group_column;
    has_date |= name == kDateColumn;
    has_cost |= name == kCostColumn;
  }
  if (!any) return not_loaded();
  if (!has_date || !has_cost) {
    return Fail(ErrorCode::kUnsupported,
                fmt::format("Dataset '{}' has no {} or {} column: cost charts need a Cost and Usage Report.", dataset,
                            kDateColumn, kCostColumn));
  }
  const int date_len = q.granularity == "day" ? 10 : 7;
  // Costs are stored as REAL: read back as SQLite's 15-significant-digit text, which gives back the
  // decimal text the report wrote (CUR costs have fewer digits), then summed exactly.
  std::string sql = fmt::format(
      "SELECT substr({0}, 1, {1}) AS d, {2} AS k, CAST({3} AS TEXT) FROM {4} WHERE {3} IS NOT NULL AND {0} IS NOT NULL"
      "{5}{6}",
      sink::QuoteIdent(kDateColumn), date_len, has_group ? sink::QuoteIdent(group_column) : std::string("''"),
      sink::QuoteIdent(kCostColumn), sink::QuoteIdent(dataset),
      q.start.empty() ? "" : fmt::format(" AND substr({}, 1, 10) >= ?1", sink::QuoteIdent(kDateColumn)),
      q.end.empty() ? "" : fmt::format(" AND substr({}, 1, 10) <= ?2", sink::QuoteIdent(kDateColumn)));
  BP_ASSIGN_OR_RETURN(auto stmt, db->Prepare(sql));
  if (!q.start.empty()) stmt->BindText(1, q.start);
  if (!q.end.empty()) stmt->BindText(2, q.end);
  std::map<std::string, std::map<std::string, table::Decimal>> sums;  // key -> date -> sum
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    std::string date = stmt->ColumnText(0);
    if (date_len == 7) date += "-01";
    std::string key = stmt->ColumnIsNull(1) ? std::string() : stmt->ColumnText(1);
    BP_ASSIGN_OR_RETURN(table::Decimal cost, table::Decimal::Parse(stmt->ColumnText(2)));
    auto& sum = sums[key][date];
    BP_ASSIGN_OR_RETURN(sum, table::Decimal::Add(sum, cost));
  }
  std::vector<CostSeries> out;
  for (auto& [key, points] : sums) {
    CostSeries s;
    s.key = key;
    for (auto& [date, sum] : points) s.points.push_back({date, sum.ToString()});
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json CostsJson(const std::vector<CostSeries>& series) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : series) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : s.points) points.push_back({{"date", p.date}, {"cost", p.cost}});
    arr.push_back({{"key", s.key}, {"points", std::move(points)}});
  }
  return {{"series", std::move(arr)}};
}

}  // namespace billpipe::app
