#include "app/costs.h"

#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sink/sink.h"
#include "sink/sqlite_db.h"
#include "sink/sqlite_rollup.h"
#include "table/decimal.h"
#include "util/date.h"

namespace billpipe::app {
namespace {

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
                "Cost charts are served for SQLite destinations only, for now (docs/datacenter.md): this dataset "
                "loads into " + destination.substr(0, destination.find(':')) + ".");
  }
  return destination;
}

// Sums per key and date, exactly.
class CostSums {
 public:
  Status Add(std::string_view key, std::string_view date, std::string_view cost) {
    // A line without a cost (NULL) still makes its point, as it makes a rollup row: 0.
    table::Decimal value;
    if (!cost.empty() && !table::Decimal::TryParse(cost, &value)) {
      return Fail(ErrorCode::kBadData, fmt::format("a stored cost '{}' is not a decimal number", cost.substr(0, 40)));
    }
    auto outer = sums_.find(key);
    if (outer == sums_.end()) outer = sums_.emplace(std::string(key), ByDate()).first;
    auto& by_date = outer->second;
    auto it = by_date.find(date);
    if (it == by_date.end()) it = by_date.emplace(std::string(date), table::Decimal()).first;
    BP_ASSIGN_OR_RETURN(it->second, table::Decimal::Add(it->second, value));
    return Ok();
  }
  std::vector<CostSeries> Series() const {
    std::vector<CostSeries> out;
    for (const auto& [key, points] : sums_) {
      CostSeries s;
      s.key = key;
      for (const auto& [date, sum] : points) s.points.push_back({date, sum.ToString()});
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  using ByDate = std::map<std::string, table::Decimal, std::less<>>;
  std::map<std::string, ByDate, std::less<>> sums_;  // key -> date -> sum
};

// The first of the names the view has; "" when none.
std::string FirstPresent(const std::set<std::string>& have, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (have.count(n)) return n;
  }
  return "";
}

// The rows of a dataset whose current version is not all rolled up: the columns each report kind names
// for the roles (legacy CUR and CUR 2.0 as loaded, then FOCUS).
Status SumRows(sink::SqliteDb& db, const std::string& dataset, const std::set<std::string>& have,
               sink::RollupDimension group, const CostQuery& q, CostSums& sums) {
  const std::string date_column = FirstPresent(have, {"line_item_usage_start_date", "ChargePeriodStart"});
  const std::string cost_column = FirstPresent(have, {"line_item_unblended_cost", "BilledCost"});
  if (date_column.empty() || cost_column.empty()) {
    return Fail(ErrorCode::kUnsupported,
                fmt::format("Dataset '{}' has no usage start and cost columns (line_item_usage_start_date and "
                            "line_item_unblended_cost, or ChargePeriodStart and BilledCost): cost charts need a Cost "
                            "and Usage Report or a FOCUS export.",
                            dataset));
  }
  std::string group_sql;
  switch (group) {
    case sink::RollupDimension::kService:
      group_sql = FirstPresent(have, {"line_item_product_code", "x_ServiceCode"});
      break;
    case sink::RollupDimension::kAccount:
      group_sql = FirstPresent(have, {"line_item_usage_account_id", "SubAccountId"});
      break;
    case sink::RollupDimension::kRegion:
      group_sql = FirstPresent(have, {"product_region", "RegionId"});
      break;
    case sink::RollupDimension::kUsageType:
      group_sql = FirstPresent(have, {"line_item_usage_type", "x_UsageType"});
      break;
    case sink::RollupDimension::kLineItemType:
      group_sql = FirstPresent(have, {"line_item_line_item_type", "ChargeCategory"});
      break;
  }
  if (!group_sql.empty()) {
    group_sql = sink::QuoteIdent(group_sql);
  } else if (group == sink::RollupDimension::kRegion && have.count("product")) {
    group_sql = "json_extract(\"product\", '$.region')";  // CUR 2.0 keeps it in the product map
  } else {
    group_sql = "''";
  }
  const std::string date = sink::QuoteIdent(date_column), cost = sink::QuoteIdent(cost_column);
  const int date_len = q.granularity == "day" ? 10 : 7;
  // Costs are stored as REAL: read back as SQLite's 15-significant-digit text, which gives back the
  // decimal text the report wrote (CUR costs have fewer digits), then summed exactly.
  std::string sql = fmt::format(
      "SELECT substr({0}, 1, {1}), {2}, CAST({3} AS TEXT) FROM {4} WHERE {0} IS NOT NULL{5}{6}",
      date, date_len, group_sql, cost, sink::QuoteIdent(dataset),
      q.start.empty() ? "" : fmt::format(" AND substr({}, 1, 10) >= ?1", date),
      q.end.empty() ? "" : fmt::format(" AND substr({}, 1, 10) <= ?2", date));
  BP_ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  if (!q.start.empty()) stmt->BindText(1, q.start);
  if (!q.end.empty()) stmt->BindText(2, q.end);
  std::string day;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    day.assign(stmt->ColumnView(0));
    if (date_len == 7) day += "-01";
    BP_RETURN_IF_ERROR(sums.Add(stmt->ColumnView(1), day, stmt->ColumnView(2)));
  }
  return Ok();
}

}  // namespace

Result<Costs> DatasetCosts(const std::string& destination, const std::string& dataset, const CostQuery& q) {
  BP_RETURN_IF_ERROR(sink::ValidateDatasetName(dataset));
  auto group = sink::ParseRollupDimension(q.group_by);
  if (!group) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Unknown group_by '{}': give service, account, region, usage_type or line_item_type.",
                            q.group_by.substr(0, 40)));
  }
  if (q.granularity != "day" && q.granularity != "month") {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Unknown granularity '{}': give day or month.", q.granularity.substr(0, 40)));
  }
  if (q.source != "auto" && q.source != "rows") {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Unknown source '{}': give auto or rows.", q.source.substr(0, 40)));
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
  BP_ASSIGN_OR_RETURN(auto cols, db->Prepare("SELECT name FROM pragma_table_info(?)"));
  cols->BindText(1, dataset);
  std::set<std::string> have;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, cols->Step());
    if (!row) break;
    have.insert(cols->ColumnText(0));
  }
  cols.reset();
  if (have.empty()) return not_loaded();
  Costs out;
  CostSums sums;
  if (q.source == "auto") {
    sink::RollupCostQuery rq{*group, q.granularity == "month", q.start, q.end};
    BP_ASSIGN_OR_RETURN(bool rolled, sink::ScanSqliteRollup(*db, dataset, rq,
                                                            [&](std::string_view date, std::string_view key,
                                                                std::string_view cost) { return sums.Add(key, date, cost); }));
    if (rolled) {
      out.series = sums.Series();
      out.source = "rollup";
      return out;
    }
  }
  BP_RETURN_IF_ERROR(SumRows(*db, dataset, have, *group, q, sums));
  out.series = sums.Series();
  out.source = "rows";
  return out;
}

nlohmann::json CostsJson(const Costs& costs) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : costs.series) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : s.points) points.push_back({{"date", p.date}, {"cost", p.cost}});
    arr.push_back({{"key", s.key}, {"points", std::move(points)}});
  }
  return {{"series", std::move(arr)}};
}

}  // namespace billpipe::app
