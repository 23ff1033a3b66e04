// Handler::handle with hostile requests: a small guest memory and hand-built page
// tables, a PerCpu block the test fills as a hostile guest would, and exact answers.
// Host fds 0..2 are swapped for memory files around calls, so the test sees everything
// the monitor writes and can prove that a refused call wrote nothing.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "burrow/abi/hypercall.h"
#include "burrow/abi/layout.h"
#include "burrow/abi/percpu.h"
#include "fs/page_profiles.h"
#include "fs/sandbox.h"
#include "hypercalls/hypercalls.h"
#include "hypercalls/poller.h"
#include "memory/guest_memory.h"

namespace burrow::hypercalls {
namespace {

using abi::Hypercall;
using hypercalls::FileService;
using abi::kPageSize;
using memory::kPteAddrMask;
using memory::kPteLarge;
using memory::kPtePresent;
using memory::kPteUser;
using memory::kPteWrite;

constexpr uint64_t kMemorySize = 16ull << 20;
constexpr uint64_t kPerCpuPhys = 0x10000;
constexpr uint64_t kTablesPhys = 0x100000;  // page tables, from the frame allocator

// Guest virtual layout.
constexpr uint64_t kUserRw = 0x400000;  // 4 pages, user read-write
constexpr uint64_t kUserRwPages = 4;
constexpr uint64_t kUserRo = 0x500000;      // user read-only
constexpr uint64_t kSupervisor = 0x600000;  // supervisor-only, writable
constexpr uint64_t kLastPage = 0x700000;    // the last page of guest memory; 0x701000 unmapped
constexpr uint64_t kBeyondEnd = 0x702000;   // leaf at the physical end of memory
constexpr uint64_t kBeyondMax = 0x703000;   // leaf at the highest physical address
constexpr uint64_t kKernelHalf = 0xFFFF'8880'0000'0000ull;  // user page, like the direct map
constexpr uint64_t kKernelHalfUnmapped = 0xFFFF'FFFF'8000'0000ull;
constexpr uint64_t kNonCanonicalAlias = kKernelHalf & 0x0000'FFFF'FFFF'FFFFull;
constexpr uint64_t kTopPage = 0xFFFF'FFFF'FFFF'F000ull;   // user page at the very top
constexpr uint64_t kZeroPage = 0;                           // user page at 0
constexpr uint64_t kLastUserPage = 0x7FFF'FFFF'F000ull;     // user page below the hole
constexpr uint64_t kHoleAlias = 0xFFFF'8000'0000'0000ull;   // where 0x8000'0000'0000 would alias
constexpr uint64_t kBadPml4 = 0x1000'0000'0000ull;          // PML4 entry beyond memory
constexpr uint64_t kGigaPage = 0x2000'0000'0000ull;         // 1 GiB page at physical 0

using U64s = std::initializer_list<uint64_t>;

constexpr uint64_t kHuge = 1ull << 63;
const uint64_t kBadFds[] = {3, ~0ull, 1ull << 40, (1ull << 32) | 1, 1ull << 63};

constexpr int64_t kEbadf = -EBADF;
constexpr int64_t kEfault = -EFAULT;

// Swaps a host fd for a memory file while alive (never full, so a monitor bug cannot
// block the test) and collects what was written to it.
class Capture {
 public:
  // For stdin, `input` is what there is to read.
  explicit Capture(int fd, const std::string& input = "") : fd_(fd) {
    std::fflush(nullptr);
    file_ = memfd_create("capture", MFD_CLOEXEC);
    if (file_ < 0) std::abort();
    if (!input.empty() && ::write(file_, input.data(), input.size()) != static_cast<ssize_t>(input.size()))
      std::abort();
    lseek(file_, 0, SEEK_SET);
    saved_ = dup(fd);
    if (saved_ < 0 || dup2(file_, fd) < 0) std::abort();
  }
  ~Capture() { finish(); }

  // Restores the fd; returns what was written to it (for stdin: what was left unread).
  std::string finish() {
    if (saved_ < 0) return out_;
    dup2(saved_, fd_);
    close(saved_);
    saved_ = -1;
    if (fd_ != STDIN_FILENO) lseek(file_, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(file_, buf, sizeof buf)) > 0) out_.append(buf, static_cast<size_t>(n));
    close(file_);
    return out_;
  }

 private:
  int fd_;
  int file_ = -1;
  int saved_ = -1;
  std::string out_;
};

class HypercallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = memory::GuestMemory::create(kMemorySize);
    ASSERT_TRUE(m) << m.error().message;
    mem_.emplace(std::move(*m));
    mem_->set_frame_cursor(kTablesPhys);
    memory::PageTableBuilder pt(*mem_);
    auto root = pt.create_root();
    ASSERT_TRUE(root);
    root_ = *root;
    const uint64_t rw = kPteUser | kPteWrite;
    ASSERT_TRUE(pt.map(root_, kUserRw, 0x200000, kUserRwPages * kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kUserRo, 0x300000, kPageSize, kPteUser));
    ASSERT_TRUE(pt.map(root_, kSupervisor, 0x301000, kPageSize, kPteWrite));
    ASSERT_TRUE(pt.map(root_, kLastPage, kMemorySize - kPageSize, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kBeyondEnd, kMemorySize, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kBeyondMax, kPteAddrMask, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kKernelHalf, 0x302000, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kTopPage, 0x303000, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kZeroPage, 0x304000, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kLastUserPage, 0x305000, kPageSize, rw));
    ASSERT_TRUE(pt.map(root_, kHoleAlias, 0x306000, kPageSize, rw));
    // Hand-made entries: a PML4 entry whose table lies beyond guest memory, and a
    // PDPT entry that maps 1 GiB from physical 0 (more than the 16 MiB there is).
    pml4()[(kBadPml4 >> 39) & 511] = (64ull << 20) | kPtePresent | kPteUser | kPteWrite;
    auto pdpt = mem_->alloc_frames(1);
    ASSERT_TRUE(pdpt);
    pml4()[(kGigaPage >> 39) & 511] = *pdpt | kPtePresent | kPteUser | kPteWrite;
    table(*pdpt)[0] = 0 | kPtePresent | kPteUser | kPteWrite | kPteLarge;

    fill(kUserRw, 'A', kUserRwPages * kPageSize);
    fill(kUserRo, 'R', kPageSize);
    fill(kSupervisor, 'S', kPageSize);
    options_.program = "hostile";
    char dir[] = "/tmp/burrow-hypercall-test.XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    sandbox_dir_ = dir;
    ASSERT_EQ(::mkdir((sandbox_dir_ + "/sub").c_str(), 0755), 0);
    auto sandbox = fs::Sandbox::create({{"/", sandbox_dir_, true}});
    ASSERT_TRUE(sandbox) << sandbox.error().message;
    sandbox_.emplace(std::move(*sandbox));
    files_.emplace(*mem_, root_, *sandbox_);
    handler_.emplace(*mem_, root_, options_, *files_, stats_);
  }

  void TearDown() override {
    handler_.reset();
    files_.reset();
    sandbox_.reset();
    if (!sandbox_dir_.empty()) {
      ::rmdir((sandbox_dir_ + "/sub").c_str());
      ::rmdir(sandbox_dir_.c_str());
    }
  }

  uint64_t* table(uint64_t phys) { return reinterpret_cast<uint64_t*>(mem_->at(phys, kPageSize)); }
  uint64_t* pml4() { return table(root_); }

  // The physical page behind a test mapping (only the simple ones above).
  uint8_t* host(uint64_t va) {
    uint64_t phys = va >= kUserRw && va < kUserRw + kUserRwPages * kPageSize ? 0x200000 + (va - kUserRw)
                    : va == kUserRo                                         ? 0x300000
                    : va == kSupervisor                                     ? 0x301000
                                                                            : ~0ull;
    uint8_t* p = mem_->at(phys, 1);
    if (!p) std::abort();
    return p;
  }
  void fill(uint64_t va, char c, uint64_t len) { std::memset(host(va), c, len); }

  abi::HypercallRequest& request(uint64_t per_cpu_phys = kPerCpuPhys) {
    return *reinterpret_cast<abi::HypercallRequest*>(
        mem_->at(per_cpu_phys + offsetof(abi::PerCpu, hypercall), sizeof(abi::HypercallRequest)));
  }

  uint64_t& per_cpu(size_t offset) {
    return *reinterpret_cast<uint64_t*>(mem_->at(kPerCpuPhys + offset, sizeof(uint64_t)));
  }
  // Fills the request and rings the doorbell without kicking, as the guest does when
  // the poller is awake; returns the request's number.
  uint64_t ring(Hypercall nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    abi::HypercallRequest& r = request();
    r = {};
    r.nr = static_cast<uint64_t>(nr);
    r.args[0] = a0;
    r.args[1] = a1;
    r.args[2] = a2;
    r.result = kSentinel;
    uint64_t seq = per_cpu(offsetof(abi::PerCpu, poll_doorbell)) + 1;
    std::atomic_ref<uint64_t>(per_cpu(offsetof(abi::PerCpu, poll_doorbell))).store(seq);
    return seq;
  }
  // Waits up to 10 s for a PerCpu word to reach `value`.
  bool becomes(size_t offset, uint64_t value) {
    for (int i = 0; i < 10000; ++i) {
      if (std::atomic_ref<uint64_t>(per_cpu(offset)).load() == value) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  // Rings the doorbell and kicks, as the guest does for every request.
  Outcome kick() {
    auto* bell = reinterpret_cast<uint64_t*>(mem_->at(kPerCpuPhys + offsetof(abi::PerCpu, poll_doorbell), 8));
    return handler_->handle(kPerCpuPhys, ++*bell);
  }

  // Fills the request as a guest would and serves it; the sentinel result shows
  // whether the monitor answered.
  Outcome handle(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                 uint64_t a4 = 0, uint64_t a5 = 0) {
    abi::HypercallRequest& r = request();
    r = {};
    r.nr = nr;
    const uint64_t args[] = {a0, a1, a2, a3, a4, a5};
    std::copy(std::begin(args), std::end(args), r.args);
    r.result = kSentinel;
    return kick();
  }
  Outcome handle(Hypercall nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                 uint64_t a4 = 0, uint64_t a5 = 0) {
    return handle(static_cast<uint64_t>(nr), a0, a1, a2, a3, a4, a5);
  }

  // For calls that answer: the result, or a marker when the VM was ended instead.
  int64_t call(Hypercall nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    Outcome o = handle(nr, a0, a1, a2, a3, a4, a5);
    if (o.exit_status) return kEnded;
    return request().result;
  }

  // For calls that end the VM: the exit status, or -1 if the call answered.
  int exit_status(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    Outcome o = handle(nr, a0, a1, a2);
    return o.exit_status.value_or(-1);
  }
  int exit_status(Hypercall nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    return exit_status(static_cast<uint64_t>(nr), a0, a1, a2);
  }

  // kWrite to fd 1 with the host's fd 1 captured: the answer and what reached the
  // fd. (Assertions come after fd 1 is back: GoogleTest prints failures there.)
  std::pair<int64_t, std::string> write_stdout(uint64_t buf, uint64_t len) {
    Capture out(STDOUT_FILENO);
    int64_t r = call(Hypercall::kWrite, 1, buf, len);
    return {r, out.finish()};
  }

  static constexpr int64_t kSentinel = 0x5eed;
  static constexpr int64_t kEnded = 0x7e57'e7d;

  std::optional<memory::GuestMemory> mem_;
  uint64_t root_ = 0;
  RunOptions options_;
  Stats stats_;
  std::string sandbox_dir_;
  std::optional<fs::Sandbox> sandbox_;
  std::optional<FileService> files_;
  std::optional<Handler> handler_;
};

// ---- File descriptors --------------------------------------------------------

// Writes a guest path into the read-write test page and returns its address.
TEST_F(HypercallTest, FileHypercallsRefuseHostileArguments) {
  auto path_at = [&](const std::string& p) {
    std::memcpy(host(kUserRw), p.data(), p.size());
    return kUserRw;
  };
  // Unreadable path, oversized length, and paths the guest must never send.
  EXPECT_EQ(call(Hypercall::kOpen, kSupervisor, 4, O_RDONLY, 0), kEfault);
  EXPECT_EQ(call(Hypercall::kOpen, kUserRw, 1ull << 40, O_RDONLY, 0), -ENAMETOOLONG);
  EXPECT_EQ(call(Hypercall::kOpen, path_at("/../etc"), 7, O_RDONLY, 0), -EINVAL);
  EXPECT_EQ(call(Hypercall::kOpen, path_at("relative"), 8, O_RDONLY, 0), -EINVAL);
  // A read-only sandbox refuses creation; a directory opens and says so (bit 32).
  EXPECT_EQ(call(Hypercall::kOpen, path_at("/new"), 4, O_WRONLY | O_CREAT, 0644), -EROFS);
  int64_t dir = call(Hypercall::kOpen, path_at("/sub"), 4, O_RDONLY | O_DIRECTORY, 0);
  ASSERT_GE(dir, 0);
  EXPECT_TRUE(dir & (int64_t{1} << 32));
  EXPECT_FALSE(dir & (int64_t{1} << 33));  // bit 33: a regular file
  uint64_t handle = static_cast<uint64_t>(dir) & 0xFFFFFFFF;
  EXPECT_GE(handle, 3u);
  // Filling frames from a file: every run is checked before any frame is touched.
  abi::FileFill outside{kMemorySize - kPageSize, 0, 2 * kPageSize};
  std::memcpy(host(kUserRw), &outside, sizeof(outside));
  EXPECT_EQ(call(Hypercall::kFillFromFile, handle, kUserRw, 1), -EINVAL);
  EXPECT_EQ(call(Hypercall::kFillFromFile, handle, kUserRw, 0), -EINVAL);
  EXPECT_EQ(call(Hypercall::kFillFromFile, handle, kUserRw, abi::kMaxFileFills + 1), -EINVAL);
  EXPECT_EQ(call(Hypercall::kFillFromFile, handle, kSupervisor, 1), kEfault);
  EXPECT_EQ(call(Hypercall::kFillFromFile, 77, kUserRw, 1), kEbadf);
  EXPECT_EQ(call(Hypercall::kClose, handle), 0);
  // Handles never handed out, or already closed, are EBADF everywhere.
  for (uint64_t h : {handle, uint64_t{77}, ~uint64_t{0}}) {
    EXPECT_EQ(call(Hypercall::kClose, h), kEbadf);
    EXPECT_EQ(call(Hypercall::kPread, h, kUserRw, 4, 0), kEbadf);
    EXPECT_EQ(call(Hypercall::kSeek, h, 0, SEEK_SET), kEbadf);
    EXPECT_EQ(call(Hypercall::kGetdents, h, kUserRw, 4096), kEbadf);
    EXPECT_EQ(call(Hypercall::kFileOp, static_cast<uint64_t>(abi::FileOp::kChmod), h, 0777), kEbadf);
  }
  // Path operations that would write are refused on a read-only mount; unknown
  // operations are EINVAL.
  EXPECT_EQ(call(Hypercall::kPathOp, static_cast<uint64_t>(abi::PathOp::kMkdir), path_at("/d"), 2, 0, 0, 0755),
            -EROFS);
  EXPECT_EQ(call(Hypercall::kPathOp, 999, path_at("/sub"), 4), -EINVAL);
  EXPECT_EQ(call(Hypercall::kFileOp, 999, 1), -EINVAL);
}

// Closes that ride along with another hypercall are done first, at most
// kMaxDeferredCloses of them whatever count the guest claims, and the count goes
// back to 0.
TEST_F(HypercallTest, DeferredClosesComeFirstAndAreBounded) {
  std::memcpy(host(kUserRw), "/sub", 4);
  int64_t a = call(Hypercall::kOpen, kUserRw, 4, O_RDONLY | O_DIRECTORY, 0);
  int64_t b = call(Hypercall::kOpen, kUserRw, 4, O_RDONLY | O_DIRECTORY, 0);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  uint64_t ha = static_cast<uint64_t>(a) & 0xFFFFFFFF, hb = static_cast<uint64_t>(b) & 0xFFFFFFFF;
  abi::HypercallRequest& r = request();
  r = {};
  r.nr = static_cast<uint64_t>(Hypercall::kFstat);
  r.args[0] = ha;
  r.args[1] = kUserRw;
  r.close_count = 1;
  r.close_handles[0] = ha;
  r.result = kSentinel;
  kick();
  EXPECT_EQ(request().result, kEbadf);  // closed before the fstat
  EXPECT_EQ(request().close_count, 0u);
  EXPECT_EQ(stats_.deferred_closes, 1u);
  // A hostile count and handles: 16 are tried (all bad but hb, which closes), the
  // call itself is still served.
  r = {};
  r.nr = static_cast<uint64_t>(Hypercall::kFstat);
  r.args[0] = hb;
  r.args[1] = kUserRw;
  r.close_count = ~0ull;
  for (auto& h : r.close_handles) h = ~0ull;
  r.close_handles[abi::kMaxDeferredCloses - 1] = hb;
  r.result = kSentinel;
  kick();
  EXPECT_EQ(request().result, kEbadf);
  EXPECT_EQ(request().close_count, 0u);
  EXPECT_EQ(stats_.deferred_closes, 1u + abi::kMaxDeferredCloses);
}

// Handles 0-2 stay the monitor's standard streams: the guest knows them by number
// (BootInfo::stdio_traits), so a later open never gets a freed one.
TEST_F(HypercallTest, StdioHandlesAreNeverReused) {
  EXPECT_EQ(call(Hypercall::kClose, 0), 0);
  EXPECT_EQ(call(Hypercall::kClose, 1), 0);
  std::memcpy(host(kUserRw), "/sub", 4);
  int64_t h = call(Hypercall::kOpen, kUserRw, 4, O_RDONLY | O_DIRECTORY, 0);
  ASSERT_GE(h, 0);
  EXPECT_EQ(h & 0xFFFFFFFF, 3);
  EXPECT_EQ(call(Hypercall::kFstat, 0, kUserRw), kEbadf);
}

// kOpen's read-ahead: a capacity above the limit is refused; a buffer the guest may
// not write makes the open fail (and leaves no handle behind); a good one gets the
// file's first bytes, the end flag, and bit 35 of the answer.
TEST_F(HypercallTest, OpenReadAheadIsChecked) {
  std::string file = sandbox_dir_ + "/f";
  FILE* out = std::fopen(file.c_str(), "w");
  ASSERT_TRUE(out);
  std::fputs("hello, ahead", out);
  std::fclose(out);
  std::memcpy(host(kUserRw), "/f", 2);
  auto open_with = [&](uint64_t ahead, uint64_t capacity) {
    abi::HypercallRequest& r = request();
    r = {};
    r.nr = static_cast<uint64_t>(Hypercall::kOpen);
    r.args[0] = kUserRw;
    r.args[1] = 2;
    r.args[2] = O_RDONLY;
    r.args[6] = ahead;
    r.args[7] = capacity;
    r.result = kSentinel;
    kick();
    return request().result;
  };
  EXPECT_EQ(open_with(kUserRw + kPageSize, abi::kOpenAheadMax + 1), -EINVAL);
  EXPECT_EQ(open_with(kSupervisor, 64), kEfault);
  EXPECT_EQ(open_with(kUserRo, 64), kEfault);
  int64_t h = open_with(kUserRw + kPageSize, 64);
  ASSERT_GE(h, 0);
  EXPECT_TRUE(h & (int64_t{1} << 35));
  // The refused opens left nothing open: this is the first handle after stdio.
  EXPECT_EQ(h & 0xFFFFFFFF, 3);
  abi::OpenAhead header;
  std::memcpy(&header, host(kUserRw + kPageSize), sizeof(header));
  EXPECT_EQ(header.length, 12u);
  // Read whole: no page profile is worth having (and none is looked up).
  EXPECT_EQ(header.flags, abi::kAheadEnd | abi::kAheadProfile);
  EXPECT_EQ(header.profile_bytes, 0u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(host(kUserRw + kPageSize)) + sizeof(header), 12), "hello, ahead");
  // Too small for the whole file: no end flag.
  int64_t h2 = open_with(kUserRw + kPageSize, 5);
  ASSERT_GE(h2, 0);
  std::memcpy(&header, host(kUserRw + kPageSize), sizeof(header));
  EXPECT_EQ(header.length, 5u);
  EXPECT_EQ(header.flags, 0u);
  ::unlink(file.c_str());

  // An ELF file's page profile follows its data, and must fit the guest's buffer.
  char dir[] = "/tmp/burrow-ahead-test.XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  fs::PageProfiles profiles(std::string(dir) + "/pages");
  files_->set_page_profiles(&profiles);
  const std::string elf = sandbox_dir_ + "/e";
  out = std::fopen(elf.c_str(), "w");
  ASSERT_TRUE(out);
  std::fputs("\x7f" "ELF and more bytes than the capacity", out);
  std::fclose(out);
  int fd = ::open(elf.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  profiles.add(fd, std::vector<uint8_t>(100, 0x5a));
  ::close(fd);
  std::memcpy(host(kUserRw), "/e", 2);
  int64_t h3 = open_with(kUserRw + kPageSize, 8);
  ASSERT_GE(h3, 0);
  std::memcpy(&header, host(kUserRw + kPageSize), sizeof(header));
  EXPECT_EQ(header.length, 8u);
  EXPECT_EQ(header.flags, abi::kAheadProfile);
  ASSERT_EQ(header.profile_bytes, 100u);
  EXPECT_EQ(host(kUserRw + kPageSize)[sizeof(header) + 8], 0x5a);
  EXPECT_EQ(host(kUserRw + kPageSize)[sizeof(header) + 8 + 99], 0x5a);
  // A buffer whose profile part runs off the mapping: EFAULT, and nothing stays open.
  int64_t before = open_with(kUserRw + kPageSize, 8);
  ASSERT_GE(before, 0);
  EXPECT_EQ(open_with(kUserRw + kUserRwPages * kPageSize - sizeof(header) - 16, 8), kEfault);
  EXPECT_EQ(open_with(kUserRw + kPageSize, 8) & 0xFFFFFFFF, (before & 0xFFFFFFFF) + 1);
  files_->set_page_profiles(nullptr);
  ::unlink(elf.c_str());
  std::filesystem::remove_all(dir);
}

// kPoll: counts and buffers are checked; a handle that is not open polls as an
// invalid fd (POLLNVAL), and a zero timeout never blocks.
TEST_F(HypercallTest, PollIsChecked) {
  EXPECT_EQ(call(Hypercall::kPoll, kUserRw, 0, 0), -EINVAL);
  EXPECT_EQ(call(Hypercall::kPoll, kUserRw, abi::kMaxPollEntries + 1, 0), -EINVAL);
  EXPECT_EQ(call(Hypercall::kPoll, kSupervisor, 1, 0), kEfault);
  EXPECT_EQ(call(Hypercall::kPoll, kUserRo, 1, 0), kEfault);  // revents cannot be written
  abi::PollEntry e[2] = {{77, 1, 0}, {~0ull, 1, 0}};
  std::memcpy(host(kUserRw), e, sizeof(e));
  EXPECT_EQ(call(Hypercall::kPoll, kUserRw, 2, 0), 2);
  std::memcpy(e, host(kUserRw), sizeof(e));
  EXPECT_EQ(e[0].revents, static_cast<uint32_t>(POLLNVAL));
  EXPECT_EQ(e[1].revents, static_cast<uint32_t>(POLLNVAL));
}

// kMemfd: the name must be readable, short and without a NUL; only
// MFD_ALLOW_SEALING passes; the handle is a regular file (bit 33).
TEST_F(HypercallTest, MemfdIsChecked) {
  std::memcpy(host(kUserRw), "name", 4);
  EXPECT_EQ(call(Hypercall::kMemfd, kSupervisor, 4, 0), kEfault);
  EXPECT_EQ(call(Hypercall::kMemfd, kUserRw, 250, 0), -EINVAL);
  EXPECT_EQ(call(Hypercall::kMemfd, kUserRw, 4, 4 /* MFD_HUGETLB */), -EINVAL);
  EXPECT_EQ(call(Hypercall::kMemfd, kUserRw, 4, 1 /* MFD_CLOEXEC: the monitor's own */), -EINVAL);
  std::memcpy(host(kUserRw), "na\0e", 4);
  EXPECT_EQ(call(Hypercall::kMemfd, kUserRw, 4, 0), -EINVAL);
  std::memcpy(host(kUserRw), "name", 4);
  int64_t h = call(Hypercall::kMemfd, kUserRw, 4, 0);
  ASSERT_GE(h, 0);
  EXPECT_TRUE(h & (int64_t{1} << 33));
  EXPECT_EQ(call(Hypercall::kClose, static_cast<uint64_t>(h) & 0xFFFFFFFF), 0);
}

TEST_F(HypercallTest, PageProfileHypercallsAreChecked) {
  char dir[] = "/tmp/burrow-profile-test.XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  const std::string file = sandbox_dir_ + "/lib.so";
  {
    int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 64 * kPageSize), 0);
    ::close(fd);
  }
  fs::PageProfiles profiles(std::string(dir) + "/pages");
  profiles.set_program({1, 2, 3, 4, 5});
  files_->set_page_profiles(&profiles);
  int64_t h = files_->adopt(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_GE(h, 3);
  const uint64_t handle = static_cast<uint64_t>(h);

  EXPECT_EQ(call(Hypercall::kPageProfile, 99, kUserRw, 16), kEbadf);
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kUserRw, abi::kMaxPageProfileBytes + 1), -EINVAL);
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kUserRw, 16), 0);  // none known yet

  // Updates: the array and every bitmap are checked before anything is taken.
  auto* u = reinterpret_cast<abi::PageProfileUpdate*>(host(kUserRw));
  const uint64_t bitmap = kUserRw + kPageSize;
  host(bitmap)[0] = 0x05;
  host(bitmap)[1] = 0x80;
  u[0] = {handle, bitmap, 2};
  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kUserRw, abi::kMaxPageProfileUpdates + 1), -EINVAL);
  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kSupervisor, 1), kEfault);
  u[1] = {99, bitmap, 2};
  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kUserRw, 2), kEbadf);
  u[1] = {handle, bitmap, abi::kMaxPageProfileBytes + 1};
  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kUserRw, 2), -EINVAL);
  u[1] = {handle, kSupervisor, 2};
  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kUserRw, 2), kEfault);
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kUserRw + 2 * kPageSize, 16), 0);  // nothing was taken

  // A file open for writing learns no profile (each write would make a new version).
  std::memcpy(host(kUserRw + 3 * kPageSize), "m", 1);
  int64_t rw = call(Hypercall::kMemfd, kUserRw + 3 * kPageSize, 1, 0);
  ASSERT_GE(rw, 0);
  u[1] = {static_cast<uint64_t>(rw) & 0xFFFFFFFF, bitmap, 2};
  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kUserRw, 2), -EINVAL);
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kUserRw + 2 * kPageSize, 16), 0);  // nothing was taken

  EXPECT_EQ(call(Hypercall::kAddPageProfiles, kUserRw, 1), 0);
  std::memset(host(kUserRw + 2 * kPageSize), 0, 16);
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kUserRw + 2 * kPageSize, 16), 2);
  EXPECT_EQ(host(kUserRw + 2 * kPageSize)[0], 0x05);
  EXPECT_EQ(host(kUserRw + 2 * kPageSize)[1], 0x80);
  // A smaller buffer gets the start; a bad one is EFAULT.
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kUserRw + 2 * kPageSize, 1), 1);
  EXPECT_EQ(call(Hypercall::kPageProfile, handle, kSupervisor, 16), kEfault);
  EXPECT_EQ(host(kSupervisor)[0], 'S');

  files_->set_page_profiles(nullptr);
  ::unlink(file.c_str());
  std::filesystem::remove_all(dir);
}

TEST_F(HypercallTest, FdsOtherThanStdioAreEbadf) {
  for (uint64_t fd : kBadFds) {
    SCOPED_TRACE(fd);
    Capture in(STDIN_FILENO, "input"), out(STDOUT_FILENO), err(STDERR_FILENO);
    const int64_t results[] = {
        call(Hypercall::kWrite, fd, kUserRw, 4),         call(Hypercall::kRead, fd, kUserRw, 4),
        call(Hypercall::kIoctl, fd, TCGETS, kUserRw),     call(Hypercall::kIoctl, fd, TIOCGWINSZ, kUserRw),
        call(Hypercall::kFstat, fd, kUserRw),            call(Hypercall::kGetFileFlags, fd),
    };
    const std::string left = in.finish(), written = out.finish() + err.finish();
    for (int64_t r : results) EXPECT_EQ(r, kEbadf);
    EXPECT_EQ(left, "input");
    EXPECT_EQ(written, "");
  }
  EXPECT_EQ(host(kUserRw)[0], 'A');
}

// ---- Buffers the guest may not hand over --------------------------------------

TEST_F(HypercallTest, WriteFromBadBuffersIsEfaultAndWritesNothing) {
  struct Case {
    const char* what;
    uint64_t buf, len;
  } cases[] = {
      {"unmapped", 0x800000, 16},
      {"supervisor-only page", kSupervisor, 16},
      {"supervisor-only page, inside", kSupervisor + 8, 8},
      {"kernel half, unmapped", kKernelHalfUnmapped, 16},
      {"non-canonical alias of a mapped kernel-half page", kNonCanonicalAlias, 16},
      {"mapped into unmapped", kUserRw + kUserRwPages * kPageSize - 8, 16},
      {"last page of memory into unmapped", kLastPage + kPageSize - 8, 16},
      {"user half into the non-canonical hole", kLastUserPage + kPageSize - 8, 16},
      {"wrapping past 2^64 to a mapped page 0", kTopPage + kPageSize - 8, 16},
      {"length 2^63", kUserRw, kHuge},
      {"length ~0", kUserRw, ~0ull},
      {"length 2^63 from the top page", kTopPage, kHuge},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto [result, written] = write_stdout(c.buf, c.len);
    EXPECT_EQ(result, kEfault);
    EXPECT_EQ(written, "");
  }
}

TEST_F(HypercallTest, WriteFromGoodBuffersWorks) {
  // Control for the test above: the same handler writes what it may.
  std::memcpy(host(kUserRw), "hello", 5);
  EXPECT_EQ(write_stdout(kUserRw, 5), std::make_pair(int64_t{5}, std::string("hello")));
  EXPECT_EQ(write_stdout(kUserRo, 3), std::make_pair(int64_t{3}, std::string("RRR")));  // reading it is fine
  EXPECT_EQ(write_stdout(0x800000, 0), std::make_pair(int64_t{0}, std::string()));  // no bytes: no check
  // Across pages: all 16 mapped KiB.
  EXPECT_EQ(write_stdout(kUserRw, kUserRwPages * kPageSize).first, static_cast<int64_t>(kUserRwPages * kPageSize));
}

TEST_F(HypercallTest, ReadIntoBadBuffersIsEfault) {
  const uint64_t bufs[] = {kUserRo, kSupervisor, 0x800000, kKernelHalfUnmapped, kNonCanonicalAlias,
                           kUserRw + kUserRwPages * kPageSize - 2, kBeyondEnd};
  for (uint64_t buf : bufs) {
    SCOPED_TRACE(buf);
    Capture in(STDIN_FILENO, "0123456789");
    EXPECT_EQ(call(Hypercall::kRead, 0, buf, 4), kEfault);
  }
  EXPECT_EQ(host(kUserRo)[0], 'R');
  EXPECT_EQ(host(kSupervisor)[0], 'S');
  EXPECT_EQ(request().result, kEfault);

  Capture in(STDIN_FILENO, "0123456789");
  EXPECT_EQ(call(Hypercall::kRead, 0, kUserRw, 4), 4);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(host(kUserRw)), 5), "0123A");
  // The whole buffer must be writable guest memory before anything is read, so a
  // refused read consumes no input.
  EXPECT_EQ(call(Hypercall::kRead, 0, kUserRw, kHuge), kEfault);
  EXPECT_EQ(call(Hypercall::kRead, 0, kUserRw, 16), 6);  // the rest of the input
  EXPECT_EQ(std::string(reinterpret_cast<char*>(host(kUserRw)), 7), "456789A");
}

TEST_F(HypercallTest, RandomIntoBadBuffersIsEfault) {
  for (uint64_t buf : U64s{0x800000ull, kUserRo, kSupervisor, kKernelHalfUnmapped, kNonCanonicalAlias, kBeyondEnd,
                       kBeyondMax, kBadPml4}) {
    SCOPED_TRACE(buf);
    EXPECT_EQ(call(Hypercall::kRandom, buf, 16), kEfault);
  }
  // 2^63 asks for one chunk of 64 KiB; only 16 KiB are mapped.
  EXPECT_EQ(call(Hypercall::kRandom, kUserRw, kHuge), kEfault);
  EXPECT_EQ(host(kUserRo)[0], 'R');
  EXPECT_EQ(host(kSupervisor)[0], 'S');
  EXPECT_EQ(call(Hypercall::kRandom, kUserRw, 100), 100);
  EXPECT_EQ(call(Hypercall::kRandom, kUserRw, 0), 0);
}

TEST_F(HypercallTest, FstatAndIoctlIntoBadBuffersAreEfault) {
  for (uint64_t buf : U64s{0x800000ull, kUserRo, kSupervisor, kNonCanonicalAlias, kBeyondEnd,
                       kUserRw + kUserRwPages * kPageSize - 64}) {
    SCOPED_TRACE(buf);
    EXPECT_EQ(call(Hypercall::kFstat, 1, buf), kEfault);
  }
  EXPECT_EQ(host(kUserRo)[0], 'R');
  EXPECT_EQ(call(Hypercall::kFstat, 1, kUserRw), 0);
  // On a plain file no terminal ioctl applies, and unknown requests never reach the host.
  Capture out(STDOUT_FILENO);
  const int64_t tcgets = call(Hypercall::kIoctl, 1, TCGETS, kUserRw);
  const int64_t unknown = call(Hypercall::kIoctl, 1, 0xdeadbeef, kUserRw);
  const int64_t all_ones = call(Hypercall::kIoctl, 1, ~0ull, kUserRw);
  out.finish();
  EXPECT_EQ(tcgets, -ENOTTY);
  EXPECT_EQ(unknown, -ENOTTY);
  EXPECT_EQ(all_ones, -ENOTTY);
  EXPECT_GE(call(Hypercall::kGetFileFlags, 1), 0);
}

// On a terminal, TCGETS writes the kernel's 36-byte struct termios, as Linux does:
// glibc's tcgetattr hands over a buffer of exactly that size.
TEST_F(HypercallTest, TcgetsWritesTheKernelTermiosOnly) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) GTEST_SKIP() << "no pseudo-terminals here";
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(slave, 0);
  int saved = dup(STDIN_FILENO);
  ASSERT_GE(dup2(slave, STDIN_FILENO), 0);
  int64_t ro = call(Hypercall::kIoctl, 0, TIOCGWINSZ, kUserRo);
  int64_t tcgets = call(Hypercall::kIoctl, 0, TCGETS, kUserRw);
  dup2(saved, STDIN_FILENO);
  close(saved);
  close(slave);
  close(master);
  EXPECT_EQ(ro, kEfault);
  EXPECT_EQ(host(kUserRo)[0], 'R');
  EXPECT_EQ(tcgets, 0);
  for (int i = 36; i < 64; ++i) EXPECT_EQ(host(kUserRw)[i], 'A') << "byte " << i;
}

// ---- Page-table walks that leave guest memory ----------------------------------

TEST_F(HypercallTest, PageTableWalksOutsideGuestMemoryAreEfault) {
  const std::pair<int64_t, std::string> refused{kEfault, ""};
  EXPECT_EQ(write_stdout(kBadPml4, 8), refused);                      // table beyond memory
  EXPECT_EQ(write_stdout(kBeyondEnd, 8), refused);                    // leaf at the end
  EXPECT_EQ(write_stdout(kBeyondMax, 8), refused);                    // leaf at 2^52 - 4096
  EXPECT_EQ(write_stdout(kGigaPage + (20ull << 20), 8), refused);     // 1 GiB page past the end
  EXPECT_EQ(write_stdout(kGigaPage + kMemorySize - 8, 16), refused);  // straddles the end
  EXPECT_EQ(call(Hypercall::kRandom, kGigaPage + kMemorySize, 8), kEfault);
  EXPECT_EQ(call(Hypercall::kRandom, kBadPml4, 8), kEfault);

  // Controls: inside memory, the same kinds of entries work.
  EXPECT_EQ(write_stdout(kGigaPage + 0x200000, 4), std::make_pair(int64_t{4}, std::string("AAAA")));  // kUserRw
  EXPECT_EQ(write_stdout(kLastPage, kPageSize).first, static_cast<int64_t>(kPageSize));
}

TEST_F(HypercallTest, SelfReferencingTablesStayInsideGuestMemory) {
  // A PML4 entry pointing at the PML4 itself makes the walk read page tables as data;
  // that is guest memory, so it is allowed, and must not loop or leave memory.
  constexpr uint64_t kSlot = 100;
  pml4()[kSlot] = root_ | kPtePresent | kPteUser | kPteWrite;
  const uint64_t va = (kSlot << 39) | (kSlot << 30) | (kSlot << 21) | (kSlot << 12);
  auto [result, written] = write_stdout(va, 8);
  EXPECT_EQ(result, 8);
  EXPECT_EQ(written.size(), 8u);
  EXPECT_EQ(call(Hypercall::kRandom, va + 8 * 200, 8), 8);  // an unused slot of the PML4
}

// ---- Requests the monitor cannot even find --------------------------------------

TEST_F(HypercallTest, RequestOutsideGuestMemoryEndsTheVm) {
  // BootInfo, where the monitor finds each PerCpu block, is guest-writable.
  uint64_t kick = 0;
  for (uint64_t per_cpu : U64s{kMemorySize, kMemorySize - 0x100, kMemorySize - 0x100 - 79, 1ull << 63,
                           ~0ull - 0x1000}) {
    SCOPED_TRACE(per_cpu);
    Capture err(STDERR_FILENO);
    Outcome o = handler_->handle(per_cpu, ++kick);
    EXPECT_EQ(o.exit_status, 125);
    EXPECT_EQ(err.finish().rfind("burrow: guest moved its hypercall request outside guest memory", 0), 0u);
  }
  // Blocks that wrap around to low guest memory are still guest memory: their
  // (zeroed) request is hypercall 0, unknown.
  for (uint64_t per_cpu : U64s{~0ull, ~0ull - 0xff}) {
    SCOPED_TRACE(per_cpu);
    Capture err(STDERR_FILENO);
    EXPECT_EQ(handler_->handle(per_cpu, ++kick).exit_status, 125);
    EXPECT_EQ(err.finish(), "burrow: guest made an unknown hypercall 0\n");
  }
}

TEST_F(HypercallTest, MisalignedRequestIsServed) {
  constexpr uint64_t kOdd = kPerCpuPhys + 0x1003;
  auto* raw = mem_->at(kOdd + offsetof(abi::PerCpu, hypercall), sizeof(abi::HypercallRequest));
  abi::HypercallRequest r{};
  r.nr = static_cast<uint64_t>(Hypercall::kGetFileFlags);
  r.args[0] = 3;
  std::memcpy(raw, &r, sizeof r);
  EXPECT_FALSE(handler_->handle(kOdd, 1).exit_status);
  std::memcpy(&r, raw, sizeof r);
  EXPECT_EQ(r.result, kEbadf);
}

// ---- Messages: bounded, never trusted --------------------------------------------

TEST_F(HypercallTest, PanicMessageIsBounded) {
  {
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(Hypercall::kPanic, 0x800000, 10), 125);
    EXPECT_EQ(err.finish(), "burrow: guest kernel panic: <unreadable message>\n");
  }
  {
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(Hypercall::kPanic, kSupervisor, 10), 125);
    EXPECT_EQ(err.finish(), "burrow: guest kernel panic: <unreadable message>\n");
  }
  for (uint64_t len : U64s{kHuge, ~0ull, uint64_t{1} << 20}) {
    SCOPED_TRACE(len);
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(Hypercall::kPanic, kUserRw, len), 125);
    EXPECT_EQ(err.finish(), "burrow: guest kernel panic: " + std::string(4096, 'A') + "\n");
  }
  {
    // 4096 bytes from the last 8 of the mapping: unreadable, not a partial read.
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(Hypercall::kPanic, kUserRw + kUserRwPages * kPageSize - 8, kHuge), 125);
    EXPECT_EQ(err.finish(), "burrow: guest kernel panic: <unreadable message>\n");
  }
}

TEST_F(HypercallTest, UnsupportedMessageIsBoundedAndNotedOnce) {
  Capture err(STDERR_FILENO);
  EXPECT_EQ(call(Hypercall::kUnsupported, 0x800000, kHuge), 0);
  EXPECT_EQ(call(Hypercall::kUnsupported, kUserRw, kHuge), 0);
  EXPECT_EQ(call(Hypercall::kUnsupported, kUserRw, ~0ull), 0);  // the same 512 bytes: once
  EXPECT_EQ(call(Hypercall::kUnsupported, kNonCanonicalAlias, 8), 0);
  EXPECT_EQ(err.finish(),
            "burrow: not supported yet: <unreadable message>; the program got ENOSYS\n"
            "burrow: not supported yet: " + std::string(512, 'A') + "; the program got ENOSYS\n");
}

TEST_F(HypercallTest, KernelFaultWithUnreadableFrameEndsTheVm) {
  for (uint64_t frame : U64s{0x800000ull, kSupervisor, kUserRw + kUserRwPages * kPageSize - 8, kNonCanonicalAlias,
                         kTopPage + kPageSize - 8, kBadPml4}) {
    SCOPED_TRACE(frame);
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(Hypercall::kKernelFault, frame), 125);
    EXPECT_EQ(err.finish(), "burrow: guest kernel fault (frame unreadable)\n");
  }
  // A readable frame of garbage: printed, five lines, still 125.
  Capture err(STDERR_FILENO);
  EXPECT_EQ(exit_status(Hypercall::kKernelFault, kUserRw), 125);
  std::string s = err.finish();
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 5);
  EXPECT_EQ(s.rfind("burrow: guest kernel fault: vector 4702111234474983745 (interrupt)", 0), 0u);
}

TEST_F(HypercallTest, StraceOfHostileArgumentsIsBounded) {
  // Every syscall number (and some that are none) with arguments that point at a page
  // of pointers to itself, at buffers of 2^63 bytes, at the very top of the address
  // space; results that claim 2^62 bytes, an error, or -1.
  auto* words = reinterpret_cast<uint64_t*>(host(kUserRw));
  for (uint64_t i = 0; i < kUserRwPages * kPageSize / 8; ++i) words[i] = kUserRw;
  std::vector<uint64_t> nrs;
  for (uint64_t nr = 0; nr < 512; ++nr) nrs.push_back(nr);
  nrs.insert(nrs.end(), {1000, 1ull << 32, ~0ull});
  const uint64_t rets[] = {uint64_t{1} << 62, static_cast<uint64_t>(-EFAULT), ~0ull};
  const uint64_t patterns[][2] = {{kUserRw, kUserRw}, {kUserRw, kHuge}, {kTopPage + kPageSize - 8, 1}};
  Capture err(STDERR_FILENO);
  size_t lines = 0, answered = 0;
  for (uint64_t nr : nrs) {
    for (uint64_t ret : rets) {
      for (const auto& pattern : patterns) {
        abi::HypercallRequest& r = request();
        r = {};
        r.nr = static_cast<uint64_t>(Hypercall::kStrace);
        r.args[0] = nr;
        for (int i = 1; i < 7; ++i) r.args[i] = pattern[i % 2];
        r.args[7] = ret;
        r.result = kSentinel;
        if (!kick().exit_status && request().result == 0) ++answered;
        ++lines;
      }
    }
  }
  std::string s = err.finish();
  EXPECT_EQ(answered, lines);
  EXPECT_EQ(static_cast<size_t>(std::count(s.begin(), s.end(), '\n')), lines);
  size_t longest = 0;
  for (size_t start = 0, end; start < s.size(); start = end + 1) {
    end = s.find('\n', start);
    longest = std::max(longest, end - start);
  }
  EXPECT_LT(longest, 32u << 10);
}

TEST_F(HypercallTest, UnknownSyscallNumbersAreNamedSafely) {
  Capture err(STDERR_FILENO);
  EXPECT_EQ(call(Hypercall::kUnknownSyscall, ~0ull), 0);
  EXPECT_EQ(err.finish(),
            "burrow: unimplemented system call ? (number 18446744073709551615); the program got ENOSYS\n");
}

// ---- Polled hypercalls --------------------------------------------------------------

// The poller serves a rung request it may serve, once: poll_taken and poll_done say
// so, and the guest's kick that follows (it waited too long) is only a resume.
TEST_F(HypercallTest, PolledRequestIsServedOnce) {
  uint64_t seq = ring(Hypercall::kGetFileFlags, 1);
  EXPECT_TRUE(handler_->handle_polled(kPerCpuPhys));
  int64_t flags = request().result;
  EXPECT_NE(flags, kSentinel);
  EXPECT_GE(flags, 0);
  EXPECT_EQ(per_cpu(offsetof(abi::PerCpu, poll_taken)), seq);
  EXPECT_EQ(per_cpu(offsetof(abi::PerCpu, poll_done)), seq);
  EXPECT_EQ(stats_.polled, 1u);
  // Nothing new rung: nothing to serve.
  request().result = kSentinel;
  EXPECT_FALSE(handler_->handle_polled(kPerCpuPhys));
  // The kick for the same number changes nothing.
  EXPECT_FALSE(handler_->handle(kPerCpuPhys, seq).exit_status);
  EXPECT_EQ(request().result, kSentinel);
  EXPECT_EQ(stats_.kicks_after_poll, 1u);
  // The next number is a new request.
  EXPECT_FALSE(handler_->handle(kPerCpuPhys, seq + 1).exit_status);
  EXPECT_EQ(request().result, flags);
  EXPECT_EQ(per_cpu(offsetof(abi::PerCpu, poll_done)), seq + 1);
}

// What may block, end or replace the VM, and numbers the monitor does not know, are
// the kick's alone: the poller leaves them untouched, even rung.
TEST_F(HypercallTest, PollerLeavesOtherRequestsToTheKick) {
  uint64_t mask[2];
  poll_hypercalls(mask);
  auto pollable = [&](uint64_t nr) { return nr < 128 && (mask[nr / 64] >> (nr % 64)) & 1; };
  for (Hypercall h : {Hypercall::kOpen, Hypercall::kPathOp, Hypercall::kFillFromFile, Hypercall::kPread,
                      Hypercall::kFstat, Hypercall::kRewrite})
    EXPECT_TRUE(pollable(static_cast<uint64_t>(h)));
  for (Hypercall h : {Hypercall::kRead, Hypercall::kWrite, Hypercall::kSleep, Hypercall::kPoll, Hypercall::kFileOp,
                      Hypercall::kExit, Hypercall::kExec, Hypercall::kFatalSignal, Hypercall::kPanic,
                      Hypercall::kKernelFault, Hypercall::kOutOfMemory, Hypercall::kStrace, Hypercall::kIoctl})
    EXPECT_FALSE(pollable(static_cast<uint64_t>(h)));
  for (uint64_t nr : U64s{static_cast<uint64_t>(Hypercall::kExit), static_cast<uint64_t>(Hypercall::kWrite), 0, 999,
                          127, 128, ~0ull}) {
    SCOPED_TRACE(nr);
    abi::HypercallRequest& r = request();
    r = {};
    r.nr = nr;
    r.args[0] = 1;
    r.result = kSentinel;
    uint64_t seq = ++per_cpu(offsetof(abi::PerCpu, poll_doorbell));
    EXPECT_FALSE(handler_->handle_polled(kPerCpuPhys));
    EXPECT_EQ(request().result, kSentinel);
    EXPECT_NE(per_cpu(offsetof(abi::PerCpu, poll_done)), seq);
    EXPECT_FALSE(handler_->handle_polled(kPerCpuPhys));  // looked at once
  }
  // Reads and writes: of a regular file only (handle 1 is the monitor's stdout).
  std::string file = sandbox_dir_ + "/f";
  FILE* out = std::fopen(file.c_str(), "w");
  ASSERT_TRUE(out);
  std::fputs("polled", out);
  std::fclose(out);
  std::memcpy(host(kUserRw), "/f", 2);
  int64_t h = call(Hypercall::kOpen, kUserRw, 2, O_RDONLY, 0);
  ASSERT_GE(h, 0);
  const uint64_t file_handle = static_cast<uint64_t>(h) & 0xFFFFFFFF;
  ring(Hypercall::kRead, 1, kUserRw + kPageSize, 4);
  EXPECT_FALSE(handler_->handle_polled(kPerCpuPhys));
  ring(Hypercall::kWrite, 2, kUserRw + kPageSize, 4);
  EXPECT_FALSE(handler_->handle_polled(kPerCpuPhys));
  ring(Hypercall::kRead, file_handle, kUserRw + kPageSize, 6);
  EXPECT_TRUE(handler_->handle_polled(kPerCpuPhys));
  EXPECT_EQ(request().result, 6);
  EXPECT_EQ(std::memcmp(host(kUserRw + kPageSize), "polled", 6), 0);
  // File operations: not a lock that waits.
  auto file_op = [&](abi::FileOp op, uint64_t a) {
    abi::HypercallRequest& r = request();
    r = {};
    r.nr = static_cast<uint64_t>(Hypercall::kFileOp);
    r.args[0] = static_cast<uint64_t>(op);
    r.args[1] = file_handle;
    r.args[2] = a;
    r.result = kSentinel;
    ++per_cpu(offsetof(abi::PerCpu, poll_doorbell));
    return handler_->handle_polled(kPerCpuPhys);
  };
  EXPECT_FALSE(file_op(abi::FileOp::kFlock, LOCK_EX));
  EXPECT_FALSE(file_op(abi::FileOp::kLock, F_SETLKW));
  EXPECT_FALSE(file_op(abi::FileOp::kLock, F_OFD_SETLKW));
  EXPECT_FALSE(file_op(abi::FileOp::kSendfile, 0));
  EXPECT_FALSE(file_op(abi::FileOp::kSyncAll, 0));
  EXPECT_FALSE(file_op(static_cast<abi::FileOp>(99), 0));
  EXPECT_EQ(stats_.polled, 1u);
  EXPECT_TRUE(file_op(abi::FileOp::kFlock, LOCK_EX | LOCK_NB));
  EXPECT_EQ(request().result, 0);
  EXPECT_TRUE(file_op(abi::FileOp::kFlock, LOCK_UN));
  EXPECT_TRUE(file_op(abi::FileOp::kSync, 0));
  EXPECT_EQ(stats_.polled, 4u);
  EXPECT_EQ(call(Hypercall::kClose, file_handle), 0);
  ::unlink(file.c_str());
  // A PerCpu block outside guest memory has no doorbell to look at.
  EXPECT_FALSE(handler_->handle_polled(kMemorySize));
  EXPECT_FALSE(handler_->handle_polled(~0ull - 0x40));
}

// What could wait is answered kPollRetry by the poller (an open of the user's
// terminal); the guest's kick under the next number then serves it for real.
TEST_F(HypercallTest, PollerHandsWaitingCallsBackToTheKick) {
  std::memcpy(host(kUserRw), "/dev/tty", 8);
  uint64_t seq = ring(Hypercall::kOpen, kUserRw, 8, O_RDWR);
  EXPECT_TRUE(handler_->handle_polled(kPerCpuPhys));
  EXPECT_EQ(request().result, abi::kPollRetry);
  EXPECT_EQ(per_cpu(offsetof(abi::PerCpu, poll_done)), seq);
  request().result = kSentinel;
  EXPECT_FALSE(handler_->handle(kPerCpuPhys, seq + 1).exit_status);
  int64_t r = request().result;
  EXPECT_NE(r, kSentinel);
  EXPECT_NE(r, abi::kPollRetry);  // a handle, or Linux's answer without a terminal
  if (r >= 0) EXPECT_EQ(call(Hypercall::kClose, static_cast<uint64_t>(r) & 0xFFFFFFFF), 0);
}

// The poller thread: awake while it watches, it serves rung requests; it sleeps
// after its idle time (poll_awake back to 0) and serves again once woken.
TEST_F(HypercallTest, PollerThreadServesSleepsAndWakes) {
  std::mutex lock;
  Poller poller(*handler_, *mem_, lock, stats_, 20'000'000, false);
  poller.watch(kPerCpuPhys);
  poller.start();
  ASSERT_TRUE(becomes(offsetof(abi::PerCpu, poll_awake), 1));
  uint64_t seq = ring(Hypercall::kGetFileFlags, 1);
  ASSERT_TRUE(becomes(offsetof(abi::PerCpu, poll_done), seq));
  EXPECT_GE(request().result, 0);
  // Idle: it stops watching.
  ASSERT_TRUE(becomes(offsetof(abi::PerCpu, poll_awake), 0));
  // Woken (the vCPU thread served a kicked request it could have), it serves again.
  poller.wake();
  ASSERT_TRUE(becomes(offsetof(abi::PerCpu, poll_awake), 1));
  seq = ring(Hypercall::kGetFileFlags, 77);
  ASSERT_TRUE(becomes(offsetof(abi::PerCpu, poll_done), seq));
  EXPECT_EQ(request().result, kEbadf);
  // While this thread holds the lock (outside KVM_RUN), nothing is served.
  {
    std::lock_guard<std::mutex> held(lock);
    seq = ring(Hypercall::kGetFileFlags, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(request().result, kSentinel);
  }
  ASSERT_TRUE(becomes(offsetof(abi::PerCpu, poll_done), seq));
  EXPECT_EQ(stats_.polled, 3u);
}

// --poll=auto leaves the poller off under a cgroup CPU quota below two CPUs.
TEST(PollerQuota, CpuMaxLines) {
  EXPECT_LT(Poller::cpus_of_cpu_max("max 100000\n"), 0);
  EXPECT_DOUBLE_EQ(Poller::cpus_of_cpu_max("100000 100000\n"), 1.0);
  EXPECT_DOUBLE_EQ(Poller::cpus_of_cpu_max("250000 100000"), 2.5);
  EXPECT_LT(Poller::cpus_of_cpu_max(""), 0);
  EXPECT_LT(Poller::cpus_of_cpu_max("garbage"), 0);
  EXPECT_LT(Poller::cpus_of_cpu_max("100000 0"), 0);
  EXPECT_LT(Poller::cpus_of_cpu_max("-5 100000"), 0);
}

// ---- Calls that end the VM --------------------------------------------------------

TEST_F(HypercallTest, UnknownHypercallNumbersEndTheVmWith125) {
  for (uint64_t nr : U64s{uint64_t{0}, uint64_t{40}, uint64_t{33}, uint64_t{63}, uint64_t{999},
                      uint64_t{1} << 63, ~0ull}) {
    SCOPED_TRACE(nr);
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(nr), 125);
    EXPECT_EQ(request().result, kSentinel);  // not answered
    EXPECT_EQ(err.finish(), "burrow: guest made an unknown hypercall " + std::to_string(nr) + "\n");
  }
}

TEST_F(HypercallTest, ExitKeepsTheLowEightBits) {
  EXPECT_EQ(exit_status(Hypercall::kExit, 256 + 7), 7);
  EXPECT_EQ(exit_status(Hypercall::kExit, 0), 0);
  EXPECT_EQ(exit_status(Hypercall::kExit, ~0ull), 255);
  EXPECT_EQ(exit_status(Hypercall::kExit, 1ull << 32), 0);
}

TEST_F(HypercallTest, FatalSignalOutOfRangeIsSigkill) {
  for (uint64_t sig : U64s{uint64_t{0}, uint64_t{65}, ~0ull, uint64_t{1} << 40}) {
    SCOPED_TRACE(sig);
    Capture err(STDERR_FILENO);
    EXPECT_EQ(exit_status(Hypercall::kFatalSignal, sig, ~0ull, ~0ull), 128 + SIGKILL);
    EXPECT_EQ(err.finish(), "burrow: hostile: killed by SIGKILL\n");
  }
  Capture err(STDERR_FILENO);
  EXPECT_EQ(exit_status(Hypercall::kFatalSignal, SIGSEGV, 0xdead, 0xbeef), 128 + SIGSEGV);
  EXPECT_EQ(err.finish(), "burrow: hostile: killed by SIGSEGV: invalid memory access at 0xdead (rip 0xbeef)\n");
}

TEST_F(HypercallTest, OutOfMemoryIs137) {
  Capture err(STDERR_FILENO);
  EXPECT_EQ(exit_status(Hypercall::kOutOfMemory), 128 + SIGKILL);
  EXPECT_EQ(err.finish(), "burrow: out of guest memory (--memory=16M): the program was killed\n");
}

TEST_F(HypercallTest, StatsAreCountedWithinBounds) {
  EXPECT_EQ(call(Hypercall::kStat, ~0ull, ~0ull), 0);
  EXPECT_EQ(stats_.hypercalls[static_cast<uint64_t>(Hypercall::kStat)], 1u);
  Capture err(STDERR_FILENO);
  EXPECT_EQ(exit_status(~0ull), 125);  // counted nowhere, written nowhere
  err.finish();
}

}  // namespace
}  // namespace burrow::hypercalls
