#include "cur/focus_mapping.h"

#include <algorithm>
#include <array>

namespace billpipe::cur {
namespace {

using R = FocusRule;

constexpr std::array<FocusColumnSource, 37> kMapping = {{
    {"BilledCost", "decimal", R::kCopy, "line_item_unblended_cost", "lineItem/UnblendedCost", "", false},
    {"BillingAccountId", "string", R::kCopy, "bill_payer_account_id", "bill/PayerAccountId", "", false},
    {"BillingAccountName", "string", R::kEmpty, "", "", "the payer account's name is not in the generated CUR", false},
    {"BillingCurrency", "string", R::kCopy, "line_item_currency_code", "lineItem/CurrencyCode", "", false},
    {"BillingPeriodEnd", "timestamp", R::kCopy, "bill_billing_period_end_date", "bill/BillingPeriodEndDate", "", false},
    {"BillingPeriodStart", "timestamp", R::kCopy, "bill_billing_period_start_date", "bill/BillingPeriodStartDate", "",
     false},
    {"ChargeCategory", "string", R::kComputed, "line_item_line_item_type", "lineItem/LineItemType",
     "Tax -> Tax; Credit, Refund -> Credit; Fee, RIFee, SavingsPlanUpfrontFee, SavingsPlanRecurringFee -> Purchase; "
     "else Usage",
     false},
    {"ChargeClass", "string", R::kEmpty, "", "", "CUR does not mark corrections of earlier periods", false},
    {"ChargeDescription", "string", R::kCopy, "line_item_line_item_description", "lineItem/LineItemDescription", "",
     false},
    {"ChargeFrequency", "string", R::kComputed, "line_item_line_item_type", "lineItem/LineItemType",
     "Fee, RIFee, SavingsPlanRecurringFee -> Recurring; Tax, Credit, Refund, SavingsPlanUpfrontFee -> One-Time; "
     "else Usage-Based",
     false},
    {"ChargePeriodEnd", "timestamp", R::kCopy, "line_item_usage_end_date", "lineItem/UsageEndDate", "", false},
    {"ChargePeriodStart", "timestamp", R::kCopy, "line_item_usage_start_date", "lineItem/UsageStartDate", "", false},
    {"CommitmentDiscountId", "string", R::kComputed, "reservation_reservation_a_r_n",
     "reservation/ReservationARN",
     "the reservation ARN, else savings_plan_savings_plan_a_r_n (savingsPlan/SavingsPlanARN), else empty", false},
    {"ConsumedQuantity", "decimal", R::kComputed, "line_item_usage_amount", "lineItem/UsageAmount",
     "the usage amount when ChargeCategory is Usage, else empty", false},
    {"ConsumedUnit", "string", R::kComputed, "pricing_unit", "pricing/unit",
     "the pricing unit when ChargeCategory is Usage, else empty", false},
    {"ContractedCost", "decimal", R::kCopy, "line_item_unblended_cost", "lineItem/UnblendedCost", "", false},
    {"EffectiveCost", "decimal", R::kComputed, "line_item_unblended_cost", "lineItem/UnblendedCost",
     "DiscountedUsage: reservation_effective_cost; SavingsPlanCoveredUsage: "
     "savings_plan_savings_plan_effective_cost; SavingsPlanNegation: 0; else the unblended cost",
     false},
    {"InvoiceId", "string", R::kCopy, "bill_invoice_id", "bill/InvoiceId", "", true},
    {"InvoiceIssuerName", "string", R::kCopy, "line_item_legal_entity", "lineItem/LegalEntity", "", false},
    {"ListCost", "decimal", R::kCopy, "pricing_public_on_demand_cost", "pricing/publicOnDemandCost", "", false},
    {"ListUnitPrice", "decimal", R::kCopy, "pricing_public_on_demand_rate", "pricing/publicOnDemandRate", "", false},
    {"PricingCategory", "string", R::kComputed, "pricing_term", "pricing/term",
     "OnDemand -> Standard; Reserved -> Committed; empty -> empty; else Other", false},
    {"PricingQuantity", "decimal", R::kCopy, "line_item_usage_amount", "lineItem/UsageAmount", "", false},
    {"PricingUnit", "string", R::kCopy, "pricing_unit", "pricing/unit", "", false},
    {"ProviderName", "string", R::kConstant, "", "", "AWS", false},
    {"PublisherName", "string", R::kCopy, "bill_billing_entity", "bill/BillingEntity", "", false},
    {"RegionId", "string", R::kCopy, "product.region", "product/region", "", false},
    {"RegionName", "string", R::kCopy, "product.location", "product/location", "", false},
    {"ResourceId", "string", R::kCopy, "line_item_resource_id", "lineItem/ResourceId", "", false},
    {"ServiceCategory", "string", R::kEmpty, "", "", "CUR has no service category column", false},
    {"ServiceName", "string", R::kCopy, "product.product_name", "product/ProductName", "", false},
    {"SkuId", "string", R::kCopy, "product.sku", "product/sku", "", false},
    {"SubAccountId", "string", R::kCopy, "line_item_usage_account_id", "lineItem/UsageAccountId", "", false},
    {"Tags", "map", R::kComputed, "resource_tags", "resourceTags/*",
     "CUR 2.0: resource_tags as it is; legacy: a JSON object of the resourceTags/<key> columns with a value, keys "
     "as AWS writes them (\"user:Team\", \"aws:createdBy\"), {} when none",
     false},
    {"x_Operation", "string", R::kCopy, "line_item_operation", "lineItem/Operation", "", false},
    {"x_ServiceCode", "string", R::kCopy, "line_item_product_code", "lineItem/ProductCode", "", false},
    {"x_UsageType", "string", R::kCopy, "line_item_usage_type", "lineItem/UsageType", "", false},
}};

bool AnyOf(std::string_view value, std::initializer_list<std::string_view> choices) {
  return std::find(choices.begin(), choices.end(), value) != choices.end();
}

}  // namespace

std::span<const FocusColumnSource> FocusMapping() { return kMapping; }

const FocusColumnSource* FindFocusColumn(std::string_view focus_column) {
  for (const FocusColumnSource& c : kMapping) {
    if (c.focus_column == focus_column) return &c;
  }
  return nullptr;
}

std::string_view FocusChargeCategory(std::string_view type) {
  if (type == "Tax") return "Tax";
  if (AnyOf(type, {"Credit", "Refund"})) return "Credit";
  if (AnyOf(type, {"Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee"})) return "Purchase";
  return "Usage";
}

std::string_view FocusChargeFrequency(std::string_view type) {
  if (AnyOf(type, {"Fee", "RIFee", "SavingsPlanRecurringFee"})) return "Recurring";
  if (AnyOf(type, {"Tax", "Credit", "Refund", "SavingsPlanUpfrontFee"})) return "One-Time";
  return "Usage-Based";
}

std::string_view FocusPricingCategory(std::string_view term) {
  if (term.empty()) return "";
  if (term == "OnDemand") return "Standard";
  if (term == "Reserved") return "Committed";
  return "Other";
}

}  // namespace billpipe::cur
