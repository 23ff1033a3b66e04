// Sandbox: every operation against the same operation done natively on an identical
// tree (same result, same errno), then what Linux cannot show natively: malformed paths,
// escape attempts (symlinks, races, /proc), refused host objects, read-only volumes,
// cross-mount operations and the chown policy.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <linux/magic.h>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "fs/realpath.h"
#include "fs/sandbox.h"

namespace burrow::fs {
namespace {

std::string outcome(int64_t r) { return r < 0 ? strerrorname_np(static_cast<int>(-r)) : "ok"; }
int64_t native_result(long r) { return r < 0 ? -errno : r; }

std::string describe(const struct stat& st) {
  std::ostringstream s;
  s << "ok mode=" << std::oct << st.st_mode << std::dec << " size=" << st.st_size << " nlink=" << st.st_nlink;
  return s.str();
}

// What an open fd is: its status flags and its type.
std::string describe_fd(int fd) {
  struct stat st;
  fstat(fd, &st);
  std::ostringstream s;
  s << "ok fl=" << std::oct << (fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_PATH | O_DIRECTORY))
    << " type=" << (st.st_mode & S_IFMT) << " size=" << std::dec << st.st_size;
  close(fd);
  return s.str();
}

std::string read_all(int fd) {
  char buf[256];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  return n < 0 ? "" : std::string(buf, n);
}

std::string slurp(const std::string& host_path) {
  std::ifstream in(host_path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The operations, done natively under `root` (a host directory standing for /).
struct Native {
  std::string root;
  std::string at(std::string_view p) const { return root + std::string(p); }

  std::string open(std::string_view p, int flags, mode_t mode = 0644) const {
    int fd = ::open(at(p).c_str(), flags | O_CLOEXEC, mode);
    return fd < 0 ? outcome(-errno) : describe_fd(fd);
  }
  std::string stat(std::string_view p, bool follow) const {
    struct stat st;
    int r = follow ? ::stat(at(p).c_str(), &st) : ::lstat(at(p).c_str(), &st);
    return r < 0 ? outcome(-errno) : describe(st);
  }
  std::string access(std::string_view p, int mode, int flags = 0) const {
    return outcome(native_result(faccessat(AT_FDCWD, at(p).c_str(), mode, flags)));
  }
  std::string mkdir(std::string_view p) const { return outcome(native_result(::mkdir(at(p).c_str(), 0750))); }
  std::string mknod(std::string_view p, mode_t mode) const {
    return outcome(native_result(::mknod(at(p).c_str(), mode, 0)));
  }
  std::string rmdir(std::string_view p) const { return outcome(native_result(::rmdir(at(p).c_str()))); }
  std::string unlink(std::string_view p) const { return outcome(native_result(::unlink(at(p).c_str()))); }
  std::string rename(std::string_view a, std::string_view b, unsigned flags = 0) const {
    return outcome(native_result(renameat2(AT_FDCWD, at(a).c_str(), AT_FDCWD, at(b).c_str(), flags)));
  }
  std::string link(std::string_view a, std::string_view b) const {
    return outcome(native_result(::link(at(a).c_str(), at(b).c_str())));
  }
  std::string symlink(const char* target, std::string_view p) const {
    return outcome(native_result(::symlink(target, at(p).c_str())));
  }
  std::string readlink(std::string_view p) const {
    char buf[256];
    ssize_t n = ::readlink(at(p).c_str(), buf, sizeof buf);
    return n < 0 ? outcome(-errno) : "ok " + std::string(buf, n);
  }
  std::string chmod(std::string_view p, mode_t mode, bool follow) const {
    return outcome(native_result(fchmodat(AT_FDCWD, at(p).c_str(), mode, follow ? 0 : AT_SYMLINK_NOFOLLOW)));
  }
  std::string chown(std::string_view p, uid_t uid, gid_t gid, bool follow) const {
    return outcome(native_result(fchownat(AT_FDCWD, at(p).c_str(), uid, gid, follow ? 0 : AT_SYMLINK_NOFOLLOW)));
  }
  std::string utimens(std::string_view p, const timespec* times, bool follow) const {
    return outcome(native_result(utimensat(AT_FDCWD, at(p).c_str(), times, follow ? 0 : AT_SYMLINK_NOFOLLOW)));
  }
  std::string truncate(std::string_view p, off_t length) const {
    return outcome(native_result(::truncate(at(p).c_str(), length)));
  }
};

// The same operations through a Sandbox, described the same way.
struct Sandboxed {
  const Sandbox& sandbox;

  std::string open(std::string_view p, int flags, mode_t mode = 0644) const {
    Opened o;
    int64_t r = sandbox.open(p, flags, mode, &o);
    return r < 0 ? outcome(r) : describe_fd(o.host_fd);
  }
  std::string stat(std::string_view p, bool follow) const {
    struct stat st;
    int64_t r = sandbox.stat(p, follow, &st);
    return r < 0 ? outcome(r) : describe(st);
  }
  std::string access(std::string_view p, int mode, int flags = 0) const {
    return outcome(sandbox.access(p, mode, flags));
  }
  std::string mkdir(std::string_view p) const { return outcome(sandbox.mkdir(p, 0750)); }
  std::string mknod(std::string_view p, mode_t mode) const { return outcome(sandbox.mknod(p, mode)); }
  std::string rmdir(std::string_view p) const { return outcome(sandbox.rmdir(p)); }
  std::string unlink(std::string_view p) const { return outcome(sandbox.unlink(p)); }
  std::string rename(std::string_view a, std::string_view b, unsigned flags = 0) const {
    return outcome(sandbox.rename(a, b, flags));
  }
  std::string link(std::string_view a, std::string_view b) const { return outcome(sandbox.link(a, b)); }
  std::string symlink(const char* target, std::string_view p) const { return outcome(sandbox.symlink(target, p)); }
  std::string readlink(std::string_view p) const {
    std::string target;
    int64_t r = sandbox.readlink(p, &target);
    return r < 0 ? outcome(r) : "ok " + target;
  }
  std::string chmod(std::string_view p, mode_t mode, bool follow) const {
    return outcome(sandbox.chmod(p, mode, follow));
  }
  std::string chown(std::string_view p, uid_t uid, gid_t gid, bool follow) const {
    return outcome(sandbox.chown(p, uid, gid, follow));
  }
  std::string utimens(std::string_view p, const timespec* times, bool follow) const {
    return outcome(sandbox.utimens(p, times, follow));
  }
  std::string truncate(std::string_view p, off_t length) const { return outcome(sandbox.truncate(p, length)); }
};

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/burrow-fs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  std::string dir(const std::string& name) {
    std::filesystem::create_directories(base_ + "/" + name);
    return base_ + "/" + name;
  }
  static void write(const std::string& path, const std::string& content) { std::ofstream(path) << content; }

  static Sandbox make(std::vector<Mount> mounts) {
    auto sandbox = Sandbox::create(std::move(mounts));
    EXPECT_TRUE(sandbox) << sandbox.error().message;
    return std::move(*sandbox);
  }

  std::string base_;
};

// The tree both sides start from; every symlink stays inside it natively too.
void build_tree(const std::string& root) {
  namespace sfs = std::filesystem;
  sfs::create_directory(root + "/d");
  sfs::create_directory(root + "/e");
  std::ofstream(root + "/d/f") << "hello";
  std::ofstream(root + "/f") << "file";
  sfs::create_symlink("d/f", root + "/l");
  sfs::create_symlink("d", root + "/ld");
  sfs::create_symlink("nowhere", root + "/dl");
  sfs::create_symlink("loop", root + "/loop");
  sfs::create_symlink("e/made", root + "/dangling_in_e");
  // Texts the walk takes apart itself: "..", ".", trailing slashes, a link to a link.
  sfs::create_symlink("d/..", root + "/up");
  sfs::create_symlink(".", root + "/dot");
  sfs::create_symlink("d/", root + "/dslash");
  sfs::create_symlink("f/", root + "/fslash");
  sfs::create_symlink("e/newdir/", root + "/newslash");
  sfs::create_symlink("ld/./f", root + "/chain");
}

TEST_F(SandboxTest, EveryOperationMatchesLinux) {
  const std::string native_root = dir("native");
  const std::string sandbox_root = dir("sandbox");
  build_tree(native_root);
  build_tree(sandbox_root);
  Sandbox sandbox = make({{"/", sandbox_root, false}});
  Native native{native_root};
  Sandboxed sandboxed{sandbox};

  int step = 0;
  auto same = [&](auto op) {
    ++step;
    std::string want = op(native);
    EXPECT_EQ(op(sandboxed), want) << "step " << step;
  };
  const timespec times[2] = {{1000, 5}, {2000, 7}};
  const timespec bad_times[2] = {{0, 1'000'000'000}, {0, 0}};

  // open
  same([](auto& fs) { return fs.open("/f", O_RDONLY); });
  same([](auto& fs) { return fs.open("/d/f", O_WRONLY | O_APPEND | O_NONBLOCK); });
  same([](auto& fs) { return fs.open("/l", O_RDONLY); });
  same([](auto& fs) { return fs.open("/l", O_RDONLY | O_NOFOLLOW); });
  same([](auto& fs) { return fs.open("/l", O_PATH | O_NOFOLLOW); });
  same([](auto& fs) { return fs.open("/ld/", O_RDONLY | O_NOFOLLOW); });
  same([](auto& fs) { return fs.open("/d", O_RDONLY | O_DIRECTORY); });
  same([](auto& fs) { return fs.open("/", O_RDONLY); });
  same([](auto& fs) { return fs.open("/f", O_RDONLY | O_DIRECTORY); });
  same([](auto& fs) { return fs.open("/f/", O_RDONLY); });
  same([](auto& fs) { return fs.open("/d", O_WRONLY); });
  same([](auto& fs) { return fs.open("/d", O_RDONLY | O_TRUNC); });
  same([](auto& fs) { return fs.open("/d", O_RDONLY | O_CREAT); });
  same([](auto& fs) { return fs.open("/nope", O_RDONLY); });
  same([](auto& fs) { return fs.open("/f/x", O_RDONLY); });
  same([](auto& fs) { return fs.open("/dl", O_RDONLY); });
  same([](auto& fs) { return fs.open("/loop", O_RDONLY); });
  same([](auto& fs) { return fs.open("/f", O_RDONLY | O_CREAT | O_EXCL); });
  same([](auto& fs) { return fs.open("/l", O_RDONLY | O_CREAT | O_EXCL); });
  same([](auto& fs) { return fs.open("/new", O_WRONLY | O_CREAT | O_EXCL, 0640); });
  same([](auto& fs) { return fs.open("/new", O_RDWR | O_CREAT | O_TRUNC); });
  same([](auto& fs) { return fs.open("/new2/", O_RDWR | O_CREAT); });
  same([](auto& fs) { return fs.open("/d/", O_RDWR | O_CREAT); });
  same([](auto& fs) { return fs.open("/nope/x", O_RDWR | O_CREAT); });
  same([](auto& fs) { return fs.open("/x", O_RDWR | O_CREAT | O_DIRECTORY); });
  same([](auto& fs) { return fs.open("/dangling_in_e", O_WRONLY | O_CREAT, 0600); });  // creates e/made
  same([](auto& fs) { return fs.stat("/e/made", false); });
  same([](auto& fs) { return fs.open("/dl", O_WRONLY | O_CREAT | O_NOFOLLOW); });
  same([](auto& fs) { return fs.open("/f", O_WRONLY | O_TRUNC); });
  same([](auto& fs) { return fs.open("/d", O_TMPFILE | O_RDWR, 0600); });
  same([](auto& fs) { return fs.open("/d", O_TMPFILE | O_RDONLY, 0600); });
  same([](auto& fs) { return fs.open("/f", O_TMPFILE | O_RDWR, 0600); });
  same([](auto& fs) { return fs.open("/d", O_PATH | O_CREAT | O_TRUNC | O_WRONLY); });

  // symlink texts with "..", "." and trailing slashes
  same([](auto& fs) { return fs.open("/up/f", O_RDONLY); });
  same([](auto& fs) { return fs.open("/up/up/up/d/f", O_RDONLY); });
  same([](auto& fs) { return fs.open("/dot/dot/chain", O_RDONLY); });
  same([](auto& fs) { return fs.open("/dslash", O_RDONLY); });
  same([](auto& fs) { return fs.open("/dslash", O_RDWR | O_CREAT); });
  same([](auto& fs) { return fs.open("/dot", O_RDONLY | O_CREAT); });
  same([](auto& fs) { return fs.open("/up", O_WRONLY); });
  same([](auto& fs) { return fs.open("/fslash", O_RDONLY); });
  same([](auto& fs) { return fs.open("/newslash", O_WRONLY | O_CREAT); });
  same([](auto& fs) { return fs.stat("/newslash", true); });
  same([](auto& fs) { return fs.stat("/fslash", true); });
  same([](auto& fs) { return fs.stat("/fslash", false); });
  same([](auto& fs) { return fs.stat("/up/", false); });
  same([](auto& fs) { return fs.readlink("/up"); });
  same([](auto& fs) { return fs.mkdir("/up/made"); });
  same([](auto& fs) { return fs.stat("/made", false); });
  same([](auto& fs) { return fs.rmdir("/dot/made"); });
  same([](auto& fs) { return fs.symlink("x", "/dslash/s"); });
  same([](auto& fs) { return fs.unlink("/dslash/s"); });
  same([](auto& fs) { return fs.access("/chain", R_OK); });

  // stat, access, readlink
  same([](auto& fs) { return fs.stat("/", true); });
  same([](auto& fs) { return fs.stat("/l", true); });
  same([](auto& fs) { return fs.stat("/l", false); });
  same([](auto& fs) { return fs.stat("/ld/", false); });
  same([](auto& fs) { return fs.stat("/l/", true); });
  same([](auto& fs) { return fs.stat("/dl", true); });
  same([](auto& fs) { return fs.stat("/dl", false); });
  same([](auto& fs) { return fs.stat("/loop", true); });
  same([](auto& fs) { return fs.stat("/f/x", true); });
  same([](auto& fs) { return fs.access("/f", R_OK | W_OK); });
  same([](auto& fs) { return fs.access("/f", X_OK); });
  same([](auto& fs) { return fs.access("/d", X_OK); });
  same([](auto& fs) { return fs.access("/dl", F_OK); });
  same([](auto& fs) { return fs.access("/dl", F_OK, AT_SYMLINK_NOFOLLOW); });
  same([](auto& fs) { return fs.access("/f", R_OK, AT_EACCESS); });
  same([](auto& fs) { return fs.access("/f", 8); });
  same([](auto& fs) { return fs.readlink("/l"); });
  same([](auto& fs) { return fs.readlink("/f"); });
  same([](auto& fs) { return fs.readlink("/"); });
  same([](auto& fs) { return fs.readlink("/ld/"); });
  same([](auto& fs) { return fs.readlink("/nope"); });

  // mkdir, mknod, symlink, link
  same([](auto& fs) { return fs.mkdir("/e"); });
  same([](auto& fs) { return fs.mkdir("/l"); });
  same([](auto& fs) { return fs.mkdir("/dl"); });
  same([](auto& fs) { return fs.mkdir("/f/x"); });
  same([](auto& fs) { return fs.mkdir("/nope/x"); });
  same([](auto& fs) { return fs.mkdir("/m"); });
  same([](auto& fs) { return fs.stat("/m", false); });
  same([](auto& fs) { return fs.mkdir("/m2/"); });
  same([](auto& fs) { return fs.mknod("/fifo", S_IFIFO | 0600); });
  same([](auto& fs) { return fs.stat("/fifo", false); });
  same([](auto& fs) { return fs.mknod("/reg", 0600); });
  same([](auto& fs) { return fs.mknod("/reg", S_IFREG | 0600); });
  same([](auto& fs) { return fs.mknod("/dir", S_IFDIR | 0700); });
  same([](auto& fs) { return fs.mknod("/bad", 0170000); });
  same([](auto& fs) { return fs.symlink("../../../anything/..", "/s"); });
  same([](auto& fs) { return fs.readlink("/s"); });
  same([](auto& fs) { return fs.symlink("x", "/f"); });
  same([](auto& fs) { return fs.symlink("x", "/nope/s"); });
  same([](auto& fs) { return fs.symlink("x", "/s2/"); });
  same([](auto& fs) { return fs.symlink("", "/s3"); });
  same([](auto& fs) { return fs.link("/d/f", "/h"); });
  same([](auto& fs) { return fs.stat("/d/f", true); });
  same([](auto& fs) { return fs.link("/l", "/hl"); });
  same([](auto& fs) { return fs.stat("/hl", false); });
  same([](auto& fs) { return fs.link("/d", "/hd"); });
  same([](auto& fs) { return fs.link("/nope", "/x"); });
  same([](auto& fs) { return fs.link("/f", "/d/f"); });
  same([](auto& fs) { return fs.link("/f/", "/x"); });
  same([](auto& fs) { return fs.link("/ld/", "/x"); });
  same([](auto& fs) { return fs.link("/f", "/x/"); });

  // chmod, chown, utimens, truncate
  same([](auto& fs) { return fs.chmod("/f", 0604, true); });
  same([](auto& fs) { return fs.stat("/f", true); });
  same([](auto& fs) { return fs.chmod("/l", 0600, true); });
  same([](auto& fs) { return fs.stat("/d/f", true); });
  same([](auto& fs) { return fs.chmod("/l", 0600, false); });
  same([](auto& fs) { return fs.chmod("/dl", 0600, true); });
  same([](auto& fs) { return fs.chown("/f", -1, -1, true); });
  same([](auto& fs) { return fs.chown("/l", getuid(), getgid(), false); });
  same([](auto& fs) { return fs.chown("/nope", -1, -1, true); });
  same([&](auto& fs) { return fs.utimens("/f", times, true); });
  same([](auto& fs) { return fs.utimens("/f", nullptr, true); });
  same([&](auto& fs) { return fs.utimens("/dl", times, false); });
  same([&](auto& fs) { return fs.utimens("/dl", times, true); });
  same([&](auto& fs) { return fs.utimens("/f", bad_times, true); });
  same([](auto& fs) { return fs.truncate("/f", 2); });
  same([](auto& fs) { return fs.stat("/f", true); });
  same([](auto& fs) { return fs.truncate("/l", 100); });
  same([](auto& fs) { return fs.stat("/d/f", true); });
  same([](auto& fs) { return fs.truncate("/d", 0); });
  same([](auto& fs) { return fs.truncate("/fifo", 0); });
  same([](auto& fs) { return fs.truncate("/f", -1); });
  same([](auto& fs) { return fs.truncate("/nope", 0); });

  // rename, unlink, rmdir
  same([](auto& fs) { return fs.rename("/f", "/d"); });
  same([](auto& fs) { return fs.rename("/d", "/f"); });
  same([](auto& fs) { return fs.rename("/e", "/d"); });
  same([](auto& fs) { return fs.rename("/d", "/d/sub"); });
  same([](auto& fs) { return fs.rename("/nope", "/x"); });
  same([](auto& fs) { return fs.rename("/f", "/nope/x"); });
  same([](auto& fs) { return fs.rename("/f", "/h", RENAME_NOREPLACE); });
  same([](auto& fs) { return fs.rename("/f", "/h", RENAME_EXCHANGE); });
  same([](auto& fs) { return fs.rename("/f", "/h", RENAME_EXCHANGE | RENAME_NOREPLACE); });
  same([](auto& fs) { return fs.rename("/f", "/h", 64); });
  same([](auto& fs) { return fs.rename("/f/", "/g"); });
  same([](auto& fs) { return fs.rename("/m/", "/m3/"); });
  same([](auto& fs) { return fs.rename("/f", "/g"); });
  same([](auto& fs) { return fs.stat("/g", true); });
  same([](auto& fs) { return fs.unlink("/d"); });
  same([](auto& fs) { return fs.unlink("/g/"); });
  same([](auto& fs) { return fs.unlink("/l/"); });
  same([](auto& fs) { return fs.unlink("/nope"); });
  same([](auto& fs) { return fs.unlink("/l"); });
  same([](auto& fs) { return fs.stat("/l", false); });
  same([](auto& fs) { return fs.rmdir("/d"); });
  same([](auto& fs) { return fs.rmdir("/g"); });
  same([](auto& fs) { return fs.rmdir("/ld"); });
  same([](auto& fs) { return fs.rmdir("/ld/"); });
  same([](auto& fs) { return fs.rmdir("/nope"); });
  same([](auto& fs) { return fs.rmdir("/m3/"); });
  same([](auto& fs) { return fs.rmdir("/m3"); });
}

// "/" itself: what Linux answers for the root of a mount (natively, the tree is a plain
// directory, so these cannot be compared).
TEST_F(SandboxTest, TheRootBehavesLikeARoot) {
  Sandbox sandbox = make({{"/", dir("root"), false}});
  struct stat st;
  EXPECT_EQ(sandbox.stat("/", false, &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(sandbox.mkdir("/", 0755), -EEXIST);
  EXPECT_EQ(sandbox.symlink("x", "/"), -EEXIST);
  EXPECT_EQ(sandbox.rmdir("/"), -EBUSY);
  EXPECT_EQ(sandbox.unlink("/"), -EISDIR);
  EXPECT_EQ(sandbox.rename("/", "/x", 0), -EBUSY);
  EXPECT_EQ(sandbox.rename("/x", "/", 0), -EBUSY);
  Opened o;
  EXPECT_EQ(sandbox.open("/", O_RDWR | O_CREAT, 0644, &o), -EISDIR);
}

TEST_F(SandboxTest, MalformedPathsAreEinval) {
  const std::string root = dir("root");
  std::filesystem::create_directories(root + "/a/b");
  Sandbox sandbox = make({{"/", root, false}});
  for (const std::string& bad : std::vector<std::string>{"", "a", "a/b", "/..", "/../../etc/shadow", "/a/./b", "/a/.", "/a/..", "/a/../a/b",
                          "/a//b", "//", "//a", "/a//", std::string("/a\0b", 4)}) {
    SCOPED_TRACE("path \"" + bad + "\"");
    struct stat st;
    struct statfs sfs;
    std::string target;
    Opened o;
    EXPECT_EQ(sandbox.open(bad, O_RDONLY, 0, &o), -EINVAL);
    EXPECT_EQ(sandbox.open(bad, O_RDWR | O_CREAT, 0644, &o), -EINVAL);
    EXPECT_EQ(sandbox.stat(bad, true, &st), -EINVAL);
    EXPECT_EQ(sandbox.stat(bad, false, &st), -EINVAL);
    EXPECT_EQ(sandbox.statfs(bad, &sfs), -EINVAL);
    EXPECT_EQ(sandbox.access(bad, R_OK, 0), -EINVAL);
    EXPECT_EQ(sandbox.mkdir(bad, 0755), -EINVAL);
    EXPECT_EQ(sandbox.mknod(bad, S_IFIFO | 0600), -EINVAL);
    EXPECT_EQ(sandbox.rmdir(bad), -EINVAL);
    EXPECT_EQ(sandbox.unlink(bad), -EINVAL);
    EXPECT_EQ(sandbox.rename(bad, "/a/c", 0), -EINVAL);
    EXPECT_EQ(sandbox.rename("/a/b", bad, 0), -EINVAL);
    EXPECT_EQ(sandbox.link(bad, "/a/c"), -EINVAL);
    EXPECT_EQ(sandbox.link("/a/b", bad), -EINVAL);
    EXPECT_EQ(sandbox.symlink("x", bad), -EINVAL);
    EXPECT_EQ(sandbox.readlink(bad, &target), -EINVAL);
    EXPECT_EQ(sandbox.chmod(bad, 0700, true), -EINVAL);
    EXPECT_EQ(sandbox.chown(bad, -1, -1, true), -EINVAL);
    EXPECT_EQ(sandbox.utimens(bad, nullptr, true), -EINVAL);
    EXPECT_EQ(sandbox.truncate(bad, 0), -EINVAL);
  }
  EXPECT_TRUE(std::filesystem::is_directory(root + "/a/b"));
}

// The escape tests aim their writes at a decoy outside the mount, never at the host's
// own files: a broken sandbox must fail them without damaging the machine.
std::string make_decoy(const std::string& base) {
  std::filesystem::create_directories(base + "/outside");
  std::ofstream(base + "/outside/passwd") << "OUTSIDE";
  return base + "/outside";
}

void expect_decoy_untouched(const std::string& decoy) {
  EXPECT_EQ(slurp(decoy + "/passwd"), "OUTSIDE");
  struct stat st;
  ASSERT_EQ(::stat((decoy + "/passwd").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(decoy), {}), 1);
}

TEST_F(SandboxTest, DotDotInASymlinkStopsAtTheMountRoot) {
  const std::string decoy = make_decoy(base_);
  const std::string root = dir("root");
  std::filesystem::create_directories(root + "/a");
  std::filesystem::create_directories(root + decoy);
  write(root + decoy + "/passwd", "inside");
  // Climbs far above the mount root, then down to the decoy's path.
  std::filesystem::create_symlink("../../../../../../../.." + decoy, root + "/a/link");
  std::filesystem::create_symlink("../../../../etc", root + "/a/etc");
  Sandbox sandbox = make({{"/", root, false}});

  Opened o;
  ASSERT_EQ(sandbox.open("/a/link/passwd", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(read_all(o.host_fd), "inside");
  close(o.host_fd);
  struct stat inside, resolved;
  ASSERT_EQ(::stat((root + decoy).c_str(), &inside), 0);
  ASSERT_EQ(sandbox.stat("/a/link", true, &resolved), 0);
  EXPECT_EQ(resolved.st_ino, inside.st_ino);
  EXPECT_EQ(sandbox.stat("/a/etc/passwd", true, &resolved), -ENOENT);  // ROOT/etc/passwd
  // Writes through it land inside too.
  ASSERT_EQ(sandbox.open("/a/link/new", O_WRONLY | O_CREAT | O_EXCL, 0600, &o), 0);
  close(o.host_fd);
  EXPECT_TRUE(std::filesystem::exists(root + decoy + "/new"));
  EXPECT_EQ(sandbox.mkdir("/a/link/dir", 0755), 0);
  EXPECT_EQ(sandbox.truncate("/a/link/passwd", 1), 0);
  EXPECT_EQ(slurp(root + decoy + "/passwd"), "i");
  expect_decoy_untouched(decoy);
}

TEST_F(SandboxTest, AbsoluteSymlinksStartAtTheMountRoot) {
  const std::string decoy = make_decoy(base_);
  const std::string root = dir("root");
  std::filesystem::create_symlink("/etc/passwd", root + "/etcpasswd");
  std::filesystem::create_symlink(decoy + "/passwd", root + "/abs");
  std::filesystem::create_symlink(decoy, root + "/absdir");
  Sandbox sandbox = make({{"/", root, false}});

  struct stat st;
  Opened o;
  EXPECT_EQ(sandbox.stat("/etcpasswd", true, &st), -ENOENT);  // ROOT/etc/passwd
  EXPECT_EQ(sandbox.open("/etcpasswd", O_RDONLY, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.stat("/abs", true, &st), -ENOENT);
  EXPECT_EQ(sandbox.open("/abs", O_RDONLY, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.open("/absdir/passwd", O_RDWR, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.chmod("/abs", 0777, true), -ENOENT);
  EXPECT_EQ(sandbox.chown("/abs", -1, -1, true), -ENOENT);
  EXPECT_EQ(sandbox.utimens("/abs", nullptr, true), -ENOENT);
  EXPECT_EQ(sandbox.truncate("/abs", 0), -ENOENT);
  EXPECT_EQ(sandbox.mkdir("/absdir/x", 0755), -ENOENT);
  EXPECT_EQ(sandbox.unlink("/absdir/passwd"), -ENOENT);
  EXPECT_EQ(sandbox.rename("/absdir/passwd", "/stolen", 0), -ENOENT);
  EXPECT_EQ(sandbox.link("/absdir/passwd", "/x"), -ENOENT);
  EXPECT_EQ(sandbox.open("/abs", O_WRONLY | O_CREAT, 0600, &o), -ENOENT);  // ROOT/<decoy> is missing

  std::filesystem::create_directories(root + decoy);
  ASSERT_EQ(sandbox.open("/abs", O_WRONLY | O_CREAT, 0600, &o), 0);  // creates the target, as Linux
  ASSERT_EQ(::write(o.host_fd, "mine", 4), 4);
  close(o.host_fd);
  EXPECT_EQ(slurp(root + decoy + "/passwd"), "mine");
  expect_decoy_untouched(decoy);
}

// Another thread keeps swapping a symlink (and a symlink in the middle of the path)
// between a file inside and one outside the mount. No open ever reaches the outside,
// and this is by construction, not by luck: the host kernel is only ever asked for one
// name in a directory fd the walk holds, with O_NOFOLLOW, so it never follows a symlink
// or ".." itself; whichever link text the walk reads, it walks it in the guest's view.
// The test checks that both sides of the race were seen, and nothing else.
TEST_F(SandboxTest, SymlinkSwapRaceNeverLeaves) {
  const std::string root = dir("root");
  write(base_ + "/secret", "SECRET");
  write(root + "/secret", "inside");
  std::filesystem::create_directories(root + "/sub");
  write(root + "/sub/secret", "inside");
  std::filesystem::create_symlink("secret", root + "/race");
  std::filesystem::create_symlink("sub", root + "/racedir");
  Sandbox sandbox = make({{"/", root, false}});

  // "../secret" and ".." are the root's own in the guest's view; the absolute ones name
  // ROOT/<base_>, which does not exist.
  const std::vector<std::string> outside = {"../secret", base_ + "/secret", "../../../../../.." + base_ + "/secret"};
  const std::vector<std::string> outside_dirs = {"..", base_, "../../../../../.." + base_};
  std::atomic<bool> stop = false;
  std::thread swapper([&] {
    for (size_t i = 0; !stop; ++i) {
      auto swap = [&](const std::string& target, const std::string& link) {
        std::string tmp = root + "/.tmp" + link;
        std::filesystem::create_symlink(target, tmp);
        std::rename(tmp.c_str(), (root + "/" + link).c_str());
      };
      swap(i % 2 ? outside[i / 2 % outside.size()] : "secret", "race");
      swap(i % 2 ? outside_dirs[i / 2 % outside_dirs.size()] : "sub", "racedir");
    }
  });
  int inside = 0, missing = 0, leaked = 0, other = 0;
  for (int i = 0; i < 20000; ++i) {
    for (const char* path : {"/race", "/racedir/secret"}) {
      Opened o;
      int64_t r = sandbox.open(path, O_RDONLY, 0, &o);
      if (r != 0) {
        (r == -ENOENT ? missing : other) += 1;
        continue;
      }
      std::string content = read_all(o.host_fd);
      close(o.host_fd);
      (content == "inside" ? inside : content == "SECRET" ? leaked : other) += 1;
    }
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(leaked, 0);
  EXPECT_EQ(other, 0);
  EXPECT_GT(inside, 0);
  EXPECT_GT(missing, 0);  // the swaps did happen during the opens
}

// The same race across mounts, `--root R -v R/vol:/vol:ro`: a symlink in the read-write
// root swapped between the root's own file and the volume's. Writes through it land in
// the root or are refused; the volume's file never changes.
TEST_F(SandboxTest, SymlinkSwapRaceNeverWritesAReadOnlyVolume) {
  const std::string root = dir("root");
  const std::string vol = dir("root/vol");
  write(vol + "/f", "keep");
  write(root + "/mine", "");
  std::filesystem::create_symlink("mine", root + "/race");
  Sandbox sandbox = make({{"/", root, false}, {"/vol", vol, true}});

  const std::vector<std::string> targets = {"vol/f", "mine", "/vol/f", "mine", "vol/../vol/f", "/mine"};
  std::atomic<bool> stop = false;
  std::thread swapper([&] {
    for (size_t i = 0; !stop; ++i) {
      std::filesystem::create_symlink(targets[i % targets.size()], root + "/.tmprace");
      std::rename((root + "/.tmprace").c_str(), (root + "/race").c_str());
    }
  });
  int written = 0, refused = 0, other = 0;
  for (int i = 0; i < 20000; ++i) {
    Opened o;
    int64_t r = sandbox.open("/race", O_WRONLY | O_APPEND, 0, &o);
    if (r == 0) {
      written += ::write(o.host_fd, "x", 1) == 1 && !o.read_only_mount;
      close(o.host_fd);
    } else {
      (r == -EROFS ? refused : other) += 1;
    }
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(other, 0);
  EXPECT_GT(written, 0);
  EXPECT_GT(refused, 0);
  const std::string volume_file = slurp(vol + "/f");
  EXPECT_EQ(volume_file.size(), 4u);
  EXPECT_TRUE(volume_file == "keep");
  const std::string mine = slurp(root + "/mine");
  EXPECT_EQ(mine.size(), static_cast<size_t>(written));
  EXPECT_EQ(mine.find_first_not_of('x'), std::string::npos);
}

// The host's / as the guest's /: procfs and other kernel interfaces are not there, magic
// links do not resolve, devices are refused.
TEST_F(SandboxTest, HostPseudoFilesystemsAndDevicesAreRefused) {
  Sandbox sandbox = make({{"/", "/", true}});
  struct stat st;
  std::string target;
  Opened o;
  EXPECT_EQ(sandbox.open("/proc/self/root/etc/passwd", O_RDONLY, 0, &o), -ELOOP);
  EXPECT_EQ(sandbox.stat("/proc/self/cwd", true, &st), -ELOOP);
  EXPECT_EQ(sandbox.stat("/proc/self/root/", true, &st), -ELOOP);
  EXPECT_EQ(sandbox.stat("/proc/self/cwd", false, &st), -ENOENT);
  EXPECT_EQ(sandbox.open("/proc/self/root", O_PATH | O_NOFOLLOW, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.readlink("/proc/self/exe", &target), -ENOENT);
  EXPECT_EQ(sandbox.open("/proc/self/mem", O_RDONLY, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.open("/proc/self/environ", O_RDONLY, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.stat("/proc", true, &st), -ENOENT);
  EXPECT_EQ(sandbox.stat("/sys/kernel", true, &st), -ENOENT);
  EXPECT_EQ(sandbox.access("/proc/self/status", R_OK, 0), -ENOENT);
  EXPECT_EQ(sandbox.open("/dev/null", O_RDONLY, 0, &o), -EACCES);
  EXPECT_EQ(sandbox.open("/dev/null", O_PATH, 0, &o), -EACCES);
  EXPECT_EQ(sandbox.open("/dev/null", O_WRONLY | O_CREAT, 0666, &o), -EACCES);
  EXPECT_EQ(sandbox.stat("/dev/null", true, &st), 0);  // looking is fine
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  struct statfs fs;
  if (::statfs("/dev/pts", &fs) == 0 && fs.f_type == DEVPTS_SUPER_MAGIC) {
    EXPECT_EQ(sandbox.stat("/dev/pts", true, &st), -ENOENT);
  }
  for (const char* cgroup : {"/sys/fs/cgroup", "/sys/fs/cgroup/cpu"}) {
    if (::statfs(cgroup, &fs) == 0 && (fs.f_type == CGROUP_SUPER_MAGIC || fs.f_type == CGROUP2_SUPER_MAGIC)) {
      EXPECT_EQ(sandbox.mkdir(std::string(cgroup) + "/x", 0755), -ENOENT);
    }
  }
  // What is an ordinary file is served, read-only.
  ASSERT_EQ(sandbox.open("/etc/passwd", O_RDONLY, 0, &o), 0);
  EXPECT_TRUE(o.read_only_mount);
  close(o.host_fd);
  EXPECT_EQ(sandbox.open("/etc/passwd", O_WRONLY, 0, &o), -EROFS);
}

TEST_F(SandboxTest, FifosSocketsAndDevicesInTheTreeAreRefused) {
  const std::string root = dir("root");
  ASSERT_EQ(mkfifo((root + "/fifo").c_str(), 0666), 0);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", root.c_str());
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(sock, 1), 0);
  const bool have_device = ::mknod((root + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
  Sandbox sandbox = make({{"/", root, false}});

  Opened o;
  for (int flags : {O_RDONLY, O_WRONLY, O_RDWR, O_WRONLY | O_NONBLOCK, O_RDONLY | O_CREAT, O_PATH}) {
    SCOPED_TRACE(flags);
    EXPECT_EQ(sandbox.open("/fifo", flags, 0644, &o), -ENXIO);  // and never blocks
    EXPECT_EQ(sandbox.open("/sock", flags, 0644, &o), -ENXIO);
    if (have_device) {
      EXPECT_EQ(sandbox.open("/null", flags, 0644, &o), -EACCES);
    }
  }
  EXPECT_EQ(sandbox.mknod("/made_fifo", S_IFIFO | 0600), 0);
  EXPECT_EQ(sandbox.open("/made_fifo", O_RDONLY, 0, &o), -ENXIO);
  EXPECT_EQ(sandbox.mknod("/dev_node", S_IFCHR | 0600), -EPERM);
  EXPECT_EQ(sandbox.mknod("/fifo", S_IFCHR | 0600), -EEXIST);
  EXPECT_FALSE(std::filesystem::exists(root + "/dev_node"));
  close(sock);
}

TEST_F(SandboxTest, ReadOnlyVolumeRefusesEveryWrite) {
  const std::string root = dir("root");
  const std::string vol = dir("vol");
  std::filesystem::create_directories(vol + "/d");
  write(vol + "/f", "keep");
  write(vol + "/d/inner", "in");
  std::filesystem::create_symlink("f", vol + "/l");
  // Symlinks are walked in the guest's view: one that climbs out of the volume lands in
  // the read-write root ("/vol/.." is "/"), and one there that names the volume leads
  // back into it, read-only.
  std::filesystem::create_symlink("../../..", vol + "/up");
  std::filesystem::create_symlink("/vol/f", root + "/tovol");
  std::filesystem::create_symlink("vol/d", root + "/tovol_dir");
  Sandbox sandbox = make({{"/", root, false}, {"/vol", vol, true}});
  const timespec times[2] = {{1, 0}, {2, 0}};

  Opened o;
  for (int flags : {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND, O_RDWR | O_CREAT}) {
    SCOPED_TRACE(flags);
    EXPECT_EQ(sandbox.open("/vol/f", flags, 0644, &o), -EROFS);
    EXPECT_EQ(sandbox.open("/vol/l", flags, 0644, &o), -EROFS);
    EXPECT_EQ(sandbox.open("/vol/up/vol/f", flags, 0644, &o), -EROFS);
    EXPECT_EQ(sandbox.open("/tovol", flags, 0644, &o), -EROFS);
  }
  EXPECT_EQ(sandbox.open("/tovol_dir/new", O_WRONLY | O_CREAT, 0644, &o), -EROFS);
  EXPECT_EQ(sandbox.truncate("/tovol", 0), -EROFS);
  EXPECT_EQ(sandbox.chmod("/tovol", 0777, true), -EROFS);
  EXPECT_EQ(sandbox.utimens("/tovol", times, false), 0);  // the symlink in the root itself
  EXPECT_EQ(sandbox.mkdir("/tovol_dir/x", 0755), -EROFS);
  EXPECT_EQ(sandbox.unlink("/tovol_dir/inner"), -EROFS);
  EXPECT_EQ(sandbox.link("/tovol", "/tovol_link"), 0);  // link(2) does not follow: the root's symlink
  EXPECT_EQ(sandbox.link("/tovol_dir/inner", "/h2"), -EXDEV);
  EXPECT_EQ(sandbox.open("/vol/new", O_WRONLY | O_CREAT, 0644, &o), -EROFS);
  EXPECT_EQ(sandbox.open("/vol/f", O_RDONLY | O_CREAT | O_EXCL, 0644, &o), -EEXIST);
  EXPECT_EQ(sandbox.open("/vol/nope/x", O_WRONLY | O_CREAT, 0644, &o), -ENOENT);
  EXPECT_EQ(sandbox.open("/vol/d", O_TMPFILE | O_RDWR, 0600, &o), -EROFS);
  EXPECT_EQ(sandbox.open("/vol/d", O_WRONLY, 0, &o), -EISDIR);
  EXPECT_EQ(sandbox.mkdir("/vol/new", 0755), -EROFS);
  EXPECT_EQ(sandbox.mkdir("/vol/d", 0755), -EEXIST);
  EXPECT_EQ(sandbox.mknod("/vol/fifo", S_IFIFO | 0600), -EROFS);
  EXPECT_EQ(sandbox.symlink("x", "/vol/s"), -EROFS);
  EXPECT_EQ(sandbox.symlink("x", "/vol/s/"), -ENOENT);
  EXPECT_EQ(sandbox.link("/vol/f", "/vol/h"), -EROFS);
  EXPECT_EQ(sandbox.link("/vol/f", "/h"), -EXDEV);
  EXPECT_EQ(sandbox.unlink("/vol/f"), -EROFS);
  EXPECT_EQ(sandbox.unlink("/vol/nope"), -EROFS);
  EXPECT_EQ(sandbox.rmdir("/vol/d"), -EROFS);
  EXPECT_EQ(sandbox.rename("/vol/f", "/vol/g", 0), -EROFS);
  EXPECT_EQ(sandbox.rename("/vol/f", "/g", 0), -EXDEV);
  EXPECT_EQ(sandbox.chmod("/vol/f", 0777, true), -EROFS);
  EXPECT_EQ(sandbox.chmod("/vol/l", 0777, false), -EROFS);
  EXPECT_EQ(sandbox.chown("/vol/f", -1, -1, true), -EROFS);
  EXPECT_EQ(sandbox.utimens("/vol/f", times, true), -EROFS);
  EXPECT_EQ(sandbox.utimens("/vol/d", nullptr, false), -EROFS);
  EXPECT_EQ(sandbox.truncate("/vol/f", 0), -EROFS);
  EXPECT_EQ(sandbox.truncate("/vol/d", 0), -EISDIR);
  EXPECT_EQ(sandbox.access("/vol/f", W_OK, 0), -EROFS);
  EXPECT_EQ(sandbox.access("/vol/f", R_OK, 0), 0);
  // The mount point itself is a name in the read-write root.
  EXPECT_EQ(sandbox.mkdir("/vol", 0755), -EEXIST);
  EXPECT_EQ(sandbox.rmdir("/vol"), -EBUSY);
  EXPECT_EQ(sandbox.unlink("/vol"), -EISDIR);
  EXPECT_EQ(sandbox.rename("/vol", "/x", 0), -EBUSY);
  EXPECT_EQ(sandbox.rename("/x", "/vol", 0), -EBUSY);
  // The root's symlink names the volume's file, as it would under Linux; the volume's
  // "up" is the read-write root.
  ASSERT_EQ(sandbox.open("/tovol", O_RDONLY, 0, &o), 0);
  EXPECT_TRUE(o.read_only_mount);
  EXPECT_EQ(read_all(o.host_fd), "keep");
  close(o.host_fd);
  struct stat st, root_st;
  ASSERT_EQ(sandbox.stat("/vol/up", true, &st), 0);
  ASSERT_EQ(::stat(root.c_str(), &root_st), 0);
  EXPECT_EQ(st.st_ino, root_st.st_ino);
  ASSERT_EQ(sandbox.open("/vol/up/new", O_WRONLY | O_CREAT | O_EXCL, 0644, &o), 0);  // in the root
  EXPECT_FALSE(o.read_only_mount);
  close(o.host_fd);
  EXPECT_TRUE(std::filesystem::exists(root + "/new"));
  EXPECT_FALSE(std::filesystem::exists(vol + "/new"));

  struct statfs sfs;
  ASSERT_EQ(sandbox.statfs("/vol/d", &sfs), 0);
  EXPECT_TRUE(sfs.f_flags & ST_RDONLY);
  ASSERT_EQ(sandbox.statfs("/", &sfs), 0);
  ASSERT_EQ(sandbox.open("/vol/l", O_RDONLY, 0, &o), 0);
  EXPECT_TRUE(o.read_only_mount);
  EXPECT_EQ(read_all(o.host_fd), "keep");
  close(o.host_fd);
  EXPECT_EQ(slurp(vol + "/f"), "keep");
  EXPECT_EQ(std::filesystem::status(vol + "/f").permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read | std::filesystem::perms::others_read);
}

// Every write that can name a file, through every kind of symlink in the read-write
// root, at the file a read-only volume exposes: `--root R -v R/config:/config:ro`.
TEST_F(SandboxTest, SymlinksInAReadWriteRootCannotWriteAReadOnlyVolume) {
  const std::string root = dir("root");
  const std::string config = dir("root/config");  // the volume's host directory is in the root
  write(config + "/x", "keep");
  ASSERT_EQ(::chmod((config + "/x").c_str(), 0644), 0);
  const timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (config + "/x").c_str(), old_times, 0), 0);
  std::filesystem::create_symlink("config/x", root + "/lnk");
  std::filesystem::create_symlink("/config/x", root + "/abs");
  std::filesystem::create_symlink("config", root + "/dirlnk");
  std::filesystem::create_symlink("/config/", root + "/absdir");
  std::filesystem::create_symlink("dirlnk/../lnk", root + "/chain");
  std::filesystem::create_directories(root + "/etc/app");
  std::filesystem::create_directories(root + "/etc/app/conf");
  write(root + "/etc/app/conf/y", "keep");
  Sandbox sandbox =
      make({{"/", root, false}, {"/config", config, true}, {"/etc/app/conf", root + "/etc/app/conf", true}});
  const timespec times[2] = {{1, 0}, {2, 0}};

  Opened o;
  for (const char* path : {"/lnk", "/abs", "/dirlnk/x", "/absdir/x", "/chain"}) {
    SCOPED_TRACE(path);
    for (int flags :
         {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_TRUNC}) {
      SCOPED_TRACE(flags);
      EXPECT_EQ(sandbox.open(path, flags, 0644, &o), -EROFS);
    }
    EXPECT_EQ(sandbox.truncate(path, 0), -EROFS);
    EXPECT_EQ(sandbox.chmod(path, 0777, true), -EROFS);
    EXPECT_EQ(sandbox.chown(path, -1, -1, true), -EROFS);
    EXPECT_EQ(sandbox.utimens(path, times, true), -EROFS);
    EXPECT_EQ(sandbox.access(path, W_OK, 0), -EROFS);
    ASSERT_EQ(sandbox.open(path, O_RDONLY, 0, &o), 0);  // reading is fine
    EXPECT_TRUE(o.read_only_mount);
    EXPECT_EQ(read_all(o.host_fd), "keep");
    close(o.host_fd);
    std::string canonical;
    ASSERT_EQ(sandbox.canonical(path, &canonical), 0);
    EXPECT_EQ(canonical, "/config/x");
  }
  for (const char* dir : {"/dirlnk", "/absdir"}) {
    SCOPED_TRACE(dir);
    const std::string d = dir;
    EXPECT_EQ(sandbox.open(d + "/new", O_WRONLY | O_CREAT, 0644, &o), -EROFS);
    EXPECT_EQ(sandbox.open(d + "/", O_TMPFILE | O_RDWR, 0600, &o), -EROFS);
    EXPECT_EQ(sandbox.mkdir(d + "/new", 0755), -EROFS);
    EXPECT_EQ(sandbox.mknod(d + "/fifo", S_IFIFO | 0600), -EROFS);
    EXPECT_EQ(sandbox.symlink("t", d + "/s"), -EROFS);
    EXPECT_EQ(sandbox.unlink(d + "/x"), -EROFS);
    EXPECT_EQ(sandbox.rename(d + "/x", d + "/y", 0), -EROFS);
    EXPECT_EQ(sandbox.rename(d + "/x", "/stolen", 0), -EXDEV);
    EXPECT_EQ(sandbox.rename("/lnk", d + "/x", 0), -EXDEV);
    EXPECT_EQ(sandbox.link(d + "/x", "/hard"), -EXDEV);
    EXPECT_EQ(sandbox.link(d + "/x", d + "/hard"), -EROFS);
    struct statfs sfs;
    ASSERT_EQ(sandbox.statfs(d, &sfs), 0);
    EXPECT_TRUE(sfs.f_flags & ST_RDONLY);
  }
  // Nor can the directory above a mount point move away with the host directory under
  // the mount, which would then be writable at the new name.
  EXPECT_EQ(sandbox.rename("/etc/app", "/moved", 0), -EBUSY);
  EXPECT_EQ(sandbox.rename("/etc", "/moved", 0), -EBUSY);
  EXPECT_EQ(sandbox.rename("/lnk", "/etc", RENAME_EXCHANGE), -EBUSY);
  EXPECT_EQ(sandbox.open("/etc/app/conf/y", O_WRONLY, 0, &o), -EROFS);

  EXPECT_EQ(slurp(config + "/x"), "keep");
  EXPECT_EQ(slurp(root + "/etc/app/conf/y"), "keep");
  struct stat st;
  ASSERT_EQ(::stat((config + "/x").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000);
  EXPECT_EQ(st.st_size, 4);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(config), {}), 1);
  EXPECT_FALSE(std::filesystem::exists(root + "/hard"));
  EXPECT_FALSE(std::filesystem::exists(root + "/stolen"));
}

// The default mode's shape on a stand-in host: the host's / read-only, the current
// directory read-write at its own path. An absolute symlink in the current directory
// (a virtualenv's bin/python) reaches the host's file through the read-only mount.
TEST_F(SandboxTest, AbsoluteSymlinksReachTheMountThatHoldsTheTarget) {
  const std::string host = dir("host");
  const std::string cwd = dir("host/home/u/proj");
  std::filesystem::create_directories(host + "/usr/bin");
  std::filesystem::create_directories(host + "/usr/lib/python3");
  write(host + "/usr/bin/python3.12", "python");
  write(host + "/usr/lib/python3/os.py", "os");
  std::filesystem::create_symlink("python3.12", host + "/usr/bin/python3");
  std::filesystem::create_directories(cwd + "/.venv/bin");
  std::filesystem::create_symlink("/usr/bin/python3", cwd + "/.venv/bin/python");
  std::filesystem::create_symlink("/usr/lib", cwd + "/.venv/lib");
  std::filesystem::create_symlink("../../../usr/lib/python3", cwd + "/pylib");  // relative, out of the mount
  std::filesystem::create_symlink("/home/u/proj/data", host + "/usr/lib/to_proj");  // and back into it
  std::filesystem::create_directories(cwd + "/data");
  Sandbox sandbox = make({{"/", host, true}, {"/home/u/proj", cwd, false}});

  Opened o;
  ASSERT_EQ(sandbox.open("/home/u/proj/.venv/bin/python", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(read_all(o.host_fd), "python");
  EXPECT_TRUE(o.read_only_mount);
  close(o.host_fd);
  EXPECT_EQ(sandbox.open("/home/u/proj/.venv/bin/python", O_WRONLY, 0, &o), -EROFS);
  EXPECT_EQ(sandbox.access("/home/u/proj/.venv/bin/python", W_OK, 0), -EROFS);
  EXPECT_EQ(real_path(sandbox, "/home/u/proj/.venv/bin/python"), "/usr/bin/python3.12");
  std::string canonical;
  ASSERT_EQ(sandbox.canonical("/home/u/proj/.venv/lib/python3/os.py", &canonical), 0);
  EXPECT_EQ(canonical, "/usr/lib/python3/os.py");
  ASSERT_EQ(sandbox.open("/home/u/proj/pylib/os.py", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(read_all(o.host_fd), "os");
  close(o.host_fd);
  EXPECT_EQ(sandbox.mkdir("/home/u/proj/pylib/new", 0755), -EROFS);
  // Out of the current directory and back in: writable again.
  ASSERT_EQ(sandbox.open("/usr/lib/to_proj/made", O_WRONLY | O_CREAT | O_EXCL, 0644, &o), 0);
  EXPECT_FALSE(o.read_only_mount);
  close(o.host_fd);
  EXPECT_TRUE(std::filesystem::exists(cwd + "/data/made"));
  EXPECT_EQ(sandbox.rename("/usr/lib/to_proj/made", "/home/u/proj/made", 0), 0);
  EXPECT_EQ(real_path(sandbox, "/home/u/proj/.venv/lib/to_proj"), "/home/u/proj/data");
  EXPECT_FALSE(std::filesystem::exists(host + "/usr/lib/python3/new"));
}

// ".." is taken on the canonical guest path: from a mount's root to the directory above
// it in the guest's view (never to the host directory above the mount's), "/.." is "/".
TEST_F(SandboxTest, DotDotCrossesMountBoundariesInTheGuestView) {
  const std::string decoy = make_decoy(base_);  // the host parent of every mount here
  const std::string root = dir("root");
  const std::string vol = dir("vol");
  const std::string inner = dir("inner");
  const std::string nested = dir("nested");
  write(root + "/f", "root f");
  std::filesystem::create_directories(root + "/a");
  write(root + "/a/file", "root a/file");
  std::filesystem::create_symlink("..", vol + "/up");
  std::filesystem::create_symlink("../f", vol + "/rootf");
  std::filesystem::create_symlink("../../../../../f", vol + "/far");
  std::filesystem::create_symlink("../outside/passwd", vol + "/decoy");  // host: base_/outside/passwd
  std::filesystem::create_symlink("../file", inner + "/sibling");
  std::filesystem::create_symlink("../../../f", nested + "/top");  // /m/n/.. is /m, which the root lacks
  Sandbox sandbox = make({{"/", root, false}, {"/vol", vol, false}, {"/a/b", inner, true}, {"/m/n", nested, false}});

  auto content = [&](const char* path) {
    Opened o;
    int64_t r = sandbox.open(path, O_RDONLY, 0, &o);
    if (r < 0) return outcome(r);
    std::string c = read_all(o.host_fd);
    close(o.host_fd);
    return c;
  };
  EXPECT_EQ(content("/vol/rootf"), "root f");
  EXPECT_EQ(content("/vol/far"), "root f");
  EXPECT_EQ(content("/vol/up/f"), "root f");
  EXPECT_EQ(content("/vol/up/vol/up/a/file"), "root a/file");
  EXPECT_EQ(content("/vol/decoy"), "ENOENT");  // ROOT/outside/passwd
  EXPECT_EQ(content("/a/b/sibling"), "root a/file");
  EXPECT_EQ(content("/m/n/top"), "root f");
  std::string canonical;
  ASSERT_EQ(sandbox.canonical("/vol/up", &canonical), 0);
  EXPECT_EQ(canonical, "/");
  ASSERT_EQ(sandbox.canonical("/a/b/sibling", &canonical), 0);
  EXPECT_EQ(canonical, "/a/file");
  struct stat st;
  EXPECT_EQ(sandbox.stat("/m", true, &st), -ENOENT);  // only on the way to /m/n
  EXPECT_EQ(sandbox.stat("/m/n", true, &st), 0);
  // The mount the object lies in decides: /a/b is read-only, /a/file (reached from it) is not.
  Opened o;
  ASSERT_EQ(sandbox.open("/a/b/sibling", O_WRONLY | O_APPEND, 0, &o), 0);
  EXPECT_FALSE(o.read_only_mount);
  ASSERT_EQ(::write(o.host_fd, "+", 1), 1);
  close(o.host_fd);
  EXPECT_EQ(slurp(root + "/a/file"), "root a/file+");
  EXPECT_EQ(sandbox.mkdir("/vol/up/made", 0755), 0);
  EXPECT_TRUE(std::filesystem::is_directory(root + "/made"));
  EXPECT_EQ(sandbox.rename("/vol/up/made", "/vol/made", 0), -EXDEV);
  expect_decoy_untouched(decoy);
}

// Linux's limit: 40 symlinks in one lookup, then ELOOP; loops across mounts too.
TEST_F(SandboxTest, SymlinkLoopsAreEloop) {
  const std::string root = dir("root");
  const std::string vol = dir("vol");
  write(root + "/f", "end");
  std::filesystem::create_symlink("f", root + "/c1");
  for (int i = 2; i <= 41; ++i)
    std::filesystem::create_symlink("c" + std::to_string(i - 1), root + "/c" + std::to_string(i));
  std::filesystem::create_symlink("self", root + "/self");
  std::filesystem::create_symlink("b", root + "/a");
  std::filesystem::create_symlink("a", root + "/b");
  std::filesystem::create_symlink("/vol/there", root + "/here");
  std::filesystem::create_symlink("/here", vol + "/there");
  std::filesystem::create_symlink("dir/..", root + "/dir");
  Sandbox sandbox = make({{"/", root, false}, {"/vol", vol, false}});

  // The host kernel agrees on the limit.
  int fd = ::open((root + "/c40").c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  close(fd);
  EXPECT_EQ(native_result(::open((root + "/c41").c_str(), O_RDONLY | O_CLOEXEC)), -ELOOP);

  Opened o;
  ASSERT_EQ(sandbox.open("/c40", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(read_all(o.host_fd), "end");
  close(o.host_fd);
  EXPECT_EQ(sandbox.open("/c41", O_RDONLY, 0, &o), -ELOOP);
  struct stat st;
  EXPECT_EQ(sandbox.stat("/c41", false, &st), 0);
  for (const char* path : {"/self", "/a", "/here", "/vol/there", "/dir"}) {
    SCOPED_TRACE(path);
    const std::string p = path;
    EXPECT_EQ(sandbox.open(p, O_RDONLY, 0, &o), -ELOOP);
    EXPECT_EQ(sandbox.open(p, O_WRONLY | O_CREAT, 0644, &o), -ELOOP);
    EXPECT_EQ(sandbox.stat(p, true, &st), -ELOOP);
    EXPECT_EQ(sandbox.stat(p + "/", false, &st), -ELOOP);
    EXPECT_EQ(sandbox.stat(p + "/x", false, &st), -ELOOP);
    EXPECT_EQ(sandbox.mkdir(p + "/x", 0755), -ELOOP);
    EXPECT_EQ(sandbox.unlink(p + "/x"), -ELOOP);
    EXPECT_EQ(sandbox.stat(p, false, &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    std::string canonical;
    EXPECT_EQ(sandbox.canonical(p, &canonical), -ELOOP);
    EXPECT_EQ(real_path(sandbox, p), p);  // what it was given
  }
}

TEST_F(SandboxTest, OperationsAcrossMountsAreExdev) {
  const std::string root = dir("root");
  const std::string a = dir("a");
  write(root + "/f", "root");
  write(a + "/f", "a");
  Sandbox sandbox = make({{"/", root, false}, {"/a", a, false}});

  EXPECT_EQ(sandbox.rename("/a/f", "/g", 0), -EXDEV);
  EXPECT_EQ(sandbox.rename("/f", "/a/g", 0), -EXDEV);
  EXPECT_EQ(sandbox.rename("/f", "/a/g", RENAME_EXCHANGE), -EXDEV);
  EXPECT_EQ(sandbox.link("/a/f", "/g"), -EXDEV);
  EXPECT_EQ(sandbox.link("/f", "/a/g"), -EXDEV);
  EXPECT_EQ(sandbox.link("/a", "/g"), -EXDEV);
  EXPECT_EQ(sandbox.rename("/nope/x", "/a/g", 0), -ENOENT);  // the lookups come first, as in Linux
  EXPECT_EQ(sandbox.rename("/a/f", "/a/g", 0), 0);
  EXPECT_EQ(sandbox.link("/a/g", "/a/h"), 0);
  EXPECT_EQ(slurp(a + "/h"), "a");
  EXPECT_EQ(sandbox.rename("/a", "/b", 0), -EBUSY);  // a mount point, not a cross-mount rename
  EXPECT_EQ(sandbox.rmdir("/a"), -EBUSY);
}

TEST_F(SandboxTest, LaterMountsHideEarlierOnesAtOrUnderThem) {
  const std::string one = dir("one");
  const std::string two = dir("two");
  write(one + "/which", "one");
  write(two + "/which", "two");
  auto which = [](const Sandbox& sandbox, std::string_view path) {
    Opened o;
    if (sandbox.open(path, O_RDONLY, 0, &o) != 0) return std::string("missing");
    std::string content = read_all(o.host_fd);
    close(o.host_fd);
    return content;
  };
  EXPECT_EQ(which(make({{"/x", one, false}, {"/x", two, false}}), "/x/which"), "two");
  EXPECT_EQ(which(make({{"/x/y", one, false}, {"/", two, false}}), "/x/y/which"), "missing");
  EXPECT_EQ(which(make({{"/x/y", one, false}, {"/x", two, false}}), "/x/y/which"), "missing");
  EXPECT_EQ(which(make({{"/x", two, false}, {"/x/y", one, false}}), "/x/y/which"), "one");
  EXPECT_EQ(which(make({{"/x", two, false}, {"/x/y", one, false}}), "/x/which"), "two");
  EXPECT_EQ(which(make({{"/x", two, false}}), "/which"), "missing");  // nothing covers "/"
  Sandbox only_x = make({{"/x", two, false}});
  struct stat st;
  EXPECT_EQ(only_x.stat("/x", true, &st), 0);
  EXPECT_EQ(only_x.stat("/", true, &st), -ENOENT);
  EXPECT_EQ(only_x.rmdir("/x"), -ENOENT);
  EXPECT_EQ(only_x.mkdir("/y", 0755), -ENOENT);

  EXPECT_FALSE(Sandbox::create({{"relative", one, false}}));
  EXPECT_FALSE(Sandbox::create({{"/x/", one, false}}));
  EXPECT_EQ(Sandbox::create({{"/x", base_ + "/nope", false}}).error().message,
            "mount " + base_ + "/nope at /x: No such file or directory");
}

// A name missing on the host is missing in the guest unless a mount point lies at or
// under it (lookups answer ENOENT from one openat2 when nothing else can be there).
TEST_F(SandboxTest, MissingNamesAroundMountPoints) {
  const std::string root = dir("root");
  const std::string vol = dir("vol");
  write(vol + "/inside", "v");
  ASSERT_EQ(::mkdir((root + "/a").c_str(), 0755), 0);
  // Host root/a/b does not exist; the volume is mounted at /a/b/c.
  Sandbox sandbox = make({{"/", root, false}, {"/a/b/c", vol, false}});
  struct stat st;
  EXPECT_EQ(sandbox.stat("/a/b/c/inside", true, &st), 0);  // through a directory only on the way
  EXPECT_EQ(sandbox.stat("/a/b/zz", true, &st), -ENOENT);
  EXPECT_EQ(sandbox.stat("/a/zz", true, &st), -ENOENT);
  EXPECT_EQ(sandbox.stat("/a/zz/deeper", false, &st), -ENOENT);
  EXPECT_EQ(sandbox.stat("/zz", true, &st), -ENOENT);
  Opened o;
  EXPECT_EQ(sandbox.open("/a/zz", O_RDONLY, 0, &o), -ENOENT);
  EXPECT_EQ(sandbox.open("/a/b/zz", O_RDONLY, 0, &o), -ENOENT);
  ASSERT_EQ(sandbox.open("/a/b/c/inside", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(read_all(o.host_fd), "v");
  close(o.host_fd);
  // A create of a missing name still creates it.
  ASSERT_EQ(sandbox.open("/a/new", O_WRONLY | O_CREAT, 0644, &o), 0);
  close(o.host_fd);
  EXPECT_EQ(sandbox.stat("/a/new", true, &st), 0);
  // A missing name behind a symlink: ENOENT from the walk (the one openat2 says ELOOP).
  ASSERT_EQ(::symlink("a", (root + "/link").c_str()), 0);
  EXPECT_EQ(sandbox.stat("/link/zz", true, &st), -ENOENT);
  EXPECT_EQ(sandbox.stat("/link/new", true, &st), 0);
  ::unlink((root + "/link").c_str());
  ::unlink((root + "/a/new").c_str());
  ::rmdir((root + "/a").c_str());
  ::unlink((vol + "/inside").c_str());
}

TEST_F(SandboxTest, ChownOnlyToTheOwnerOrTheMonitor) {
  const std::string root = dir("root");
  write(root + "/f", "x");
  Sandbox sandbox = make({{"/", root, false}});
  const uid_t other_uid = geteuid() + 12345;
  const gid_t other_gid = getegid() + 12345;

  EXPECT_EQ(sandbox.chown("/f", other_uid, -1, true), -EPERM);
  EXPECT_EQ(sandbox.chown("/f", -1, other_gid, true), -EPERM);
  EXPECT_EQ(sandbox.chown("/f", other_uid, other_gid, false), -EPERM);
  EXPECT_EQ(sandbox.chown("/nope", other_uid, -1, true), -ENOENT);
  EXPECT_EQ(sandbox.chown("/f", geteuid(), getegid(), true), 0);
  EXPECT_EQ(sandbox.chown("/f", -1, -1, true), 0);
  struct stat st;
  ASSERT_EQ(::stat((root + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_EQ(st.st_gid, getegid());
}

}  // namespace
}  // namespace burrow::fs
