#include "cur/focus_transform.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "cur/column_names.h"
#include "cur/export_layout.h"
#include "cur/export_reader.h"
#include "cur/focus_mapping.h"
#include "cur/json_object_reader.h"
#include "table/batch_transform.h"
#include "table/column_batch.h"

namespace billpipe::cur {
namespace {

using table::Column;
using table::ColumnType;

// How a version's files name the mapping's source columns.
enum class Flavor {
  kLegacyCsv,     // legacy CUR headers: "lineItem/UnblendedCost", tags "resourceTags/user:Team"
  kLegacyAthena,  // legacy CUR for Athena (Parquet): Athena names, tags "resource_tags_user_team"
  kCur2,          // CUR 2.0: Athena names, product attributes in the `product` map, tags in `resource_tags`
};

constexpr std::string_view kLineItemType = "lineItem/LineItemType";
constexpr std::string_view kUnblendedCost = "lineItem/UnblendedCost";
constexpr std::string_view kUsageAmount = "lineItem/UsageAmount";
constexpr std::string_view kPricingUnit = "pricing/unit";
constexpr std::string_view kPricingTerm = "pricing/term";
constexpr std::string_view kReservationArn = "reservation/ReservationARN";
constexpr std::string_view kSavingsPlanArn = "savingsPlan/SavingsPlanARN";
constexpr std::string_view kReservationEffectiveCost = "reservation/EffectiveCost";
constexpr std::string_view kSavingsPlanEffectiveCost = "savingsPlan/SavingsPlanEffectiveCost";
constexpr std::string_view kLegacyTagPrefix = "resourceTags/";
constexpr std::string_view kAthenaTagPrefix = "resource_tags_";
constexpr std::string_view kCur2Tags = "resource_tags";
constexpr std::string_view kCur2Product = "product";
constexpr std::string_view kProductKeyPrefix = "product.";

// What makes one FOCUS column.
enum class Op : uint8_t {
  kText,                  // a text source, as is
  kDecimal,               // a decimal source
  kTimestamp,             // a timestamp source
  kProductText,           // CUR 2.0: a key of the product map
  kConstant,              // FocusColumnSource::how
  kEmpty,                 // nothing: the empty text, or NULL for numbers and dates
  kChargeCategory,        // from the line item type
  kChargeFrequency,       // from the line item type
  kPricingCategory,       // from the pricing term
  kCommitmentDiscountId,  // the reservation ARN, else the savings plan ARN
  kConsumedQuantity,      // the usage amount of Usage lines
  kConsumedUnit,          // the pricing unit of Usage lines
  kEffectiveCost,         // by line item type
  kTags,                  // legacy: a JSON object of the tag columns; CUR 2.0: resource_tags
};

// The mapping's sources that the computed columns read, by slot.
enum Slot : uint8_t {
  kSlotType,
  kSlotUnblended,
  kSlotUsage,
  kSlotUnit,
  kSlotTerm,
  kSlotRiArn,
  kSlotSpArn,
  kSlotRiEffective,
  kSlotSpEffective,
  kSlotCount,
};

struct OutputColumn {
  Op op = Op::kEmpty;
  int source = -1;   // index into FocusPlan::sources (kText, kDecimal, kTimestamp), or a product key index
  std::string_view constant;
};

Flavor FlavorOf(const PeriodVersion& v) {
  if (v.kind_name == "CUR 2.0") return Flavor::kCur2;
  return v.format == table::DataFormat::kParquet ? Flavor::kLegacyAthena : Flavor::kLegacyCsv;
}

std::string SourceName(Flavor flavor, std::string_view legacy_header) {
  switch (flavor) {
    case Flavor::kLegacyCsv: return std::string(legacy_header);
    case Flavor::kLegacyAthena: return AthenaColumnName(legacy_header);
    case Flavor::kCur2: return Cur2SourceName(legacy_header);
  }
  return std::string(legacy_header);
}

bool IsTextType(ColumnType t) {
  return t == ColumnType::kString || t == ColumnType::kOptionalString || t == ColumnType::kInterval;
}

// Everything about the transform that does not depend on one file: shared by every file of the version.
struct FocusPlan {
  Flavor flavor = Flavor::kLegacyCsv;
  std::vector<table::ColumnSchema> schema;  // the FOCUS columns
  std::vector<OutputColumn> outputs;        // one per schema column
  std::vector<std::string> sources;         // source column names the outputs read (not product keys)
  std::vector<ColumnType> source_types;     // as read
  std::vector<std::string> product_keys;    // CUR 2.0: keys of the product map read
  int slots[kSlotCount];                    // index into sources, -1 when the flavor has none
  std::string tag_prefix;                   // legacy: the tag columns' name prefix

  int AddSource(const std::string& name, ColumnType type) {
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i] != name) continue;
      // A column read as a number or date by one output is read so for all.
      if (!IsTextType(type)) source_types[i] = type;
      return static_cast<int>(i);
    }
    sources.push_back(name);
    source_types.push_back(type);
    return static_cast<int>(sources.size() - 1);
  }
  int AddProductKey(const std::string& key) {
    auto it = std::find(product_keys.begin(), product_keys.end(), key);
    if (it != product_keys.end()) return static_cast<int>(it - product_keys.begin());
    product_keys.push_back(key);
    return static_cast<int>(product_keys.size() - 1);
  }
};

std::shared_ptr<FocusPlan> MakePlan(Flavor flavor) {
  auto plan = std::make_shared<FocusPlan>();
  plan->flavor = flavor;
  plan->tag_prefix = flavor == Flavor::kLegacyAthena ? std::string(kAthenaTagPrefix) : std::string(kLegacyTagPrefix);
  const std::pair<Slot, std::pair<std::string_view, ColumnType>> slots[] = {
      {kSlotType, {kLineItemType, ColumnType::kString}},
      {kSlotUnblended, {kUnblendedCost, ColumnType::kOptionalBigDecimal}},
      {kSlotUsage, {kUsageAmount, ColumnType::kOptionalBigDecimal}},
      {kSlotUnit, {kPricingUnit, ColumnType::kString}},
      {kSlotTerm, {kPricingTerm, ColumnType::kString}},
      {kSlotRiArn, {kReservationArn, ColumnType::kString}},
      {kSlotSpArn, {kSavingsPlanArn, ColumnType::kString}},
      {kSlotRiEffective, {kReservationEffectiveCost, ColumnType::kOptionalBigDecimal}},
      {kSlotSpEffective, {kSavingsPlanEffectiveCost, ColumnType::kOptionalBigDecimal}},
  };
  for (const auto& [slot, source] : slots) plan->slots[slot] = plan->AddSource(SourceName(flavor, source.first), source.second);
  for (const FocusColumnSource& c : FocusMapping()) {
    const ColumnType type = FocusColumnType(c.type);
    plan->schema.push_back(table::ColumnSchema{std::string(c.focus_column), type});
    OutputColumn out;
    switch (c.rule) {
      case FocusRule::kEmpty: out.op = Op::kEmpty; break;
      case FocusRule::kConstant:
        out.op = Op::kConstant;
        out.constant = c.how;
        break;
      case FocusRule::kCopy: {
        const std::string name = SourceName(flavor, c.legacy_column);
        if (flavor == Flavor::kCur2 && name.starts_with(kProductKeyPrefix)) {
          out.op = Op::kProductText;
          out.source = plan->AddProductKey(name.substr(kProductKeyPrefix.size()));
          break;
        }
        out.op = type == ColumnType::kDateTime             ? Op::kTimestamp
                 : type == ColumnType::kOptionalBigDecimal ? Op::kDecimal
                                                           : Op::kText;
        out.source = plan->AddSource(name, type);
        break;
      }
      case FocusRule::kComputed: {
        const std::string_view f = c.focus_column;
        out.op = f == "ChargeCategory"         ? Op::kChargeCategory
                 : f == "ChargeFrequency"      ? Op::kChargeFrequency
                 : f == "PricingCategory"      ? Op::kPricingCategory
                 : f == "CommitmentDiscountId" ? Op::kCommitmentDiscountId
                 : f == "ConsumedQuantity"     ? Op::kConsumedQuantity
                 : f == "ConsumedUnit"         ? Op::kConsumedUnit
                 : f == "EffectiveCost"        ? Op::kEffectiveCost
                 : f == "Tags"                 ? Op::kTags
                                               : Op::kEmpty;  // a rule added to the table without code: empty
        break;
      }
    }
    plan->outputs.push_back(out);
  }
  if (flavor == Flavor::kCur2) {
    plan->AddSource(std::string(kCur2Product), ColumnType::kOptionalString);
    plan->AddSource(std::string(kCur2Tags), ColumnType::kOptionalString);
  }
  return plan;
}

// One FOCUS file: the source's batches turned into FOCUS rows. Per batch: views of the source's texts
// where a value is copied, static texts for computed ones, an arena for texts made here (legacy tags as
// JSON, product values with escapes).
class FocusBatchSource final : public table::BatchSource {
 public:
  FocusBatchSource(std::unique_ptr<table::BatchSource> inner, std::shared_ptr<const FocusPlan> plan,
                   const table::BatchSourceOptions& options)
      : inner_(std::move(inner)), plan_(std::move(plan)), policy_(options.policy) {
    const auto& in = inner_->schema();
    std::unordered_map<std::string_view, int> position;
    for (size_t i = 0; i < in.size(); ++i) position.emplace(in[i].name, static_cast<int>(i));
    auto find = [&](std::string_view name) {
      auto it = position.find(name);
      return it == position.end() ? -1 : it->second;
    };
    for (const auto& s : plan_->sources) source_column_.push_back(find(s));
    for (int s = 0; s < kSlotCount; ++s) slot_column_[s] = source_column_[static_cast<size_t>(plan_->slots[s])];
    if (plan_->flavor == Flavor::kCur2) {
      product_column_ = find(kCur2Product);
      tags_column_ = find(kCur2Tags);
    } else {
      for (size_t i = 0; i < in.size(); ++i) {
        const std::string& name = in[i].name;
        if (!name.starts_with(plan_->tag_prefix) || name.size() == plan_->tag_prefix.size()) continue;
        tag_columns_.push_back(static_cast<int>(i));
        std::string key;
        AppendJsonString(std::string_view(name).substr(plan_->tag_prefix.size()), key);
        key.push_back(':');
        tag_keys_.push_back(std::move(key));
      }
    }
    product_values_.resize(plan_->product_keys.size());
  }

  const std::vector<table::ColumnSchema>& schema() const override {
    return inner_->schema().empty() ? empty_ : plan_->schema;
  }
  std::string Describe() const override { return inner_->Describe(); }

  Result<bool> NextBatch(table::ColumnBatch& out) override {
    BP_ASSIGN_OR_RETURN(bool more, inner_->NextBatch(in_));
    if (!more) {
      out.Start(&schema(), 0);
      return false;
    }
    const size_t n = in_.num_rows();
    rows_.clear();
    arena_.clear();
    pending_.clear();
    std::vector<RowError> rejected;
    if (product_column_ >= 0) {
      BP_RETURN_IF_ERROR(ReadProducts(n, rejected));
    } else {
      for (size_t r = 0; r < n; ++r) rows_.push_back(static_cast<uint32_t>(r));
      for (auto& v : product_values_) v.assign(n, std::string_view());
    }
    const size_t m = rows_.size();
    all_rows_ = m == n;
    out.Start(&plan_->schema, m);
    for (size_t i = 0; i < m; ++i) out.set_position(i, in_.line(rows_[i]), in_.offset(rows_[i]));
    for (const auto& e : in_.rejected()) out.add_rejected(e);
    for (auto& e : rejected) out.add_rejected(std::move(e));
    ComputeCategories(m);
    if (!tag_columns_.empty()) BuildLegacyTags(m);
    // Texts made in the arena get their views now that it no longer grows.
    for (const Pending& p : pending_) *p.view = std::string_view(arena_).substr(p.offset, p.length);
    for (size_t c = 0; c < plan_->outputs.size(); ++c) Fill(c, out.mutable_column(c), m);
    return true;
  }

 private:
  struct Pending {
    std::string_view* view;
    size_t offset, length;
  };

  const Column* Source(int column) const {
    return column < 0 ? nullptr : &in_.column(static_cast<size_t>(column));
  }
  const Column* SourceOf(const OutputColumn& o) const {
    return Source(source_column_[static_cast<size_t>(o.source)]);
  }
  const Column* SlotColumn(Slot s) const { return Source(slot_column_[s]); }
  static std::string_view TextAt(const Column* c, size_t r) {
    return c == nullptr || c->is_null(r) ? std::string_view() : c->text[r];
  }

  // CUR 2.0: the product map's values of the keys read, per row; a row whose product is not a JSON object
  // is a bad row (the source's line and the product column).
  Status ReadProducts(size_t n, std::vector<RowError>& rejected) {
    const Column& product = in_.column(static_cast<size_t>(product_column_));
    for (auto& v : product_values_) v.assign(n, std::string_view());
    std::string key;
    for (size_t r = 0; r < n; ++r) {
      const std::string_view text = product.is_null(r) ? std::string_view() : product.text[r];
      bool ok = true;
      if (!text.empty()) {
        JsonObjectReader reader(text);
        JsonMember member;
        while (reader.Next(member)) {
          std::string_view k = member.key;
          if (member.key_escaped) {
            key.clear();
            AppendJsonUnescaped(member.key, key);
            k = key;
          }
          for (size_t i = 0; i < plan_->product_keys.size(); ++i) {
            if (plan_->product_keys[i] != k) continue;
            std::string_view& slot = product_values_[i][r];
            if (member.value_is_null) {
              slot = {};
            } else if (member.value_escaped) {
              const size_t at = arena_.size();
              AppendJsonUnescaped(member.value, arena_);
              pending_.push_back(Pending{&slot, at, arena_.size() - at});
            } else {
              slot = member.value;
            }
          }
        }
        ok = reader.ok();
      }
      if (ok) {
        rows_.push_back(static_cast<uint32_t>(r));
        continue;
      }
      RowError e;
      e.kind = RowErrorKind::kBadValue;
      e.source = inner_->Describe();
      e.line = in_.line(r);
      e.offset = in_.offset(r);
      e.column = product_column_ + 1;
      e.column_name = std::string(kCur2Product);
      e.detail = CheckMapValue(kCur2Product, text).value_or("map column \"product\" is not a JSON object");
      if (policy_ == RowErrorPolicy::kFail) return Fail(e.ToError());
      for (auto& v : product_values_) v[r] = {};
      rejected.push_back(std::move(e));
    }
    return Ok();
  }

  // The charge category of each kept row, from its line item type.
  void ComputeCategories(size_t m) {
    const Column* type = SlotColumn(kSlotType);
    types_.resize(m);
    usage_.resize(m);
    for (size_t i = 0; i < m; ++i) {
      types_[i] = TextAt(type, rows_[i]);
      usage_[i] = FocusChargeCategory(types_[i]) == "Usage";
    }
  }

  // Legacy: each kept row's tag columns with a value as one JSON object ("{}" when none).
  void BuildLegacyTags(size_t m) {
    tags_.assign(m, std::string_view());
    for (size_t i = 0; i < m; ++i) {
      const size_t r = rows_[i], at = arena_.size();
      arena_.push_back('{');
      for (size_t t = 0; t < tag_columns_.size(); ++t) {
        const std::string_view v = TextAt(Source(tag_columns_[t]), r);
        if (v.empty()) continue;
        if (arena_.size() > at + 1) arena_.push_back(',');
        arena_ += tag_keys_[t];
        AppendJsonString(v, arena_);
      }
      arena_.push_back('}');
      pending_.push_back(Pending{&tags_[i], at, arena_.size() - at});
    }
  }

  // Points col.text at `values` (kept rows), made in text_storage.
  template <typename F>
  static void MakeTexts(Column& col, size_t m, F&& value) {
    col.text_storage.resize(m);
    for (size_t i = 0; i < m; ++i) col.text_storage[i] = value(i);
    col.text = col.text_storage;
  }

  void Fill(size_t c, Column& col, size_t m) {
    const OutputColumn& o = plan_->outputs[c];
    col.type = plan_->schema[c].type;
    col.present = true;
    const bool text_out = IsTextType(col.type);
    switch (o.op) {
      case Op::kText: {
        const Column* s = SourceOf(o);
        col.null.assign(m, 0);
        if (s != nullptr && all_rows_) {
          col.text = s->text;  // the source's views; a NULL's view is empty
        } else {
          MakeTexts(col, m, [&](size_t i) { return TextAt(s, rows_[i]); });
        }
        return;
      }
      case Op::kDecimal:
      case Op::kTimestamp: {
        const Column* s = SourceOf(o);
        const bool decimal = o.op == Op::kDecimal;
        if (decimal) col.decimal.resize(m); else col.micros.resize(m);
        col.null.assign(m, 1);
        if (s == nullptr) return;
        for (size_t i = 0; i < m; ++i) {
          const size_t r = rows_[i];
          col.null[i] = s->null[r];
          if (decimal) col.decimal[i] = s->decimal[r]; else col.micros[i] = s->micros[r];
        }
        return;
      }
      case Op::kProductText: {
        const auto& values = product_values_[static_cast<size_t>(o.source)];
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t i) { return values[rows_[i]]; });
        return;
      }
      case Op::kConstant:
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t) { return o.constant; });
        return;
      case Op::kEmpty:
        if (text_out) {
          col.null.assign(m, 0);
          MakeTexts(col, m, [](size_t) { return std::string_view(); });
        } else {
          col.null.assign(m, 1);
          col.decimal.assign(m, table::Decimal());
          col.micros.assign(m, 0);
        }
        return;
      case Op::kChargeCategory:
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t i) { return FocusChargeCategory(types_[i]); });
        return;
      case Op::kChargeFrequency:
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t i) { return FocusChargeFrequency(types_[i]); });
        return;
      case Op::kPricingCategory: {
        const Column* term = SlotColumn(kSlotTerm);
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t i) { return FocusPricingCategory(TextAt(term, rows_[i])); });
        return;
      }
      case Op::kCommitmentDiscountId: {
        const Column *ri = SlotColumn(kSlotRiArn), *sp = SlotColumn(kSlotSpArn);
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t i) {
          std::string_view v = TextAt(ri, rows_[i]);
          return v.empty() ? TextAt(sp, rows_[i]) : v;
        });
        return;
      }
      case Op::kConsumedUnit: {
        const Column* unit = SlotColumn(kSlotUnit);
        col.null.assign(m, 0);
        MakeTexts(col, m, [&](size_t i) { return usage_[i] ? TextAt(unit, rows_[i]) : std::string_view(); });
        return;
      }
      case Op::kConsumedQuantity:
      case Op::kEffectiveCost: {
        col.decimal.resize(m);
        col.null.assign(m, 1);
        for (size_t i = 0; i < m; ++i) {
          const Column* from = nullptr;
          const size_t r = rows_[i];
          if (o.op == Op::kConsumedQuantity) {
            if (usage_[i]) from = SlotColumn(kSlotUsage);
          } else if (types_[i] == "DiscountedUsage") {
            from = SlotColumn(kSlotRiEffective);
          } else if (types_[i] == "SavingsPlanCoveredUsage") {
            from = SlotColumn(kSlotSpEffective);
          } else if (types_[i] == "SavingsPlanNegation") {
            // Zero, at the scale of the line's cost (AWS's negation lines are covered by the plan).
            const Column* cost = SlotColumn(kSlotUnblended);
            const int scale = cost != nullptr && !cost->is_null(r) ? cost->decimal[r].scale() : 0;
            col.decimal[i] = table::Decimal::FromUnscaled(0, scale);
            col.null[i] = 0;
            continue;
          } else {
            from = SlotColumn(kSlotUnblended);
          }
          if (from == nullptr || from->is_null(r)) continue;
          col.decimal[i] = from->decimal[r];
          col.null[i] = 0;
        }
        return;
      }
      case Op::kTags: {
        if (plan_->flavor != Flavor::kCur2) {
          col.null.assign(m, 0);
          col.text = tags_;
          return;
        }
        // CUR 2.0: resource_tags as it is (checked as a JSON object by the loader, as Tags).
        const Column* s = Source(tags_column_);
        col.null.resize(m);
        MakeTexts(col, m, [&](size_t i) { return TextAt(s, rows_[i]); });
        for (size_t i = 0; i < m; ++i) col.null[i] = col.text_storage[i].empty();
        return;
      }
    }
  }

  std::unique_ptr<table::BatchSource> inner_;
  std::shared_ptr<const FocusPlan> plan_;
  RowErrorPolicy policy_;
  std::vector<table::ColumnSchema> empty_;
  std::vector<int> source_column_;  // per plan source: its position in the file, -1 when absent
  int slot_column_[kSlotCount];
  int product_column_ = -1, tags_column_ = -1;
  std::vector<int> tag_columns_;      // legacy tag columns, in file order
  std::vector<std::string> tag_keys_;  // their JSON keys with the colon: "\"user:Team\":"

  // Per batch.
  table::ColumnBatch in_;
  std::vector<uint32_t> rows_;  // the source rows kept, in order
  bool all_rows_ = true;
  std::string arena_;
  std::vector<Pending> pending_;
  std::vector<std::vector<std::string_view>> product_values_;  // per product key, per source row
  std::vector<std::string_view> types_;                         // per kept row: the line item type
  std::vector<uint8_t> usage_;                                  // per kept row: ChargeCategory is Usage
  std::vector<std::string_view> tags_;                          // per kept row: legacy tags JSON
};

class FocusTransform final : public table::BatchTransform {
 public:
  explicit FocusTransform(std::shared_ptr<const FocusPlan> plan) : plan_(std::move(plan)) {}
  std::unique_ptr<table::BatchSource> Apply(std::unique_ptr<table::BatchSource> source,
                                            const table::BatchSourceOptions& options) const override {
    return std::make_unique<FocusBatchSource>(std::move(source), plan_, options);
  }

 private:
  std::shared_ptr<const FocusPlan> plan_;
};

}  // namespace

table::ColumnType FocusColumnType(std::string_view type) {
  if (type == "decimal") return ColumnType::kOptionalBigDecimal;
  if (type == "timestamp") return ColumnType::kDateTime;
  if (type == "map") return ColumnType::kOptionalString;
  return ColumnType::kString;
}

std::string Cur2SourceName(std::string_view legacy_header) {
  std::string name = AthenaColumnName(legacy_header);
  constexpr std::string_view kProduct = "product_";
  if (legacy_header.starts_with("product/") && name.starts_with(kProduct)) {
    return std::string(kProductKeyPrefix) + name.substr(kProduct.size());
  }
  return name;
}

PeriodVersion AsFocus(PeriodVersion version) {
  if (version.kind_name.starts_with("FOCUS")) return version;
  const Flavor flavor = FlavorOf(version);
  std::shared_ptr<FocusPlan> plan = MakePlan(flavor);

  // The files' columns as the transform reads them.
  std::unordered_map<std::string_view, ColumnType> wanted;
  for (size_t i = 0; i < plan->sources.size(); ++i) wanted.emplace(plan->sources[i], plan->source_types[i]);
  version.file_columns = version.columns;
  for (ReportColumn& c : version.file_columns) {
    auto it = wanted.find(c.name);
    if (it != wanted.end()) {
      // Text sources keep a text type of their own (OptionalString: "" is NULL; both give "" here).
      if (!IsTextType(it->second) || !IsTextType(c.type)) c.type = it->second;
    } else if (version.format == table::DataFormat::kCsv) {
      c.type = ColumnType::kString;  // not read: CSV's cheapest, no parsing
    }
  }
  version.columns.clear();
  for (const auto& c : plan->schema) version.columns.push_back(ReportColumn{c.name, c.type});
  const ExportColumnRoles roles = ExportRoles(ExportKind::kFocus12);
  version.roles = ColumnRoles{roles.usage_start, roles.invoice_id, roles.cost, roles.usage_amount, "", {"Tags"}};
  version.dimensions = ExportDimensions(ExportKind::kFocus12);  // the charts group FOCUS columns
  version.keep_column_names = true;
  version.kind_name = version.kind_name + " as FOCUS 1.2";
  version.transform = std::make_shared<FocusTransform>(std::move(plan));
  return version;
}

}  // namespace billpipe::cur
