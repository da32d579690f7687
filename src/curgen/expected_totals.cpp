#include "curgen/expected_totals.h"

namespace billpipe::curgen {
namespace {

using Json = nlohmann::ordered_json;

Json CountCostJson(const CountAndCost& c) {
  Json j;
  j["rows"] = c.rows;
  j["unblended_cost"] = c.unblended_cost.ToString();
  return j;
}

Json MapJson(const std::map<std::string, CountAndCost>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = CountCostJson(v);
  return j;
}

}  // namespace

nlohmann::ordered_json ExpectedJson(const GeneratedReport& report, const nlohmann::ordered_json& options) {
  Json root;
  root["generator"] = options;
  root["bucket"] = report.bucket;
  root["prefix"] = report.prefix;
  root["report_name"] = report.report_name;
  Json periods = Json::array();
  uint64_t rows = 0;
  Decimal10 unblended, blended, usage;
  std::map<std::string, CountAndCost> by_product;
  for (const auto& p : report.periods) {
    Json j;
    j["period"] = p.period;
    j["billing_period_start"] = p.billing_period_start;
    j["manifest_key"] = p.top_manifest_key;
    j["assembly_id"] = p.newest_assembly_id;
    j["invoiced"] = p.invoiced;
    j["column_count"] = p.columns.size();
    j["tag_columns"] = p.tag_columns;
    j["rows"] = p.rows;
    j["unblended_cost"] = p.unblended_cost.ToString();
    j["blended_cost"] = p.blended_cost.ToString();
    j["usage_amount"] = p.usage_amount.ToString();
    j["with_invoice_id"] = CountCostJson(p.with_invoice_id);
    j["without_invoice_id"] = CountCostJson(p.without_invoice_id);
    j["by_product_code"] = MapJson(p.by_product_code);
    j["by_line_item_type"] = MapJson(p.by_line_item_type);
    j["by_usage_day"] = MapJson(p.by_usage_day);
    Json assemblies = Json::array();
    for (const auto& a : p.assemblies) {
      Json aj;
      aj["assembly_id"] = a.assembly_id;
      aj["manifest_key"] = a.manifest_key;
      aj["invoiced"] = a.invoiced;
      aj["rows"] = a.rows;
      aj["unblended_cost"] = a.unblended_cost.ToString();
      aj["report_keys"] = a.report_keys;
      assemblies.push_back(std::move(aj));
    }
    j["assemblies"] = std::move(assemblies);
    periods.push_back(std::move(j));
    rows += p.rows;
    unblended += p.unblended_cost;
    blended += p.blended_cost;
    usage += p.usage_amount;
    for (const auto& [k, v] : p.by_product_code) {
      auto& t = by_product[k];
      t.rows += v.rows;
      t.unblended_cost += v.unblended_cost;
    }
  }
  root["periods"] = std::move(periods);
  Json totals;
  totals["rows"] = rows;
  totals["unblended_cost"] = unblended.ToString();
  totals["blended_cost"] = blended.ToString();
  totals["usage_amount"] = usage.ToString();
  totals["by_product_code"] = MapJson(by_product);
  root["totals"] = std::move(totals);
  Json objects = Json::array();
  for (const auto& o : report.objects) objects.push_back(Json{{"key", o.key}, {"size", o.size}});
  root["objects"] = std::move(objects);
  return root;
}

}  // namespace billpipe::curgen
