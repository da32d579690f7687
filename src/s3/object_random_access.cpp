#include "s3/object_random_access.h"

#include <algorithm>

#include <fmt/format.h>

namespace billpipe::s3 {

Result<std::unique_ptr<ObjectRandomAccessSource>> ObjectRandomAccessSource::Open(ObjectStore& store,
                                                                                 const std::string& bucket,
                                                                                 const std::string& key) {
  BP_ASSIGN_OR_RETURN(ObjectInfo info, store.Head(bucket, key));
  info.key = key;
  return FromInfo(store, bucket, info);
}

std::unique_ptr<ObjectRandomAccessSource> ObjectRandomAccessSource::FromInfo(ObjectStore& store,
                                                                             const std::string& bucket,
                                                                             const ObjectInfo& info) {
  return std::unique_ptr<ObjectRandomAccessSource>(
      new ObjectRandomAccessSource(store, bucket, info.key, info.size, info.etag));
}

std::string ObjectRandomAccessSource::Describe() const { return fmt::format("s3://{}/{}", bucket_, key_); }

Result<size_t> ObjectRandomAccessSource::ReadAt(uint64_t offset, std::span<char> out) {
  if (offset >= size_ || out.empty()) return size_t{0};
  const uint64_t length = std::min<uint64_t>(out.size(), size_ - offset);
  ReadOptions options;
  options.offset = offset;
  options.length = static_cast<int64_t>(length);
  options.if_match = etag_;
  ++requests_;
  BP_ASSIGN_OR_RETURN(auto body, store_.Open(bucket_, key_, options));
  size_t done = 0;
  while (done < length) {
    BP_ASSIGN_OR_RETURN(size_t n, body->Read(out.subspan(done, static_cast<size_t>(length) - done)));
    if (n == 0) break;
    done += n;
  }
  if (done < length) {
    Error e(ErrorCode::kConflict, fmt::format("{} returned {} of the {} bytes asked for at byte {}; the object is "
                                              "shorter than listed (rewritten?)",
                                              Describe(), done, length, offset));
    e.bucket = bucket_;
    e.key = key_;
    e.offset = static_cast<int64_t>(offset + done);
    return Fail(std::move(e));
  }
  return done;
}

}  // namespace billpipe::s3
