// Writes small legacy CUR layouts by hand into a bucket folder, for the run tests.
#pragma once

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace billpipe::pipeline::testing {

struct Line {
  std::string start;    // lineItem/UsageStartDate
  std::string cost;     // lineItem/UnblendedCost
  std::string invoice;  // bill/InvoiceId
  std::string product = "AmazonEC2";
  std::string tag;      // resourceTags/user:Team, when the period has that column
};

inline const std::vector<std::pair<std::string, std::string>> kBaseColumns = {
    {"identity/LineItemId", "String"},       {"bill/InvoiceId", "String"},
    {"bill/BillingPeriodStartDate", "DateTime"}, {"lineItem/UsageStartDate", "DateTime"},
    {"lineItem/ProductCode", "String"},      {"lineItem/UnblendedCost", "BigDecimal"},
    {"product/ProductName", "String"}};

class CurFixture {
 public:
  explicit CurFixture(std::filesystem::path bucket_dir) : root_(std::move(bucket_dir)) {}

  // Writes period YYYYMM's files for one assembly and points the top-level manifest at it.
  // files: the lines of each file. with_tag adds the resourceTags/user:Team column.
  void WritePeriod(int year, int month, const std::string& assembly, const std::vector<std::vector<Line>>& files,
                   bool with_tag = false, bool overwrite = false, const std::string& report = "daily",
                   const std::string& prefix = "cur") {
    char period[32];
    int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
    std::snprintf(period, sizeof period, "%04d%02d01-%04d%02d01", year, month, ny, nm);
    std::string folder = prefix + "/" + report + "/" + period + "/";
    std::string data_folder = overwrite ? folder : folder + assembly + "/";
    nlohmann::json manifest;
    manifest["assemblyId"] = assembly;
    manifest["account"] = "123456789012";
    auto cols = kBaseColumns;
    if (with_tag) cols.push_back({"resourceTags/user:Team", "String"});
    manifest["columns"] = nlohmann::json::array();
    for (const auto& [h, t] : cols) {
      auto slash = h.find('/');
      manifest["columns"].push_back({{"category", h.substr(0, slash)}, {"name", h.substr(slash + 1)}, {"type", t}});
    }
    manifest["charset"] = "UTF-8";
    manifest["compression"] = "GZIP";
    manifest["contentType"] = "text/csv";
    manifest["reportName"] = report;
    manifest["bucket"] = "billing";
    char start[32], end[32];
    std::snprintf(start, sizeof start, "%04d%02d01T000000.000Z", year, month);
    std::snprintf(end, sizeof end, "%04d%02d01T000000.000Z", ny, nm);
    manifest["billingPeriod"] = {{"start", start}, {"end", end}};
    manifest["reportKeys"] = nlohmann::json::array();
    for (size_t f = 0; f < files.size(); ++f) {
      std::string key = data_folder + report + "-" + std::to_string(f + 1) + ".csv.gz";
      manifest["reportKeys"].push_back(key);
      std::string csv;
      for (size_t c = 0; c < cols.size(); ++c) csv += (c ? "," : "") + cols[c].first;
      csv += "\n";
      int n = 0;
      for (const auto& l : files[f]) {
        csv += assembly + "-" + std::to_string(f) + "-" + std::to_string(n++) + "," + l.invoice + "," +
               std::string(start, 4) + "-" + std::string(start + 4, 2) + "-01T00:00:00Z," + l.start + "," + l.product +
               "," + l.cost + ",\"Amazon Elastic Compute Cloud, \"\"EC2\"\"\"";
        if (with_tag) csv += "," + Quote(l.tag);
        csv += "\n";
      }
      WriteGzip(root_ / key, csv);
    }
    WriteFile(root_ / (folder + report + "-Manifest.json"), manifest.dump(2));
    if (!overwrite) WriteFile(root_ / (data_folder + report + "-Manifest.json"), manifest.dump(2));
  }

  // Quotes a field the way AWS does: only when it holds a comma, quote or newline.
  static std::string Quote(const std::string& v) {
    if (v.find_first_of(",\"\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }

  static void WriteFile(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  static void WriteGzip(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
  }

 private:
  std::filesystem::path root_;
};

}  // namespace billpipe::pipeline::testing
