// Exact totals of what the CUR generator wrote, accumulated line by line as it writes them (never by
// reading the files back), for the newest version of each billing period. Written beside the report
// as expected.json so that a loader's result can be checked to the last decimal.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "curgen/fixed_decimal.h"

namespace billpipe::curgen {

struct CountAndCost {
  uint64_t rows = 0;
  Decimal10 unblended_cost;
  void Add(Decimal10 cost) {
    ++rows;
    unblended_cost += cost;
  }
};

// One version (assembly) of a period as written.
struct AssemblySummary {
  std::string assembly_id;
  std::string manifest_key;
  std::vector<std::string> report_keys;
  bool invoiced = false;
  uint64_t rows = 0;
  Decimal10 unblended_cost;
};

// Totals of the newest version of one billing period.
struct PeriodTotals {
  std::string period;             // "20191201-20200101"
  std::string billing_period_start;  // "2019-12-01"
  std::string top_manifest_key;   // the manifest a reader must follow
  std::string newest_assembly_id;
  bool invoiced = false;          // the newest version has bill/InvoiceId filled
  std::vector<std::string> columns;  // CSV header of the newest version, in order
  std::vector<std::string> tag_columns;  // the resourceTags/user:... columns among them

  uint64_t rows = 0;
  Decimal10 unblended_cost;
  Decimal10 blended_cost;
  Decimal10 usage_amount;
  CountAndCost with_invoice_id;
  CountAndCost without_invoice_id;
  std::map<std::string, CountAndCost> by_product_code;
  std::map<std::string, CountAndCost> by_usage_day;       // "2019-12-05" of lineItem/UsageStartDate
  std::map<std::string, CountAndCost> by_line_item_type;
  std::vector<AssemblySummary> assemblies;                // oldest first; the last is the newest
};

struct WrittenObject {
  std::string key;
  uint64_t size = 0;
};

// Everything one generator run wrote.
struct GeneratedReport {
  std::string bucket;
  std::string prefix;
  std::string report_name;
  std::vector<PeriodTotals> periods;  // oldest first
  std::vector<WrittenObject> objects; // in the order written
};

// The expected.json document: decimals as strings with ten places, ordered keys, deterministic.
nlohmann::ordered_json ExpectedJson(const GeneratedReport& report, const nlohmann::ordered_json& options);

}  // namespace billpipe::curgen
