#include "catalog/secret_box.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

namespace billpipe::catalog {
namespace {

constexpr size_t kNonceBytes = 12;  // GCM's standard IV length
constexpr size_t kTagBytes = 16;
constexpr std::string_view kSealPrefix = "v1:";

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Result<std::array<unsigned char, kMasterKeyBytes>> ParseKey(std::string_view text, const std::string& source) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  auto bytes = Unhex(text);
  if (!bytes || bytes->size() != kMasterKeyBytes) {
    return Fail(ErrorCode::kAuth, fmt::format("The master key in {} is not valid: it must be {} hexadecimal "
                                              "characters ({} bytes).",
                                              source, kMasterKeyBytes * 2, kMasterKeyBytes));
  }
  std::array<unsigned char, kMasterKeyBytes> key{};
  std::memcpy(key.data(), bytes->data(), kMasterKeyBytes);
  return key;
}

std::string ErrnoText() { return std::system_category().message(errno); }

}  // namespace

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Result<std::string> Unhex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return Fail(ErrorCode::kBadData, "hex text has an odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Fail(ErrorCode::kBadData, "hex text has a character that is not hexadecimal");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

SecretBox SecretBox::FromKey(const std::array<unsigned char, kMasterKeyBytes>& key, std::string source) {
  SecretBox box;
  box.key_ = key;
  box.source_ = std::move(source);
  return box;
}

Result<SecretBox> SecretBox::Load(const std::filesystem::path& home, bool may_create) {
  if (const char* env = std::getenv(kMasterKeyEnv); env && *env) {
    BP_ASSIGN_OR_RETURN(auto key, ParseKey(env, kMasterKeyEnv));
    return FromKey(key, kMasterKeyEnv);
  }
  auto path = home / kMasterKeyFileName;
  std::string source = fmt::format("the key file {}", path.string());
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    BP_ASSIGN_OR_RETURN(auto key, ParseKey(text.str(), source));
    return FromKey(key, source);
  }
  if (!may_create) {
    return Fail(ErrorCode::kAuth,
                fmt::format("The master key is missing: {} does not exist and {} is not set. The secrets in the "
                            "catalog were encrypted with it: restore the file, or set {} to the key.",
                            path.string(), kMasterKeyEnv, kMasterKeyEnv));
  }
  std::array<unsigned char, kMasterKeyBytes> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return Fail(ErrorCode::kInternal, "cannot make a master key: OpenSSL's random generator failed");
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, fmt::format("cannot create the master key file {}: {}", path.string(), ErrnoText()));
  }
  std::string text = Hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) {
    errno = saved;
    std::string why = ErrnoText();
    std::filesystem::remove(path);
    return Fail(ErrorCode::kIo, fmt::format("cannot write the master key file {}: {}", path.string(), why));
  }
  SecretBox box = FromKey(key, source);
  box.state_ = KeyState::kCreated;
  return box;
}

Result<std::string> SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  unsigned char nonce[kNonceBytes];
  if (RAND_bytes(nonce, sizeof nonce) != 1) {
    return Fail(ErrorCode::kInternal, "cannot encrypt a secret: OpenSSL's random generator failed");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::memcpy(o, nonce, kNonceBytes);
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                              static_cast<int>(context.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), o + kNonceBytes, &len,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), o + kNonceBytes + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                o + kNonceBytes + plaintext.size()) == 1;
  if (!ok) return Fail(ErrorCode::kInternal, "cannot encrypt a secret: OpenSSL's AES-256-GCM failed");
  return std::string(kSealPrefix) + Hex(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  auto corrupt = [&] {
    return Fail(ErrorCode::kBadData, fmt::format("the sealed {} in the catalog is damaged", context));
  };
  if (!sealed.starts_with(kSealPrefix)) return corrupt();
  auto raw = Unhex(sealed.substr(kSealPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return corrupt();
  auto* r = reinterpret_cast<unsigned char*>(raw->data());
  size_t text_len = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(text_len, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), r) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                              static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, r + kNonceBytes,
                              static_cast<int>(text_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, r + kNonceBytes + text_len) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return Fail(ErrorCode::kAuth,
                fmt::format("Cannot decrypt the {}: the master key from {} is not the key it was encrypted "
                            "with. Restore the original master key (the file {} in the data directory, or {}).",
                            context, source_, kMasterKeyFileName, kMasterKeyEnv));
  }
  return plain;
}

}  // namespace billpipe::catalog
