// format_syscall against lines taken from strace 6.1, with guest memory faked by a map
// of regions; and the syscall list against <asm/unistd_64.h>.
#include "trace/strace.h"

#include <asm/unistd_64.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "burrow/abi/syscalls.h"

namespace burrow::trace {
namespace {

using abi::ArgKind;

// Guest memory as a few mapped pages, zero-filled where nothing was put; like a
// guest's, it is mapped a page at a time.
class FakeMemory : public GuestReader {
 public:
  void put(uint64_t va, std::string_view bytes) {
    for (size_t i = 0; i < bytes.size(); ++i)
      pages_[(va + i) / kPage][(va + i) % kPage] = bytes[i];
  }
  template <typename T>
  void put_value(uint64_t va, const T& value) {
    put(va, std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
  }

  bool read(uint64_t va, void* dst, size_t len) override {
    for (size_t i = 0; i < len; ++i) {
      auto page = pages_.find((va + i) / kPage);
      if (page == pages_.end()) return false;
      static_cast<char*>(dst)[i] = page->second[(va + i) % kPage];
    }
    return true;
  }

 private:
  static constexpr uint64_t kPage = 4096;
  std::map<uint64_t, std::array<char, kPage>> pages_;
};

constexpr uint64_t kBuf = 0x10000;
constexpr uint64_t kBuf2 = 0x20000;
constexpr uint64_t kUnmapped = 0xdead0000;

class StraceTest : public ::testing::Test {
 protected:
  // The line without strace's alignment of the result at column 40.
  std::string call(uint64_t nr, std::initializer_list<uint64_t> list, int64_t ret) {
    uint64_t args[6] = {};
    std::copy(list.begin(), list.end(), args);
    std::string line = format_syscall(nr, args, ret, mem_);
    const size_t eq = line.rfind(" = ");
    const size_t head_end = line.find_last_not_of(' ', eq) + 1;
    return line.substr(0, head_end) + line.substr(eq);
  }

  FakeMemory mem_;
};

TEST(SyscallList, NamesAndNumbersMatchTheKernelHeader) {
  int count = 0;
#define X(nr, name, nargs, k0, k1, k2, k3, k4, k5)                                                          \
  EXPECT_EQ(nr, __NR_##name) << #name;                                                                      \
  EXPECT_STREQ(syscall_name(nr), #name);                                                                    \
  EXPECT_LE(nargs, 6) << #name;                                                                             \
  {                                                                                                         \
    const ArgKind kinds[] = {ArgKind::k0, ArgKind::k1, ArgKind::k2, ArgKind::k3, ArgKind::k4, ArgKind::k5}; \
    for (int i = 0; i < 6; ++i)                                                                             \
      EXPECT_EQ(i >= nargs, kinds[i] == ArgKind::kNone) << #name << " arg " << i;                           \
  }                                                                                                         \
  ++count;
  BURROW_SYSCALL_LIST(X)
#undef X
  EXPECT_EQ(count, 362);
  EXPECT_EQ(abi::kSyscallMax, 451u);
}

TEST(SyscallList, KnownNumbers) {
  EXPECT_STREQ(syscall_name(0), "read");
  EXPECT_STREQ(syscall_name(1), "write");
  EXPECT_STREQ(syscall_name(257), "openat");
  EXPECT_STREQ(syscall_name(231), "exit_group");
  EXPECT_STREQ(syscall_name(435), "clone3");
  EXPECT_STREQ(syscall_name(334), "rseq");
  EXPECT_STREQ(syscall_name(449), "futex_waitv");
  EXPECT_EQ(syscall_name(335), nullptr);
  EXPECT_EQ(syscall_name(423), nullptr);
  EXPECT_EQ(syscall_name(abi::kSyscallMax), nullptr);
  EXPECT_EQ(syscall_name(~0ull), nullptr);
}

TEST_F(StraceTest, AlignsTheResultAtColumnFortyLikeStrace) {
  mem_.put(kBuf, "hello\n");
  const uint64_t args[6] = {1, kBuf, 6};
  EXPECT_EQ(format_syscall(__NR_write, args, 6, mem_), "write(1, \"hello\\n\", 6)                  = 6");
  const uint64_t exit_args[6] = {0};
  EXPECT_EQ(format_syscall(__NR_exit_group, exit_args, 0, mem_),
            "exit_group(0)                           = ?");
  mem_.put(kBuf2, std::string(40, 'x') + '\0');
  const uint64_t long_args[6] = {static_cast<uint64_t>(-100), kBuf2, 0};
  EXPECT_EQ(format_syscall(__NR_openat, long_args, 3, mem_),
            "openat(AT_FDCWD, \"" + std::string(40, 'x') + "\", O_RDONLY) = 3");
}

TEST_F(StraceTest, EscapesLikeStrace) {
  mem_.put(kBuf, std::string_view("\0"
                                  "1\0a\x01"
                                  "7\x1b[0m\r\v\f\t\"\\\377\200\1\2x",
                                  21));
  EXPECT_EQ(call(__NR_write, {1, kBuf, 21}, 21),
            R"(write(1, "\0001\0a\0017\33[0m\r\v\f\t\"\\\377\200\1\2x", 21) = 21)");
  mem_.put(kBuf2, std::string_view("a\0", 2));
  EXPECT_EQ(call(__NR_write, {1, kBuf2, 2}, 2), R"(write(1, "a\0", 2) = 2)");
  EXPECT_EQ(call(__NR_write, {1, kBuf2, 0}, 0), R"(write(1, "", 0) = 0)");
}

TEST_F(StraceTest, TruncatesBuffersAndArgvStringsAt32ButNotPaths) {
  const std::string digits = "0123456789012345678901234567890123456789";
  mem_.put(kBuf, digits);
  EXPECT_EQ(call(__NR_write, {1, kBuf, 40}, 40),
            R"(write(1, "01234567890123456789012345678901"..., 40) = 40)");
  EXPECT_EQ(call(__NR_write, {1, kBuf, 32}, 32), R"(write(1, "01234567890123456789012345678901", 32) = 32)");
  EXPECT_EQ(call(__NR_read, {3, kBuf, 100}, 40),
            R"(read(3, "01234567890123456789012345678901"..., 100) = 40)");

  mem_.put(kBuf2, "/nonexistent/" + digits + '\0');
  EXPECT_EQ(call(__NR_openat, {static_cast<uint64_t>(-100), kBuf2, 02000000}, -2),
            "openat(AT_FDCWD, \"/nonexistent/" + digits +
                "\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)");

  constexpr uint64_t kArgv = 0x30000, kStrings = 0x40000;
  mem_.put(kStrings, std::string("ls\0", 3) + digits + '\0' + "0123456789012345678901234567890");
  const uint64_t argv[] = {kStrings, kStrings + 3, kStrings + 44, 0};
  mem_.put_value(kArgv, argv);
  const uint64_t envp[] = {kStrings, 0};
  mem_.put_value(kArgv + 0x100, envp);
  EXPECT_EQ(call(__NR_execve, {kStrings, kArgv, kArgv + 0x100}, 0),
            R"(execve("ls", ["ls", "01234567890123456789012345678901"..., )"
            R"("0123456789012345678901234567890"], 0x30100 /* 1 var */) = 0)");
}

TEST_F(StraceTest, ShowsUnreadableMemoryAsItsAddressAndZeroAsNull) {
  EXPECT_EQ(call(__NR_write, {1, kUnmapped, 5}, 5), "write(1, 0xdead0000, 5) = 5");
  EXPECT_EQ(call(__NR_write, {1, 0, 2}, 2), "write(1, NULL, 2) = 2");
  EXPECT_EQ(call(__NR_openat, {5, 0x10, 0x80000000}, -14),
            "openat(5, 0x10, O_RDONLY|0x80000000) = -1 EFAULT (Bad address)");
  // What a failed call would have written is not read.
  mem_.put(kBuf, "stale");
  EXPECT_EQ(call(__NR_read, {-1ull, kBuf, 10}, -9), "read(-1, 0x10000, 10) = -1 EBADF (Bad file descriptor)");
  // A string that ends right before an unmapped page is still read.
  mem_.put(kBuf2 - 4, std::string_view("/tm\0", 4));
  EXPECT_EQ(call(__NR_unlink, {kBuf2 - 4}, 0), R"(unlink("/tm") = 0)");
  mem_.put(kBuf2 + 0x1000 - 3, "abc");  // no NUL before the end of the mapped page
  EXPECT_EQ(call(__NR_unlink, {kBuf2 + 0x1000 - 3}, 0), "unlink(0x20ffd) = 0");
}

TEST_F(StraceTest, Errors) {
  EXPECT_EQ(call(__NR_close, {9}, -9), "close(9) = -1 EBADF (Bad file descriptor)");
  EXPECT_EQ(call(__NR_futex, {kBuf, 128, 1, 0}, -11),
            "futex(0x10000, FUTEX_WAIT_PRIVATE, 1, NULL) = -1 EAGAIN (Resource temporarily unavailable)");
  EXPECT_EQ(call(__NR_close, {9}, -41), "close(9) = -1 ERRNO_41 (Unknown error 41)");
  EXPECT_EQ(call(__NR_close, {9}, -4000), "close(9) = -1 ERRNO_4000 (Unknown error 4000)");
  EXPECT_EQ(call(__NR_pause, {}, -514), "pause() = ? ERESTARTNOHAND (To be restarted if no handler)");
  EXPECT_EQ(call(__NR_lseek, {0, 1, 7}, -22),
            "lseek(0, 1, 0x7 /* SEEK_??? */) = -1 EINVAL (Invalid argument)");
}

TEST_F(StraceTest, UnknownSyscall) {
  EXPECT_EQ(call(0x1c8, {1, 2, 3, 0, 5, 6}, -38),
            "syscall_0x1c8(0x1, 0x2, 0x3, 0, 0x5, 0x6) = -1 ENOSYS (Function not implemented)");
  EXPECT_EQ(call(335, {}, -38), "syscall_0x14f(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
}

TEST_F(StraceTest, ScalarKinds) {
  EXPECT_EQ(call(__NR_exit_group, {0x1000000ff}, 0), "exit_group(255) = ?");
  EXPECT_EQ(call(__NR_lseek, {0, static_cast<uint64_t>(-5), 1}, 0), "lseek(0, -5, SEEK_CUR) = 0");
  EXPECT_EQ(call(__NR_umask, {022}, 0), "umask(022) = 000");
  EXPECT_EQ(call(__NR_kill, {1, 0x100000002}, 0), "kill(1, SIGINT) = 0");
  EXPECT_EQ(call(__NR_kill, {1, 32}, 0), "kill(1, SIGRTMIN) = 0");
  EXPECT_EQ(call(__NR_kill, {1, 40}, 0), "kill(1, SIGRT_8) = 0");
  EXPECT_EQ(call(__NR_kill, {1, 65}, 0), "kill(1, 65) = 0");
  EXPECT_EQ(call(__NR_clock_gettime, {99, kUnmapped}, -22),
            "clock_gettime(0x63 /* CLOCK_??? */, 0xdead0000) = -1 EINVAL (Invalid argument)");
  EXPECT_EQ(call(__NR_arch_prctl, {0x1002, 0x7f0000001740}, 0),
            "arch_prctl(ARCH_SET_FS, 0x7f0000001740) = 0");
  EXPECT_EQ(call(__NR_arch_prctl, {0x3001, kBuf}, -22),
            "arch_prctl(0x3001 /* ARCH_??? */, 0x10000) = -1 EINVAL (Invalid argument)");
  mem_.put_value(kBuf, uint64_t{0x7f0000001740});
  EXPECT_EQ(call(__NR_arch_prctl, {0x1003, kBuf}, 0), "arch_prctl(ARCH_GET_FS, [0x7f0000001740]) = 0");
  EXPECT_EQ(call(__NR_ioctl, {1, 0x5401, kBuf}, -25),
            "ioctl(1, TCGETS, 0x10000) = -1 ENOTTY (Inappropriate ioctl for device)");
  EXPECT_EQ(call(__NR_ioctl, {1, 0x12345678, 0}, -25),
            "ioctl(1, _IOC(_IOC_NONE, 0x56, 0x78, 0x1234), 0) = -1 ENOTTY (Inappropriate ioctl for device)");
  EXPECT_EQ(call(__NR_close_range, {3, 0xffffffff, 0}, 0), "close_range(3, 4294967295, 0) = 0");
}

TEST_F(StraceTest, FileFlagsAndModes) {
  mem_.put(kBuf, "/x");
  EXPECT_EQ(call(__NR_openat, {static_cast<uint64_t>(-100), kBuf, 01101, 0644}, 3),
            R"(openat(AT_FDCWD, "/x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3)");
  EXPECT_EQ(call(__NR_open, {kBuf, 020200002, 0}, 3), R"(open("/x", O_RDWR|O_TMPFILE, 000) = 3)");
  EXPECT_EQ(call(__NR_open, {kBuf, 3 | 04010000 | 0200000, 0777}, 3),
            R"(open("/x", O_ACCMODE|O_SYNC|O_DIRECTORY) = 3)");
  EXPECT_EQ(call(__NR_access, {kBuf, 0}, 0), R"(access("/x", F_OK) = 0)");
  EXPECT_EQ(call(__NR_access, {kBuf, 7}, 0), R"(access("/x", R_OK|W_OK|X_OK) = 0)");
  EXPECT_EQ(call(__NR_mkdir, {kBuf, 0755}, 0), R"(mkdir("/x", 0755) = 0)");
  EXPECT_EQ(call(__NR_chmod, {kBuf, 0}, 0), R"(chmod("/x", 000) = 0)");
  EXPECT_EQ(call(__NR_mknodat, {static_cast<uint64_t>(-100), kBuf, 010644, 0}, 0),
            R"(mknodat(AT_FDCWD, "/x", S_IFIFO|0644) = 0)");
  EXPECT_EQ(call(__NR_mknod, {kBuf, 020620, 0x8803}, 0),
            R"(mknod("/x", S_IFCHR|0620, makedev(0x88, 0x3)) = 0)");
  EXPECT_EQ(call(__NR_unlinkat, {3, kBuf, 0x200}, 0), R"(unlinkat(3, "/x", AT_REMOVEDIR) = 0)");
  EXPECT_EQ(call(__NR_pipe2, {kUnmapped, 0}, -14), "pipe2(0xdead0000, 0) = -1 EFAULT (Bad address)");
  EXPECT_EQ(call(__NR_dup3, {5, 10, 02000000}, 10), "dup3(5, 10, O_CLOEXEC) = 10");
  mem_.put_value(kBuf2, std::array<int32_t, 2>{3, 4});
  EXPECT_EQ(call(__NR_pipe2, {kBuf2, 02000000}, 0), "pipe2([3, 4], O_CLOEXEC) = 0");
}

TEST_F(StraceTest, Fcntl) {
  EXPECT_EQ(call(__NR_fcntl, {5, 1, 77}, 1), "fcntl(5, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
  EXPECT_EQ(call(__NR_fcntl, {5, 1, 77}, 0), "fcntl(5, F_GETFD) = 0");
  EXPECT_EQ(call(__NR_fcntl, {5, 2, 1}, 0), "fcntl(5, F_SETFD, FD_CLOEXEC) = 0");
  EXPECT_EQ(call(__NR_fcntl, {5, 3}, 0x8002), "fcntl(5, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)");
  EXPECT_EQ(call(__NR_fcntl, {5, 3}, 0), "fcntl(5, F_GETFL) = 0 (flags O_RDONLY)");
  EXPECT_EQ(call(__NR_fcntl, {5, 4, 04000}, 0), "fcntl(5, F_SETFL, O_RDONLY|O_NONBLOCK) = 0");
  EXPECT_EQ(call(__NR_fcntl, {5, 1030, 20}, 20), "fcntl(5, F_DUPFD_CLOEXEC, 20) = 20");
  EXPECT_EQ(call(__NR_fcntl, {5, 99, 5}, -22),
            "fcntl(5, 0x63 /* F_??? */, 0x5) = -1 EINVAL (Invalid argument)");
}

TEST_F(StraceTest, Memory) {
  EXPECT_EQ(call(__NR_mmap, {0, 8192, 3, 0x22, -1ull, 0}, 0x7f0000000000),
            "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000");
  EXPECT_EQ(
      call(__NR_mmap, {0x7f0000001000, 4096, 5, 0x812, 3, 0x26000}, 0x7f0000001000),
      "mmap(0x7f0000001000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = "
      "0x7f0000001000");
  EXPECT_EQ(call(__NR_mmap, {0, 4096, 0x40, 0x80000001, 3, 0x1000}, -13),
            "mmap(NULL, 4096, 0x40 /* PROT_??? */, MAP_SHARED|32<<MAP_HUGE_SHIFT, 3, 0x1000) = -1 EACCES "
            "(Permission "
            "denied)");
  EXPECT_EQ(call(__NR_mmap, {0, 4096, 1, 0xf, -1ull, 0}, -22),
            "mmap(NULL, 4096, PROT_READ, 0xf /* MAP_??? */, -1, 0) = -1 EINVAL (Invalid argument)");
  EXPECT_EQ(call(__NR_mprotect, {0x1000, 4096, 0}, 0), "mprotect(0x1000, 4096, PROT_NONE) = 0");
  EXPECT_EQ(call(__NR_brk, {0}, 0x555555559000), "brk(NULL) = 0x555555559000");
  EXPECT_EQ(call(__NR_mremap, {0x1000, 8192, 16384, 1, 0}, 0x5000),
            "mremap(0x1000, 8192, 16384, MREMAP_MAYMOVE) = 0x5000");
  EXPECT_EQ(call(__NR_madvise, {0x1000, 4096, 4}, 0), "madvise(0x1000, 4096, MADV_DONTNEED) = 0");
  EXPECT_EQ(call(__NR_madvise, {0x1000, 4096, 77}, -22),
            "madvise(0x1000, 4096, 0x4d /* MADV_??? */) = -1 EINVAL (Invalid argument)");
}

TEST_F(StraceTest, Structs) {
  mem_.put_value(kBuf, std::array<int64_t, 2>{1, 500000000});
  EXPECT_EQ(call(__NR_clock_gettime, {1, kBuf}, 0),
            "clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=500000000}) = 0");
  EXPECT_EQ(call(__NR_gettimeofday, {kBuf, 0}, 0), "gettimeofday({tv_sec=1, tv_usec=500000000}, NULL) = 0");

  std::string uts(6 * 65, '\0');
  uts.replace(0, 5, "Linux");
  uts.replace(65, 40, std::string(40, 'n'));
  mem_.put(kBuf2, uts);
  EXPECT_EQ(call(__NR_uname, {kBuf2}, 0),
            R"(uname({sysname="Linux", nodename="nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"..., ...}) = 0)");

  std::string st(144, '\0');
  const uint32_t dir_mode = 041777, chr_mode = 020666;
  const uint64_t size = 4096, rdev = 0x103;
  std::memcpy(&st[24], &dir_mode, 4);
  std::memcpy(&st[48], &size, 8);
  mem_.put(0x30000, st);
  std::memcpy(&st[24], &chr_mode, 4);
  std::memcpy(&st[40], &rdev, 8);
  mem_.put(0x40000, st);
  EXPECT_EQ(call(__NR_fstat, {3, 0x30000}, 0),
            "fstat(3, {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}) = 0");
  mem_.put(0x50000, std::string_view("", 1));  // maps the page
  EXPECT_EQ(
      call(__NR_newfstatat, {1, 0x50000, 0x40000, 0x1000}, 0),
      R"(newfstatat(1, "", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_EMPTY_PATH) = 0)");

  const uint64_t rlim[2] = {8192 * 1024, ~0ull};
  mem_.put_value(0x60000, rlim);
  EXPECT_EQ(call(__NR_prlimit64, {0, 3, 0, 0x60000}, 0),
            "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0");

  mem_.put_value(0x70000, uint32_t{0x8600});  // exited with status 134
  EXPECT_EQ(call(__NR_wait4, {-1ull, 0x70000, 0, 0}, 42),
            "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 134}], 0, NULL) = 42");
  mem_.put_value(0x70000, uint32_t{0x86});  // killed by SIGABRT, core dumped
  EXPECT_EQ(call(__NR_wait4, {-1ull, 0x70000, 2, 0}, 42),
            "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT && WCOREDUMP(s)}], WSTOPPED, NULL) = 42");
  EXPECT_EQ(call(__NR_wait4, {-1ull, 0x70000, 1, 0}, 0), "wait4(-1, 0x70000, WNOHANG, NULL) = 0");
}

TEST_F(StraceTest, Signals) {
  mem_.put_value(kBuf, uint64_t{(1ull << 1) | (1ull << 16) | (1ull << 33) | (1ull << 63)});
  mem_.put_value(kBuf2, ~uint64_t{(1ull << 8) | (1ull << 31) | (1ull << 32)});
  EXPECT_EQ(call(__NR_rt_sigprocmask, {0, kBuf, kBuf2, 8}, 0),
            "rt_sigprocmask(SIG_BLOCK, [INT CHLD RT_2 RT_32], ~[KILL RTMIN RT_1], 8) = 0");
  EXPECT_EQ(call(__NR_rt_sigprocmask, {2, 0, kBuf2, 16}, -22),
            "rt_sigprocmask(SIG_SETMASK, NULL, 0x20000, 16) = -1 EINVAL (Invalid argument)");
  EXPECT_EQ(call(__NR_rt_sigprocmask, {1, kBuf, 0, 16}, -22),
            "rt_sigprocmask(SIG_UNBLOCK, 0x10000, NULL, 16) = -1 EINVAL (Invalid argument)");
  mem_.put_value(0x30000, ~uint64_t{0});
  EXPECT_EQ(call(__NR_rt_sigprocmask, {0, 0x30000, 0, 8}, 0), "rt_sigprocmask(SIG_BLOCK, ~[], NULL, 8) = 0");
  mem_.put_value(0x30000, uint64_t{0});
  EXPECT_EQ(call(__NR_rt_sigprocmask, {7, 0x30000, 0, 8}, -22),
            "rt_sigprocmask(0x7 /* SIG_??? */, [], NULL, 8) = -1 EINVAL (Invalid argument)");

  const uint64_t act[4] = {1, 0x04000000, 0x7f0000005050, 0};
  mem_.put_value(0x40000, act);
  const uint64_t old[4] = {0x1234, 0x1000000, 0, 1ull << 16};
  mem_.put_value(0x50000, old);
  EXPECT_EQ(call(__NR_rt_sigaction, {13, 0x40000, 0x50000, 8}, 0),
            "rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, "
            "sa_restorer=0x7f0000005050}, "
            "{sa_handler=0x1234, sa_mask=[CHLD], sa_flags=0x1000000 /* SA_??? */}, 8) = 0");
}

TEST_F(StraceTest, Futex) {
  mem_.put_value(kBuf2, std::array<int64_t, 2>{0, 1000});
  EXPECT_EQ(call(__NR_futex, {kBuf, 129, 1, 0, 0, 0}, 0), "futex(0x10000, FUTEX_WAKE_PRIVATE, 1) = 0");
  EXPECT_EQ(call(__NR_futex, {kBuf, 0, 0, kBuf2}, -110),
            "futex(0x10000, FUTEX_WAIT, 0, {tv_sec=0, tv_nsec=1000}) = -1 ETIMEDOUT (Connection timed out)");
  EXPECT_EQ(call(__NR_futex, {kBuf, 9 | 128 | 256, 1, kBuf2, 0, 0xffffffff}, 0),
            "futex(0x10000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, {tv_sec=0, tv_nsec=1000}, "
            "FUTEX_BITSET_MATCH_ANY) = 0");
  EXPECT_EQ(call(__NR_futex, {kBuf, 4 | 128, 1, 2, kBuf, 0}, 0),
            "futex(0x10000, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, 0x10000, 0) = 0");
  EXPECT_EQ(call(__NR_futex, {kBuf, 5, 1, 7, 0x10, 5}, 0),
            "futex(0x10000, FUTEX_WAKE_OP, 1, 7, 0x10, FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0x5) = 0");
  EXPECT_EQ(call(__NR_futex, {kBuf, 7}, 0), "futex(0x10000, FUTEX_UNLOCK_PI) = 0");
  EXPECT_EQ(
      call(__NR_futex, {kBuf, 99, 5, kBuf2, 0, 0}, -38),
      "futex(0x10000, 0x63 /* FUTEX_??? */, 5, 0x20000, NULL, 0) = -1 ENOSYS (Function not implemented)");
}

TEST_F(StraceTest, Clone) {
  EXPECT_EQ(call(__NR_clone, {0x1200011, 0, 0, 0x7f0000000a10, 0}, 4375),
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
            "child_tidptr=0x7f0000000a10) = 4375");
  mem_.put_value(kBuf, int32_t{4376});
  EXPECT_EQ(
      call(__NR_clone, {0x3d0f00, 0x7f0000100000, kBuf, kBuf, 0x7f0000100640}, 4376),
      "clone(child_stack=0x7f0000100000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
      "CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[4376], "
      "tls=0x7f0000100640, child_tidptr=0x10000) = 4376");
  EXPECT_EQ(call(__NR_unshare, {0x20004}, -22), "unshare(CLONE_NEWNS|0x4) = -1 EINVAL (Invalid argument)");
}

TEST_F(StraceTest, Vectors) {
  mem_.put(0x30000, "hello");
  mem_.put(0x30100, "\n");
  const uint64_t iov[4] = {0x30000, 5, 0x30100, 1};
  mem_.put_value(kBuf, iov);
  EXPECT_EQ(call(__NR_writev, {1, kBuf, 2}, 6),
            R"(writev(1, [{iov_base="hello", iov_len=5}, {iov_base="\n", iov_len=1}], 2) = 6)");
  EXPECT_EQ(call(__NR_writev, {1, kBuf, 0}, 0), "writev(1, [], 0) = 0");
  mem_.put(0x40000, "abcdefghij");
  const uint64_t riov[4] = {0x40000, 4, 0x40004, 50};
  mem_.put_value(kBuf2, riov);
  EXPECT_EQ(call(__NR_readv, {5, kBuf2, 2}, 6),
            R"(readv(5, [{iov_base="abcd", iov_len=4}, {iov_base="ef", iov_len=50}], 2) = 6)");
  EXPECT_EQ(call(__NR_readv, {5, kBuf2, 2}, -9), "readv(5, 0x20000, 2) = -1 EBADF (Bad file descriptor)");

  std::string records(48, '\0');
  const uint16_t reclen = 24;
  std::memcpy(&records[16], &reclen, 2);
  std::memcpy(&records[40], &reclen, 2);
  mem_.put(0x50000, records);
  EXPECT_EQ(call(__NR_getdents64, {7, 0x50000, 32768}, 48),
            "getdents64(7, 0x50000 /* 2 entries */, 32768) = 48");
  EXPECT_EQ(call(__NR_getdents64, {7, 0x50000, 32768}, 0),
            "getdents64(7, 0x50000 /* 0 entries */, 32768) = 0");

  mem_.put(0x60000, "\x3a\xeb\x92\xbb");
  EXPECT_EQ(call(__NR_getrandom, {0x60000, 4, 1}, 4),
            R"(getrandom("\x3a\xeb\x92\xbb", 4, GRND_NONBLOCK) = 4)");
  mem_.put(0x70000, "/tmp");
  EXPECT_EQ(call(__NR_getcwd, {0x70000, 256}, 5), R"(getcwd("/tmp", 256) = 5)");
}

TEST_F(StraceTest, SocketsPollAndEpoll) {
  EXPECT_EQ(call(__NR_socket, {2, 02000001, 0}, 3),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3");
  EXPECT_EQ(call(__NR_socket, {1, 04002, 0}, 3), "socket(AF_UNIX, SOCK_DGRAM|SOCK_NONBLOCK, 0) = 3");

  const unsigned char sin[16] = {2, 0, 0x1f, 0x90, 127, 0, 0, 1};
  mem_.put_value(kBuf, sin);
  EXPECT_EQ(
      call(__NR_connect, {3, kBuf, 16}, 0),
      R"(connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0)");
  EXPECT_EQ(call(__NR_connect, {3, kBuf, 5}, -22),
            R"(connect(3, {sa_family=AF_INET, sa_data="\37\220\177"}, 5) = -1 EINVAL (Invalid argument))");
  mem_.put(kBuf2, std::string_view("\1\0/tmp/sock", 11));
  mem_.put_value(0x30000, int32_t{12});
  EXPECT_EQ(call(__NR_accept4, {3, kBuf2, 0x30000, 02000000}, 4),
            R"(accept4(3, {sa_family=AF_UNIX, sun_path="/tmp/sock"}, [12], SOCK_CLOEXEC) = 4)");
  EXPECT_EQ(call(__NR_sendto, {4, 0x30000, 0, 0x4040, 0, 0}, 0),
            R"(sendto(4, "", 0, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 0)");
  mem_.put_value(0x40000, int32_t{1});
  EXPECT_EQ(call(__NR_setsockopt, {3, 1, 2, 0x40000, 4}, 0),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0");
  EXPECT_EQ(call(__NR_shutdown, {3, 1}, 0), "shutdown(3, SHUT_WR) = 0");

  struct PollFd {
    int32_t fd;
    int16_t events, revents;
  };
  const PollFd fds[3] = {{3, 0x3, 0x1}, {4, 0x2004, 0}, {-1, 0, 0}};
  mem_.put_value(0x50000, fds);
  EXPECT_EQ(call(__NR_poll, {0x50000, 3, 100}, 1),
            "poll([{fd=3, events=POLLIN|POLLPRI}, {fd=4, events=POLLOUT|POLLRDHUP}, {fd=-1}], 3, 100) = 1 "
            "([{fd=3, revents=POLLIN}])");
  EXPECT_EQ(call(__NR_poll, {0x50000, 1, 0}, 0), "poll([{fd=3, events=POLLIN|POLLPRI}], 1, 0) = 0 (Timeout)");

  const unsigned char event[12] = {1, 0, 0, 0x80, 3};  // EPOLLIN|EPOLLET, data 3
  mem_.put_value(0x60000, event);
  EXPECT_EQ(call(__NR_epoll_ctl, {5, 1, 3, 0x60000}, 0),
            "epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}) = 0");
  EXPECT_EQ(call(__NR_epoll_wait, {5, 0x60000, 4, -1ull}, 1),
            "epoll_wait(5, [{events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}], 4, -1) = 1");
  EXPECT_EQ(call(__NR_epoll_create1, {02000000}, 5), "epoll_create1(EPOLL_CLOEXEC) = 5");
}

}  // namespace
}  // namespace burrow::trace

namespace burrow::trace {
namespace {

// Signals delivered to handlers, as strace shows them.
TEST(FormatSignal, SentAndFaults) {
  EXPECT_EQ(format_signal(10, -6, 12, 0, 0), "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=12, si_uid=0} ---");
  EXPECT_EQ(format_signal(15, 0, 7, 1000, 0), "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=7, si_uid=1000} ---");
  EXPECT_EQ(format_signal(11, 1, 0, 0, 8), "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8} ---");
  EXPECT_EQ(format_signal(8, 1, 0, 0, 0x401000), "--- SIGFPE {si_signo=SIGFPE, si_code=FPE_INTDIV, si_addr=0x401000} ---");
  EXPECT_EQ(format_signal(14, 0x80, 0, 0, 0), "--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---");
}

}  // namespace
}  // namespace burrow::trace
