#include "app/store.h"

#include "s3/client.h"
#include "s3/local_dir_store.h"

namespace billpipe::app {

Result<std::unique_ptr<s3::ObjectStore>> OpenStore(const StoreSettings& settings) {
  if (!settings.from_dir.empty()) {
    BP_ASSIGN_OR_RETURN(auto store, s3::LocalDirStore::Create({settings.from_dir, false}));
    return std::unique_ptr<s3::ObjectStore>(std::move(store));
  }
  s3::ClientOptions options;
  options.endpoint_url = settings.endpoint_url;
  options.profile = settings.profile;
  options.region = settings.region;
  options.ca_bundle = settings.ca_bundle;
  options.verify_tls = settings.verify_tls;
  return s3::MakeClient(options);
}

}  // namespace billpipe::app
