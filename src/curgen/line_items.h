// The CUR generator's line-item model, for writers of other layouts (export_generator.h): the very lines
// the legacy generator writes (same seed, same month, same index -> same line), handed out as values by
// legacy column instead of as legacy CSV text. Exact amounts, no floating point.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "curgen/fixed_decimal.h"
#include "curgen/generator.h"
#include "util/status.h"

namespace billpipe::curgen {

// One line item. Views into the model: valid until its next Line or SelectMonth call.
struct LineItem {
  // CSV-ready text (quoted as AWS quotes: only with a comma, quote or line break) of the legacy columns,
  // by cur::ColumnCatalog() position; the product columns are "" here (see product_row).
  std::span<const std::string> fields;
  // The product columns' values, CSV-ready, in catalog order, joined by ','. The same few hundred rows are
  // shared by all lines (the pointer identifies the row).
  const std::string* product_row = nullptr;
  // The user tags active this month (indices into UserTags()) and this line's values, CSV-ready;
  // "" when the line does not carry the tag.
  std::span<const size_t> user_tags;
  std::span<const std::string> user_tag_values;
  std::string_view line_item_type;  // "Usage", "Tax", ...
  std::string_view product_code;    // lineItem/ProductCode, as totals group it
  int usage_day = 0;                // 0-based day of month of lineItem/UsageStartDate
  Decimal10 usage_amount;
  Decimal10 unblended_cost;
  Decimal10 blended_cost;
};

class LineItemModel {
 public:
  // Uses options' seed, bucket-independent fields (start month, months, line items, time unit, tag drift);
  // kInvalidArgument as ValidateOptions.
  static Result<std::unique_ptr<LineItemModel>> Make(const CurgenOptions& options);
  ~LineItemModel();
  LineItemModel(const LineItemModel&) = delete;
  LineItemModel& operator=(const LineItemModel&) = delete;

  // Selects month `index` (0-based among options.months); lines are drawn from it.
  void SelectMonth(int index);
  int year() const;
  int month() const;  // 1..12
  int days() const;   // days in the month
  // "2019-12-05": day d (0-based) of the month; d == days() is the next month's first day.
  const std::string& DayDate(int day) const;

  // Line `index` of the selected month's options.line_items_per_month; version (1-based) salts the line
  // item id as the generator's assemblies do; invoiced fills bill/InvoiceId.
  LineItem Line(uint64_t index, int version, bool invoiced);

  // Lines in version k (1-based) of count versions of a month: a month-to-date prefix of the newest.
  static uint64_t VersionLines(uint64_t total, int days, int k, int count);

 private:
  struct Impl;
  explicit LineItemModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace billpipe::curgen
