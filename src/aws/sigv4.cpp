#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <map>

#include <fmt/core.h>

namespace billpipe::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest Hmac(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string_view View(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Header values are trimmed and runs of whitespace (also folded line breaks) become one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// RFC 3986 section 5.2.4 dot-segment removal, plus collapsing empty segments, keeping a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out += '/';
    out += seg;
  }
  bool trailing = !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty() || trailing) out += '/';
  return out;
}

struct Canonical {
  std::string headers;         // "name:value\n" ...
  std::string signed_headers;  // "host;x-amz-date"
};

Canonical CanonicalHeaders(const std::vector<NameValue>& headers) {
  // Same names joined with ',' in the order given; names sorted.
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string key = Lower(name);
    std::string v = CanonicalHeaderValue(value);
    auto [it, inserted] = merged.emplace(key, v);
    if (!inserted) it->second += "," + v;
  }
  Canonical c;
  for (const auto& [name, value] : merged) {
    c.headers += name + ":" + value + "\n";
    if (!c.signed_headers.empty()) c.signed_headers += ';';
    c.signed_headers += name;
  }
  return c;
}

std::string Scope(const SigningParams& p) {
  return AmzDay(p.time) + "/" + p.region + "/" + p.service + "/aws4_request";
}

std::string PayloadHash(const SigningParams& p) {
  return p.payload_hash.empty() ? std::string(kEmptyPayloadHash) : p.payload_hash;
}

std::string CanonicalPath(const SignableRequest& r, const SigningParams& p) {
  return EncodedPath(p.normalize_path ? NormalizePath(r.path) : r.path);
}

std::string SignatureFor(const Credentials& creds, const SigningParams& p, std::string_view string_to_sign) {
  Digest k_date = Hmac("AWS4" + creds.secret_access_key, AmzDay(p.time));
  Digest k_region = Hmac(View(k_date), p.region);
  Digest k_service = Hmac(View(k_region), p.service);
  Digest k_signing = Hmac(View(k_service), "aws4_request");
  Digest sig = Hmac(View(k_signing), string_to_sign);
  return Hex(sig.data(), sig.size());
}

void Finish(SignedRequest& out, const std::string& method, const std::string& path, const std::string& query,
            const Canonical& canonical, const std::string& payload_hash, const Credentials& creds,
            const SigningParams& p) {
  out.canonical_request = method + "\n" + path + "\n" + query + "\n" + canonical.headers + "\n" +
                          canonical.signed_headers + "\n" + payload_hash;
  out.string_to_sign = std::string(kAlgorithm) + "\n" + AmzDate(p.time) + "\n" + Scope(p) + "\n" +
                       Sha256Hex(out.canonical_request);
  out.signature = SignatureFor(creds, p, out.string_to_sign);
}

}  // namespace

std::string UriEncode(std::string_view in, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string EncodedPath(std::string_view decoded_path) { return UriEncode(decoded_path, true); }

std::string EncodedQuery(const std::vector<NameValue>& query) {
  std::vector<NameValue> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return Hex(d.data(), d.size());
}

std::string AmzDay(SysTime time) {
  auto day = std::chrono::floor<std::chrono::days>(time);
  std::chrono::year_month_day ymd{day};
  return fmt::format("{:04d}{:02d}{:02d}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string AmzDate(SysTime time) {
  auto day = std::chrono::floor<std::chrono::days>(time);
  std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(time - day)};
  return AmzDay(time) + fmt::format("T{:02d}{:02d}{:02d}Z", hms.hours().count(), hms.minutes().count(),
                                    static_cast<long long>(hms.seconds().count()));
}

SignedRequest SignRequest(const SignableRequest& request, const Credentials& credentials,
                          const SigningParams& params) {
  SignedRequest out;
  std::string payload_hash = PayloadHash(params);
  out.headers.emplace_back("x-amz-date", AmzDate(params.time));
  if (params.add_content_sha256_header) out.headers.emplace_back("x-amz-content-sha256", payload_hash);
  bool sign_token = !credentials.session_token.empty() && !params.omit_session_token;
  if (sign_token) out.headers.emplace_back("x-amz-security-token", credentials.session_token);

  std::vector<NameValue> to_sign = request.headers;
  to_sign.insert(to_sign.end(), out.headers.begin(), out.headers.end());
  Canonical canonical = CanonicalHeaders(to_sign);
  Finish(out, request.method, CanonicalPath(request, params), EncodedQuery(request.query), canonical,
         payload_hash, credentials, params);

  if (!credentials.session_token.empty() && params.omit_session_token)
    out.headers.emplace_back("x-amz-security-token", credentials.session_token);
  out.headers.emplace_back("authorization", fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}",
                                                        kAlgorithm, credentials.access_key_id, Scope(params),
                                                        canonical.signed_headers, out.signature));
  return out;
}

SignedRequest PresignRequest(const SignableRequest& request, const Credentials& credentials,
                             const SigningParams& params) {
  SignedRequest out;
  Canonical canonical = CanonicalHeaders(request.headers);
  out.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  out.query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + Scope(params));
  out.query.emplace_back("X-Amz-Date", AmzDate(params.time));
  out.query.emplace_back("X-Amz-Expires", std::to_string(params.expires.count()));
  bool sign_token = !credentials.session_token.empty() && !params.omit_session_token;
  if (sign_token) out.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  out.query.emplace_back("X-Amz-SignedHeaders", canonical.signed_headers);

  std::vector<NameValue> query = request.query;
  query.insert(query.end(), out.query.begin(), out.query.end());
  Finish(out, request.method, CanonicalPath(request, params), EncodedQuery(query), canonical,
         PayloadHash(params), credentials, params);
  if (!credentials.session_token.empty() && params.omit_session_token)
    out.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  out.query.emplace_back("X-Amz-Signature", out.signature);
  return out;
}

}  // namespace billpipe::aws
