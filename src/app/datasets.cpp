#include "app/datasets.h"

#include <unistd.h>

#include <fmt/format.h>

#include "catalog/accounts.h"
#include "catalog/credential_check.h"
#include "catalog/dataset_toml.h"
#include "pipeline/plan.h"
#include "pipeline/run_lock.h"
#include "sink/open_sink.h"
#include "util/date.h"

namespace billpipe::app {

Status ApplyDatasetFields(const DatasetFields& f, catalog::DatasetDefinition& def) {
  if (f.description) def.description = *f.description;
  if (f.account) def.account = *f.account;
  if (f.report_type) def.report_type = *f.report_type;
  if (f.filter) {
    BP_ASSIGN_OR_RETURN(def.filter, pipeline::ParseFilter(*f.filter));
  }
  if (f.schema) {
    BP_ASSIGN_OR_RETURN(def.schema, pipeline::ParseOutputSchema(*f.schema));
  }
  if (f.bucket) def.bucket = *f.bucket;
  if (f.prefix) def.prefix = *f.prefix;
  if (f.report_name) def.report_name = *f.report_name;
  if (f.duration.any()) {
    BP_ASSIGN_OR_RETURN(def.duration, catalog::ParseDurationFlags(f.duration));
  }
  if (f.schedule) {
    auto start_at = def.schedule.start_at;
    BP_ASSIGN_OR_RETURN(def.schedule, catalog::Schedule::Parse(*f.schedule));
    def.schedule.start_at = start_at;
  }
  if (f.start_later) def.schedule.start_at = *f.start_later;
  if (f.no_start_later) def.schedule.start_at.reset();
  if (f.retry) {
    BP_ASSIGN_OR_RETURN(def.retry, catalog::RetryPolicy::Parse(*f.retry));
  }
  if (f.update_method) {
    BP_ASSIGN_OR_RETURN(def.update_method, pipeline::ParseUpdateMethod(*f.update_method));
  }
  if (f.keep_versions) def.keep_versions = *f.keep_versions;
  if (f.retention_months) def.retention_months = *f.retention_months;
  if (f.skip_bad_rows) def.skip_bad_rows = *f.skip_bad_rows;
  if (f.destination) def.destination = *f.destination;
  return Ok();
}

namespace {

constexpr std::string_view kMasked = "********";

std::string Shown(const std::string& destination) {
  return destination.empty() ? "the data directory's SQLite file" : destination;
}

// Saving and checking share one catalog transaction, rolled back when the check fails: every field is
// validated before any request, and the check reads the stored (normalised) definition. A password given
// is stored with the definition; a stored one is forgotten when the destination changes without a new one
// (a password meant for one server is not sent to another).
Result<catalog::DatasetStore::Saved> SaveChecked(catalog::Catalog& cat, const catalog::DatasetDefinition& def,
                                                 const std::optional<std::string>& existing, bool check,
                                                 const std::optional<std::string>& password = std::nullopt) {
  catalog::DatasetStore store(cat);
  catalog::DatasetStore::Saved saved;
  BP_RETURN_IF_ERROR(cat.InTransaction([&]() -> Status {
    std::optional<catalog::DatasetDefinition> old;
    if (existing) {
      BP_ASSIGN_OR_RETURN(old, store.Get(*existing));
    }
    BP_ASSIGN_OR_RETURN(saved, existing ? store.Update(*existing, def) : store.Create(def));
    bool moved = old && old->destination != saved.dataset.destination;
    if (password) {
      if (!password->empty() && saved.dataset.destination.empty()) {
        return Fail(ErrorCode::kInvalidArgument,
                    "The dataset loads into the data directory's SQLite file, which takes no password. Give the "
                    "destination that needs it with --to.");
      }
      if (!password->empty()) {
        auto kind = sink::ValidateDestination(saved.dataset.destination);
        if (kind && *kind == sink::DestinationKind::kSqlite) {
          return Fail(ErrorCode::kInvalidArgument,
                      "A SQLite destination takes no password. Give a PostgreSQL or ClickHouse destination with --to.");
        }
      }
      BP_RETURN_IF_ERROR(store.SetDestinationPassword(saved.dataset.id, *password));
    } else if (moved && old->destination_password_stored) {
      BP_RETURN_IF_ERROR(store.SetDestinationPassword(saved.dataset.id, ""));
      saved.warnings.push_back(fmt::format(
          "The password stored for {} was forgotten with the old destination; store one for {} with "
          "--to-password-stdin (or --to-password-file) if it needs one.",
          Shown(old->destination), Shown(saved.dataset.destination)));
    }
    if (moved) {
      saved.warnings.push_back(fmt::format(
          "The data already loaded stays in {}; the next run loads the dataset into {} from the start.",
          Shown(old->destination), Shown(saved.dataset.destination)));
    }
    if (password || moved) {
      BP_ASSIGN_OR_RETURN(saved.dataset, store.Get(saved.dataset.name));
    }
    if (!check) return Ok();
    return CheckDatasetReport(cat, saved.dataset);
  }));
  return saved;
}

}  // namespace

Result<catalog::DatasetStore::Saved> CreateDataset(catalog::Catalog& catalog, const std::string& name,
                                                   const DatasetFields& fields, bool check) {
  catalog::DatasetDefinition def;
  def.name = name;
  BP_ASSIGN_OR_RETURN(def.duration, catalog::ParseDurationFlags(fields.duration));  // required on create
  BP_RETURN_IF_ERROR(ApplyDatasetFields(fields, def));
  return SaveChecked(catalog, def, std::nullopt, check, fields.destination_password);
}

Result<catalog::DatasetStore::Saved> EditDataset(catalog::Catalog& catalog, const std::string& name,
                                                 const DatasetEdit& edit) {
  if (edit.pause && edit.resume) return Fail(ErrorCode::kInvalidArgument, "Give --pause or --resume, not both.");
  BP_ASSIGN_OR_RETURN(auto def, catalog::DatasetStore(catalog).Get(name));
  const pipeline::OutputSchema schema_before = def.schema;
  BP_RETURN_IF_ERROR(ApplyDatasetFields(edit.fields, def));
  if (!edit.new_name.empty()) def.name = edit.new_name;
  if (edit.pause) {
    def.paused = true;
    def.pause_reason = "paused by the user";
  }
  if (edit.resume) {
    def.paused = false;
    def.pause_reason.clear();
  }
  BP_ASSIGN_OR_RETURN(auto saved, SaveChecked(catalog, def, name, edit.fields.Locates() && !edit.no_check,
                                               edit.fields.destination_password));
  if (def.schema != schema_before) {
    // One table holds one column set: the run refuses to mix them (pipeline/schema_step.h).
    saved.warnings.push_back(fmt::format(
        "The schema changed from {} to {}. If '{}' holds data already, its next run is refused until that data is "
        "gone (billpipe dataset delete {} --yes drops it; create the dataset again), or load schema {} into a "
        "dataset of another name.",
        pipeline::OutputSchemaName(schema_before), pipeline::OutputSchemaName(def.schema), def.name, def.name,
        pipeline::OutputSchemaName(def.schema)));
  }
  return saved;
}

Result<ImportedDataset> ImportDataset(catalog::Catalog& catalog, std::string_view toml, std::string_view source,
                                      bool replace, bool check) {
  BP_ASSIGN_OR_RETURN(auto def, catalog::DatasetFromToml(toml, source));
  ImportedDataset out;
  out.replaced = static_cast<bool>(catalog::DatasetStore(catalog).Get(def.name));
  if (out.replaced && !replace) {
    return Fail(ErrorCode::kConflict,
                fmt::format("A dataset named '{}' already exists. Use --replace to update it from the file.",
                            def.name));
  }
  BP_ASSIGN_OR_RETURN(out.saved,
                      SaveChecked(catalog, def, out.replaced ? std::optional<std::string>(def.name) : std::nullopt,
                                  check));
  return out;
}

Result<std::string> ExportDataset(catalog::Catalog& catalog, const std::string& name) {
  BP_ASSIGN_OR_RETURN(auto def, catalog::DatasetStore(catalog).Get(name));
  return catalog::DatasetToToml(def);
}

Result<std::string> DeleteDataset(catalog::Catalog& catalog, const std::string& name, bool drop_data) {
  catalog::DatasetStore store(catalog);
  BP_ASSIGN_OR_RETURN(auto def, store.Get(name));
  std::string dropped_from;
  if (drop_data) {
    BP_ASSIGN_OR_RETURN(CatalogDestinationInfo where, DatasetDestination(catalog, def));
    BP_ASSIGN_OR_RETURN(dropped_from, DropCatalogDatasetData(catalog.home(), def.name, where));
  }
  BP_RETURN_IF_ERROR(store.Delete(def.name));
  return dropped_from;
}

Result<std::vector<catalog::DatasetDefinition>> ListDatasets(catalog::Catalog& catalog) {
  return catalog::DatasetStore(catalog).List();
}

Result<catalog::DatasetDefinition> GetDataset(catalog::Catalog& catalog, const std::string& name) {
  return catalog::DatasetStore(catalog).Get(name);
}

nlohmann::json DatasetJson(const catalog::DatasetDefinition& d) {
  nlohmann::json j = {
      {"name", d.name},
      {"description", d.description},
      {"account", d.account.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.account)},
      {"report_type", d.report_type},
      {"filter", std::string(pipeline::FilterName(d.filter))},
      {"schema", std::string(pipeline::OutputSchemaName(d.schema))},
      {"bucket", d.bucket},
      {"prefix", d.prefix},
      {"report_name", d.report_name},
      {"duration", {{"start", d.duration.start.ToString()}}},
      {"schedule", d.schedule.ToString()},
      {"retry", d.retry.ToString()},
      {"update_method", std::string(pipeline::UpdateMethodName(d.update_method))},
      {"keep_versions", d.keep_versions},
      {"retention_months", d.retention_months},
      {"skip_bad_rows", d.skip_bad_rows},
      {"paused", d.paused},
      {"pause_reason", d.pause_reason},
      {"created_at", FormatTimestamp(d.created_at)},
      {"updated_at", FormatTimestamp(d.updated_at)},
  };
  if (d.duration.end) j["duration"]["end"] = d.duration.end->ToString();
  j["destination"] = d.destination.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.destination);
  j["destination_password"] = d.destination_password_stored ? nlohmann::json(kMasked) : nlohmann::json(nullptr);
  j["start_at"] = d.schedule.start_at ? nlohmann::json(FormatTimestamp(*d.schedule.start_at)) : nlohmann::json(nullptr);
  j["next_run_at"] = d.next_run_at ? nlohmann::json(FormatTimestamp(*d.next_run_at)) : nlohmann::json(nullptr);
  return j;
}

Result<CatalogJob> LoadCatalogJob(catalog::Catalog& catalog, const catalog::DatasetDefinition& def) {
  if (def.account.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Dataset '{}' has no account (its account was deleted). Attach one with billpipe dataset "
                            "edit {} --account NAME.",
                            def.name, def.name));
  }
  catalog::AccountStore accounts(catalog);
  BP_ASSIGN_OR_RETURN(catalog::Account account, accounts.Get(def.account));
  CatalogJob job;
  // A role account's provider assumes the role now and refreshes it for as long as the run lasts.
  BP_ASSIGN_OR_RETURN(job.client, catalog::ClientOptionsForAccount(accounts, account));
  job.request.dataset = def.name;
  job.request.bucket = def.bucket;
  job.request.prefix = def.prefix;
  job.request.report_name = def.report_name;
  BP_ASSIGN_OR_RETURN(job.request.report_kind, cur::ParseReportType(def.report_type));
  job.request.filter = def.filter;
  job.request.schema = def.schema;
  job.request.duration = def.duration;
  job.request.update = def.update_method;
  job.request.keep_versions = def.keep_versions;
  job.request.partition_retention_months = def.retention_months;
  job.request.bad_rows = def.skip_bad_rows ? pipeline::BadRowPolicy::kSkip : pipeline::BadRowPolicy::kFail;
  BP_ASSIGN_OR_RETURN(job.destination, DatasetDestination(catalog, def));
  return job;
}

Result<CatalogDestinationInfo> DatasetDestination(catalog::Catalog& catalog, const catalog::DatasetDefinition& def) {
  CatalogDestinationInfo out;
  out.destination = def.destination.empty() ? CatalogDestination(catalog.home()) : def.destination;
  BP_ASSIGN_OR_RETURN(out.password, catalog::DatasetStore(catalog).DestinationPassword(def));
  return out;
}

Result<std::unique_ptr<sink::Sink>> OpenDatasetSink(const CatalogDestinationInfo& where) {
  return sink::OpenSink(where.destination, Clock::System(), where.password);
}

Result<CatalogJob> LoadCatalogJob(catalog::Catalog& catalog, const std::string& name) {
  BP_ASSIGN_OR_RETURN(catalog::DatasetDefinition def, catalog::DatasetStore(catalog).Get(name));
  return LoadCatalogJob(catalog, def);
}

std::string CatalogDestination(const std::filesystem::path& data_home) { return sink::DefaultDestination(data_home); }

Status CheckDatasetReport(catalog::Catalog& catalog, const catalog::DatasetDefinition& def) {
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(catalog, def));
  job.client.retry.max_attempts = 2;  // a person is waiting
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  return pipeline::CheckReportExists(*store, job.request);
}

Result<std::string> DropCatalogDatasetData(const std::filesystem::path& data_home, const std::string& dataset,
                                           const CatalogDestinationInfo& where) {
  BP_ASSIGN_OR_RETURN(sink::DestinationKind kind, sink::ValidateDestination(where.destination));
  if (kind == sink::DestinationKind::kSqlite) {
    // Opening a SQLite destination creates its file: when there is none, nothing was ever loaded.
    std::filesystem::path file = where.destination.substr(where.destination.find(':') + 1);
    if (!std::filesystem::exists(file)) return std::string();
  }
  BP_ASSIGN_OR_RETURN(auto lock, pipeline::RunLock::Acquire(
                                     data_home / "locks", dataset,
                                     fmt::format("billpipe dataset delete, pid {}, started {}", getpid(),
                                                 FormatTimestamp(Clock::System().Now()))));
  BP_ASSIGN_OR_RETURN(auto sink, OpenDatasetSink(where));
  BP_ASSIGN_OR_RETURN(bool dropped, sink->DropDataset(dataset));
  return dropped ? sink->Describe() : std::string();
}

}  // namespace billpipe::app
