// default_mounts: the docker-style defaults, `--root`, and each `-v` spelling and mistake.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fs/mounts.h"

namespace burrow::fs {
namespace {

class MountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/burrow-mounts-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    std::filesystem::create_directory(base_ + "/data");
    std::ofstream(base_ + "/file") << "x";
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  // The error message, or "" when the options were accepted.
  std::string error(const std::optional<std::string>& root, const std::vector<std::string>& specs) {
    auto mounts = default_mounts(root, specs, base_);
    return mounts ? "" : mounts.error().message;
  }

  std::string base_;
};

void expect_mount(const Mount& m, const std::string& guest, const std::string& host, bool read_only) {
  EXPECT_EQ(m.guest_path, guest);
  EXPECT_EQ(m.host_path, host);
  EXPECT_EQ(m.read_only, read_only);
}

TEST_F(MountsTest, DefaultIsHostRootReadOnlyAndCwdReadWrite) {
  auto mounts = default_mounts(std::nullopt, {}, base_);
  ASSERT_TRUE(mounts);
  ASSERT_EQ(mounts->size(), 2u);
  expect_mount((*mounts)[0], "/", "/", true);
  expect_mount((*mounts)[1], base_, base_, false);
}

// Run from /, the current directory read-write would make the whole host writable.
TEST_F(MountsTest, CurrentDirectoryRootStaysReadOnly) {
  auto mounts = default_mounts(std::nullopt, {}, "/");
  ASSERT_TRUE(mounts);
  ASSERT_EQ(mounts->size(), 1u);
  expect_mount((*mounts)[0], "/", "/", true);
  mounts = default_mounts(std::nullopt, {base_ + "/data:/data"}, "/");
  ASSERT_TRUE(mounts);
  ASSERT_EQ(mounts->size(), 2u);
  expect_mount((*mounts)[0], "/", "/", true);
  expect_mount((*mounts)[1], "/data", base_ + "/data", false);
}

TEST_F(MountsTest, RootReplacesEverythingAndIsReadWrite) {
  auto mounts = default_mounts("data", {}, base_);
  ASSERT_TRUE(mounts);
  ASSERT_EQ(mounts->size(), 1u);
  expect_mount((*mounts)[0], "/", base_ + "/data", false);
}

TEST_F(MountsTest, VolumesFollowInOrder) {
  auto mounts = default_mounts(base_, {"data:/srv/./x/", base_ + "/data:/ro:ro", "/tmp:/w//:rw"}, base_);
  ASSERT_TRUE(mounts);
  ASSERT_EQ(mounts->size(), 4u);
  expect_mount((*mounts)[1], "/srv/x", base_ + "/data", false);
  expect_mount((*mounts)[2], "/ro", base_ + "/data", true);
  expect_mount((*mounts)[3], "/w", "/tmp", false);
}

TEST_F(MountsTest, MistakesAreOneLineErrorsQuotingTheOption) {
  EXPECT_EQ(error(std::nullopt, {"data"}), "-v data: expected HOST:GUEST[:ro|:rw]");
  EXPECT_EQ(error(std::nullopt, {":/g"}), "-v :/g: expected HOST:GUEST[:ro|:rw]");
  EXPECT_EQ(error(std::nullopt, {"data:/g:ro:x"}), "-v data:/g:ro:x: expected HOST:GUEST[:ro|:rw]");
  EXPECT_EQ(error(std::nullopt, {"data:g"}), "-v data:g: the guest path g is not absolute");
  EXPECT_EQ(error(std::nullopt, {"data:/g:rx"}), "-v data:/g:rx: unknown mode \"rx\" (expected ro or rw)");
  EXPECT_EQ(error(std::nullopt, {"nope:/g"}), "-v nope:/g: " + base_ + "/nope: No such file or directory");
  EXPECT_EQ(error(std::nullopt, {"file:/g"}),
            "-v file:/g: " + base_ + "/file: not a directory (only directories can be mounted)");
  EXPECT_EQ(error("nope", {}), "--root nope: " + base_ + "/nope: No such file or directory");
  EXPECT_EQ(default_mounts(std::nullopt, {}, "relative").error().message,
            "the current directory relative is not an absolute path");
}

}  // namespace
}  // namespace burrow::fs
