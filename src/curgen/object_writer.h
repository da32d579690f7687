// Where the CUR generator puts objects: a local directory (one file per key) or, through
// s3::ObjectStore::Put, straight into a bucket. The generator only sees these two small interfaces.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "s3/object_store.h"
#include "util/status.h"

namespace billpipe::curgen {

// One object being written. Write appends bytes; Close makes the whole object visible under its key
// and returns its size. An output destroyed without Close leaves nothing behind (no partial object).
// Not thread-safe; not copyable.
class ObjectOutput {
 public:
  ObjectOutput() = default;
  ObjectOutput(const ObjectOutput&) = delete;
  ObjectOutput& operator=(const ObjectOutput&) = delete;
  virtual ~ObjectOutput() = default;

  virtual Status Write(std::string_view bytes) = 0;
  virtual Result<uint64_t> Close() = 0;
};

// Creates objects by bucket-relative key ("cur/report/20191201-20200101/report-Manifest.json").
// Creating a key that exists replaces it when the new object is closed.
class ObjectWriter {
 public:
  ObjectWriter() = default;
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;
  virtual ~ObjectWriter() = default;

  virtual Result<std::unique_ptr<ObjectOutput>> Create(const std::string& key) = 0;
  // Where key ends up, for messages: "/tmp/out/cur/r/..." or "s3://bucket/cur/r/...".
  virtual std::string Describe(const std::string& key) const = 0;
};

// Writes key K to <root>/K, creating folders. Each file is written as "<path>.partial" and renamed
// into place on Close, so a reader never sees half a file under the final name.
class DirectoryObjectWriter final : public ObjectWriter {
 public:
  explicit DirectoryObjectWriter(std::filesystem::path root) : root_(std::move(root)) {}
  Result<std::unique_ptr<ObjectOutput>> Create(const std::string& key) override;
  std::string Describe(const std::string& key) const override { return (root_ / key).string(); }

 private:
  std::filesystem::path root_;
};

// Uploads each object to bucket with store.Put. S3 needs the size before the body, so the object is
// spooled to an unlinked temporary file (in $TMPDIR) and uploaded on Close: memory stays bounded.
// store must outlive the writer and its outputs.
class ObjectStoreWriter final : public ObjectWriter {
 public:
  ObjectStoreWriter(s3::ObjectStore& store, std::string bucket) : store_(store), bucket_(std::move(bucket)) {}
  Result<std::unique_ptr<ObjectOutput>> Create(const std::string& key) override;
  std::string Describe(const std::string& key) const override { return "s3://" + bucket_ + "/" + key; }

 private:
  s3::ObjectStore& store_;
  std::string bucket_;
};

}  // namespace billpipe::curgen
