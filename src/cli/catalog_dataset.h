// A catalog dataset as the commands that act on it by name need it (run, status, verify, preview,
// dataset delete, the report check of dataset create/edit/import): its run request, the S3 options of
// its account, where its data is.
#pragma once

#include <filesystem>
#include <string>

#include "catalog/accounts.h"
#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "pipeline/run.h"
#include "s3/client.h"
#include "util/status.h"

namespace billpipe::cli {

// A dataset of the catalog as a run request and the S3 options of its account.
struct CatalogJob {
  pipeline::RunRequest request;
  s3::ClientOptions client;
};

// The S3 options that use an account's credentials (its keys, decrypted, or its profile), region and
// endpoint. Never puts a secret in an error.
Result<s3::ClientOptions> AccountClientOptions(catalog::AccountStore& accounts, const catalog::Account& account);

// The run request of a dataset (details from the definition) and its account's S3 options. A dataset
// without an account (its account was deleted) is kInvalidArgument saying how to attach one.
Result<CatalogJob> LoadCatalogJob(catalog::Catalog& catalog, const catalog::DatasetDefinition& def);
Result<CatalogJob> LoadCatalogJob(const std::string& home, const std::string& name);

// Where catalog datasets are loaded: the default destination of the data directory.
std::string CatalogDestination(const std::filesystem::path& data_home);

// Checks, with the account's credentials, that the dataset's report exists in its bucket under its
// prefix (pipeline::CheckReportExists: an unknown name lists the reports found; refused credentials say
// "Failed to authenticate. ..." with the AWS code).
Status CheckDatasetReport(catalog::Catalog& catalog, const catalog::DatasetDefinition& def);

// Drops the dataset's data from its destination (sink::Sink::DropDataset), holding the dataset's run
// lock so that no run writes meanwhile. Returns the destination it was dropped from, or "" when the
// destination held nothing for it (it was never loaded, or the file does not exist: nothing is created).
Result<std::string> DropCatalogDatasetData(const std::filesystem::path& data_home, const std::string& dataset);

}  // namespace billpipe::cli
