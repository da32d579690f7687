// A dataset as a TOML file, so datasets can live in version control. No secrets: the account is named.
//
//   name = "aws_costs"
//   description = "Daily costs"
//   account = "AWS Billing Account"
//   destination = "postgresql://billing@db.example.com/costs"   # absent: the data directory's SQLite file;
//                                                               # its password is never in the file
//
//   [details]
//   report_type = "cost-and-usage"
//   filter = "all"                 # all | invoiced | estimated
//   schema = "cur"                 # cur (the report's own columns) | focus (FOCUS 1.2 from any report)
//   bucket = "billing"
//   prefix = "cur"
//   report_name = "daily"
//   start = "30d"                  # YYYY-MM-DD or Nd
//   end = "0d"                     # absent: a single date
//
//   [scheduling]
//   schedule = "every day at 06:00"
//   start_at = 2026-12-01T06:00:00Z   # optional: start later
//   retry = "always 3 every 10m"
//   update_method = "replace"      # replace | append | partition
//
// Import validates like `dataset create` and errors name the file, line and key.
#pragma once

#include <string>
#include <string_view>

#include "catalog/dataset_definition.h"
#include "util/status.h"

namespace billpipe::catalog {

std::string DatasetToToml(const DatasetDefinition& dataset);

// Parses the text (source names it in errors, e.g. the file path). Fields are checked for type and
// form here; ValidateDefinition and the store check the rest.
Result<DatasetDefinition> DatasetFromToml(std::string_view text, std::string_view source);

}  // namespace billpipe::catalog
