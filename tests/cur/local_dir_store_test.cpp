// s3::LocalDirStore against real files in a temporary directory.
#include "s3/local_dir_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe::s3 {
namespace {
namespace fs = std::filesystem;
using billpipe::testing::TempDir;

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Sets a file's modification time to seconds since the epoch (UTC).
void SetMtime(const fs::path& path, int64_t seconds, long nanos = 0) {
  struct timespec times[2] = {{seconds, nanos}, {seconds, nanos}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

ReadOptions Range(uint64_t offset, int64_t length) {
  ReadOptions options;
  options.offset = offset;
  options.length = length;
  return options;
}

ReadOptions IfMatch(std::string etag) {
  ReadOptions options;
  options.if_match = std::move(etag);
  return options;
}

std::vector<std::string> Keys(const Listing& listing) {
  std::vector<std::string> keys;
  for (const auto& o : listing.objects) keys.push_back(o.key);
  return keys;
}

class LocalDirStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = LocalDirStore::Create({.root = dir_.path(), .root_is_bucket = false});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    fs::create_directories(dir_.path() / "billing");
  }
  fs::path Bucket() const { return dir_.path() / "billing"; }

  TempDir dir_;
  std::unique_ptr<LocalDirStore> store_;
};

TEST_F(LocalDirStoreTest, ListsEveryKeyInByteOrder) {
  for (std::string key : {"a0", "a/b", "a-b", "B", "a/c/d/e.txt", "z"}) WriteFile(Bucket() / key, key);
  auto listing = store_->List("billing", "", "");
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(Keys(*listing), (std::vector<std::string>{"B", "a-b", "a/b", "a/c/d/e.txt", "a0", "z"}));
  EXPECT_TRUE(listing->common_prefixes.empty());
}

TEST_F(LocalDirStoreTest, DelimiterFoldsEveryFolderIntoACommonPrefix) {
  // "cur/" holds only folders (like a report prefix over period folders): real S3 still reports it.
  WriteFile(Bucket() / "cur/report/20180501-20180601/report-Manifest.json", "{}");
  WriteFile(Bucket() / "cur/report/20180601-20180701/report-Manifest.json", "{}");
  WriteFile(Bucket() / "cur/other/x.csv", "x");
  WriteFile(Bucket() / "cur/top.txt", "t");
  WriteFile(Bucket() / "cur-old/y", "y");
  fs::create_directories(Bucket() / "cur/empty-folder");

  auto root = store_->List("billing", "", "/");
  ASSERT_TRUE(root) << root.error().message;
  EXPECT_TRUE(root->objects.empty());
  EXPECT_EQ(root->common_prefixes, (std::vector<std::string>{"cur-old/", "cur/"}));

  auto cur = store_->List("billing", "cur/", "/");
  ASSERT_TRUE(cur) << cur.error().message;
  EXPECT_EQ(Keys(*cur), std::vector<std::string>{"cur/top.txt"});
  EXPECT_EQ(cur->common_prefixes, (std::vector<std::string>{"cur/other/", "cur/report/"}));

  auto report = store_->List("billing", "cur/report/", "/");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->common_prefixes,
            (std::vector<std::string>{"cur/report/20180501-20180601/", "cur/report/20180601-20180701/"}));

  // A prefix that is not a whole folder name matches like S3: by bytes.
  auto partial = store_->List("billing", "cur", "/");
  ASSERT_TRUE(partial) << partial.error().message;
  EXPECT_EQ(partial->common_prefixes, (std::vector<std::string>{"cur-old/", "cur/"}));

  auto missing = store_->List("billing", "nothing/here/", "/");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_TRUE(missing->objects.empty());
  EXPECT_TRUE(missing->common_prefixes.empty());
}

TEST_F(LocalDirStoreTest, HeadGivesSizeMd5EtagAndMtime) {
  WriteFile(Bucket() / "m/hello.txt", "hello");
  SetMtime(Bucket() / "m/hello.txt", 1764404119, 123456789);  // 2025-11-29T08:15:19.123Z
  auto info = store_->Head("billing", "m/hello.txt");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->key, "m/hello.txt");
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->etag, "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(info->last_modified, "2025-11-29T08:15:19.123Z");

  auto listing = store_->List("billing", "m/", "/");
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->objects.size(), 1u);
  EXPECT_EQ(listing->objects[0].etag, info->etag);
  EXPECT_EQ(listing->objects[0].last_modified, info->last_modified);
}

TEST_F(LocalDirStoreTest, LargeObjectsGetAnEtagFromSizeAndMtime) {
  std::string big(LocalDirStore::kMaxHashedBytes + 1, 'x');
  WriteFile(Bucket() / "big.bin", big);
  SetMtime(Bucket() / "big.bin", 1764404119, 5);
  auto info = store_->Head("billing", "big.bin");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->etag, "\"local-1048577-1764404119000000005\"");
}

TEST_F(LocalDirStoreTest, MissingKeyBucketAndBadKeys) {
  auto head = store_->Head("billing", "no/such.json");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(head.error().message, "s3://billing/no/such.json does not exist (no file " +
                                      (Bucket() / "no/such.json").string() + ")");
  EXPECT_EQ(head.error().key, "no/such.json");

  auto bucket = store_->List("other", "", "/");
  ASSERT_FALSE(bucket);
  EXPECT_EQ(bucket.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(bucket.error().message,
            "bucket other does not exist (no folder " + (dir_.path() / "other").string() + ")");

  fs::create_directories(Bucket() / "folder");
  auto folder = store_->Open("billing", "folder");
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().code, ErrorCode::kNotFound);

  for (std::string key : {"../escape", "a//b", "/abs", "a/./b", ""}) {
    auto bad = store_->Head("billing", key);
    ASSERT_FALSE(bad) << key;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument) << key;
  }
  auto bad_bucket = store_->List("..", "", "");
  ASSERT_FALSE(bad_bucket);
  EXPECT_EQ(bad_bucket.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LocalDirStoreTest, OpenStreamsRangesAndChecksTheEtag) {
  WriteFile(Bucket() / "data.csv", "0123456789");
  auto whole = store_->Open("billing", "data.csv");
  ASSERT_TRUE(whole) << whole.error().message;
  auto text = ReadAll(**whole, 100);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "0123456789");

  auto range = store_->Open("billing", "data.csv", Range(3, 4));
  ASSERT_TRUE(range);
  EXPECT_EQ(*ReadAll(**range, 100), "3456");

  auto tail = store_->Open("billing", "data.csv", Range(7, -1));
  ASSERT_TRUE(tail);
  EXPECT_EQ(*ReadAll(**tail, 100), "789");

  auto past = store_->Open("billing", "data.csv", Range(10, -1));
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(past.error().message, "s3://billing/data.csv: offset 10 is past the end of the object (10 bytes)");

  auto etag = store_->Head("billing", "data.csv")->etag;
  auto matching = store_->Open("billing", "data.csv", IfMatch(etag));
  ASSERT_TRUE(matching) << matching.error().message;
  auto changed = store_->Open("billing", "data.csv", IfMatch("\"0000\""));
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, ErrorCode::kConflict);
  EXPECT_EQ(changed.error().message,
            "s3://billing/data.csv changed: its ETag is " + etag + ", expected \"0000\"");
}

TEST_F(LocalDirStoreTest, GetSmallRefusesLargeObjects) {
  WriteFile(Bucket() / "m.json", std::string(100, ' '));
  auto ok = store_->GetSmall("billing", "m.json", 100);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 100u);
  auto big = store_->GetSmall("billing", "m.json", 99);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kBadData);
  EXPECT_EQ(big.error().message, "s3://billing/m.json is 100 bytes, more than the 99 bytes expected");
}

TEST_F(LocalDirStoreTest, PutWritesAtomicallyAndChecksTheSize) {
  StringSource body("payload");
  ASSERT_TRUE(store_->Put("billing", "new/deep/key.txt", body, 7));
  EXPECT_EQ(*store_->GetSmall("billing", "new/deep/key.txt", 100), "payload");

  StringSource short_body("abc", "short body");
  auto wrong = store_->Put("billing", "new/other.txt", short_body, 5);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(wrong.error().message,
            "uploading s3://billing/new/other.txt: the body from short body has 3 bytes, not the 5 given");
  // Neither the object nor a temporary file is left behind.
  auto listing = store_->List("billing", "new/", "");
  ASSERT_TRUE(listing);
  EXPECT_EQ(Keys(*listing), std::vector<std::string>{"new/deep/key.txt"});
  size_t files = 0;
  for (auto& e : fs::recursive_directory_iterator(Bucket() / "new")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(LocalDirStoreRootTest, RootIsTheBucketWhateverItsName) {
  TempDir dir;
  WriteFile(dir.path() / "cur/a.txt", "a");
  auto store = LocalDirStore::Create({.root = dir.path(), .root_is_bucket = true});
  ASSERT_TRUE(store);
  auto listing = (*store)->List("any-bucket-name", "cur/", "");
  ASSERT_TRUE(listing);
  EXPECT_EQ(Keys(*listing), std::vector<std::string>{"cur/a.txt"});

  auto missing = LocalDirStore::Create({.root = dir.path() / "nope", .root_is_bucket = true});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "the directory " + (dir.path() / "nope").string() + " does not exist");
  auto file = LocalDirStore::Create({.root = dir.path() / "cur/a.txt", .root_is_bucket = true});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace billpipe::s3
