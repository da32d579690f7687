#include "codec/decoder.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <fmt/format.h>

#include "codec/gzip_source.h"
#include "codec/zip_source.h"

namespace billpipe::codec {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<Compression> CompressionFromName(std::string_view name) {
  const std::string upper = Upper(name);
  if (upper == "GZIP") return Compression::kGzip;
  if (upper == "ZIP") return Compression::kZip;
  if (upper.empty() || upper == "NONE") return Compression::kNone;
  return Fail(ErrorCode::kUnsupported,
              fmt::format("unsupported compression '{}': expected GZIP, ZIP or none", name));
}

Compression CompressionFromExtension(std::string_view path) {
  const std::string upper = Upper(path);
  if (EndsWith(upper, ".GZ") || EndsWith(upper, ".GZIP")) return Compression::kGzip;
  if (EndsWith(upper, ".ZIP")) return Compression::kZip;
  return Compression::kNone;
}

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kGzip: return "GZIP";
    case Compression::kZip: return "ZIP";
    case Compression::kNone: return "NONE";
  }
  return "NONE";
}

std::unique_ptr<ByteSource> OpenDecoder(std::unique_ptr<ByteSource> raw, Compression compression) {
  switch (compression) {
    case Compression::kGzip: return std::make_unique<GzipSource>(std::move(raw));
    case Compression::kZip: return std::make_unique<ZipSource>(std::move(raw));
    case Compression::kNone: return raw;
  }
  return raw;
}

}  // namespace billpipe::codec
