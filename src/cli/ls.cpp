// billpipe ls s3://BUCKET/PREFIX: lists keys with size and time, so a person can check access and
// layout before creating a dataset. Credentials come from the AWS chain (environment, profiles), never
// from the command line.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "s3/client.h"
#include "s3/s3_url.h"

namespace billpipe::cli {
namespace {

struct LsOptions {
  std::string url;
  bool recursive = false;
  std::string endpoint_url;
  std::string profile;
  std::string region;
  std::string ca_bundle;
  bool no_verify_ssl = false;
};

// "2026-11-29T08:15:19.000Z" -> "2026-11-29 08:15:19", as aws s3 ls prints times.
std::string ShortTime(const std::string& iso) {
  if (iso.size() < 19) return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

int RunLs(const LsOptions& o) {
  auto location = s3::ParseS3Url(o.url);
  if (!location) {
    std::cerr << location.error().message << "\n";
    return kExitUsage;
  }
  s3::ClientOptions options;
  options.profile = o.profile;
  options.region = o.region;
  options.endpoint_url = o.endpoint_url;
  options.ca_bundle = o.ca_bundle;
  options.verify_tls = !o.no_verify_ssl;
  auto client = s3::S3Client::Make(options);
  if (!client) {
    std::cerr << client.error().message << "\n";
    return client.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  const std::string& prefix = location->key;
  auto listing = (*client)->List(location->bucket, prefix, o.recursive ? "" : "/");
  if (!listing) {
    std::cerr << listing.error().message << "\n";
    return kExitFailed;
  }
  // Without --recursive, names are shown relative to the folder the prefix is in, like aws s3 ls.
  size_t cut = o.recursive ? 0 : (prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/') + 1);
  for (const auto& p : listing->common_prefixes) std::cout << fmt::format("{:>30} {}\n", "PRE", p.substr(cut));
  for (const auto& obj : listing->objects)
    std::cout << fmt::format("{} {:>10} {}\n", ShortTime(obj.last_modified), obj.size, obj.key.substr(cut));
  return kExitOk;
}

}  // namespace

void RegisterLsCommand(CLI::App& app, CliState& state) {
  auto opts = std::make_shared<LsOptions>();
  auto* cmd = app.add_subcommand("ls", "List the objects under an S3 location (checks access before a dataset)");
  cmd->add_option("location", opts->url, "s3://BUCKET/PREFIX")->required();
  cmd->add_flag("--recursive", opts->recursive, "List every key under the prefix, not just one folder level");
  cmd->add_option("--endpoint-url", opts->endpoint_url,
                  "S3 endpoint (S3-compatible storage, tests); default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS");
  cmd->add_option("--profile", opts->profile, "Profile in the AWS credentials/config files (default AWS_PROFILE)");
  cmd->add_option("--region", opts->region, "Region (default AWS_REGION, AWS_DEFAULT_REGION, the profile's)");
  cmd->add_option("--ca-bundle", opts->ca_bundle, "PEM file of CA certificates to trust for TLS");
  cmd->add_flag("--no-verify-ssl", opts->no_verify_ssl, "Do not verify TLS certificates (unsafe; for testing)");
  cmd->footer(
      "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the shared\n"
      "credentials and config files (--profile, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).\n"
      "Output: 'DATE TIME SIZE KEY' per object and 'PRE FOLDER/' per common prefix, as aws s3 ls prints them.");
  cmd->callback([opts, &state] { state.exit_code = RunLs(*opts); });
}

}  // namespace billpipe::cli
