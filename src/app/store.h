// Where a dataset given by its details (not a catalog dataset) is read from: S3 with the AWS
// credential chain, or a local copy of the bucket. The options every such command shares.
#pragma once

#include <memory>
#include <string>

#include "s3/object_store.h"
#include "util/status.h"

namespace billpipe::app {

struct StoreSettings {
  std::string endpoint_url;  // empty: AWS, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  std::string profile;
  std::string region;
  std::string ca_bundle;
  bool verify_tls = true;
  std::string from_dir;      // a folder holding BUCKET/...: read it instead of S3
};

// S3 (credentials from the AWS chain: environment, shared files, profiles), or the local directory.
Result<std::unique_ptr<s3::ObjectStore>> OpenStore(const StoreSettings& settings);

}  // namespace billpipe::app
