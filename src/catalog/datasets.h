// The datasets of the catalog, by name. Each refers to its account by id, so renaming an account keeps
// it attached; deleting an account (with --force) detaches and pauses it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "util/status.h"

namespace billpipe::catalog {

class DatasetStore {
 public:
  explicit DatasetStore(Catalog& catalog) : catalog_(catalog) {}

  // Validates def (ValidateDefinition, the account exists, the name is free) and stores it with its
  // first run (FirstRun). Returns the stored dataset and the warnings to show.
  struct Saved {
    DatasetDefinition dataset;
    std::vector<std::string> warnings;
  };
  Result<Saved> Create(DatasetDefinition def);
  // Replaces the dataset `name` with def (def.name may differ: a rename). The next run is recomputed
  // when the schedule, its start or the pause changed. Attaching an account to a dataset paused because
  // its account was deleted resumes it.
  Result<Saved> Update(std::string_view name, DatasetDefinition def);

  Result<DatasetDefinition> Get(std::string_view name);  // kNotFound names the datasets that exist
  Result<std::vector<DatasetDefinition>> List();
  Status Delete(std::string_view name);

  // The destination's password stored for the dataset, opened ("" when none is stored). Needs the master
  // key (kAuth naming where it came from when it does not open the password).
  Result<std::string> DestinationPassword(const DatasetDefinition& def);
  // Stores the destination's password sealed for the dataset `id` (empty: forgets it). Refuses a
  // password with control characters or longer than kMaxDestinationPasswordLength.
  Status SetDestinationPassword(int64_t id, std::string_view password);

  // For the daemon: the next run time (nullopt: none).
  Status SetNextRun(int64_t id, std::optional<SysTime> next_run);

 private:
  Result<int64_t> AccountId(std::string_view account);
  Result<std::optional<std::string>> NameTakenBy(std::string_view name, int64_t except_id);
  Status Write(DatasetDefinition& def, std::optional<int64_t> account_id, bool insert);

  Catalog& catalog_;
};

}  // namespace billpipe::catalog
