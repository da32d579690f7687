// Dataset operations (docs/catalog.md "Datasets"), as the CLI and a server call them: the fields a user
// sets as structured input (unset fields keep their value), results as values and JSON views. No
// printing: warnings come back in the result.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "catalog/datasets.h"
#include "pipeline/run.h"
#include "s3/client.h"
#include "sink/sink.h"
#include "util/status.h"

namespace billpipe::app {

// The fields of a dataset a user can set, as text the way the CLI and TOML give them; each unset one
// is left as it is (create starts from the defaults, edit from the stored dataset).
struct DatasetFields {
  std::optional<std::string> description;
  std::optional<std::string> account;
  std::optional<std::string> report_type;
  std::optional<std::string> filter;  // all | invoiced | estimated
  std::optional<std::string> schema;  // cur | focus
  std::optional<std::string> bucket;
  std::optional<std::string> prefix;
  std::optional<std::string> report_name;
  catalog::DurationFlags duration;    // any() false: unchanged
  std::optional<std::string> schedule;
  std::optional<SysTime> start_later;
  bool no_start_later = false;        // follow the schedule from now on
  std::optional<std::string> retry;
  std::optional<std::string> update_method;
  std::optional<int> keep_versions;
  std::optional<int> retention_months;
  std::optional<bool> skip_bad_rows;
  std::optional<std::string> destination;           // as `run --to`; "" : the data directory's SQLite file
  // The destination's password, read by the caller from standard input, a file or an environment
  // variable (never the command line); "" forgets the stored one. Stored sealed, never shown.
  std::optional<std::string> destination_password;

  // Whether a field that locates the report (or the credentials to read it) is set: edit checks the
  // report again then.
  bool Locates() const { return account || bucket || prefix || report_name; }
};
Status ApplyDatasetFields(const DatasetFields& fields, catalog::DatasetDefinition& def);

// Creates a dataset; with check, keeps it only once its report was found in the bucket with its
// account's credentials (one catalog transaction, rolled back when the check fails).
Result<catalog::DatasetStore::Saved> CreateDataset(catalog::Catalog& catalog, const std::string& name,
                                                   const DatasetFields& fields, bool check);

struct DatasetEdit {
  DatasetFields fields;
  std::string new_name;  // empty: keep the name
  bool pause = false;
  bool resume = false;
  bool no_check = false;  // the report is checked again only when Locates() anyway
};
Result<catalog::DatasetStore::Saved> EditDataset(catalog::Catalog& catalog, const std::string& name,
                                                 const DatasetEdit& edit);

// Imports a dataset from TOML (catalog/dataset_toml.h); an existing one of the same name is replaced
// only with `replace` (else kConflict). `source` names the text in errors.
struct ImportedDataset {
  catalog::DatasetStore::Saved saved;
  bool replaced = false;
};
Result<ImportedDataset> ImportDataset(catalog::Catalog& catalog, std::string_view toml, std::string_view source,
                                      bool replace, bool check);
Result<std::string> ExportDataset(catalog::Catalog& catalog, const std::string& name);

// Deletes a dataset; drop_data first drops its data (holding its run lock), so that a failed drop
// leaves the definition to try again. Returns where the data was dropped from ("" when it had none).
Result<std::string> DeleteDataset(catalog::Catalog& catalog, const std::string& name, bool drop_data);

Result<std::vector<catalog::DatasetDefinition>> ListDatasets(catalog::Catalog& catalog);
Result<catalog::DatasetDefinition> GetDataset(catalog::Catalog& catalog, const std::string& name);

// The JSON view of a dataset (docs/catalog.md). "destination" is null for the data directory's SQLite
// file; "destination_password" is "********" when one is stored, else null: never the password.
nlohmann::json DatasetJson(const catalog::DatasetDefinition& dataset);

// Where a catalog dataset's rows go: its destination (the data directory's SQLite file when it names
// none) and the password stored for it ("" when none: PGPASSWORD, ~/.pgpass or CLICKHOUSE_PASSWORD
// then). Never printed.
struct CatalogDestinationInfo {
  std::string destination;
  std::string password;
};
Result<CatalogDestinationInfo> DatasetDestination(catalog::Catalog& catalog, const catalog::DatasetDefinition& def);
// Opens the sink of a catalog dataset's destination.
Result<std::unique_ptr<sink::Sink>> OpenDatasetSink(const CatalogDestinationInfo& where);

// A catalog dataset as a run request, the S3 options of its account and its destination.
struct CatalogJob {
  pipeline::RunRequest request;
  s3::ClientOptions client;
  CatalogDestinationInfo destination;
};
// A dataset without an account (its account was deleted) is kInvalidArgument saying how to attach one.
Result<CatalogJob> LoadCatalogJob(catalog::Catalog& catalog, const catalog::DatasetDefinition& def);
Result<CatalogJob> LoadCatalogJob(catalog::Catalog& catalog, const std::string& name);

// Where catalog datasets that name no destination are loaded: the default destination of the data
// directory.
std::string CatalogDestination(const std::filesystem::path& data_home);

// Checks, with the account's credentials, that the dataset's report exists in its bucket under its
// prefix (pipeline::CheckReportExists).
Status CheckDatasetReport(catalog::Catalog& catalog, const catalog::DatasetDefinition& def);

// Drops the dataset's data from its destination holding the dataset's run lock. Returns the destination
// it was dropped from, or "" when it held nothing (never loaded, or no file: nothing is created).
Result<std::string> DropCatalogDatasetData(const std::filesystem::path& data_home, const std::string& dataset,
                                           const CatalogDestinationInfo& where);

}  // namespace billpipe::app
