// "FOCUS from any report": how each FOCUS 1.2 column is made from a CUR 2.0 export or a legacy CUR report,
// as data (docs/exports.md prints the same table, rendered from it). A column is copied from one source
// column, computed by a rule written in `how`, a constant, or left empty. The loader's FOCUS transform
// (cur/focus_transform.h, --schema focus) reads the legacy_column of each entry (cur2_column follows from
// it, tested) and the CUR generator writes its FOCUS exports by this table too, so that a FOCUS export and
// the CUR it came from agree to the cent.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace billpipe::cur {

enum class FocusRule {
  kCopy,      // the value of cur2_column / legacy_column, as is
  kComputed,  // from the source columns named in `how`
  kConstant,  // `how` is the value
  kEmpty,     // no CUR column carries it: empty (the empty text; NULL for a number or date)
};

struct FocusColumnSource {
  std::string_view focus_column;   // "BilledCost"
  std::string_view type;           // "decimal", "timestamp", "string", "map"
  FocusRule rule = FocusRule::kEmpty;
  std::string_view cur2_column;    // CUR 2.0 source ("line_item_unblended_cost", "product.region" for a
                                   // key of the product map); "" when none
  std::string_view legacy_column;  // legacy CUR header ("lineItem/UnblendedCost"); "" when none
  std::string_view how;            // the rule, the constant, or why it is empty
  bool since_focus_12 = false;     // not in FOCUS 1.0 (InvoiceId)
};

// Every FOCUS column billpipe fills, in the order it writes them (FOCUS 1.2 columns, then AWS's x_ ones).
std::span<const FocusColumnSource> FocusMapping();
const FocusColumnSource* FindFocusColumn(std::string_view focus_column);

// The rules of the computed columns, from a line item type ("Usage", "Tax", ...) or pricing term.
// ChargeCategory: Tax -> Tax; Credit, Refund -> Credit; Fee, RIFee, SavingsPlanUpfrontFee,
// SavingsPlanRecurringFee -> Purchase; anything else -> Usage.
std::string_view FocusChargeCategory(std::string_view line_item_type);
// ChargeFrequency: Fee, RIFee, SavingsPlanRecurringFee -> Recurring; Tax, Credit, Refund,
// SavingsPlanUpfrontFee -> One-Time; anything else -> Usage-Based.
std::string_view FocusChargeFrequency(std::string_view line_item_type);
// PricingCategory: OnDemand -> Standard; Reserved -> Committed; "" -> "" (empty); else Other.
std::string_view FocusPricingCategory(std::string_view pricing_term);

}  // namespace billpipe::cur
