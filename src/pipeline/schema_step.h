// The dataset's schema as a step of the pipeline (docs/exports.md "FOCUS from any report",
// docs/architecture.md): with schema focus, every version the report's reader describes is turned into
// FOCUS 1.2 columns (cur::AsFocus) before anything plans, shapes or loads with it, so windows, filters,
// period status, totals and verify work on FOCUS's role columns like on any report's. The rows are
// transformed where they are decoded (the version's transform, applied by OpenFileBatches), per batch on
// the decoding threads, before the shape step; the sink sees FOCUS columns only.
//
// One table holds one column set: a run whose columns are not the dataset's (a dataset loaded with
// schema cur, run with schema focus, or the other way round) is refused before anything is read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cur/report_reader.h"
#include "pipeline/dataset_spec.h"
#include "sink/sink.h"
#include "util/status.h"

namespace billpipe::pipeline {

// The reader whose versions have the schema's columns: `reader` itself for schema cur; for schema focus
// a reader that hands out cur::AsFocus of each of its versions.
std::unique_ptr<cur::ReportReader> WithSchema(std::unique_ptr<cur::ReportReader> reader, OutputSchema schema);

// kConflict when a dataset that holds columns (existing, from the sink's state) would get a version whose
// usage start or cost column is none of them (cur::SameColumn): another column set. The message names both and what to do.
Status CheckSameColumnSet(const std::string& dataset, const std::vector<sink::ColumnDef>& existing,
                          const cur::PeriodVersion& version, OutputSchema schema);

}  // namespace billpipe::pipeline
