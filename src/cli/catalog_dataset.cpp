#include "cli/catalog_dataset.h"

#include <unistd.h>

#include <fmt/format.h>

#include "catalog/datasets.h"
#include "cli/catalog_common.h"
#include "pipeline/plan.h"
#include "pipeline/run_lock.h"
#include "sink/open_sink.h"
#include "util/date.h"

namespace billpipe::cli {

Result<s3::ClientOptions> AccountClientOptions(catalog::AccountStore& accounts, const catalog::Account& account) {
  s3::ClientOptions client;
  client.region = account.region;
  client.endpoint_url = account.endpoint;
  if (account.source == catalog::CredentialSource::kProfile) {
    client.profile = account.profile;
  } else {
    BP_ASSIGN_OR_RETURN(catalog::AccountSecrets secrets, accounts.Secrets(account));
    client.credentials = {account.access_key_id, secrets.secret_access_key, secrets.session_token};
  }
  return client;
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
  job.request.dataset = def.name;
  job.request.bucket = def.bucket;
  job.request.prefix = def.prefix;
  job.request.report_name = def.report_name;
  job.request.filter = def.filter;
  job.request.duration = def.duration;
  job.request.update = def.update_method;
  BP_ASSIGN_OR_RETURN(job.client, AccountClientOptions(accounts, account));
  return job;
}

Result<CatalogJob> LoadCatalogJob(const std::string& home, const std::string& name) {
  BP_ASSIGN_OR_RETURN(auto catalog, OpenCatalog(home));
  BP_ASSIGN_OR_RETURN(catalog::DatasetDefinition def, catalog::DatasetStore(*catalog).Get(name));
  return LoadCatalogJob(*catalog, def);
}

std::string CatalogDestination(const std::filesystem::path& data_home) { return sink::DefaultDestination(data_home); }

Status CheckDatasetReport(catalog::Catalog& catalog, const catalog::DatasetDefinition& def) {
  BP_ASSIGN_OR_RETURN(CatalogJob job, LoadCatalogJob(catalog, def));
  job.client.retry.max_attempts = 2;  // a person is waiting
  BP_ASSIGN_OR_RETURN(auto store, s3::MakeClient(job.client));
  return pipeline::CheckReportExists(*store, job.request);
}

Result<std::string> DropCatalogDatasetData(const std::filesystem::path& data_home, const std::string& dataset) {
  std::string destination = CatalogDestination(data_home);
  // Opening a SQLite destination creates its file: when there is none, nothing was ever loaded.
  std::filesystem::path file = destination.substr(destination.find(':') + 1);
  if (!std::filesystem::exists(file)) return std::string();
  BP_ASSIGN_OR_RETURN(auto lock, pipeline::RunLock::Acquire(
                                     data_home / "locks", dataset,
                                     fmt::format("billpipe dataset delete, pid {}, started {}", getpid(),
                                                 FormatTimestamp(Clock::System().Now()))));
  BP_ASSIGN_OR_RETURN(auto sink, sink::OpenSink(destination));
  BP_ASSIGN_OR_RETURN(bool dropped, sink->DropDataset(dataset));
  return dropped ? sink->Describe() : std::string();
}

}  // namespace billpipe::cli
