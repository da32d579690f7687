// A forwarding ObjectStore that counts the requests made through it, to check that a run makes only
// the requests it should.
#pragma once

#include <atomic>

#include "s3/object_store.h"

namespace billpipe::testing {

class CountingStore final : public s3::ObjectStore {
 public:
  explicit CountingStore(s3::ObjectStore& inner) : inner_(inner) {}

  Result<s3::Listing> List(const std::string& bucket, const std::string& prefix,
                           const std::string& delimiter) override {
    ++lists;
    return inner_.List(bucket, prefix, delimiter);
  }
  Result<s3::ObjectInfo> Head(const std::string& bucket, const std::string& key) override {
    ++heads;
    return inner_.Head(bucket, key);
  }
  Result<std::unique_ptr<ByteSource>> Open(const std::string& bucket, const std::string& key,
                                           const s3::ReadOptions& options = {}) override {
    ++opens;
    return inner_.Open(bucket, key, options);
  }
  Result<std::string> GetSmall(const std::string& bucket, const std::string& key, size_t max_bytes) override {
    ++small_gets;
    return inner_.GetSmall(bucket, key, max_bytes);
  }
  Status Put(const std::string& bucket, const std::string& key, ByteSource& body, uint64_t size) override {
    ++puts;
    return inner_.Put(bucket, key, body, size);
  }
  void Reset() { lists = heads = opens = small_gets = puts = 0; }

  std::atomic<int> lists{0}, heads{0}, opens{0}, small_gets{0}, puts{0};

 private:
  s3::ObjectStore& inner_;
};

}  // namespace billpipe::testing
