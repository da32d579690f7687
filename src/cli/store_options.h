// The options every command that reads a bucket by its details shares (--endpoint-url, --profile,
// --region, --ca-bundle, --no-verify-ssl, --from-dir): flags for app::StoreSettings.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "app/store.h"
#include "s3/object_store.h"
#include "util/status.h"

namespace billpipe::cli {

struct StoreOptions {
  std::string endpoint_url;
  std::string profile;
  std::string region;
  std::string ca_bundle;
  bool no_verify_ssl = false;
  std::string from_dir;  // read a local copy of the bucket instead of S3

  void AddTo(CLI::App& command);
  app::StoreSettings Settings() const;
  // app::OpenStore(Settings()).
  Result<std::unique_ptr<s3::ObjectStore>> Make() const;
};

// Prints "billpipe: <message>" on stderr — the message escaped and bounded (util/escape.h: it may quote
// what came from S3) — and returns the exit code for the error: 2 for invalid arguments, 1 for
// everything else.
int ReportError(const Error& error);

}  // namespace billpipe::cli
