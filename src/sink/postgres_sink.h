// A PostgreSQL destination: any number of datasets in one database (in the connection's current schema,
// normally public), with the same meaning as the SQLite sink.
//
// Layout of a dataset NAME:
//   NAME                        a view: the rows of the current version. Query this. Its columns are
//                               billing_period (date), version_key (text), then the dataset's union schema:
//                               decimals NUMERIC (exact), timestamps timestamptz, everything else text.
//   NAME__sID                   one table per kept segment (a billing period's rows from one report version),
//                               with only the columns that have a value or empty text in it, and an index on
//                               the usage start date built after its rows. (NAME is shortened when NAME__sID
//                               would pass PostgreSQL's 63-byte identifier limit; IDs are unique.)
//   _billpipe_columns, _billpipe_segments, _billpipe_versions, _billpipe_version_segments,
//   _billpipe_current           bookkeeping shared by all datasets of the schema
// The view is a UNION ALL with one arm per segment whose billing_period and version_key are constants, so
// the planner drops the arms a filter on them excludes. A run writes its segment tables in chunks of
// committed transactions (nothing points at them yet) and changes the view and the bookkeeping in one final
// transaction. One run per dataset at a time: a run holds a session advisory lock on the dataset from Begin
// until the transaction object is destroyed; a second run is refused (kConflict).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sink/sink.h"
#include "util/clock.h"

namespace billpipe::sink {

class PgConn;

class PostgresSink final : public Sink {
 public:
  // conninfo: a libpq URI or keyword string, without a password (PGPASSWORD / ~/.pgpass, or `password`:
  // one stored in the catalog). Connects and creates the bookkeeping tables if missing. clock stamps
  // loaded_at / created_at.
  static Result<std::unique_ptr<PostgresSink>> Open(const std::string& conninfo, Clock& clock = Clock::System(),
                                                    const std::string& password = "");
  ~PostgresSink() override;

  std::string Describe() const override;
  Result<DatasetState> ReadState(std::string_view dataset) override;
  // Takes the dataset's advisory lock (kConflict when another session holds it), and refuses (kConflict)
  // when the dataset's current version changed since this sink's last ReadState of it: the plan was made
  // on a state that is gone.
  Result<std::unique_ptr<LoadTransaction>> Begin(std::string_view dataset, const ColumnRoles& roles) override;
  Result<std::vector<DatasetVersion>> ListVersions(std::string_view dataset) override;
  Result<int64_t> Restore(std::string_view dataset, int64_t version) override;
  Result<StoredTotals> CountSegment(std::string_view dataset, const Segment& segment,
                                    std::string_view total_column) override;
  Result<bool> DropDataset(std::string_view dataset) override;

  // The server process of this sink's connection (tests terminate it to simulate a lost connection).
  int BackendPid() const;

 private:
  PostgresSink(std::unique_ptr<PgConn> conn, Clock& clock);
  std::unique_ptr<PgConn> conn_;
  Clock& clock_;
  std::map<std::string, std::optional<int64_t>, std::less<>> seen_version_;  // by ReadState, per dataset
};

}  // namespace billpipe::sink
