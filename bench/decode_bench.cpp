// Benchmark of the decode layers: gzip → CSV → typed column batches, on a local file.
//   decode_bench generate OUT.csv.gz ROWS [LEVEL]   write a realistic wide CUR-like CSV, gzip-compressed
//   decode_bench decode FILE.csv.gz [MANIFEST]      gzip + CSV + types, as the loader does them
//   decode_bench parse FILE.csv.gz                  gzip + CSV only
//   decode_bench gunzip FILE.csv.gz                 gzip only (GzipSource into a 8 MiB buffer)
// decode types every column of the file, as pipeline/file_loader.cpp does: by the manifest's column types
// (MANIFEST, or the one `*-Manifest.json` beside FILE, as `billpipe curgen` and AWS write them), else by
// the built-in schema of `generate` (other columns String). Decompression runs on a second thread
// (DecoderOptions::read_ahead) as in the loader; BP_READ_AHEAD=0 keeps it on one thread. The checksum
// is the exact sum of lineItem/UnblendedCost. Prints one line of key=value results. Not run by CI; see
// bench/decode and bench/run.
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "codec/file_source.h"
#include "codec/gzip_source.h"
#include "csv/csv_scanner.h"
#include "cur/manifest.h"
#include "table/column_batch.h"

using namespace billpipe;

namespace {

enum class Kind { kId, kInterval, kPeriodStart, kPeriodEnd, kUsageStart, kUsageEnd, kAccount, kEnum,
                  kDescription, kResource, kCost, kRate, kOptionalCost, kSparse, kEntity, kInvoice };

struct Spec {
  std::string name;
  Kind kind;
  table::ColumnType type;
  std::vector<std::string> values;  // for kEnum / kSparse
};

std::vector<Spec> Columns() {
  using T = table::ColumnType;
  std::vector<Spec> c = {
      {"identity/LineItemId", Kind::kId, T::kString, {}},
      {"identity/TimeInterval", Kind::kInterval, T::kInterval, {}},
      {"bill/InvoiceId", Kind::kInvoice, T::kString, {}},
      {"bill/BillingEntity", Kind::kEnum, T::kString, {"AWS", "AWS Marketplace"}},
      {"bill/BillType", Kind::kEnum, T::kString, {"Anniversary", "Purchase", "Refund"}},
      {"bill/PayerAccountId", Kind::kAccount, T::kString, {}},
      {"bill/BillingPeriodStartDate", Kind::kPeriodStart, T::kDateTime, {}},
      {"bill/BillingPeriodEndDate", Kind::kPeriodEnd, T::kDateTime, {}},
      {"lineItem/UsageAccountId", Kind::kAccount, T::kString, {}},
      {"lineItem/LineItemType", Kind::kEnum, T::kString, {"Usage", "Usage", "Usage", "DiscountedUsage", "Tax", "Credit", "Fee"}},
      {"lineItem/UsageStartDate", Kind::kUsageStart, T::kDateTime, {}},
      {"lineItem/UsageEndDate", Kind::kUsageEnd, T::kDateTime, {}},
      {"lineItem/ProductCode", Kind::kEnum, T::kString, {"AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonCloudWatch"}},
      {"lineItem/UsageType", Kind::kEnum, T::kString, {"USW2-BoxUsage:m5.large", "USW2-TimedStorage-ByteHrs", "USW2-Requests-Tier1", "USW2-DataTransfer-Out-Bytes"}},
      {"lineItem/Operation", Kind::kEnum, T::kString, {"RunInstances", "StandardStorage", "PutObject", "Invoke"}},
      {"lineItem/AvailabilityZone", Kind::kEnum, T::kString, {"us-west-2a", "us-west-2b", "", ""}},
      {"lineItem/ResourceId", Kind::kResource, T::kString, {}},
      {"lineItem/UsageAmount", Kind::kCost, T::kBigDecimal, {}},
      {"lineItem/NormalizationFactor", Kind::kOptionalCost, T::kOptionalBigDecimal, {}},
      {"lineItem/NormalizedUsageAmount", Kind::kOptionalCost, T::kOptionalBigDecimal, {}},
      {"lineItem/CurrencyCode", Kind::kEnum, T::kString, {"USD"}},
      {"lineItem/UnblendedRate", Kind::kRate, T::kString, {}},
      {"lineItem/UnblendedCost", Kind::kCost, T::kBigDecimal, {}},
      {"lineItem/BlendedRate", Kind::kRate, T::kString, {}},
      {"lineItem/BlendedCost", Kind::kCost, T::kBigDecimal, {}},
      {"lineItem/LineItemDescription", Kind::kDescription, T::kString, {}},
      {"lineItem/TaxType", Kind::kEnum, T::kString, {"", "", "", "VAT"}},
      {"lineItem/LegalEntity", Kind::kEntity, T::kString, {}},
      {"product/ProductName", Kind::kEnum, T::kString, {"Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "AWS Lambda"}},
      {"pricing/publicOnDemandCost", Kind::kCost, T::kBigDecimal, {}},
      {"pricing/publicOnDemandRate", Kind::kRate, T::kString, {}},
      {"pricing/term", Kind::kEnum, T::kString, {"OnDemand", "Reserved", ""}},
      {"pricing/unit", Kind::kEnum, T::kString, {"Hrs", "GB-Mo", "Requests", "GB"}},
      {"pricing/RateCode", Kind::kEnum, T::kString, {"ABCDEFGHIJKLMNOP.JRTCKXETXF.6YS6EN2CT7", ""}},
  };
  const char* product[] = {"accessType", "availability", "availabilityZone", "capacitystatus", "clockSpeed",
                           "currentGeneration", "dedicatedEbsThroughput", "durability", "ecu", "enhancedNetworkingSupported",
                           "fromLocation", "fromLocationType", "group", "groupDescription", "instanceFamily",
                           "instanceType", "intelAvx2Available", "licenseModel", "location", "locationType",
                           "maxIopsvolume", "memory", "networkPerformance", "normalizationSizeFactor",
                           "operatingSystem", "operation", "physicalProcessor", "preInstalledSw", "processorArchitecture",
                           "processorFeatures", "productFamily", "region", "servicecode", "servicename", "sku",
                           "storage", "storageClass", "storageMedia", "tenancy", "toLocation", "toLocationType",
                           "transferType", "usagetype", "vcpu", "version", "volumeType"};
  for (const char* p : product) {
    c.push_back({std::string("product/") + p, Kind::kSparse, T::kString,
                 {"", "", "Yes", "US West (Oregon)", "m5.large", "Compute Instance", "8 GiB", "Linux", "us-west-2"}});
  }
  const char* reservation[] = {"AmortizedUpfrontCostForUsage", "AmortizedUpfrontFeeForBillingPeriod", "EffectiveCost",
                               "NetEffectiveCost", "RecurringFeeForUsage", "UnusedAmortizedUpfrontFeeForBillingPeriod",
                               "UnusedNormalizedUnitQuantity", "UnusedQuantity", "UnusedRecurringFee", "UpfrontValue"};
  for (const char* r : reservation) c.push_back({std::string("reservation/") + r, Kind::kOptionalCost, T::kOptionalBigDecimal, {}});
  c.push_back({"reservation/ReservationARN", Kind::kSparse, T::kString, {"", "", "", "arn:aws:ec2:us-west-2:123456789012:reserved-instances/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}});
  c.push_back({"reservation/StartTime", Kind::kSparse, T::kOptionalString, {"", "", "2018-04-24T00:34:01.000Z"}});
  const char* sp[] = {"TotalCommitmentToDate", "SavingsPlanRate", "UsedCommitment", "SavingsPlanEffectiveCost",
                      "AmortizedUpfrontCommitmentForBillingPeriod", "RecurringCommitmentForBillingPeriod"};
  for (const char* s : sp) c.push_back({std::string("savingsPlan/") + s, Kind::kOptionalCost, T::kOptionalBigDecimal, {}});
  c.push_back({"savingsPlan/SavingsPlanARN", Kind::kSparse, T::kOptionalString, {"", "", "", "arn:aws:savingsplans::123456789012:savingsplan/abc"}});
  const char* discount[] = {"EdpDiscount", "TotalDiscount"};
  for (const char* d : discount) c.push_back({std::string("discount/") + d, Kind::kOptionalCost, T::kOptionalBigDecimal, {}});
  for (int i = 0; static_cast<int>(c.size()) < 120; ++i) {
    c.push_back({fmt::format("resourceTags/user:Tag{}", i), Kind::kSparse, T::kString,
                 {"", "", "", "production", "team-a", "Cost Center 42", "\"quoted, value\""}});
  }
  return c;
}

void Generate(const char* path, long rows, int level) {
  gzFile out = gzopen(path, fmt::format("wb{}", level).c_str());
  if (!out) {
    std::perror(path);
    std::exit(1);
  }
  gzbuffer(out, 1 << 20);
  const auto cols = Columns();
  std::string line;
  for (size_t i = 0; i < cols.size(); ++i) line += (i ? "," : "") + cols[i].name;
  line += '\n';
  gzwrite(out, line.data(), static_cast<unsigned>(line.size()));
  std::mt19937_64 rng(42);
  const char* b32 = "abcdefghijklmnopqrstuvwxyz234567";
  for (long r = 0; r < rows; ++r) {
    line.clear();
    const int day = 1 + static_cast<int>(r % 30), hour = static_cast<int>((r / 30) % 24);
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) line += ',';
      const Spec& s = cols[i];
      const uint64_t x = rng();
      switch (s.kind) {
        case Kind::kId:
          for (int k = 0; k < 52; ++k) line += b32[(x >> (k % 12) * 5 ^ (k * 7)) & 31];
          break;
        case Kind::kInterval:
          line += fmt::format("2018-05-{:02}T{:02}:00:00Z/2018-05-{:02}T{:02}:00:00Z", day, hour, day + (hour == 23),
                              (hour + 1) % 24);
          break;
        case Kind::kPeriodStart: line += "2018-05-01T00:00:00Z"; break;
        case Kind::kPeriodEnd: line += "2018-06-01T00:00:00Z"; break;
        case Kind::kUsageStart: line += fmt::format("2018-05-{:02}T{:02}:00:00Z", day, hour); break;
        case Kind::kUsageEnd: line += fmt::format("2018-05-{:02}T{:02}:59:59Z", day, hour); break;
        case Kind::kAccount: line += fmt::format("{:012}", 123456789012ULL + (x % 5)); break;
        case Kind::kInvoice: if (x % 2) line += fmt::format("{}", 100000000 + x % 1000); break;
        case Kind::kEnum:
        case Kind::kSparse: line += s.values[x % s.values.size()]; break;
        case Kind::kDescription:
          line += (x % 3) ? fmt::format("$0.096 per On Demand Linux m5.large Instance Hour")
                          : fmt::format("\"USD 0.0 per GB - us-west-2 data transfer, {} requests\"", x % 977);
          break;
        case Kind::kResource:
          line += (x % 2) ? fmt::format("i-{:017x}", x >> 4) : std::string();
          break;
        case Kind::kCost:
          line += fmt::format("{}{}.{:010}", (x % 17 == 0) ? "-" : "", (x >> 8) % 1000, (x >> 20) % 10000000000ULL);
          break;
        case Kind::kRate: line += fmt::format("0.{:010}", (x >> 3) % 10000000000ULL); break;
        case Kind::kOptionalCost:
          if (x % 5 == 0) line += fmt::format("{}.{:010}", (x >> 8) % 100, (x >> 20) % 10000000000ULL);
          break;
        case Kind::kEntity: line += "\"Amazon Web Services, Inc.\""; break;
      }
    }
    line += '\n';
    gzwrite(out, line.data(), static_cast<unsigned>(line.size()));
  }
  gzclose(out);
}

csv::CsvOptions Options() {
  csv::CsvOptions options;
  if (const char* b = std::getenv("BP_BUFFER")) options.buffer_size = std::strtoul(b, nullptr, 10);
  if (const char* b = std::getenv("BP_BATCH")) options.batch_rows = std::strtoul(b, nullptr, 10);
  return options;
}

std::unique_ptr<ByteSource> OpenGzip(const char* path) {
  auto file = codec::FileSource::Open(path);
  if (!file) {
    fmt::print(stderr, "{}\n", file.error().message);
    std::exit(1);
  }
  const char* ahead = std::getenv("BP_READ_AHEAD");
  return codec::OpenDecoder(std::move(*file), codec::Compression::kGzip,
                            {.read_ahead = ahead == nullptr || std::string(ahead) != "0"});
}

[[noreturn]] void Die(const Error& e) {
  fmt::print(stderr, "error: {}\n", e.message);
  std::exit(1);
}

// The manifest named, or the single *-Manifest.json beside `data_file`; "" when there is none.
std::string FindManifest(const char* data_file, const char* named) {
  if (named != nullptr) return named;
  namespace fs = std::filesystem;
  std::string found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data_file).parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with("-Manifest.json")) {
      if (!found.empty()) Die(Error(ErrorCode::kInvalidArgument, "several manifests beside " + std::string(data_file)));
      found = entry.path().string();
    }
  }
  return found;
}

// Column header → type name, from a manifest (empty map when manifest_path is "").
std::map<std::string, std::string> ManifestTypes(const std::string& manifest_path) {
  std::map<std::string, std::string> types;
  if (manifest_path.empty()) return types;
  std::ifstream in(manifest_path, std::ios::binary);
  if (!in) Die(Error(ErrorCode::kNotFound, "cannot read " + manifest_path));
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = cur::ParseLegacyManifest(text.str());
  if (!manifest) Die(manifest.error());
  for (const auto& c : manifest->columns) types.emplace(c.Header(), c.type);
  return types;
}

// Every header column with its type, as pipeline/file_loader.cpp builds it.
std::vector<table::ColumnSchema> SchemaFor(const std::vector<std::string>& header,
                                           const std::map<std::string, std::string>& manifest_types) {
  std::map<std::string, table::ColumnType> builtin;
  for (const auto& s : Columns()) builtin.emplace(s.name, s.type);
  std::vector<table::ColumnSchema> schema;
  for (const auto& name : header) {
    table::ColumnType type = table::ColumnType::kString;
    if (!manifest_types.empty()) {
      auto it = manifest_types.find(name);
      if (it == manifest_types.end()) Die(Error(ErrorCode::kBadData, "column '" + name + "' is not in the manifest"));
      auto parsed = table::ColumnTypeFromName(it->second);
      if (!parsed) Die(parsed.error());
      type = *parsed;
    } else if (auto it = builtin.find(name); it != builtin.end()) {
      type = it->second;
    }
    if (name == "lineItem/UsageStartDate") type = table::ColumnType::kDateTime;  // the loader's window needs it
    schema.push_back({name, type});
  }
  return schema;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: decode_bench generate OUT ROWS [LEVEL] | decode FILE [MANIFEST] | parse|gunzip FILE\n");
    return 2;
  }
  const std::string mode = argv[1];
  if (mode == "generate") {
    Generate(argv[2], argc > 3 ? std::atol(argv[3]) : 1000000, argc > 4 ? std::atoi(argv[4]) : 6);
    return 0;
  }
  const auto t0 = std::chrono::steady_clock::now();
  int64_t bytes = 0, rows = 0;
  std::string checksum;
  if (mode == "gunzip") {
    auto gz = OpenGzip(argv[2]);
    std::vector<char> buf(8 << 20);
    while (true) {
      auto n = gz->Read(buf);
      if (!n) Die(n.error());
      if (*n == 0) break;
      bytes += static_cast<int64_t>(*n);
    }
  } else if (mode == "parse") {
    auto scanner = csv::CsvScanner::Open(OpenGzip(argv[2]), Options());
    if (!scanner) Die(scanner.error());
    csv::RecordBatch batch;
    int64_t field_bytes = 0;
    while (true) {
      auto more = (*scanner)->NextBatch(batch);
      if (!more) Die(more.error());
      if (!*more) break;
      rows += static_cast<int64_t>(batch.num_rows());
      for (size_t r = 0; r < batch.num_rows(); ++r) field_bytes += static_cast<int64_t>(batch.raw(r).size()) + 1;
    }
    bytes = field_bytes;
    checksum = std::to_string(field_bytes);
  } else if (mode == "decode") {
    const auto manifest_types = ManifestTypes(FindManifest(argv[2], argc > 3 ? argv[3] : nullptr));
    auto scanner = csv::CsvScanner::Open(OpenGzip(argv[2]), Options());
    if (!scanner) Die(scanner.error());
    const std::vector<table::ColumnSchema> schema = SchemaFor((*scanner)->header(), manifest_types);
    auto reader = table::ColumnBatchReader::Create(std::move(*scanner), schema);
    if (!reader) Die(reader.error());
    std::optional<size_t> cost;
    for (size_t i = 0; i < schema.size(); ++i) {
      if (schema[i].name == "lineItem/UnblendedCost" && (schema[i].type == table::ColumnType::kBigDecimal ||
                                                         schema[i].type == table::ColumnType::kOptionalBigDecimal)) {
        cost = i;
      }
    }
    table::ColumnBatch batch;
    table::Decimal total;
    while (true) {
      auto more = (*reader)->NextBatch(batch);
      if (!more) Die(more.error());
      if (!*more) break;
      rows += static_cast<int64_t>(batch.num_rows());
      if (!cost) continue;
      const auto& col = batch.column(*cost);
      for (size_t r = 0; r < batch.num_rows(); ++r) {
        if (!col.is_null(r)) {
          auto sum = table::Decimal::Add(total, col.decimal[r]);
          if (!sum) Die(sum.error());
          total = *sum;
        }
      }
    }
    checksum = total.ToString();
  } else {
    fmt::print(stderr, "unknown mode {}\n", mode);
    return 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  fmt::print("mode={} rows={} bytes={} seconds={:.3f} cpu_seconds={:.3f} max_rss_kb={} checksum={}\n", mode, rows,
             bytes, seconds, cpu, usage.ru_maxrss, checksum);
  return 0;
}
