#include "cli/parse_errors.h"

#include <algorithm>
#include <cctype>

namespace billpipe::cli {
namespace {

bool SecretOption(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "--access-key-id" || lower.starts_with("--keep")) return false;
  for (std::string_view word : {"secret", "token", "password", "passwd", "key", "webhook"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> SecretArguments(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with("-")) continue;
    auto eq = a.find('=');
    if (!SecretOption(a.substr(0, eq))) continue;
    if (eq != std::string::npos) {
      if (eq + 1 < a.size()) out.push_back(a.substr(eq + 1));
    } else if (i + 1 < args.size() && !args[i + 1].empty()) {
      out.push_back(args[i + 1]);
    }
  }
  // Longest first, so that a secret containing another is masked whole.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) text.replace(at, s.size(), "***");
  }
  return text;
}

}  // namespace billpipe::cli
