#include "cli/store_options.h"

#include <iostream>

#include "cli/commands.h"
#include "util/escape.h"

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

app::StoreSettings StoreOptions::Settings() const {
  return app::StoreSettings{endpoint_url, profile, region, ca_bundle, !no_verify_ssl, from_dir};
}

Result<std::unique_ptr<s3::ObjectStore>> StoreOptions::Make() const { return app::OpenStore(Settings()); }

int ReportError(const Error& error) {
  std::cerr << "billpipe: " << ShownMessage(error.message) << "\n";
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

}  // namespace billpipe::cli
