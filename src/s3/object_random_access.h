// A RandomAccessSource over one object of an ObjectStore: each ReadAt is one ranged GET
// (ObjectStore::Open with offset and length) pinned to the object's ETag, so an object rewritten while it
// is read fails with kConflict instead of mixing two versions. Works over the S3 client (retries and
// resumption are its own) and over LocalDirStore alike.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "s3/object_store.h"
#include "util/random_access_source.h"

namespace billpipe::s3 {

class ObjectRandomAccessSource final : public RandomAccessSource {
 public:
  // With `info` from a listing or manifest (size and ETag) no request is made; without, one HEAD.
  // `store` must outlive the source. Thread-safe when the store is.
  static Result<std::unique_ptr<ObjectRandomAccessSource>> Open(ObjectStore& store, const std::string& bucket,
                                                                const std::string& key);
  static std::unique_ptr<ObjectRandomAccessSource> FromInfo(ObjectStore& store, const std::string& bucket,
                                                            const ObjectInfo& info);

  uint64_t Size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override;
  std::string Describe() const override;

  // Ranged GETs made so far (tests check reads are few).
  int64_t requests() const { return requests_; }

 private:
  ObjectRandomAccessSource(ObjectStore& store, std::string bucket, std::string key, uint64_t size, std::string etag)
      : store_(store), bucket_(std::move(bucket)), key_(std::move(key)), size_(size), etag_(std::move(etag)) {}

  ObjectStore& store_;
  std::string bucket_;
  std::string key_;
  uint64_t size_;
  std::string etag_;
  std::atomic<int64_t> requests_{0};
};

}  // namespace billpipe::s3
