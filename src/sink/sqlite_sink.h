// The embedded default sink: one SQLite file holding any number of datasets.
//
// Layout of a dataset NAME in the file:
//   NAME                        a view: the rows of the current version. Query this. Its columns are
//                               billing_period, version_key, then the dataset's union schema (TEXT;
//                               decimals REAL; timestamps ISO 8601 TEXT).
//   NAME__sID                   one table per kept segment (a billing period's rows from one report
//                               version), with only the columns that have values in it, and an index
//                               on the date column (ColumnRoles::date_column) built after its rows.
//   NAME__schema                empty; its columns are the view's, with their declared types
//   _billpipe_columns, _billpipe_segments, _billpipe_versions, _billpipe_version_segments,
//   _billpipe_current           bookkeeping shared by all datasets in the file
// The view is a UNION ALL with one arm per segment whose billing period and version key are constants,
// so a query on some periods reads only their tables. Dropping an old version drops its tables.
// The file is in WAL mode: readers keep reading during a load and see a run's result only once it
// commits; the WAL is truncated after each commit when no reader is in the way. A new file is 0600.
// Dataset names that differ only in case are refused (one name in SQL).
#pragma once

#include <memory>
#include <string>

#include "sink/sink.h"
#include "util/clock.h"

namespace billpipe::sink {

class SqliteDb;

class SqliteSink final : public Sink {
 public:
  // Opens or creates the file. clock stamps loaded_at / created_at.
  static Result<std::unique_ptr<SqliteSink>> Open(const std::string& path, Clock& clock = Clock::System());
  ~SqliteSink() override;

  std::string Describe() const override;
  Result<DatasetState> ReadState(std::string_view dataset) override;
  Result<std::unique_ptr<LoadTransaction>> Begin(std::string_view dataset, const ColumnRoles& roles) override;
  Result<std::vector<DatasetVersion>> ListVersions(std::string_view dataset) override;
  Result<int64_t> Restore(std::string_view dataset, int64_t version) override;
  Result<StoredTotals> CountSegment(std::string_view dataset, const Segment& segment,
                                    std::string_view total_column) override;
  Result<bool> DropDataset(std::string_view dataset) override;

 private:
  SqliteSink(std::unique_ptr<SqliteDb> db, Clock& clock);
  std::unique_ptr<SqliteDb> db_;
  Clock& clock_;
};

}  // namespace billpipe::sink
