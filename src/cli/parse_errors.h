// Parse errors without secrets: CLI11 quotes the arguments it did not expect, so a secret given to a
// command that does not take it (`billpipe dataset list --secret-access-key wJal...`) would be printed
// back. The values of secret-looking options are masked before the message is shown.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace billpipe::cli {

// The values given to options whose name holds "secret", "token", "password", "key" or "webhook" (except
// --access-key-id, which is not a secret, and --keep-*), as "--opt VALUE" or "--opt=VALUE".
std::vector<std::string> SecretArguments(const std::vector<std::string>& args);

// text with every occurrence of each secret replaced by "***".
std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace billpipe::cli
