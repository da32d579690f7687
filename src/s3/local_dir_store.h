// An ObjectStore over a local directory: point billpipe at a folder of Cost and Usage Report files copied
// from S3 (`aws s3 sync s3://BUCKET DIR`) and it reads them as it would read the bucket. Also lets the
// layers above S3 be tested against real files. See docs/local-dir-store.md.
//
// Mapping:
//   - Bucket: with `Options::root_is_bucket` the directory itself is the bucket, whatever name is asked
//     for; otherwise each bucket is a subfolder of the directory (`DIR/BUCKET/`), and a missing subfolder
//     is kNotFound (like NoSuchBucket).
//   - Key: the path relative to the bucket folder, '/'-separated. Keys with empty, "." or ".." segments or
//     a leading '/' are refused (kInvalidArgument), so a key never escapes the bucket folder.
//   - Only regular files are objects. Folders are not objects; like S3, a folder without files under it
//     does not appear in listings.
//   - ETag: for objects up to kMaxHashedBytes it is the quoted hex MD5 of the content (what S3 returns
//     for an object uploaded in one part, so a faithful copy of a manifest keeps its S3 ETag); for larger
//     objects it is `"local-<size>-<mtime ns>"`, which changes whenever the file is rewritten.
//   - LastModified: the file's modification time, UTC, "2026-11-29T08:15:19.000Z".
//
// Thread safety: every method may be called from several threads at once; a returned ByteSource is used
// by one thread at a time. Put writes to a temporary file in the target folder and renames it, so readers
// see the old object or the new one, never half of one; the temporary files (named ".billpipe-put-*") are
// never listed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "s3/object_store.h"

namespace billpipe::s3 {

class LocalDirStore final : public ObjectStore {
 public:
  // Objects up to this size get their MD5 as ETag; hashing larger files on every listing would read
  // whole reports.
  static constexpr uint64_t kMaxHashedBytes = 1 << 20;

  struct Options {
    std::filesystem::path root;   // must exist and be a directory
    bool root_is_bucket = false;  // true: root is the one bucket; false: buckets are root's subfolders
  };

  // Fails with kNotFound when root does not exist, kInvalidArgument when it is not a directory.
  static Result<std::unique_ptr<LocalDirStore>> Create(const Options& options);

  Result<Listing> List(const std::string& bucket, const std::string& prefix,
                       const std::string& delimiter) override;
  Result<ObjectInfo> Head(const std::string& bucket, const std::string& key) override;
  Result<std::unique_ptr<ByteSource>> Open(const std::string& bucket, const std::string& key,
                                           const ReadOptions& options = {}) override;
  Result<std::string> GetSmall(const std::string& bucket, const std::string& key,
                               size_t max_bytes) override;
  Status Put(const std::string& bucket, const std::string& key, ByteSource& body,
             uint64_t size) override;

  const std::filesystem::path& root() const { return options_.root; }

 private:
  explicit LocalDirStore(Options options) : options_(std::move(options)) {}

  // The folder holding bucket's objects; kNotFound when it does not exist.
  Result<std::filesystem::path> BucketDir(const std::string& bucket) const;
  // bucket folder / key, after checking the key.
  Result<std::filesystem::path> ObjectPath(const std::string& bucket, const std::string& key) const;

  Options options_;
};

}  // namespace billpipe::s3
