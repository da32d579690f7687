// billpipe ls s3://BUCKET/PREFIX: lists keys with size and time, so a person can check access and
// layout before creating a dataset. Credentials come from the AWS chain (environment, profiles), never
// from the command line.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "s3/s3_url.h"

namespace billpipe::cli {
namespace {

struct LsOptions {
  std::string url;
  bool recursive = false;
  StoreOptions store;  // --endpoint-url, --profile, --region, --ca-bundle, --no-verify-ssl, --from-dir
};

// "2026-11-29T08:15:19.000Z" -> "2026-11-29 08:15:19", as aws s3 ls prints times.
std::string ShortTime(const std::string& iso) {
  if (iso.size() < 19) return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

int RunLs(const LsOptions& o) {
  auto location = s3::ParseS3Url(o.url);
  if (!location) return ReportError(location.error());
  auto store = o.store.Make();
  if (!store) return ReportError(store.error());
  const std::string& prefix = location->key;
  auto listing = (*store)->List(location->bucket, prefix, o.recursive ? "" : "/");
  if (!listing) {
    Error e = std::move(listing).error();
    // S3 refused the request: the job failed (exit 1), it was not a bad command line (exit 2).
    if (e.code == ErrorCode::kInvalidArgument && e.http_status != 0) e.code = ErrorCode::kIo;
    return ReportError(e);
  }
  // Without --recursive, names are shown relative to the folder the prefix is in, like aws s3 ls.
  size_t slash = prefix.rfind('/');
  size_t cut = o.recursive || slash == std::string::npos ? 0 : slash + 1;
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
  opts->store.AddTo(*cmd);
  cmd->footer(
      "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the shared\n"
      "credentials and config files (--profile, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).\n"
      "Output: 'DATE TIME SIZE KEY' per object and 'PRE FOLDER/' per common prefix, as aws s3 ls prints them.");
  cmd->callback([opts, &state] { state.exit_code = RunLs(*opts); });
}

}  // namespace billpipe::cli
