// A ClickHouse destination (Debian's clickhouse-server 18.16 and later), over the HTTP interface:
// "clickhouse://host:8123/db?cluster=NAME". With cluster=, billpipe reads the cluster's shards from
// system.clusters on host and talks to each shard's server at its host on the URL's HTTP port (18.16 runs
// ON CLUSTER DDL only with ZooKeeper, so billpipe makes every table on every shard itself). Without it,
// one server.
//
// Layout of a dataset NAME in database db, on every shard:
//   NAME__local   MergeTree, PARTITION BY (toYYYYMM(billing_period), _segment): a billing period's rows of
//                 one report version (a segment) are one partition. Columns: billing_period Date,
//                 version_key String, _segment UInt64, then the dataset's columns, all Nullable: decimals
//                 Decimal(38, 10), timestamps DateTime('UTC') (seconds), everything else String.
//   NAME__all     Distributed over the NAME__local tables (cluster only), rows spread by
//                 sipHash64 of the column that identifies a line (ColumnRoles::key_column: the line item
//                 id in CUR), or rand() when the report has none.
//   NAME          a view: the rows of the segments of the current version. Query this. It filters
//                 _segment GLOBAL IN the current version's segments, read from _billpipe_state on the
//                 server the query is sent to, once per query.
//   _billpipe_state  one row per change of a dataset (revision, current segments, the whole state as JSON).
// A run inserts its rows straight into each shard's NAME__local, placed as NAME__all would place them (the
// same sipHash64, computed by billpipe: sink/clickhouse_shard.h), one streamed INSERT per shard at a time,
// all shards at once. Nothing points at their segments yet; the run then publishes by inserting one new
// _billpipe_state row on every server: a query sees one version or the other, never a mix. A killed or
// failed run's partitions are dropped by the next run. See docs/destinations.md for what is guaranteed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sink/sink.h"
#include "util/clock.h"

namespace billpipe::sink {

class ClickHouseServer;

inline constexpr const char* kClickHousePasswordEnv = "CLICKHOUSE_PASSWORD";

class ClickHouseSink final : public Sink {
 public:
  // destination: "clickhouse://[user@]host[:port][/database][?cluster=NAME]" (port 8123, database default,
  // user default). A password in it is refused; it is `password` (stored in the catalog) or else the
  // environment variable CLICKHOUSE_PASSWORD, sent to every server with HTTP basic authentication.
  static Result<std::unique_ptr<ClickHouseSink>> Open(const std::string& destination, Clock& clock = Clock::System(),
                                                      const std::string& password = "");
  ~ClickHouseSink() override;

  std::string Describe() const override;
  Result<DatasetState> ReadState(std::string_view dataset) override;
  Result<std::unique_ptr<LoadTransaction>> Begin(std::string_view dataset, const ColumnRoles& roles) override;
  Result<std::vector<DatasetVersion>> ListVersions(std::string_view dataset) override;
  Result<int64_t> Restore(std::string_view dataset, int64_t version) override;
  Result<StoredTotals> CountSegment(std::string_view dataset, const Segment& segment,
                                    std::string_view total_column) override;
  Result<bool> DropDataset(std::string_view dataset) override;

  // The shards' HTTP base URLs, in shard order (one, the destination's server, without a cluster).
  std::vector<std::string> ShardUrls() const;

  struct Place {
    std::string host;      // as written in the destination
    int port = 8123;
    std::string database = "default";
    std::string cluster;   // empty: one server
    std::string user;      // empty: ClickHouse's default user
  };

 private:
  ClickHouseSink(Place place, std::unique_ptr<ClickHouseServer> coordinator,
                 std::vector<std::unique_ptr<ClickHouseServer>> shards, std::vector<uint32_t> weights, Clock& clock);
  Place place_;
  std::unique_ptr<ClickHouseServer> coordinator_;       // the destination's server: state is read here
  std::vector<std::unique_ptr<ClickHouseServer>> shards_;  // every shard's server (the coordinator's too)
  std::vector<uint32_t> weights_;                          // their shard_weight (cluster only)
  Clock& clock_;
};

// Parses a clickhouse:// destination (kInvalidArgument saying what is wrong).
Result<ClickHouseSink::Place> ParseClickHouseDestination(const std::string& destination);

}  // namespace billpipe::sink
