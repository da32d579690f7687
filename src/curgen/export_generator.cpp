#include "curgen/export_generator.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include <fmt/core.h>

#include "cur/column_catalog.h"
#include "cur/column_names.h"
#include "cur/focus_mapping.h"
#include "cur/report.h"
#include "curgen/compressed_output.h"
#include "curgen/line_items.h"
#include "curgen/random.h"
#include "curgen/service_catalog.h"

namespace billpipe::curgen {
namespace {

using Json = nlohmann::ordered_json;
constexpr size_t kFlushBytes = 1 << 20;  // CSV text handed to the compressor at a time
constexpr int kChunkNumberWidth = 5;     // <export>-00001.csv.gz

// ---------------------------------------------------------------------------------------------------
// Text

void AppendCsvField(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
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

// The value of a CSV-ready field (the model's fields are quoted only when they must be).
std::string Unquote(std::string_view field) {
  if (field.size() < 2 || field.front() != '"') return std::string(field);
  std::string v;
  field = field.substr(1, field.size() - 2);
  for (size_t i = 0; i < field.size(); ++i) {
    v.push_back(field[i]);
    if (field[i] == '"') ++i;  // "" -> "
  }
  return v;
}

// Splits one CSV record (no line break at its end) into values.
std::vector<std::string> SplitCsv(std::string_view row) {
  std::vector<std::string> values(1);
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    char c = row[i];
    if (quoted) {
      if (c != '"') values.back().push_back(c);
      else if (i + 1 < row.size() && row[i + 1] == '"') {
        values.back().push_back('"');
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      values.emplace_back();
    } else {
      values.back().push_back(c);
    }
  }
  return values;
}

// A JSON string: quotes, backslashes and control characters escaped, UTF-8 kept as is.
void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else out.push_back(c);
    }
  }
  out.push_back('"');
}

// {"k":"v",...} of the pairs with a value, in the given order.
std::string JsonObject(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out = "{";
  for (const auto& [k, v] : pairs) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(out, k);
    out.push_back(':');
    AppendJsonString(out, v);
  }
  out.push_back('}');
  return out;
}

std::string Uuid(Random& r) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string h;
  for (int i = 0; i < 2; ++i) {
    uint64_t bits = r.Next();
    for (int j = 0; j < 16; ++j, bits >>= 4) h.push_back(kHex[bits & 15]);
  }
  h[12] = '4';
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// Tag keys and values no tag of the legacy model has: commas, quotes, a line break, a backslash and
// non-ASCII text, as users do write them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kAwkwardTags = {{
    {"user:Cost Center, \"EU\"", "Retail, \"Online\""},
    {"user:Kostenstelle Größe", "Zürich – Büro 7"},
    {"user:チーム", "データ基盤"},
    {"user:note\nsecond line", "C:\\path\\to\nfile"},
}};
constexpr std::array<std::string_view, 3> kBusinessUnits = {"Retail, EU", "Platform \"core\"", "Forschung & Entwicklung"};

std::string_view ManifestType(std::string_view legacy_type) {
  if (legacy_type == "DateTime") return "timestamp";
  if (legacy_type == "BigDecimal" || legacy_type == "OptionalBigDecimal") return "decimal";
  return "string";
}

bool InCur2Map(std::string_view category) {
  return category == "product" || category == "resourceTags" || category == "discount";
}

// ---------------------------------------------------------------------------------------------------
// Columns

struct Cur2Layout {
  std::vector<size_t> catalog_columns;  // legacy columns kept as columns, in order
  std::vector<size_t> aws_tag_columns;  // resourceTags/aws:... columns of the catalog (into resource_tags)
  std::vector<size_t> discount_columns;  // discount/... (into discount)
  std::vector<cur::ExportColumn> columns;
};

Cur2Layout MakeCur2Layout() {
  Cur2Layout l;
  auto catalog = cur::ColumnCatalog();
  for (size_t i = 0; i < catalog.size(); ++i) {
    const auto& c = catalog[i];
    if (c.category == "resourceTags") l.aws_tag_columns.push_back(i);
    if (c.category == "discount") l.discount_columns.push_back(i);
    if (InCur2Map(c.category)) continue;
    l.catalog_columns.push_back(i);
    l.columns.push_back({cur::AthenaColumnName(fmt::format("{}/{}", c.category, c.name)),
                         std::string(ManifestType(c.type))});
  }
  for (const char* map : {"product", "resource_tags", "cost_category", "discount"}) l.columns.push_back({map, "map"});
  return l;
}

std::vector<const cur::FocusColumnSource*> FocusColumns(cur::ExportKind kind) {
  std::vector<const cur::FocusColumnSource*> out;
  for (const auto& c : cur::FocusMapping()) {
    if (c.since_focus_12 && kind != cur::ExportKind::kFocus12) continue;
    out.push_back(&c);
  }
  return out;
}

// The product map and values of one product row of the model, made once per row.
struct ProductInfo {
  std::vector<std::string> values;  // by product column, raw
  std::string json;
};

// ---------------------------------------------------------------------------------------------------
// Lines

class ExportLineWriter {
 public:
  explicit ExportLineWriter(const ExportOptions& o) : o_(o), kind_(o.kind) {
    auto catalog = cur::ColumnCatalog();
    while (product_begin_ < catalog.size() && catalog[product_begin_].category != "product") ++product_begin_;
    product_end_ = product_begin_;
    while (product_end_ < catalog.size() && catalog[product_end_].category == "product") ++product_end_;
    for (size_t i = product_begin_; i < product_end_; ++i) {
      product_keys_.push_back(cur::AthenaColumnName(fmt::format("product/{}", catalog[i].name)).substr(8));
    }
    if (kind_ == cur::ExportKind::kCur2) {
      cur2_ = MakeCur2Layout();
      columns_ = cur2_.columns;
    } else {
      focus_ = FocusColumns(kind_);
      for (const auto* c : focus_) columns_.push_back({std::string(c->focus_column), std::string(c->type)});
    }
  }

  const std::vector<cur::ExportColumn>& columns() const { return columns_; }

  std::string Header() const {
    std::string h;
    for (const auto& c : columns_) {
      if (!h.empty()) h.push_back(',');
      AppendCsvField(h, c.name);
    }
    h.push_back('\n');
    return h;
  }

  // Appends the line as this kind's CSV.
  void Append(std::string& out, const LineItem& line, uint64_t month_key, uint64_t index) {
    const ProductInfo& product = Product(line.product_row);
    std::string tags = Tags(line, month_key, index);
    if (kind_ == cur::ExportKind::kCur2) {
      for (size_t c : cur2_.catalog_columns) {
        out += line.fields[c];
        out.push_back(',');
      }
      AppendCsvField(out, product.json);
      out.push_back(',');
      AppendCsvField(out, tags);
      out.push_back(',');
      AppendCsvField(out, CostCategory(month_key, index));
      out.push_back(',');
      std::vector<std::pair<std::string, std::string>> discounts;
      for (size_t c : cur2_.discount_columns) {
        if (!line.fields[c].empty()) discounts.emplace_back(LowerFirst(cur::ColumnCatalog()[c].name), Unquote(line.fields[c]));
      }
      AppendCsvField(out, JsonObject(discounts));
      out.push_back('\n');
      return;
    }
    bool first = true;
    for (const auto* c : focus_) {
      if (!first) out.push_back(',');
      first = false;
      if (c->focus_column == "Tags") {
        AppendCsvField(out, tags);
        continue;
      }
      AppendCsvField(out, FocusValue(*c, line, product));
    }
    out.push_back('\n');
  }

 private:
  static std::string LowerFirst(std::string_view s) {
    std::string v(s);
    if (!v.empty() && v[0] >= 'A' && v[0] <= 'Z') v[0] = static_cast<char>(v[0] - 'A' + 'a');
    return v;
  }

  const ProductInfo& Product(const std::string* row) {
    auto it = products_.find(row);
    if (it != products_.end()) return it->second;
    ProductInfo info;
    info.values = SplitCsv(*row);
    info.values.resize(product_keys_.size());
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t i = 0; i < product_keys_.size(); ++i) {
      if (!info.values[i].empty()) pairs.emplace_back(product_keys_[i], info.values[i]);
    }
    info.json = JsonObject(pairs);
    return products_.emplace(row, std::move(info)).first->second;
  }

  // The resource tags of a line as a JSON object: the catalog's aws: tags and the month's user tags that
  // have a value, and on some tagged lines one awkward tag.
  std::string Tags(const LineItem& line, uint64_t month_key, uint64_t index) {
    std::vector<std::pair<std::string, std::string>> pairs;
    auto catalog = cur::ColumnCatalog();
    for (size_t c = 0; c < catalog.size(); ++c) {
      if (catalog[c].category != "resourceTags" || line.fields[c].empty()) continue;
      pairs.emplace_back(std::string(catalog[c].name), Unquote(line.fields[c]));
    }
    for (size_t t = 0; t < line.user_tags.size(); ++t) {
      if (line.user_tag_values[t].empty()) continue;
      pairs.emplace_back(std::string(UserTags()[line.user_tags[t]].key), Unquote(line.user_tag_values[t]));
    }
    if (!pairs.empty()) {
      Random r(o_.base.seed, 0x7a65u + month_key, index);
      if (r.PerMille(250)) {
        const auto& [k, v] = kAwkwardTags[r.Below(kAwkwardTags.size())];
        pairs.emplace_back(std::string(k), std::string(v));
      }
    }
    return JsonObject(pairs);
  }

  std::string CostCategory(uint64_t month_key, uint64_t index) const {
    Random r(o_.base.seed, 0xcc00u + month_key, index);
    if (!r.PerMille(400)) return "{}";
    return JsonObject({{"Business Unit", std::string(kBusinessUnits[r.Below(kBusinessUnits.size())])},
                       {"Umgebung (env)", r.PerMille(500) ? "prod" : "dev"}});
  }

  std::string Legacy(const LineItem& line, const ProductInfo& product, std::string_view header) const {
    size_t slash = header.find('/');
    auto category = header.substr(0, slash);
    auto name = header.substr(slash + 1);
    auto pos = cur::FindCatalogColumn(category, name);
    if (!pos) return "";
    if (category == "product") return product.values[*pos - product_begin_];
    return Unquote(line.fields[*pos]);
  }

  std::string FocusValue(const cur::FocusColumnSource& c, const LineItem& line, const ProductInfo& product) const {
    using cur::FocusRule;
    switch (c.rule) {
      case FocusRule::kEmpty: return "";
      case FocusRule::kConstant: return std::string(c.how);
      case FocusRule::kCopy: return Legacy(line, product, c.legacy_column);
      case FocusRule::kComputed: break;
    }
    std::string_view type = line.line_item_type;
    bool usage = cur::FocusChargeCategory(type) == "Usage";
    if (c.focus_column == "ChargeCategory") return std::string(cur::FocusChargeCategory(type));
    if (c.focus_column == "ChargeFrequency") return std::string(cur::FocusChargeFrequency(type));
    if (c.focus_column == "PricingCategory") {
      return std::string(cur::FocusPricingCategory(Legacy(line, product, "pricing/term")));
    }
    if (c.focus_column == "ConsumedQuantity" || c.focus_column == "ConsumedUnit") {
      return usage ? Legacy(line, product, c.legacy_column) : "";
    }
    if (c.focus_column == "CommitmentDiscountId") {
      std::string ri = Legacy(line, product, "reservation/ReservationARN");
      return ri.empty() ? Legacy(line, product, "savingsPlan/SavingsPlanARN") : ri;
    }
    if (c.focus_column == "EffectiveCost") {
      if (type == "DiscountedUsage") return Legacy(line, product, "reservation/EffectiveCost");
      if (type == "SavingsPlanCoveredUsage") return Legacy(line, product, "savingsPlan/SavingsPlanEffectiveCost");
      if (type == "SavingsPlanNegation") return Decimal10().ToString();
      return line.unblended_cost.ToString();
    }
    return "";
  }

  const ExportOptions& o_;
  cur::ExportKind kind_;
  size_t product_begin_ = 0;
  size_t product_end_ = 0;
  std::vector<std::string> product_keys_;
  Cur2Layout cur2_;
  std::vector<const cur::FocusColumnSource*> focus_;
  std::vector<cur::ExportColumn> columns_;
  std::unordered_map<const std::string*, ProductInfo> products_;
};

// ---------------------------------------------------------------------------------------------------
// Layout

struct Totals {
  PeriodTotals* period = nullptr;
  bool newest = false;
  bool has_invoice_column = true;
  const LineItemModel* model = nullptr;
  uint64_t rows = 0;
  Decimal10 cost;

  void Add(const LineItem& line, bool invoiced) {
    ++rows;
    cost += line.unblended_cost;
    if (!newest) return;
    PeriodTotals& p = *period;
    ++p.rows;
    p.unblended_cost += line.unblended_cost;
    p.blended_cost += line.blended_cost;
    p.usage_amount += line.usage_amount;
    (invoiced && has_invoice_column ? p.with_invoice_id : p.without_invoice_id).Add(line.unblended_cost);
    p.by_product_code[std::string(line.product_code)].Add(line.unblended_cost);
    p.by_usage_day[model->DayDate(line.usage_day)].Add(line.unblended_cost);
    p.by_line_item_type[std::string(line.line_item_type)].Add(line.unblended_cost);
  }
};

Status PutObject(ObjectWriter& writer, const std::string& key, std::string_view body, GeneratedReport& report) {
  BP_ASSIGN_OR_RETURN(auto out, writer.Create(key));
  if (!body.empty()) BP_RETURN_IF_ERROR(out->Write(body));
  BP_ASSIGN_OR_RETURN(uint64_t size, out->Close());
  report.objects.push_back({key, size});
  return Ok();
}

class ExportWriter {
 public:
  ExportWriter(const ExportOptions& o, ObjectWriter& writer, LineItemModel& model, GeneratedReport& report)
      : o_(o), writer_(writer), model_(model), report_(report), lines_(o) {
    std::string prefix = o.base.prefix.empty() ? "" : o.base.prefix + "/";
    location_ = {o.base.bucket, prefix, o.base.report_name};
    Random r(o.base.seed, 0xa7e0u, 0);
    std::string account = std::to_string(100'000'000'000ULL + r.Below(900'000'000'000ULL));
    export_arn_ = fmt::format("arn:aws:bcm-data-exports:us-east-1:{}:export/{}-{}", account, o.base.report_name,
                              Uuid(r));
  }

  Status WriteMonth(int index, bool month_invoiced) {
    model_.SelectMonth(index);
    cur::BillingPeriod period = Period();
    uint64_t month_key = static_cast<uint64_t>(model_.year() * 12 + model_.month() - 1);
    PeriodTotals totals;
    totals.period = cur::PartitionName(period);
    totals.billing_period_start = model_.DayDate(0);
    for (const auto& c : lines_.columns()) totals.columns.push_back(c.name);
    bool has_invoice = o_.kind != cur::ExportKind::kFocus10;
    int executions = o_.executions_per_month;
    uint64_t total = o_.base.line_items_per_month;
    bool create_new = o_.delivery == cur::ExportDelivery::kCreateNew;
    totals.top_manifest_key = location_.ManifestKey(period);

    for (int k = 1; k <= executions + (o_.in_progress_execution ? 1 : 0); ++k) {
      bool in_progress = k > executions;
      bool newest = k == executions;
      Random er(o_.base.seed, 0xe8ec0000u + static_cast<uint64_t>(k), month_key);
      AssemblySummary summary;
      summary.assembly_id = Uuid(er);
      summary.invoiced = month_invoiced && newest && has_invoice;
      std::string execution_folder = ExecutionTimestamp(k, executions) + "-" + summary.assembly_id + "/";
      std::string data_folder = location_.DataFolder(period) + (create_new ? execution_folder : "");
      uint64_t count = LineItemModel::VersionLines(total, model_.days(), std::min(k, executions), executions);
      int chunks = o_.base.files_per_period + (!create_new && !newest ? o_.shrink_chunks : 0);
      if (in_progress) {
        count = (count + 1) / 2;
        chunks = 1;
      }
      Totals acc;
      acc.period = &totals;
      acc.newest = newest;
      acc.has_invoice_column = has_invoice;
      acc.model = &model_;
      std::string header = lines_.Header();
      std::string buffer;
      for (int f = 0; f < chunks; ++f) {
        uint64_t begin = count * static_cast<uint64_t>(f) / static_cast<uint64_t>(chunks);
        uint64_t end = count * static_cast<uint64_t>(f + 1) / static_cast<uint64_t>(chunks);
        std::string key = data_folder + ChunkName(f + 1);
        BP_ASSIGN_OR_RETURN(auto object, writer_.Create(key));
        auto out = NewGzipOutput(std::move(object));
        buffer = header;
        for (uint64_t i = begin; i < end; ++i) {
          LineItem line = model_.Line(i, k, summary.invoiced);
          lines_.Append(buffer, line, month_key, i);
          acc.Add(line, summary.invoiced);
          if (buffer.size() >= kFlushBytes) {
            BP_RETURN_IF_ERROR(out->Write(buffer));
            buffer.clear();
          }
        }
        BP_RETURN_IF_ERROR(out->Write(buffer));
        auto size = out->Finish();
        if (!size) return Fail(std::move(size.error()).Context("writing " + writer_.Describe(key)));
        report_.objects.push_back({key, *size});
        summary.report_keys.push_back(key);
      }
      if (in_progress) break;  // its manifests are not written yet
      if (!create_new && newest) {
        // The chunks an earlier, larger delivery wrote beyond this one's are left as empty files.
        for (int f = o_.base.files_per_period; f < o_.base.files_per_period + o_.shrink_chunks; ++f) {
          std::string key = data_folder + ChunkName(f + 1);
          BP_RETURN_IF_ERROR(PutObject(writer_, key, "", report_));
          summary.report_keys.push_back(key);
        }
      }
      summary.rows = acc.rows;
      summary.unblended_cost = acc.cost;
      std::string manifest = ManifestJson(summary).dump(2) + "\n";
      if (create_new) {
        summary.manifest_key = location_.MetadataFolder(period) + execution_folder + o_.base.report_name +
                               "-Manifest.json";
        BP_RETURN_IF_ERROR(PutObject(writer_, summary.manifest_key, manifest, report_));
      } else {
        summary.manifest_key = totals.top_manifest_key;
      }
      // The top-level manifest goes last: AWS writes it once the execution's files are all there.
      BP_RETURN_IF_ERROR(PutObject(writer_, totals.top_manifest_key, manifest, report_));
      if (newest) {
        totals.newest_assembly_id = summary.assembly_id;
        totals.invoiced = summary.invoiced;
      }
      totals.assemblies.push_back(std::move(summary));
    }
    report_.periods.push_back(std::move(totals));
    return Ok();
  }

 private:
  cur::BillingPeriod Period() const {
    using namespace std::chrono;
    year_month ym{year{model_.year()}, month{static_cast<unsigned>(model_.month())}};
    return {sys_days{ym / 1}, sys_days{(ym + months{1}) / 1}};
  }

  std::string ChunkName(int number) const {
    return fmt::format("{}-{:0{}d}.csv.gz", o_.base.report_name, number, kChunkNumberWidth);
  }

  // "20191216T060100Z": execution k of n is delivered on its month-to-date cut-off day (the newest on
  // the next month's first day), a minute later per execution, so key order is delivery order.
  std::string ExecutionTimestamp(int k, int n) const {
    int day = std::min(model_.days(), model_.days() * std::min(k, n) / n);
    std::string date = model_.DayDate(day);
    date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
    return fmt::format("{}T{:02d}{:02d}00Z", date, 6 + k / 60, k % 60);
  }

  Json ManifestJson(const AssemblySummary& summary) const {
    Json j;
    j["executionId"] = summary.assembly_id;
    j["exportArn"] = export_arn_;
    Json columns = Json::array();
    for (const auto& c : lines_.columns()) columns.push_back(Json{{"name", c.name}, {"type", c.type}});
    j["columns"] = std::move(columns);
    Json files = Json::array();
    for (const auto& key : summary.report_keys) files.push_back(cur::S3Url(o_.base.bucket, key));
    j["dataFiles"] = std::move(files);
    j["additionalOutputFiles"] = Json::array();
    return j;
  }

  const ExportOptions& o_;
  ObjectWriter& writer_;
  LineItemModel& model_;
  GeneratedReport& report_;
  ExportLineWriter lines_;
  cur::ExportLocation location_;
  std::string export_arn_;
};

}  // namespace

Status ValidateExportOptions(const ExportOptions& o) {
  auto bad = [](std::string msg) { return Fail(ErrorCode::kInvalidArgument, std::move(msg)); };
  CurgenOptions base = o.base;
  base.versioning = Versioning::kCreateNew;
  base.assemblies_per_month = 1;
  base.compression = Compression::kGzip;
  base.file_number_width = kChunkNumberWidth;
  BP_RETURN_IF_ERROR(ValidateOptions(base));
  if (o.base.compression != Compression::kGzip) return bad("exports are written as gzip CSV: compression must be gzip");
  if (o.delivery == cur::ExportDelivery::kUnknown) return bad("the delivery option must be create-new or overwrite");
  if (o.executions_per_month < 1 || o.executions_per_month > 100) {
    return bad(fmt::format("executions per month must be 1 to 100, not {}", o.executions_per_month));
  }
  if (o.shrink_chunks < 0 || o.shrink_chunks > 100) {
    return bad(fmt::format("shrunk chunks must be 0 to 100, not {}", o.shrink_chunks));
  }
  if (o.shrink_chunks > 0 && (o.delivery != cur::ExportDelivery::kOverwrite || o.executions_per_month < 2)) {
    return bad("shrunk chunks need the overwrite delivery option and at least two executions per month");
  }
  if (o.in_progress_execution && o.delivery != cur::ExportDelivery::kCreateNew) {
    return bad("an execution in progress needs the create-new delivery option");
  }
  return Ok();
}

nlohmann::ordered_json ExportOptionsJson(const ExportOptions& o) {
  Json j = OptionsJson(o.base);
  j.erase("versioning");
  j.erase("assemblies_per_month");
  j.erase("compression");
  j.erase("file_number_width");
  j["kind"] = cur::ExportKindName(o.kind);
  j["delivery"] = cur::ExportDeliveryName(o.delivery);
  j["executions_per_month"] = o.executions_per_month;
  j["shrink_chunks"] = o.shrink_chunks;
  j["in_progress_execution"] = o.in_progress_execution;
  return j;
}

std::vector<std::string> ExportColumnNames(cur::ExportKind kind) {
  ExportOptions o;
  o.kind = kind;
  ExportLineWriter lines(o);
  std::vector<std::string> names;
  for (const auto& c : lines.columns()) names.push_back(c.name);
  return names;
}

Result<GeneratedReport> GenerateExport(const ExportOptions& options, ObjectWriter& writer) {
  BP_RETURN_IF_ERROR(ValidateExportOptions(options));
  ExportOptions o = options;
  if (o.base.month_status.empty()) {
    o.base.month_status.assign(static_cast<size_t>(o.base.months), MonthStatus::kInvoiced);
    o.base.month_status.back() = MonthStatus::kEstimated;
  }
  CurgenOptions model_options = o.base;
  model_options.versioning = Versioning::kCreateNew;
  model_options.assemblies_per_month = 1;
  model_options.file_number_width = kChunkNumberWidth;
  BP_ASSIGN_OR_RETURN(auto model, LineItemModel::Make(model_options));
  GeneratedReport report;
  report.bucket = o.base.bucket;
  report.prefix = o.base.prefix;
  report.report_name = o.base.report_name;
  ExportWriter export_writer(o, writer, *model, report);
  for (int i = 0; i < o.base.months; ++i) {
    BP_RETURN_IF_ERROR(
        export_writer.WriteMonth(i, o.base.month_status[static_cast<size_t>(i)] == MonthStatus::kInvoiced));
  }
  return report;
}

}  // namespace billpipe::curgen
