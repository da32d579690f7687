// Where a Distributed table puts a row, computed by billpipe so that it can send each shard its rows
// directly (into the shard's local table) instead of through the Distributed table, which parses every row
// on one server, re-encodes it and sends each shard its share again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace billpipe::sink {

// ClickHouse's sipHash64 of one String argument: SipHash-2-4 with a zero key over the bytes.
uint64_t SipHash64(std::string_view bytes);

// A Distributed table's choice of shard for a sharding key value: shard_weight slots per shard, in shard
// order, and the slot at value % total weight (as ClickHouse's Distributed engine does).
class ShardSlots {
 public:
  ShardSlots() = default;
  explicit ShardSlots(const std::vector<uint32_t>& weights);  // one per shard, in shard_num order
  size_t ShardOf(uint64_t key) const { return slots_.empty() ? 0 : slots_[key % slots_.size()]; }

 private:
  std::vector<size_t> slots_;
};

// The key column of a Distributed engine definition billpipe made, "Distributed(c, db, t,
// sipHash64(ifNull(col, '')))" → "col"; empty when it is not of that form (e.g. rand()).
std::string SipHashKeyColumn(std::string_view engine_full);

}  // namespace billpipe::sink
