// What the layers above S3 need from an object store. The S3 client (s3/client.h) implements it over
// HTTP with SigV4, retries and resumption; tests may wrap it to inject faults. Keys are bucket-relative
// and never URL-encoded here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/byte_source.h"
#include "util/status.h"

namespace billpipe::s3 {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;           // as S3 returns it, quotes included
  std::string last_modified;  // ISO 8601 UTC, e.g. "2026-11-29T08:15:19.000Z"
};

struct Listing {
  std::vector<ObjectInfo> objects;           // in S3's order (UTF-8 byte order of keys)
  std::vector<std::string> common_prefixes;  // with the delimiter at the end, e.g. "cur/report/"
};

struct ReadOptions {
  uint64_t offset = 0;                // first byte to read
  int64_t length = -1;                // -1: to the end
  std::string if_match;               // expected ETag; a changed object restarts or fails the read
};

class ObjectStore {
 public:
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;
  virtual ~ObjectStore() = default;

  // Every key under prefix (all pages). With a delimiter, keys past it are folded into common prefixes.
  virtual Result<Listing> List(const std::string& bucket, const std::string& prefix,
                               const std::string& delimiter) = 0;

  virtual Result<ObjectInfo> Head(const std::string& bucket, const std::string& key) = 0;

  // Streams an object. The returned source retries and resumes a broken body by itself; its errors are
  // final. It may outlive neither this store nor a call to Close of it.
  virtual Result<std::unique_ptr<ByteSource>> Open(const std::string& bucket, const std::string& key,
                                                   const ReadOptions& options = {}) = 0;

  // Reads a small object whole (a manifest): more than max_bytes is kBadData.
  virtual Result<std::string> GetSmall(const std::string& bucket, const std::string& key,
                                       size_t max_bytes) = 0;

  // Uploads an object (used by the CUR generator and tests).
  virtual Status Put(const std::string& bucket, const std::string& key, ByteSource& body,
                     uint64_t size) = 0;
};

}  // namespace billpipe::s3
