#include "curgen/generator.h"

#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <regex>
#include <string_view>

#include <fmt/core.h>

#include "cur/column_catalog.h"
#include "cur/manifest.h"
#include "curgen/fixed_decimal.h"
#include "curgen/random.h"
#include "curgen/service_catalog.h"

namespace billpipe::curgen {
namespace {

using Json = nlohmann::ordered_json;
constexpr int64_t kUnit = Decimal10::kScale;
constexpr size_t kFlushBytes = 1 << 20;  // CSV text handed to the compressor at a time
constexpr int kUsageAccounts = 4;

// ---------------------------------------------------------------------------------------------------
// Calendar

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[static_cast<size_t>(m - 1)];
}

struct BillingMonth {
  int index = 0;      // 0-based among the generated months
  int year = 0;
  int month = 0;
  int days = 0;
  int next_year = 0;
  int next_month = 0;
  int64_t absolute = 0;  // year * 12 + month - 1: seeds and tag drift depend on the calendar month
  std::vector<std::string> day_dates;  // "2019-12-01" ... and the next month's first day at [days]

  std::string PeriodFolder() const {
    return fmt::format("{:04d}{:02d}01-{:04d}{:02d}01", year, month, next_year, next_month);
  }
  std::string ManifestInstant(bool end) const {
    return end ? fmt::format("{:04d}{:02d}01T000000.000Z", next_year, next_month)
               : fmt::format("{:04d}{:02d}01T000000.000Z", year, month);
  }
};

BillingMonth MakeMonth(int index, int start_year, int start_month) {
  BillingMonth b;
  b.index = index;
  int zero_based = start_year * 12 + (start_month - 1) + index;
  b.year = zero_based / 12;
  b.month = zero_based % 12 + 1;
  b.next_year = (zero_based + 1) / 12;
  b.next_month = (zero_based + 1) % 12 + 1;
  b.days = DaysInMonth(b.year, b.month);
  b.absolute = zero_based;
  for (int d = 1; d <= b.days; ++d) b.day_dates.push_back(fmt::format("{:04d}-{:02d}-{:02d}", b.year, b.month, d));
  b.day_dates.push_back(fmt::format("{:04d}-{:02d}-01", b.next_year, b.next_month));
  return b;
}

void AppendTimestamp(std::string& out, const BillingMonth& m, int day, int hour) {
  if (hour == 24) {
    ++day;
    hour = 0;
  }
  out += m.day_dates[static_cast<size_t>(day)];
  out.push_back('T');
  out.push_back(static_cast<char>('0' + hour / 10));
  out.push_back(static_cast<char>('0' + hour % 10));
  out += ":00:00Z";
}

// ---------------------------------------------------------------------------------------------------
// Text helpers

// CSV as AWS writes it: a field is quoted only when it holds a comma, quote or line break.
bool NeedsQuotes(std::string_view v) {
  for (char c : v) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void AppendCsvField(std::string& out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out += v;
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

std::string Hex(Random& r, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  uint64_t bits = 0;
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = r.Next();
    s.push_back(kHex[bits & 15]);
    bits >>= 4;
  }
  return s;
}

std::string UpperHex(Random& r, int digits) {
  std::string s = Hex(r, digits);
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Uuid(Random& r) {
  std::string h = Hex(r, 32);
  h[12] = '4';  // version 4 layout, as AWS's assembly ids look
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// A 12-digit account id that does not start with 0.
std::string AccountId(Random& r) { return std::to_string(100'000'000'000ULL + r.Below(900'000'000'000ULL)); }

// The rate as AWS prints it in descriptions: "0.096", "0.0000166667".
std::string TrimmedRate(Decimal10 rate) {
  std::string s = rate.ToString();
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// identity/LineItemId: 52 characters of lowercase base32, like AWS's.
void AppendLineItemId(std::string& out, Random& r) {
  static constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";
  uint64_t bits = 0;
  for (int i = 0; i < 52; ++i) {
    if (i % 12 == 0) bits = r.Next();
    out.push_back(kBase32[bits & 31]);
    bits >>= 5;
  }
}

// ---------------------------------------------------------------------------------------------------
// Columns

// Catalog positions of the columns the generator fills line by line.
struct Col {
  static size_t Find(std::string_view category, std::string_view name) {
    auto i = cur::FindCatalogColumn(category, name);
    return i ? *i : SIZE_MAX;
  }
  size_t line_item_id = Find("identity", "LineItemId");
  size_t time_interval = Find("identity", "TimeInterval");
  size_t invoice_id = Find("bill", "InvoiceId");
  size_t billing_entity = Find("bill", "BillingEntity");
  size_t bill_type = Find("bill", "BillType");
  size_t payer = Find("bill", "PayerAccountId");
  size_t bp_start = Find("bill", "BillingPeriodStartDate");
  size_t bp_end = Find("bill", "BillingPeriodEndDate");
  size_t usage_account = Find("lineItem", "UsageAccountId");
  size_t line_item_type = Find("lineItem", "LineItemType");
  size_t usage_start = Find("lineItem", "UsageStartDate");
  size_t usage_end = Find("lineItem", "UsageEndDate");
  size_t product_code = Find("lineItem", "ProductCode");
  size_t usage_type = Find("lineItem", "UsageType");
  size_t operation = Find("lineItem", "Operation");
  size_t az = Find("lineItem", "AvailabilityZone");
  size_t resource_id = Find("lineItem", "ResourceId");
  size_t usage_amount = Find("lineItem", "UsageAmount");
  size_t normalization_factor = Find("lineItem", "NormalizationFactor");
  size_t normalized_amount = Find("lineItem", "NormalizedUsageAmount");
  size_t currency = Find("lineItem", "CurrencyCode");
  size_t unblended_rate = Find("lineItem", "UnblendedRate");
  size_t unblended_cost = Find("lineItem", "UnblendedCost");
  size_t blended_rate = Find("lineItem", "BlendedRate");
  size_t blended_cost = Find("lineItem", "BlendedCost");
  size_t description = Find("lineItem", "LineItemDescription");
  size_t tax_type = Find("lineItem", "TaxType");
  size_t legal_entity = Find("lineItem", "LegalEntity");
  size_t lease_length = Find("pricing", "LeaseContractLength");
  size_t offering_class = Find("pricing", "OfferingClass");
  size_t purchase_option = Find("pricing", "PurchaseOption");
  size_t public_cost = Find("pricing", "publicOnDemandCost");
  size_t public_rate = Find("pricing", "publicOnDemandRate");
  size_t term = Find("pricing", "term");
  size_t unit = Find("pricing", "unit");
  size_t ri_effective_cost = Find("reservation", "EffectiveCost");
  size_t ri_arn = Find("reservation", "ReservationARN");
  size_t ri_start = Find("reservation", "StartTime");
  size_t ri_end = Find("reservation", "EndTime");
  size_t sp_arn = Find("savingsPlan", "SavingsPlanARN");
  size_t sp_rate = Find("savingsPlan", "SavingsPlanRate");
  size_t sp_effective_cost = Find("savingsPlan", "SavingsPlanEffectiveCost");
  size_t stack_name = Find("resourceTags", "aws:cloudformation:stack-name");
  size_t stack_id = Find("resourceTags", "aws:cloudformation:stack-id");
  size_t logical_id = Find("resourceTags", "aws:cloudformation:logical-id");
  size_t asg_name = Find("resourceTags", "aws:autoscaling:groupName");
};

// The catalog's product columns are one contiguous run; a line copies them as one pre-joined block.
struct ProductColumns {
  size_t begin = 0;  // first product column
  size_t end = 0;    // one past the last
};

Result<ProductColumns> FindProductColumns() {
  ProductColumns p;
  auto catalog = cur::ColumnCatalog();
  while (p.begin < catalog.size() && catalog[p.begin].category != "product") ++p.begin;
  p.end = p.begin;
  while (p.end < catalog.size() && catalog[p.end].category == "product") ++p.end;
  for (size_t i = p.end; i < catalog.size(); ++i) {
    if (catalog[i].category == "product") return Fail(ErrorCode::kInternal, "product columns are not contiguous");
  }
  return p;
}

// The product column values of one kind of usage in one region, CSV-ready and joined by commas.
using ProductRow = std::string;

Result<ProductRow> BuildProductRow(std::span<const ProductField> fields, const Region& region,
                                   std::string_view usage_type) {
  std::vector<std::string> row(cur::kCatalogColumnCount);
  for (const auto& f : fields) {
    auto pos = cur::FindCatalogColumn("product", f.name);
    if (!pos) return Fail(ErrorCode::kInternal, fmt::format("product/{} is not in the column catalog", f.name));
    std::string v(f.value);
    v = ReplaceAll(v, "{region}", region.code);
    v = ReplaceAll(v, "{location}", region.location);
    v = ReplaceAll(v, "{usagetype}", usage_type);
    row[*pos].clear();
    AppendCsvField(row[*pos], v);
  }
  BP_ASSIGN_OR_RETURN(ProductColumns range, FindProductColumns());
  std::string joined;
  for (size_t c = range.begin; c < range.end; ++c) {
    if (c != range.begin) joined.push_back(',');
    joined += row[c];
  }
  return joined;
}

std::string RegionalUsageType(const UsageKind& k, const Region& r) {
  return k.regional ? std::string(r.usage_type_prefix) + std::string(k.usage_type) : std::string(k.usage_type);
}

// Which user tags a calendar month has: user:Team always, the others come and go.
std::vector<size_t> ActiveUserTags(const BillingMonth& m, bool drift) {
  std::vector<size_t> active;
  auto tags = UserTags();
  for (size_t t = 0; t < tags.size(); ++t) {
    bool on = true;
    if (drift) {
      switch (t) {
        case 0: on = true; break;
        case 1: on = m.absolute % 2 == 0; break;      // every other month
        case 2: on = m.absolute % 3 != 1; break;
        case 3: on = m.absolute % 4 < 2; break;
        default: on = m.absolute % 5 != 0; break;
      }
    }
    if (on) active.push_back(t);
  }
  return active;
}

// ---------------------------------------------------------------------------------------------------
// Line items

enum class LineType {
  kUsage,
  kDiscountedUsage,
  kSavingsPlanCoveredUsage,
  kSavingsPlanNegation,
  kTax,
  kCredit,
  kRefund,
  kFee,
  kRIFee,
};

std::string_view LineTypeName(LineType t) {
  switch (t) {
    case LineType::kUsage: return "Usage";
    case LineType::kDiscountedUsage: return "DiscountedUsage";
    case LineType::kSavingsPlanCoveredUsage: return "SavingsPlanCoveredUsage";
    case LineType::kSavingsPlanNegation: return "SavingsPlanNegation";
    case LineType::kTax: return "Tax";
    case LineType::kCredit: return "Credit";
    case LineType::kRefund: return "Refund";
    case LineType::kFee: return "Fee";
    case LineType::kRIFee: return "RIFee";
  }
  return "Usage";
}

constexpr std::array<std::string_view, 3> kCreditDescriptions = {
    "AWS Activate Credits", "AWS Promotional Credit, \"Startups\" program", "Credit for service event, case 4821"};

constexpr size_t kLineTypeCount = 9;

// Totals of one assembly while it is written: flat arrays instead of maps, folded into a PeriodTotals
// once the assembly is complete (map lookups per line would halve the generator's speed).
struct LineTotals {
  uint64_t rows = 0;
  Decimal10 unblended_cost;
  Decimal10 blended_cost;
  Decimal10 usage_amount;
  CountAndCost with_invoice_id;
  CountAndCost without_invoice_id;
  std::vector<std::pair<std::string_view, CountAndCost>> by_product_code;  // few entries: linear search
  std::array<CountAndCost, 31> by_day;                                     // by day of month - 1
  std::array<CountAndCost, kLineTypeCount> by_type;

  void AddProduct(std::string_view code, Decimal10 cost) {
    for (auto& [c, v] : by_product_code) {
      if (c == code) {
        v.Add(cost);
        return;
      }
    }
    by_product_code.emplace_back(code, CountAndCost{});
    by_product_code.back().second.Add(cost);
  }
};

// Everything fixed for a whole run: accounts, templates, ids.
struct RunContext {
  const CurgenOptions* options = nullptr;
  Col col;
  std::string payer;
  std::array<std::string, kUsageAccounts> accounts;
  std::string report_id;
  std::vector<std::vector<ProductRow>> usage_products;  // [kind][region]
  std::vector<std::vector<std::string>> usage_types;    // [kind][region]
  std::vector<std::vector<std::string>> descriptions;   // [kind][region], with the rate
  std::vector<ProductRow> fee_products;                 // [fee]
  std::vector<std::vector<ProductRow>> sparse_products; // [kind][region]: ProductName, servicecode, region
  ProductRow support_sparse;
  std::vector<uint32_t> cumulative_weights;
  std::string ri_arn_suffix;
  std::string sp_arn;
  ProductColumns product_columns;
  std::vector<size_t> other_columns;  // catalog positions of the non-product columns
  // A small fleet of resources per [kind][region][account], so ids repeat across lines as in real reports.
  static constexpr size_t kFleetSize = 40;
  std::vector<std::vector<std::vector<std::vector<std::string>>>> resource_ids;
};

std::string ResourceId(const CurgenOptions& o, ResourceKind kind, const Region& region, const std::string& account,
                       uint64_t n) {
  Random rr(o.seed, 0x7e50u + static_cast<uint64_t>(kind), n);
  std::string id;
  switch (kind) {
    case ResourceKind::kNone: break;
    case ResourceKind::kEc2Instance: id = "i-0" + Hex(rr, 16); break;
    case ResourceKind::kEbsVolume: id = "vol-0" + Hex(rr, 16); break;
    case ResourceKind::kS3Bucket: id = fmt::format("acme-{}-{}", n % 2 ? "logs" : "data-lake", n); break;
    case ResourceKind::kRdsDb: id = fmt::format("arn:aws:rds:{}:{}:db:orders-prod-{}", region.code, account, n % 5); break;
    case ResourceKind::kLambda:
      id = fmt::format("arn:aws:lambda:{}:{}:function:thumbnailer-{}", region.code, account, n);
      break;
    case ResourceKind::kDynamoTable:
      id = fmt::format("arn:aws:dynamodb:{}:{}:table/sessions-{}", region.code, account, n % 8);
      break;
    case ResourceKind::kNatGateway:
      id = fmt::format("arn:aws:ec2:{}:{}:natgateway/nat-0{}", region.code, account, Hex(rr, 16));
      break;
    case ResourceKind::kCloudFront:
      id = fmt::format("arn:aws:cloudfront::{}:distribution/E{}", account, UpperHex(rr, 13));
      break;
  }
  return id;
}

Result<RunContext> MakeRunContext(const CurgenOptions& o) {
  RunContext c;
  c.options = &o;
  Random r(o.seed, 0xacc0u, 0);
  c.payer = AccountId(r);
  c.accounts[0] = c.payer;
  for (int i = 1; i < kUsageAccounts; ++i) c.accounts[static_cast<size_t>(i)] = AccountId(r);
  c.report_id = Hex(r, 64);
  c.ri_arn_suffix = Uuid(r);
  c.sp_arn = "arn:aws:savingsplans::" + c.payer + ":savingsplan/" + Uuid(r);
  auto catalog = cur::ColumnCatalog();
  BP_ASSIGN_OR_RETURN(c.product_columns, FindProductColumns());
  for (size_t i = 0; i < catalog.size(); ++i) {
    if (catalog[i].category != "product") c.other_columns.push_back(i);
  }
  uint32_t total = 0;
  for (const auto& kind : UsageKinds()) {
    std::vector<ProductRow> by_region;
    std::vector<ProductRow> sparse_by_region;
    std::vector<std::string> types;
    std::vector<std::string> descs;
    for (const auto& region : Regions()) {
      std::string ut = RegionalUsageType(kind, region);
      BP_ASSIGN_OR_RETURN(auto row, BuildProductRow(kind.product, region, ut));
      by_region.push_back(std::move(row));
      std::array<ProductField, 3> sparse = {ProductField{"ProductName", kind.product_name},
                                            ProductField{"servicecode", kind.product_code},
                                            ProductField{"region", kind.regional ? "{region}" : ""}};
      BP_ASSIGN_OR_RETURN(auto srow, BuildProductRow(sparse, region, ut));
      sparse_by_region.push_back(std::move(srow));
      std::string d = ReplaceAll(std::string(kind.description), "{rate}",
                                 TrimmedRate(Decimal10::FromUnits(kind.rate_units)));
      d = ReplaceAll(d, "{region}", region.code);
      d = ReplaceAll(d, "{location}", region.location);
      types.push_back(std::move(ut));
      descs.push_back(std::move(d));
    }
    c.usage_products.push_back(std::move(by_region));
    c.sparse_products.push_back(std::move(sparse_by_region));
    c.usage_types.push_back(std::move(types));
    c.descriptions.push_back(std::move(descs));
    total += kind.weight;
    c.cumulative_weights.push_back(total);
  }
  for (const auto& kind : UsageKinds()) {
    auto& by_region = c.resource_ids.emplace_back();
    for (const auto& region : Regions()) {
      auto& by_account = by_region.emplace_back();
      for (const auto& account : c.accounts) {
        auto& fleet = by_account.emplace_back();
        for (uint64_t n = 0; n < RunContext::kFleetSize; ++n) fleet.push_back(ResourceId(o, kind.resource, region, account, n));
      }
    }
  }
  for (const auto& fee : MonthlyFees()) {
    BP_ASSIGN_OR_RETURN(auto row, BuildProductRow(fee.product, Regions()[0], fee.usage_type));
    c.fee_products.push_back(std::move(row));
  }
  return c;
}

// Builds the CSV text of one line and accumulates totals. One per month; reused for every line.
class LineWriter {
 public:
  LineWriter(const RunContext& run, const BillingMonth& month, std::vector<size_t> user_tags)
      : run_(run), col_(run.col), month_(month), user_tags_(std::move(user_tags)),
        fields_(cur::kCatalogColumnCount), tag_values_(user_tags_.size()) {
    const auto& o = *run.options;
    invoice_id_ = std::to_string(100'000'000 + Random(o.seed, 0x1a40u, static_cast<uint64_t>(month.absolute)).Below(900'000'000));
    marketplace_invoice_id_ = fmt::format("EUINUS{:02d}-{:06d}", month.year % 100,
        Random(o.seed, 0x3a40u, static_cast<uint64_t>(month.absolute)).Below(1'000'000));
    month_interval_ = month.day_dates[0] + "T00:00:00Z/" + month.day_dates[static_cast<size_t>(month.days)] + "T00:00:00Z";
    bp_start_ = month.day_dates[0] + "T00:00:00Z";
    bp_end_ = month.day_dates[static_cast<size_t>(month.days)] + "T00:00:00Z";
  }

  // Header line for this month's columns.
  std::string Header(std::vector<std::string>* columns, std::vector<std::string>* tag_columns) const {
    std::string h;
    auto catalog = cur::ColumnCatalog();
    auto add = [&](const std::string& name) {
      if (!h.empty()) h.push_back(',');
      AppendCsvField(h, name);
      columns->push_back(name);
    };
    for (const auto& c : catalog) add(std::string(c.category) + "/" + std::string(c.name));
    for (size_t t : user_tags_) {
      std::string name = "resourceTags/" + std::string(UserTags()[t].key);
      add(name);
      tag_columns->push_back(name);
    }
    h.push_back('\n');
    return h;
  }

  // Appends line `index` of `total` (the newest version's count) to out. assembly salts the line item
  // id; invoiced fills bill/InvoiceId. When totals is not null the line is added to it.
  void Append(std::string& out, uint64_t index, uint64_t total, int assembly, bool invoiced, LineTotals& totals) {
    const auto& o = *run_.options;
    Random r(o.seed, static_cast<uint64_t>(month_.absolute), index);
    for (size_t c : run_.other_columns) fields_[c].clear();
    for (auto& t : tag_values_) t.clear();

    // Lines are spread evenly over the days of the month in order, so that a prefix of the lines is
    // a month-to-date report.
    int day = static_cast<int>(index * static_cast<uint64_t>(month_.days) / total);
    uint64_t pick = r.Below(1000);
    LineType type = LineType::kUsage;
    if (pick < 12) type = LineType::kTax;
    else if (pick < 20) type = LineType::kCredit;
    else if (pick < 24) type = LineType::kRefund;
    else if (pick < 28) type = LineType::kFee;
    else if (pick < 30) type = LineType::kRIFee;

    size_t kind_index = 0;
    uint64_t w = r.Below(run_.cumulative_weights.back());
    while (run_.cumulative_weights[kind_index] <= w) ++kind_index;
    const UsageKind& kind = UsageKinds()[kind_index];
    size_t region_index = kind.regional ? r.Below(Regions().size()) : 0;
    const Region& region = Regions()[region_index];
    size_t account_index = r.Below(kUsageAccounts);
    const std::string& account = run_.accounts[account_index];
    if (type == LineType::kUsage && kind.reservable) {
      uint64_t cover = r.Below(100);
      if (cover < 10) type = LineType::kDiscountedUsage;
      else if (cover < 18) type = LineType::kSavingsPlanCoveredUsage;
      else if (cover < 22) type = LineType::kSavingsPlanNegation;
    }

    Random id_random(o.seed ^ 0x5eedULL, static_cast<uint64_t>(month_.absolute) * 1024 + static_cast<uint64_t>(assembly), index);
    AppendLineItemId(fields_[col_.line_item_id], id_random);
    F(col_.billing_entity) = "AWS";
    F(col_.bill_type) = "Anniversary";
    F(col_.payer) = run_.payer;
    F(col_.bp_start) = bp_start_;
    F(col_.bp_end) = bp_end_;
    F(col_.usage_account) = account;
    F(col_.currency) = "USD";
    AppendCsvField(F(col_.legal_entity), "Amazon Web Services, Inc.");
    std::string_view product_code = kind.product_code;
    const ProductRow* product = &run_.usage_products[kind_index][region_index];

    Decimal10 amount, unblended_rate, unblended_cost, blended_rate, blended_cost;
    bool rates = true;
    int usage_day = day;
    bool monthly = false;

    switch (type) {
      case LineType::kUsage:
      case LineType::kDiscountedUsage:
      case LineType::kSavingsPlanCoveredUsage:
      case LineType::kSavingsPlanNegation: {
        int hour = 0;
        int hours = 24;
        if (o.time_unit == TimeUnit::kHourly) {
          hour = static_cast<int>(r.Below(24));
          hours = 1;
        }
        AppendTimestamp(F(col_.usage_start), month_, day, hour);
        AppendTimestamp(F(col_.usage_end), month_, day, hour + hours);
        F(col_.time_interval) = F(col_.usage_start);
        F(col_.time_interval) += '/';
        F(col_.time_interval) += F(col_.usage_end);
        int64_t per_hour = kind.min_amount_units;
        if (kind.max_amount_units > kind.min_amount_units) {
          per_hour = kind.whole_amounts
                         ? r.Between(kind.min_amount_units / kUnit, kind.max_amount_units / kUnit) * kUnit
                         : r.Between(kind.min_amount_units, kind.max_amount_units);
        }
        amount = Decimal10::FromUnits(static_cast<Int128>(per_hour) * hours);
        Decimal10 rate = Decimal10::FromUnits(kind.rate_units);
        F(col_.product_code) = kind.product_code;
        F(col_.usage_type) = run_.usage_types[kind_index][region_index];
        F(col_.operation) = kind.operation;
        if (kind.has_availability_zone) {
          auto& az = F(col_.az);
          az = region.code;
          az.push_back(region.az_suffixes[r.Below(region.az_suffixes.size())]);
        }
        F(col_.resource_id) = run_.resource_ids[kind_index][region_index][account_index][r.Below(RunContext::kFleetSize)];
        F(col_.term) = "OnDemand";
        F(col_.unit) = kind.unit;
        rate.AppendTo(F(col_.public_rate));
        Decimal10::Multiply(amount, rate).AppendTo(F(col_.public_cost));
        AppendCsvField(F(col_.description), run_.descriptions[kind_index][region_index]);
        unblended_rate = rate;
        blended_rate = rate;
        if (kind.reservable && r.PerMille(200)) {
          // Blended rates mix on-demand and reserved prices across the organisation.
          blended_rate = Decimal10::FromUnits(kind.rate_units / 4 * 3);
        }
        if (type == LineType::kDiscountedUsage) {
          unblended_rate = Decimal10();
          blended_rate = Decimal10();
          F(col_.term) = "Reserved";
          F(col_.lease_length) = "1yr";
          F(col_.offering_class) = "standard";
          F(col_.purchase_option) = "No Upfront";
          F(col_.ri_arn) = kind.product_code == "AmazonRDS"
                               ? fmt::format("arn:aws:rds:{}:{}:ri:reserved-db-postgres-{}", region.code, run_.payer,
                                             run_.ri_arn_suffix.substr(0, 8))
                               : fmt::format("arn:aws:ec2:{}:{}:reserved-instances/{}", region.code, run_.payer,
                                             run_.ri_arn_suffix);
          Decimal10::Multiply(amount, Decimal10::FromUnits(kind.rate_units / 100 * 62)).AppendTo(F(col_.ri_effective_cost));
          F(col_.description).clear();
          AppendCsvField(F(col_.description), fmt::format("{} reserved instance applied",
                                                          run_.usage_types[kind_index][region_index]));
        } else if (type == LineType::kSavingsPlanCoveredUsage || type == LineType::kSavingsPlanNegation) {
          Decimal10 sp_rate = Decimal10::FromUnits(kind.rate_units / 100 * 72);
          F(col_.sp_arn) = run_.sp_arn;
          sp_rate.AppendTo(F(col_.sp_rate));
          if (type == LineType::kSavingsPlanCoveredUsage) {
            Decimal10::Multiply(amount, sp_rate).AppendTo(F(col_.sp_effective_cost));
          } else {
            unblended_rate = -rate;
            blended_rate = -blended_rate;
            F(col_.description) = fmt::format("SavingsPlanNegation used by AccountId : {} and UsageSku : {}",
                                              account, kind.product_code == "AmazonEC2" ? "2S47E3PRB8XVH9QV" : "VZ7V29X35F98VENC");
          }
        }
        unblended_cost = Decimal10::Multiply(amount, unblended_rate);
        blended_cost = Decimal10::Multiply(amount, blended_rate);
        AppendStackTags(kind.resource, region, r);
        AppendUserTags(kind.resource, r);
        break;
      }
      case LineType::kTax:
      case LineType::kCredit:
      case LineType::kRefund: {
        monthly = true;
        rates = false;
        if (type != LineType::kTax) {
          // Credits and refunds go to the big services (EC2 instances or RDS), not to tiny ones.
          kind_index = r.PerMille(700) ? 0 : 7;
          product_code = UsageKinds()[kind_index].product_code;
        }
        const UsageKind& kind = UsageKinds()[kind_index];
        product = &run_.sparse_products[kind_index][region_index];
        F(col_.product_code) = kind.product_code;
        Decimal10 cost = Decimal10::FromUnits(r.Between(100'000'000, 5 * kUnit));  // 0.01 .. 5.00
        if (type == LineType::kTax) {
          F(col_.tax_type) = "Sales";
          F(col_.description) = fmt::format("Tax for product code {}", kind.product_code);
          unblended_cost = cost;
        } else {
          F(col_.usage_type) = run_.usage_types[kind_index][region_index];
          F(col_.operation) = kind.operation;
          if (type == LineType::kCredit) {
            AppendCsvField(F(col_.description), kCreditDescriptions[r.Below(kCreditDescriptions.size())]);
          } else {
            F(col_.bill_type) = "Refund";
            AppendCsvField(F(col_.description),
                           fmt::format("Refund for service interruption in {}, case {}", region.location,
                                       100000 + r.Below(900000)));
          }
          unblended_cost = -cost;
        }
        blended_cost = unblended_cost;
        break;
      }
      case LineType::kFee: {
        monthly = true;
        size_t fee_index = r.Below(MonthlyFees().size());
        const MonthlyFee& fee = MonthlyFees()[fee_index];
        product = &run_.fee_products[fee_index];
        product_code = fee.product_code;
        F(col_.product_code) = fee.product_code;
        F(col_.usage_type) = fee.usage_type;
        F(col_.billing_entity) = fee.billing_entity;
        F(col_.legal_entity).clear();
        AppendCsvField(F(col_.legal_entity), fee.legal_entity);
        AppendCsvField(F(col_.description), fee.description);
        amount = Decimal10::FromInt(1);
        unblended_rate = Decimal10::FromUnits(r.Between(fee.min_cost_units, fee.max_cost_units));
        blended_rate = unblended_rate;
        unblended_cost = unblended_rate;
        blended_cost = unblended_cost;
        break;
      }
      case LineType::kRIFee: {
        monthly = true;
        size_t ec2 = 0;  // UsageKinds()[0]: m5.large Linux
        product = &run_.usage_products[ec2][region_index];
        product_code = "AmazonEC2";
        F(col_.product_code) = "AmazonEC2";
        F(col_.usage_type) = std::string(region.usage_type_prefix) + "HeavyUsage:m5.large";
        F(col_.operation) = "RunInstances";
        F(col_.ri_arn) = fmt::format("arn:aws:ec2:{}:{}:reserved-instances/{}", region.code, run_.payer, run_.ri_arn_suffix);
        F(col_.ri_start) = "2019-03-14T09:21:07.000Z";
        F(col_.ri_end) = "2022-03-14T09:21:06.000Z";
        F(col_.term) = "Reserved";
        F(col_.lease_length) = "1yr";
        F(col_.offering_class) = "standard";
        F(col_.purchase_option) = "No Upfront";
        F(col_.unit) = "Hrs";
        AppendCsvField(F(col_.description), "USD 0.0600 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance");
        amount = Decimal10::FromInt(r.Between(1, 4) * month_.days * 24);  // 1 to 4 reservations all month
        unblended_rate = Decimal10::FromUnits(600'000'000);  // 0.06
        blended_rate = unblended_rate;
        unblended_cost = Decimal10::Multiply(amount, unblended_rate);
        blended_cost = unblended_cost;
        break;
      }
    }

    if (monthly) {
      usage_day = 0;
      F(col_.time_interval) = month_interval_;
      F(col_.usage_start) = bp_start_;
      if (type == LineType::kFee || type == LineType::kRIFee) {
        F(col_.usage_end) = month_.day_dates[static_cast<size_t>(month_.days - 1)] + "T23:59:59Z";
      } else {
        F(col_.usage_end) = bp_end_;
      }
    }
    LineType shown = type;
    F(col_.line_item_type) = LineTypeName(shown);
    const std::string& invoice =
        F(col_.billing_entity) == "AWS Marketplace" ? marketplace_invoice_id_ : invoice_id_;
    if (invoiced) F(col_.invoice_id) = invoice;
    amount.AppendTo(F(col_.usage_amount));
    if (rates) {
      unblended_rate.AppendTo(F(col_.unblended_rate));
      blended_rate.AppendTo(F(col_.blended_rate));
    }
    unblended_cost.AppendTo(F(col_.unblended_cost));
    blended_cost.AppendTo(F(col_.blended_cost));

    // The line: sized first, then copied in one pass (no per-character appends).
    const ProductColumns& pc = run_.product_columns;
    size_t length = pc.begin + 1 + (fields_.size() - pc.end) + tag_values_.size() + product->size();
    for (size_t c : run_.other_columns) length += fields_[c].size();
    for (const auto& t : tag_values_) length += t.size();
    size_t at = out.size();
    out.resize(at + length);
    char* p = out.data() + at;
    auto put = [&p](const std::string& v) {
      if (!v.empty()) {
        std::memcpy(p, v.data(), v.size());
        p += v.size();
      }
    };
    for (size_t c = 0; c < pc.begin; ++c) {
      put(fields_[c]);
      *p++ = ',';
    }
    put(*product);
    *p++ = ',';
    for (size_t c = pc.end; c < fields_.size(); ++c) {
      put(fields_[c]);
      *p++ = ',';
    }
    for (const auto& t : tag_values_) {
      put(t);
      *p++ = ',';
    }
    p[-1] = '\n';

    ++totals.rows;
    totals.unblended_cost += unblended_cost;
    totals.blended_cost += blended_cost;
    totals.usage_amount += amount;
    (invoiced ? totals.with_invoice_id : totals.without_invoice_id).Add(unblended_cost);
    totals.AddProduct(product_code, unblended_cost);
    totals.by_day[static_cast<size_t>(usage_day)].Add(unblended_cost);
    totals.by_type[static_cast<size_t>(shown)].Add(unblended_cost);
  }

 private:
  std::string& F(size_t catalog_index) { return fields_[catalog_index]; }

  void AppendStackTags(ResourceKind kind, const Region& region, Random& r) {
    if (kind == ResourceKind::kNone || !r.PerMille(300)) return;
    static constexpr std::array<std::string_view, 3> kStacks = {"web-prod", "data-pipeline", "billing-api"};
    size_t s = r.Below(kStacks.size());
    F(col_.stack_name) = kStacks[s];
    F(col_.stack_id) = fmt::format("arn:aws:cloudformation:{}:{}:stack/{}/{}", region.code, run_.payer, kStacks[s],
                                   "5f2c7b30-1c6e-11ea-9a4f-0a8c2d1e4b6f");
    F(col_.logical_id) = kind == ResourceKind::kEc2Instance ? "WebServerInstance" : "Resource";
    if (kind == ResourceKind::kEc2Instance && r.PerMille(500)) F(col_.asg_name) = std::string(kStacks[s]) + "-asg";
  }

  void AppendUserTags(ResourceKind kind, Random& r) {
    if (kind == ResourceKind::kNone) return;
    for (size_t i = 0; i < user_tags_.size(); ++i) {
      if (!r.PerMille(650)) continue;
      const auto& values = UserTags()[user_tags_[i]].values;
      AppendCsvField(tag_values_[i], values[r.Below(values.size())]);
    }
  }

  const RunContext& run_;
  const Col& col_;
  const BillingMonth& month_;
  std::vector<size_t> user_tags_;
  std::vector<std::string> fields_;      // non-product columns of the current line, CSV-ready
  std::vector<std::string> tag_values_;  // user tag columns of the current line, CSV-ready
  std::string invoice_id_;
  std::string marketplace_invoice_id_;
  std::string month_interval_;
  std::string bp_start_;
  std::string bp_end_;
};

// ---------------------------------------------------------------------------------------------------
// Layout

std::string DataFileName(const CurgenOptions& o, int number) {
  return fmt::format("{}-{:0{}d}{}", o.report_name, number, o.file_number_width, cur::DataFileSuffix({table::DataFormat::kCsv, o.compression}));
}

std::string ReportBase(const CurgenOptions& o) {
  return o.prefix.empty() ? o.report_name : o.prefix + "/" + o.report_name;
}

Status PutSmallObject(ObjectWriter& writer, const std::string& key, const std::string& body,
                      GeneratedReport& report) {
  BP_ASSIGN_OR_RETURN(auto out, writer.Create(key));
  BP_RETURN_IF_ERROR(out->Write(body));
  BP_ASSIGN_OR_RETURN(uint64_t size, out->Close());
  report.objects.push_back({key, size});
  return Ok();
}

Json ManifestJson(const CurgenOptions& o, const RunContext& run, const BillingMonth& m,
                  const std::string& assembly_id, const std::vector<std::string>& columns,
                  const std::vector<std::string>& report_keys) {
  Json j;
  j["assemblyId"] = assembly_id;
  j["account"] = run.payer;
  Json cols = Json::array();
  auto catalog = cur::ColumnCatalog();
  for (size_t i = 0; i < columns.size(); ++i) {
    Json c;
    if (i < catalog.size()) {
      c["category"] = catalog[i].category;
      c["name"] = catalog[i].name;
      c["type"] = catalog[i].type;
    } else {
      c["category"] = "resourceTags";
      c["name"] = columns[i].substr(std::string_view("resourceTags/").size());
      c["type"] = "String";
    }
    cols.push_back(std::move(c));
  }
  j["columns"] = std::move(cols);
  j["charset"] = "UTF-8";
  j["compression"] = codec::CompressionName(o.compression);
  j["contentType"] = "text/csv";
  j["reportId"] = run.report_id;
  j["reportName"] = o.report_name;
  j["billingPeriod"] = Json{{"start", m.ManifestInstant(false)}, {"end", m.ManifestInstant(true)}};
  j["bucket"] = o.bucket;
  j["reportKeys"] = report_keys;
  j["additionalArtifactKeys"] = Json::array();
  return j;
}

// The MS-DOS date and time of the period start, stamped on ZIP members.
ZipMemberInfo ZipMember(const CurgenOptions& o, const BillingMonth& m, int number) {
  ZipMemberInfo z;
  z.name = fmt::format("{}-{:0{}d}.csv", o.report_name, number, o.file_number_width);
  z.dos_date = static_cast<uint16_t>(((m.year - 1980) << 9) | (m.month << 5) | 1);
  z.dos_time = 0;
  return z;
}

// Lines in assembly k (1-based) of K: everything up to a cut-off day; the newest has all lines.
uint64_t AssemblyLines(uint64_t total, int days, int k, int count) {
  if (k == count) return total;
  uint64_t cut_day = static_cast<uint64_t>(days) * static_cast<uint64_t>(k) / static_cast<uint64_t>(count);
  // Line i falls on day i * days / total; lines before cut_day are those with i < ceil(cut*total/days).
  UInt128 n = (static_cast<UInt128>(cut_day) * total + static_cast<uint64_t>(days) - 1) /
                        static_cast<uint64_t>(days);
  return static_cast<uint64_t>(n);
}

Status WriteMonth(const CurgenOptions& o, const RunContext& run, const BillingMonth& m, ObjectWriter& writer,
                  GeneratedReport& report) {
  PeriodTotals totals;
  totals.period = m.PeriodFolder();
  totals.billing_period_start = m.day_dates[0];
  bool month_invoiced = o.month_status[static_cast<size_t>(m.index)] == MonthStatus::kInvoiced;
  LineWriter lines(run, m, ActiveUserTags(m, o.tag_drift));
  std::string header = lines.Header(&totals.columns, &totals.tag_columns);
  std::string period_base = ReportBase(o) + "/" + totals.period;
  int assemblies = o.versioning == Versioning::kCreateNew ? o.assemblies_per_month : 1;
  std::string buffer;
  buffer.reserve(kFlushBytes + (64 << 10));
  Json newest_manifest;

  for (int k = 1; k <= assemblies; ++k) {
    Random ar(o.seed, 0xa55e0000u + static_cast<uint64_t>(k), static_cast<uint64_t>(m.absolute));
    AssemblySummary summary;
    summary.assembly_id = Uuid(ar);
    summary.invoiced = month_invoiced && k == assemblies;
    bool newest = k == assemblies;
    std::string folder = o.versioning == Versioning::kCreateNew ? period_base + "/" + summary.assembly_id : period_base;
    uint64_t count = AssemblyLines(o.line_items_per_month, m.days, k, assemblies);
    LineTotals acc;
    for (int f = 0; f < o.files_per_period; ++f) {
      uint64_t begin = count * static_cast<uint64_t>(f) / static_cast<uint64_t>(o.files_per_period);
      uint64_t end = count * static_cast<uint64_t>(f + 1) / static_cast<uint64_t>(o.files_per_period);
      std::string key = folder + "/" + DataFileName(o, f + 1);
      BP_ASSIGN_OR_RETURN(auto object, writer.Create(key));
      std::unique_ptr<CompressedOutput> out = o.compression == Compression::kGzip
                                                  ? NewGzipOutput(std::move(object))
                                                  : NewZipOutput(std::move(object), ZipMember(o, m, f + 1));
      buffer = header;
      for (uint64_t i = begin; i < end; ++i) {
        lines.Append(buffer, i, o.line_items_per_month, k, summary.invoiced, acc);
        if (buffer.size() >= kFlushBytes) {
          BP_RETURN_IF_ERROR(out->Write(buffer));
          buffer.clear();
        }
      }
      BP_RETURN_IF_ERROR(out->Write(buffer));
      buffer.clear();
      auto size = out->Finish();
      if (!size) return Fail(std::move(size.error()).Context("writing " + writer.Describe(key)));
      report.objects.push_back({key, *size});
      summary.report_keys.push_back(key);
    }
    summary.rows = acc.rows;
    summary.unblended_cost = acc.unblended_cost;
    if (newest) {
      totals.rows = acc.rows;
      totals.unblended_cost = acc.unblended_cost;
      totals.blended_cost = acc.blended_cost;
      totals.usage_amount = acc.usage_amount;
      totals.with_invoice_id = acc.with_invoice_id;
      totals.without_invoice_id = acc.without_invoice_id;
      for (const auto& [code, v] : acc.by_product_code) totals.by_product_code[std::string(code)] = v;
      for (size_t d = 0; d < acc.by_day.size(); ++d) {
        if (acc.by_day[d].rows > 0) totals.by_usage_day[m.day_dates[d]] = acc.by_day[d];
      }
      for (size_t t = 0; t < acc.by_type.size(); ++t) {
        if (acc.by_type[t].rows > 0) {
          totals.by_line_item_type[std::string(LineTypeName(static_cast<LineType>(t)))] = acc.by_type[t];
        }
      }
    }
    Json manifest = ManifestJson(o, run, m, summary.assembly_id, totals.columns, summary.report_keys);
    summary.manifest_key = folder + "/" + o.report_name + "-Manifest.json";
    if (o.versioning == Versioning::kCreateNew) {
      BP_RETURN_IF_ERROR(PutSmallObject(writer, summary.manifest_key, manifest.dump(2) + "\n", report));
    }
    if (newest) {
      newest_manifest = std::move(manifest);
      totals.newest_assembly_id = summary.assembly_id;
      totals.invoiced = summary.invoiced;
    }
    totals.assemblies.push_back(std::move(summary));
  }
  // The top-level manifest goes last, as AWS writes it once the assembly is complete.
  totals.top_manifest_key = period_base + "/" + o.report_name + "-Manifest.json";
  BP_RETURN_IF_ERROR(PutSmallObject(writer, totals.top_manifest_key, newest_manifest.dump(2) + "\n", report));
  report.periods.push_back(std::move(totals));
  return Ok();
}

}  // namespace

Status ValidateOptions(const CurgenOptions& o) {
  auto bad = [](std::string msg) { return Fail(ErrorCode::kInvalidArgument, std::move(msg)); };
  static const std::regex kReportName("[0-9A-Za-z!\\-_.*'()]+");
  static const std::regex kPrefix("[0-9A-Za-z!\\-_.*'()/]*");
  static const std::regex kBucket("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  if (!std::regex_match(o.bucket, kBucket)) {
    return bad(fmt::format("bucket '{}' is not a valid S3 bucket name: use 3 to 63 lowercase letters, digits, "
                           "'.' and '-'", o.bucket));
  }
  if (!std::regex_match(o.report_name, kReportName)) {
    return bad(fmt::format("report name '{}' is not valid: use letters, digits and !-_.*'()", o.report_name));
  }
  if (o.prefix.size() > 256 || !std::regex_match(o.prefix, kPrefix) ||
      (!o.prefix.empty() && (o.prefix.front() == '/' || o.prefix.back() == '/')) ||
      o.prefix.find("//") != std::string::npos) {
    return bad(fmt::format("prefix '{}' is not valid: up to 256 of letters, digits, !-_.*'() and '/', "
                           "without a leading, trailing or double '/'", o.prefix));
  }
  if (o.start_year < 2000 || o.start_year > 2200 || o.start_month < 1 || o.start_month > 12) {
    return bad(fmt::format("start month {:04d}-{:02d} is not valid: use YYYY-MM between 2000-01 and 2200-12",
                           o.start_year, o.start_month));
  }
  if (o.months < 1 || o.months > 120) return bad(fmt::format("months must be 1 to 120, not {}", o.months));
  if (o.line_items_per_month < 1) return bad("line items per month must be at least 1");
  if (o.files_per_period < 1 || o.files_per_period > 10000) {
    return bad(fmt::format("files per period must be 1 to 10000, not {}", o.files_per_period));
  }
  if (o.file_number_width < 1 || o.file_number_width > 9) {
    return bad(fmt::format("file number width must be 1 to 9, not {}", o.file_number_width));
  }
  if (o.assemblies_per_month < 1 || o.assemblies_per_month > 100) {
    return bad(fmt::format("assemblies per month must be 1 to 100, not {}", o.assemblies_per_month));
  }
  if (o.versioning == Versioning::kOverwrite && o.assemblies_per_month != 1) {
    return bad("overwrite versioning keeps one version per month: assemblies per month must be 1");
  }
  if (!o.month_status.empty() && o.month_status.size() != static_cast<size_t>(o.months)) {
    return bad(fmt::format("{} month statuses given for {} months: give one per month", o.month_status.size(),
                           o.months));
  }
  return Ok();
}

nlohmann::ordered_json OptionsJson(const CurgenOptions& o) {
  Json j;
  j["seed"] = o.seed;
  j["start_month"] = fmt::format("{:04d}-{:02d}", o.start_year, o.start_month);
  j["months"] = o.months;
  j["line_items_per_month"] = o.line_items_per_month;
  j["time_unit"] = o.time_unit == TimeUnit::kHourly ? "hourly" : "daily";
  j["files_per_period"] = o.files_per_period;
  j["file_number_width"] = o.file_number_width;
  j["compression"] = o.compression == Compression::kGzip ? "gzip" : "zip";
  j["versioning"] = o.versioning == Versioning::kCreateNew ? "create-new" : "overwrite";
  j["assemblies_per_month"] = o.assemblies_per_month;
  j["tag_drift"] = o.tag_drift;
  return j;
}

Result<GeneratedReport> GenerateCur(const CurgenOptions& options, ObjectWriter& writer) {
  BP_RETURN_IF_ERROR(ValidateOptions(options));
  CurgenOptions o = options;
  if (o.month_status.empty()) {
    o.month_status.assign(static_cast<size_t>(o.months), MonthStatus::kInvoiced);
    o.month_status.back() = MonthStatus::kEstimated;
  }
  BP_ASSIGN_OR_RETURN(RunContext run, MakeRunContext(o));
  GeneratedReport report;
  report.bucket = o.bucket;
  report.prefix = o.prefix;
  report.report_name = o.report_name;
  for (int i = 0; i < o.months; ++i) {
    BillingMonth m = MakeMonth(i, o.start_year, o.start_month);
    BP_RETURN_IF_ERROR(WriteMonth(o, run, m, writer, report));
  }
  return report;
}

}  // namespace billpipe::curgen
