// Authenticated encryption of the secrets kept in the catalog (secret access keys, session tokens):
// AES-256-GCM from OpenSSL with a 32-byte master key.
//
// The master key comes from the environment variable BILLPIPE_MASTER_KEY (64 hexadecimal characters)
// or from the file `master.key` in the data directory (the same text, mode 0600). A sealed secret is
// text: "v1:" + hex(nonce[12] ‖ ciphertext ‖ tag[16]). The context string (e.g. "account 3 secret")
// is authenticated with it, so a sealed value copied to another row does not open.
//
// Opening with a wrong key fails (kAuth) with a message that names where the key came from; it never
// returns garbage. Messages never contain a secret or the key.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.h"

namespace billpipe::catalog {

inline constexpr const char* kMasterKeyEnv = "BILLPIPE_MASTER_KEY";
inline constexpr const char* kMasterKeyFileName = "master.key";
inline constexpr size_t kMasterKeyBytes = 32;  // AES-256

class SecretBox {
 public:
  enum class KeyState { kLoaded, kCreated };

  // Loads the key (environment first, then `home`/master.key). When neither exists and `may_create`,
  // a new random key is written to the file (0600, never overwritten); otherwise kAuth naming both.
  static Result<SecretBox> Load(const std::filesystem::path& home, bool may_create);
  // A box over a given key (tests).
  static SecretBox FromKey(const std::array<unsigned char, kMasterKeyBytes>& key, std::string source);

  Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

  // Where the key came from, for messages: "BILLPIPE_MASTER_KEY" or "the key file /x/master.key".
  const std::string& source() const { return source_; }
  KeyState state() const { return state_; }

 private:
  SecretBox() = default;
  std::array<unsigned char, kMasterKeyBytes> key_{};
  std::string source_;
  KeyState state_ = KeyState::kLoaded;
};

// Lowercase hex and back (nullopt-free: Unhex fails on odd length or a non-hex character).
std::string Hex(std::string_view bytes);
Result<std::string> Unhex(std::string_view hex);

}  // namespace billpipe::catalog
