#include "cli/store_options.h"

#include <iostream>

#include "cli/commands.h"
#include "s3/client.h"
#include "s3/local_dir_store.h"

namespace billpipe::cli {

void StoreOptions::AddTo(CLI::App& command) {
  command.add_option("--endpoint-url", endpoint_url,
                     "S3 endpoint (S3-compatible storage, a local S3 server); default AWS, or AWS_ENDPOINT_URL_S3 / "
                     "AWS_ENDPOINT_URL");
  command.add_option("--profile", profile, "Profile of the shared AWS credentials and config files");
  command.add_option("--region", region, "AWS region; default AWS_REGION, AWS_DEFAULT_REGION, the profile's");
  command.add_option("--ca-bundle", ca_bundle, "PEM file of trusted certificate authorities");
  command.add_flag("--no-verify-ssl", no_verify_ssl, "Do not verify TLS certificates (not recommended)");
  command.add_option("--from-dir", from_dir,
                     "Read a local copy of the bucket (a folder holding BUCKET/...) instead of S3");
}

Result<std::unique_ptr<s3::ObjectStore>> StoreOptions::Make() const {
  if (!from_dir.empty()) {
    BP_ASSIGN_OR_RETURN(auto store, s3::LocalDirStore::Create({from_dir, false}));
    return std::unique_ptr<s3::ObjectStore>(std::move(store));
  }
  s3::ClientOptions options;
  options.endpoint_url = endpoint_url;
  options.profile = profile;
  options.region = region;
  options.ca_bundle = ca_bundle;
  options.verify_tls = !no_verify_ssl;
  return s3::MakeClient(options);
}

int ReportError(const Error& error) {
  std::cerr << "billpipe: " << error.message << "\n";
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

}  // namespace billpipe::cli
