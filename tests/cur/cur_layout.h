// Builds small, real Cost and Usage Report layouts on disk for the cur/ tests: manifests as AWS writes
// them, gzip files (zlib's gzip writer) and zip files (libzip), in create-new or overwrite layout.
#pragma once

#include <sys/stat.h>
#include <fcntl.h>
#include <zip.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace billpipe::cur::testing {

inline const std::vector<std::vector<std::string>> kDefaultColumns = {
    {"identity", "LineItemId", "String"},
    {"bill", "InvoiceId", "String"},
    {"lineItem", "UsageStartDate", "DateTime"},
    {"lineItem", "UnblendedCost", "BigDecimal"},
    {"resourceTags", "user:Cost Center", "String"},
};

inline std::string GzipText(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// "\"<md5 hex>\"": the ETag S3 (and LocalDirStore) gives a one-part object.
inline std::string Md5Etag(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_md5(), nullptr);
  std::string etag = "\"";
  for (unsigned i = 0; i < len; ++i) etag += fmt::format("{:02x}", digest[i]);
  return etag + "\"";
}

class CurLayout {
 public:
  explicit CurLayout(std::filesystem::path bucket_dir) : dir_(std::move(bucket_dir)) {}

  std::filesystem::path PathOf(const std::string& key) const { return dir_ / key; }

  void Write(const std::string& key, const std::string& bytes) const {
    std::filesystem::create_directories(PathOf(key).parent_path());
    std::ofstream(PathOf(key), std::ios::binary | std::ios::trunc) << bytes;
  }

  // Sets the file's modification time (so LastModified is exact): seconds since the epoch, UTC.
  void SetTime(const std::string& key, int64_t seconds) const {
    struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    if (utimensat(AT_FDCWD, PathOf(key).c_str(), times, 0) != 0) throw std::runtime_error("utimensat");
  }

  void WriteZip(const std::string& key, const std::string& member, const std::string& text) const {
    std::filesystem::create_directories(PathOf(key).parent_path());
    int err = 0;
    zip_t* zip = zip_open(PathOf(key).c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (zip == nullptr) throw std::runtime_error("zip_open");
    zip_source_t* source = zip_source_buffer(zip, text.data(), text.size(), 0);
    if (source == nullptr || zip_file_add(zip, member.c_str(), source, ZIP_FL_OVERWRITE) < 0) {
      throw std::runtime_error("zip_file_add");
    }
    if (zip_close(zip) != 0) throw std::runtime_error("zip_close");
  }

  // A manifest as AWS writes it (field order and all). period_folder is "20180501-20180601".
  static std::string Manifest(const std::string& report, const std::string& period_folder,
                              const std::string& assembly_id, const std::string& compression,
                              const std::vector<std::string>& keys,
                              const std::vector<std::vector<std::string>>& columns = kDefaultColumns) {
    nlohmann::ordered_json m;
    m["assemblyId"] = assembly_id;
    m["account"] = "123456789012";
    m["columns"] = nlohmann::ordered_json::array();
    for (const auto& c : columns) {
      nlohmann::ordered_json col = {{"category", c[0]}, {"name", c[1]}};
      if (c.size() > 2) col["type"] = c[2];
      m["columns"].push_back(col);
    }
    m["charset"] = "UTF-8";
    m["compression"] = compression;
    m["contentType"] = "text/csv";
    m["reportId"] = "0123456789abcdef";
    m["reportName"] = report;
    m["billingPeriod"] = {{"start", period_folder.substr(0, 8) + "T000000.000Z"},
                          {"end", period_folder.substr(9, 8) + "T000000.000Z"}};
    m["bucket"] = "billing";
    m["reportKeys"] = keys;
    m["additionalArtifactKeys"] = nlohmann::ordered_json::array();
    return m.dump(2);
  }

  static std::string Csv(const std::string& assembly_id, int file) {
    return fmt::format(
        "identity/LineItemId,bill/InvoiceId,lineItem/UsageStartDate,lineItem/UnblendedCost,"
        "resourceTags/user:Cost Center\nid-{0}-{1},,2018-05-01T00:00:00Z,1.5000000000,\"Ops, EU\"\n",
        assembly_id, file);
  }

  // One update of a create-new report: data files and a manifest in <period>/<assembly>/, then the
  // top-level manifest replaced. Returns the report keys. compression: "GZIP" or "ZIP".
  std::vector<std::string> AddAssembly(const std::string& prefix, const std::string& report,
                                       const std::string& period_folder, const std::string& assembly_id,
                                       const std::string& compression, int files, int64_t time) const {
    std::string folder = prefix + report + "/" + period_folder + "/" + assembly_id + "/";
    std::vector<std::string> keys;
    for (int i = 1; i <= files; ++i) {
      std::string key = fmt::format("{}{}-{}.csv.{}", folder, report, i, compression == "ZIP" ? "zip" : "gz");
      WriteData(key, compression, report, Csv(assembly_id, i));
      keys.push_back(key);
    }
    std::string manifest = Manifest(report, period_folder, assembly_id, compression, keys);
    Write(folder + report + "-Manifest.json", manifest);
    std::string top = prefix + report + "/" + period_folder + "/" + report + "-Manifest.json";
    Write(top, manifest);
    SetTime(top, time);
    return keys;
  }

  // One update of an overwrite report: files and the manifest replaced in <period>/. Returns the keys.
  std::vector<std::string> AddOverwrite(const std::string& prefix, const std::string& report,
                                        const std::string& period_folder, const std::string& assembly_id,
                                        const std::string& compression, int files, int64_t time) const {
    std::string folder = prefix + report + "/" + period_folder + "/";
    std::vector<std::string> keys;
    for (int i = 1; i <= files; ++i) {
      std::string key = fmt::format("{}{}-{}.csv.{}", folder, report, i, compression == "ZIP" ? "zip" : "gz");
      WriteData(key, compression, report, Csv(assembly_id, i));
      keys.push_back(key);
    }
    std::string top = folder + report + "-Manifest.json";
    Write(top, Manifest(report, period_folder, assembly_id, compression, keys));
    SetTime(top, time);
    return keys;
  }

 private:
  void WriteData(const std::string& key, const std::string& compression, const std::string& report,
                 const std::string& csv) const {
    if (compression == "ZIP") {
      WriteZip(key, report + ".csv", csv);
    } else {
      Write(key, GzipText(csv));
    }
  }

  std::filesystem::path dir_;
};

}  // namespace billpipe::cur::testing
