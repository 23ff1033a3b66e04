// PageProfiles: profiles persist per (file version, program version), bad files on
// disk are ignored and replaced, and only files with a name get one.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fs/page_profiles.h"

namespace burrow::fs {
namespace {

namespace stdfs = std::filesystem;

class PageProfilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/burrow-pages-test.XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    dir_ = dir;
    file_ = dir_ / "lib.so";
    std::ofstream(file_) << std::string(40000, 'x');
    fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    stdfs::remove_all(dir_);
  }
  stdfs::path cache() const { return dir_ / "cache" / "pages"; }
  std::vector<stdfs::path> cache_files() const {
    std::vector<stdfs::path> out;
    if (stdfs::exists(cache()))
      for (const auto& e : stdfs::directory_iterator(cache())) out.push_back(e.path());
    return out;
  }

  static constexpr rewrite::FileIdentity kProgram{1, 2, 3, 4, 5};
  static constexpr rewrite::FileIdentity kOtherProgram{1, 9, 3, 4, 5};
  stdfs::path dir_, file_;
  int fd_ = -1;
};

TEST_F(PageProfilesTest, PersistAcrossMonitorsPerFileAndProgram) {
  {
    PageProfiles p(cache());
    p.set_program(kProgram);
    EXPECT_TRUE(p.get(fd_).empty());
    p.add(fd_, std::vector<uint8_t>{0x01, 0x00, 0x30});
    EXPECT_EQ(p.get(fd_), (std::vector<uint8_t>{0x01, 0x00, 0x30}));
  }
  ASSERT_EQ(cache_files().size(), 1u);
  PageProfiles p(cache());
  p.set_program(kProgram);
  EXPECT_EQ(p.get(fd_), (std::vector<uint8_t>{0x01, 0x00, 0x30}));
  p.add(fd_, std::vector<uint8_t>{0x02});
  EXPECT_EQ(p.get(fd_), (std::vector<uint8_t>{0x03, 0x00, 0x30}));
  // The same library under another program has a profile of its own.
  PageProfiles other(cache());
  other.set_program(kOtherProgram);
  EXPECT_TRUE(other.get(fd_).empty());
  EXPECT_EQ(other.disk_errors(), 0u);
}

TEST_F(PageProfilesTest, AChangedFileStartsAfresh) {
  PageProfiles p(cache());
  p.set_program(kProgram);
  p.add(fd_, std::vector<uint8_t>{0xff});
  ASSERT_FALSE(p.get(fd_).empty());
  std::ofstream(file_, std::ios::app) << "more";  // new size, mtime and ctime
  PageProfiles q(cache());
  q.set_program(kProgram);
  EXPECT_TRUE(q.get(fd_).empty());
  EXPECT_EQ(q.disk_errors(), 0u);  // another version, not damage
  // The new version's profile replaces the old one's: one file per pair of files.
  q.add(fd_, std::vector<uint8_t>{0x01});
  EXPECT_EQ(cache_files().size(), 1u);
  PageProfiles r(cache());
  r.set_program(kProgram);
  EXPECT_EQ(r.get(fd_), (std::vector<uint8_t>{0x01}));
}

TEST_F(PageProfilesTest, AMonitorKeepsABoundedNumber) {
  PageProfiles p;  // in memory: the bound is the monitor's, whatever the disk
  for (uint64_t i = 0; i < PageProfiles::kMaxProfiles; ++i) {
    p.set_program({1, i, 3, 4, 5});
    p.add(fd_, std::vector<uint8_t>{0x01});
  }
  p.set_program({1, PageProfiles::kMaxProfiles, 3, 4, 5});
  p.add(fd_, std::vector<uint8_t>{0x01});
  EXPECT_TRUE(p.get(fd_).empty());
  p.set_program({1, 7, 3, 4, 5});
  EXPECT_EQ(p.get(fd_), (std::vector<uint8_t>{0x01}));
}

TEST_F(PageProfilesTest, NothingNewWritesNothing) {
  PageProfiles p(cache());
  p.set_program(kProgram);
  p.add(fd_, std::vector<uint8_t>{0x0f, 0x01});
  ASSERT_EQ(cache_files().size(), 1u);
  struct stat before, after;
  ASSERT_EQ(::stat(cache_files()[0].c_str(), &before), 0);
  PageProfiles q(cache());
  q.set_program(kProgram);
  q.add(fd_, std::vector<uint8_t>{0x05});  // a subset: no change
  q.add(fd_, std::vector<uint8_t>{});
  ASSERT_EQ(::stat(cache_files()[0].c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not replaced (stores rename a new file in)
}

TEST_F(PageProfilesTest, BadFilesOnDiskAreIgnoredAndReplaced) {
  {
    PageProfiles p(cache());
    p.set_program(kProgram);
    p.add(fd_, std::vector<uint8_t>{0x01, 0x02, 0x03, 0x04});
  }
  ASSERT_EQ(cache_files().size(), 1u);
  const stdfs::path stored = cache_files()[0];
  std::string good;
  {
    std::ifstream in(stored, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<std::string> bad = {
      "",                                         // empty
      good.substr(0, good.size() - 1),            // truncated
      good + "x",                                 // trailing bytes
      "XRPAGES" + good.substr(7),                 // magic
      good.substr(0, 8) + "\x02" + good.substr(9),  // version
  };
  std::string other_file = good;
  other_file[24] ^= 1;  // the file identity (ino) differs
  bad.push_back(other_file);
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    std::ofstream(stored, std::ios::binary | std::ios::trunc) << bad[i];
    PageProfiles p(cache());
    p.set_program(kProgram);
    EXPECT_TRUE(p.get(fd_).empty());
    EXPECT_EQ(p.disk_errors(), 1u);
    p.add(fd_, std::vector<uint8_t>{0x10});
    PageProfiles q(cache());
    q.set_program(kProgram);
    EXPECT_EQ(q.get(fd_), (std::vector<uint8_t>{0x10}));
  }
}

TEST_F(PageProfilesTest, ProfilesAreBounded) {
  PageProfiles p(cache());
  p.set_program(kProgram);
  p.add(fd_, std::vector<uint8_t>(PageProfiles::kMaxBytes + 100, 0xff));
  EXPECT_EQ(p.get(fd_).size(), PageProfiles::kMaxBytes);
  PageProfiles q(cache());
  q.set_program(kProgram);
  EXPECT_EQ(q.get(fd_).size(), PageProfiles::kMaxBytes);
}

TEST_F(PageProfilesTest, OnlyNamedRegularFilesGetProfiles) {
  PageProfiles p(cache());
  p.set_program(kProgram);
  int memfd = ::memfd_create("anon", MFD_CLOEXEC);
  ASSERT_GE(memfd, 0);
  ASSERT_EQ(::ftruncate(memfd, 8192), 0);
  int dirfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dirfd, 0);
  stdfs::path gone = dir_ / "gone";
  std::ofstream(gone) << "data";
  int deleted = ::open(gone.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(deleted, 0);
  ::unlink(gone.c_str());
  for (int fd : {memfd, dirfd, deleted, -1}) {
    SCOPED_TRACE(fd);
    p.add(fd, std::vector<uint8_t>{0xff});
    EXPECT_TRUE(p.get(fd).empty());
  }
  EXPECT_TRUE(cache_files().empty());
  ::close(memfd);
  ::close(dirfd);
  ::close(deleted);
}

TEST_F(PageProfilesTest, ADirectoryOthersCanWriteIsNotUsed) {
  stdfs::create_directories(cache());
  ::chmod(cache().c_str(), 0777);
  PageProfiles p(cache());
  p.set_program(kProgram);
  p.add(fd_, std::vector<uint8_t>{0x01});
  EXPECT_EQ(p.get(fd_), (std::vector<uint8_t>{0x01}));  // in memory for this run
  EXPECT_TRUE(cache_files().empty());
}

TEST_F(PageProfilesTest, NoDirectoryKeepsProfilesInMemory) {
  PageProfiles p;
  p.set_program(kProgram);
  p.add(fd_, std::vector<uint8_t>{0x01});
  EXPECT_EQ(p.get(fd_), (std::vector<uint8_t>{0x01}));
  PageProfiles q;
  q.set_program(kProgram);
  EXPECT_TRUE(q.get(fd_).empty());
}

}  // namespace
}  // namespace burrow::fs
