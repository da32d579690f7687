#include "pipeline/schema_step.h"

#include <fmt/format.h>

#include "cur/column_names.h"
#include "cur/focus_transform.h"

namespace billpipe::pipeline {
namespace {

// Hands out the inner reader's versions as FOCUS 1.2 columns.
class FocusReader final : public cur::ReportReader {
 public:
  explicit FocusReader(std::unique_ptr<cur::ReportReader> inner) : inner_(std::move(inner)) {}

  cur::ReportKind kind() const override { return inner_->kind(); }
  std::string Describe() const override { return inner_->Describe(); }
  Status CheckExists() override { return inner_->CheckExists(); }
  Result<std::vector<cur::BillingPeriod>> PeriodsIn(const cur::DateWindow& window) override {
    return inner_->PeriodsIn(window);
  }
  Result<std::optional<cur::PeriodVersion>> Newest(const cur::BillingPeriod& period) override {
    BP_ASSIGN_OR_RETURN(auto version, inner_->Newest(period));
    if (!version) return version;
    return std::optional<cur::PeriodVersion>(cur::AsFocus(std::move(*version)));
  }
  Result<cur::PeriodVersion> Version(const cur::BillingPeriod& period, std::string_view version_key) override {
    BP_ASSIGN_OR_RETURN(auto version, inner_->Version(period, version_key));
    return cur::AsFocus(std::move(version));
  }
  Status StatFiles(cur::PeriodVersion& version) override { return inner_->StatFiles(version); }

 private:
  std::unique_ptr<cur::ReportReader> inner_;
};

const sink::ColumnDef* FindColumn(const std::vector<sink::ColumnDef>& columns, std::string_view header) {
  for (const auto& c : columns) {
    if (c.original_header == header) return &c;
  }
  for (const auto& c : columns) {
    if (cur::SameColumn(c.original_header, header)) return &c;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<cur::ReportReader> WithSchema(std::unique_ptr<cur::ReportReader> reader, OutputSchema schema) {
  if (schema == OutputSchema::kCur) return reader;
  return std::make_unique<FocusReader>(std::move(reader));
}

Status CheckSameColumnSet(const std::string& dataset, const std::vector<sink::ColumnDef>& existing,
                          const cur::PeriodVersion& version, OutputSchema schema) {
  if (existing.empty()) return Ok();
  const sink::ColumnDef* date = FindColumn(existing, version.roles.usage_start);
  const sink::ColumnDef* cost = FindColumn(existing, version.roles.cost);
  if (date != nullptr && cost != nullptr) return Ok();
  // What the dataset holds: FOCUS columns (from a FOCUS export, or any report with schema focus) or a
  // report's own.
  const sink::ColumnDef* focus_date = FindColumn(existing, "ChargePeriodStart");
  const sink::ColumnDef* held_date = focus_date;
  for (const std::string_view header : {"lineItem/UsageStartDate", "line_item_usage_start_date"}) {
    if (held_date == nullptr) held_date = FindColumn(existing, header);
  }
  const std::string held =
      held_date == nullptr ? std::string("other columns")
                           : fmt::format("{} columns (dates in {})", focus_date ? "FOCUS" : "CUR", held_date->name);
  const bool focus_run = version.transform != nullptr || version.kind_name.starts_with("FOCUS");
  std::string source = version.kind_name;
  if (auto at = source.find(" as FOCUS"); at != std::string::npos) source.resize(at);
  const std::string_view keep = focus_date ? "focus" : "cur";
  return Fail(ErrorCode::kConflict,
              fmt::format("Dataset '{}' holds {}, and this run would load {} (dates in {}) from the {} report with "
                          "schema {}: one table cannot hold both column sets. Load it into a dataset of another name, "
                          "or keep the schema the dataset was loaded with (--schema {}, or billpipe dataset edit {} "
                          "--schema {}).",
                          dataset, held, focus_run ? "FOCUS 1.2 columns" : "the report's own columns",
                          version.roles.usage_start, source, OutputSchemaName(schema), keep, dataset, keep));
}

}  // namespace billpipe::pipeline
