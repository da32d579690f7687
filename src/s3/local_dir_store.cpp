#include "s3/local_dir_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace billpipe::s3 {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".billpipe-put-";
constexpr size_t kCopyBufferBytes = 256 * 1024;

std::string Url(const std::string& bucket, const std::string& key) {
  return fmt::format("s3://{}/{}", bucket, key);
}

std::string FormatTime(const struct timespec& ts) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds{static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000}};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

Error IoError(std::string what, int err) {
  return Error(ErrorCode::kIo, fmt::format("{}: {}", what, std::strerror(err)));
}

Error NoSuchKey(const std::string& bucket, const std::string& key, const fs::path& path) {
  Error e(ErrorCode::kNotFound, fmt::format("{} does not exist (no file {})", Url(bucket, key), path.string()));
  e.bucket = bucket;
  e.key = key;
  return e;
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Result<std::string> Md5Etag(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(IoError(fmt::format("opening {}", path.string()), errno));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) {
    return Fail(ErrorCode::kInternal, "OpenSSL could not start an MD5 digest");
  }
  std::string buf(kCopyBufferBytes, '\0');
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(IoError(fmt::format("reading {}", path.string()), errno));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  std::string etag = "\"";
  for (unsigned i = 0; i < len; ++i) etag += fmt::format("{:02x}", digest[i]);
  etag += '"';
  return etag;
}

// Info for a regular file at path; nullopt-like kNotFound handled by the caller.
Result<ObjectInfo> FileInfo(const fs::path& path, std::string key, const struct stat& st) {
  ObjectInfo info;
  info.key = std::move(key);
  info.size = static_cast<uint64_t>(st.st_size);
  info.last_modified = FormatTime(st.st_mtim);
  if (info.size <= LocalDirStore::kMaxHashedBytes) {
    BP_ASSIGN_OR_RETURN(info.etag, Md5Etag(path));
  } else {
    int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    info.etag = fmt::format("\"local-{}-{}\"", info.size, mtime_ns);
  }
  return info;
}

bool ValidKey(std::string_view key) {
  if (key.empty() || key.front() == '/') return false;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (segment.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

// Streams a byte range of a local file.
class FileSource final : public ByteSource {
 public:
  FileSource(int fd, uint64_t remaining, std::string name)
      : fd_(fd), remaining_(remaining), name_(std::move(name)) {}

  Result<size_t> Read(std::span<char> out) override {
    if (remaining_ == 0 || out.empty()) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
    while (true) {
      ssize_t n = ::read(fd_.get(), out.data(), want);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(IoError(fmt::format("reading {}", name_), errno));
      }
      if (n == 0) {
        // The file shrank under us: the object changed while it was read.
        remaining_ = 0;
        return Fail(ErrorCode::kConflict, fmt::format("{} became shorter while it was read", name_));
      }
      remaining_ -= static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
  }

  std::string Describe() const override { return name_; }

 private:
  Fd fd_;
  uint64_t remaining_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<LocalDirStore>> LocalDirStore::Create(const Options& options) {
  std::error_code ec;
  auto status = fs::status(options.root, ec);
  if (ec || !fs::exists(status)) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("the directory {} does not exist", options.root.string()));
  }
  if (!fs::is_directory(status)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("{} is not a directory", options.root.string()));
  }
  return std::unique_ptr<LocalDirStore>(new LocalDirStore(options));
}

Result<fs::path> LocalDirStore::BucketDir(const std::string& bucket) const {
  if (options_.root_is_bucket) return options_.root;
  if (bucket.empty() || bucket == "." || bucket == ".." || bucket.find('/') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("\"{}\" is not a valid bucket name", bucket));
  }
  fs::path dir = options_.root / bucket;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    Error e(ErrorCode::kNotFound,
            fmt::format("bucket {} does not exist (no folder {})", bucket, dir.string()));
    e.bucket = bucket;
    return Fail(std::move(e));
  }
  return dir;
}

Result<fs::path> LocalDirStore::ObjectPath(const std::string& bucket, const std::string& key) const {
  if (!ValidKey(key)) {
    Error e(ErrorCode::kInvalidArgument,
            fmt::format("\"{}\" is not a key a local directory can hold (empty, \".\" or \"..\" segment)", key));
    e.bucket = bucket;
    e.key = key;
    return Fail(std::move(e));
  }
  BP_ASSIGN_OR_RETURN(fs::path dir, BucketDir(bucket));
  return dir / key;
}

Result<Listing> LocalDirStore::List(const std::string& bucket, const std::string& prefix,
                                    const std::string& delimiter) {
  BP_ASSIGN_OR_RETURN(fs::path dir, BucketDir(bucket));
  // Walk only the deepest folder the prefix names: "a/b/c" can only match keys under "a/b/".
  std::string folder_key;
  if (size_t slash = prefix.rfind('/'); slash != std::string::npos) folder_key = prefix.substr(0, slash + 1);
  fs::path start = folder_key.empty() ? dir : dir / folder_key;
  Listing listing;
  std::error_code ec;
  if (!folder_key.empty() && (!ValidKey(folder_key.substr(0, folder_key.size() - 1)) ||
                              !fs::is_directory(start, ec))) {
    return listing;  // nothing can be under a folder that does not exist
  }

  std::vector<std::pair<std::string, fs::path>> files;
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Fail(IoError(fmt::format("listing {}", start.string()), ec.value()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Fail(IoError(fmt::format("listing {}", start.string()), ec.value()));
    const fs::directory_entry& entry = *it;
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;
    std::string name = entry.path().filename().string();
    if (name.starts_with(kTempPrefix)) continue;
    std::string key = folder_key + entry.path().lexically_relative(start).generic_string();
    if (!key.starts_with(prefix)) continue;
    files.emplace_back(std::move(key), entry.path());
  }
  if (ec) return Fail(IoError(fmt::format("listing {}", start.string()), ec.value()));
  // std::string compares as unsigned bytes: S3's UTF-8 byte order.
  std::sort(files.begin(), files.end());

  for (auto& [key, path] : files) {
    if (!delimiter.empty()) {
      size_t pos = key.find(delimiter, prefix.size());
      if (pos != std::string::npos) {
        std::string common = key.substr(0, pos + delimiter.size());
        // Keys are sorted, so keys sharing a common prefix are adjacent.
        if (listing.common_prefixes.empty() || listing.common_prefixes.back() != common) {
          listing.common_prefixes.push_back(std::move(common));
        }
        continue;
      }
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed since the walk, as if listed a moment later
      return Fail(IoError(fmt::format("reading {}", path.string()), errno));
    }
    BP_ASSIGN_OR_RETURN(ObjectInfo info, FileInfo(path, key, st));
    listing.objects.push_back(std::move(info));
  }
  return listing;
}

Result<ObjectInfo> LocalDirStore::Head(const std::string& bucket, const std::string& key) {
  BP_ASSIGN_OR_RETURN(fs::path path, ObjectPath(bucket, key));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Fail(NoSuchKey(bucket, key, path));
    return Fail(IoError(fmt::format("reading {}", path.string()), errno));
  }
  if (!S_ISREG(st.st_mode)) return Fail(NoSuchKey(bucket, key, path));  // a folder is not an object
  return FileInfo(path, key, st);
}

Result<std::unique_ptr<ByteSource>> LocalDirStore::Open(const std::string& bucket, const std::string& key,
                                                        const ReadOptions& options) {
  BP_ASSIGN_OR_RETURN(fs::path path, ObjectPath(bucket, key));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Fail(NoSuchKey(bucket, key, path));
    return Fail(IoError(fmt::format("opening {}", path.string()), errno));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Fail(IoError(fmt::format("reading {}", path.string()), errno));
  if (!S_ISREG(st.st_mode)) return Fail(NoSuchKey(bucket, key, path));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (!options.if_match.empty()) {
    BP_ASSIGN_OR_RETURN(ObjectInfo info, FileInfo(path, key, st));
    if (info.etag != options.if_match) {
      Error e(ErrorCode::kConflict, fmt::format("{} changed: its ETag is {}, expected {}", Url(bucket, key),
                                                info.etag, options.if_match));
      e.bucket = bucket;
      e.key = key;
      return Fail(std::move(e));
    }
  }
  if (options.offset > size || (options.offset == size && size > 0)) {
    Error e(ErrorCode::kInvalidArgument,
            fmt::format("{}: offset {} is past the end of the object ({} bytes)", Url(bucket, key),
                        options.offset, size));
    e.bucket = bucket;
    e.key = key;
    e.offset = static_cast<int64_t>(options.offset);
    return Fail(std::move(e));
  }
  uint64_t remaining = size - options.offset;
  if (options.length >= 0) remaining = std::min<uint64_t>(remaining, static_cast<uint64_t>(options.length));
  if (options.offset > 0 &&
      ::lseek(fd.get(), static_cast<off_t>(options.offset), SEEK_SET) != static_cast<off_t>(options.offset)) {
    return Fail(IoError(fmt::format("seeking in {}", path.string()), errno));
  }
  return std::unique_ptr<ByteSource>(new FileSource(fd.release(), remaining, path.string()));
}

Result<std::string> LocalDirStore::GetSmall(const std::string& bucket, const std::string& key,
                                            size_t max_bytes) {
  BP_ASSIGN_OR_RETURN(ObjectInfo info, Head(bucket, key));
  if (info.size > max_bytes) {
    Error e(ErrorCode::kBadData, fmt::format("{} is {} bytes, more than the {} bytes expected",
                                             Url(bucket, key), info.size, max_bytes));
    e.bucket = bucket;
    e.key = key;
    return Fail(std::move(e));
  }
  BP_ASSIGN_OR_RETURN(auto source, Open(bucket, key));
  return ReadAll(*source, max_bytes);
}

Status LocalDirStore::Put(const std::string& bucket, const std::string& key, ByteSource& body,
                          uint64_t size) {
  BP_ASSIGN_OR_RETURN(fs::path path, ObjectPath(bucket, key));
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Fail(IoError(fmt::format("creating {}", path.parent_path().string()), ec.value()));
  std::string temp = (path.parent_path() / (std::string(kTempPrefix) + "XXXXXX")).string();
  Fd fd(::mkstemp(temp.data()));
  if (fd.get() < 0) return Fail(IoError(fmt::format("creating a file in {}", path.parent_path().string()), errno));
  auto discard = [&temp] { ::unlink(temp.c_str()); };

  std::string buf(kCopyBufferBytes, '\0');
  uint64_t written = 0;
  while (true) {
    auto n = body.Read(buf);
    if (!n) {
      discard();
      return Fail(std::move(n).error());
    }
    if (*n == 0) break;
    written += *n;
    if (written > size) break;
    for (size_t done = 0; done < *n;) {
      ssize_t w = ::write(fd.get(), buf.data() + done, *n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        discard();
        return Fail(IoError(fmt::format("writing {}", path.string()), err));
      }
      done += static_cast<size_t>(w);
    }
  }
  if (written != size) {
    discard();
    return Fail(ErrorCode::kInvalidArgument,
                written > size ? fmt::format("uploading {}: the body from {} has more than the {} bytes given",
                                             Url(bucket, key), body.Describe(), size)
                               : fmt::format("uploading {}: the body from {} has {} bytes, not the {} given",
                                             Url(bucket, key), body.Describe(), written, size));
  }
  ::fchmod(fd.get(), 0644);
  if (::close(fd.release()) != 0) {
    int err = errno;
    discard();
    return Fail(IoError(fmt::format("writing {}", path.string()), err));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    discard();
    return Fail(IoError(fmt::format("writing {}", path.string()), err));
  }
  return Ok();
}

}  // namespace billpipe::s3
