// Hypercall service. Guest addresses are virtual and go through the guest's page
// tables (memory::read_virtual/write_virtual), which check every step.
#include "hypercalls/hypercalls.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "burrow/abi/percpu.h"
#include "hypercalls/memory.h"
#include "trace/strace.h"

namespace burrow::hypercalls {

std::atomic<uint64_t> g_host_signals{0};
namespace {

using abi::Hypercall;

constexpr uint64_t kChunk = 1 << 16;

void say(const std::string& line) {
  std::string s = "burrow: " + line + "\n";
  (void)!::write(STDERR_FILENO, s.data(), s.size());
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

const char* vector_name(uint64_t v) {
  static const char* const kNames[] = {"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
                                       "#BR bound range", "#UD invalid opcode", "#NM device not available",
                                       "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
                                       "#NP segment not present", "#SS stack fault", "#GP general protection",
                                       "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
                                       "#MC machine check", "#XM SIMD error", "#VE virtualization"};
  if (v < std::size(kNames)) return kNames[v];
  return v == 0x100 ? "system call" : "interrupt";
}

}  // namespace

int64_t Handler::close(uint64_t handle) {
  int64_t result = files_.close(handle);
  if (rewriter_) rewriter_->forget(handle);
  return result;
}

namespace {

// Not kRead/kWrite (a pipe or terminal may block), kSleep, kPoll, kFileOp (locks
// wait), nor anything that ends or replaces the program or reports on it.
constexpr std::array<uint64_t, 2> kPollMask = [] {
  constexpr Hypercall kPollable[] = {
      Hypercall::kRandom,       Hypercall::kStat,          Hypercall::kFstat,       Hypercall::kGetFileFlags,
      Hypercall::kOpen,         Hypercall::kClose,         Hypercall::kPread,       Hypercall::kPwrite,
      Hypercall::kSeek,         Hypercall::kGetdents,      Hypercall::kPathOp,      Hypercall::kFillFromFile,
      Hypercall::kWriteToFile,  Hypercall::kRewrite,       Hypercall::kPageProfile, Hypercall::kAddPageProfiles,
      Hypercall::kReleaseMemory, Hypercall::kAdviseLarge};
  std::array<uint64_t, 2> mask{};
  for (Hypercall h : kPollable) {
    auto n = static_cast<uint64_t>(h);
    mask[n / 64] |= uint64_t{1} << (n % 64);
  }
  return mask;
}();

}  // namespace

void poll_hypercalls(uint64_t out[2]) {
  out[0] = kPollMask[0];
  out[1] = kPollMask[1];
}

uint64_t* per_cpu_word(const memory::GuestMemory& mem, uint64_t per_cpu_phys, size_t offset) {
  uint8_t* p = mem.at(per_cpu_phys + offset, sizeof(uint64_t));
  if (!p || reinterpret_cast<uintptr_t>(p) % alignof(uint64_t)) return nullptr;
  return reinterpret_cast<uint64_t*>(p);
}

bool Handler::may_poll(const abi::HypercallRequest& r) {
  if (r.nr < 128 && (kPollMask[r.nr / 64] >> (r.nr % 64)) & 1) return true;
  // Nor does a read or write of a regular file (the handle says what it is), nor a
  // file operation that does not wait (the guest asks for those alone).
  if (r.nr == static_cast<uint64_t>(Hypercall::kFileOp)) return abi::file_op_never_blocks(r.args[0], r.args[2]);
  return (r.nr == static_cast<uint64_t>(Hypercall::kRead) || r.nr == static_cast<uint64_t>(Hypercall::kWrite)) &&
         files_.regular(r.args[0]);
}

void Handler::served(uint64_t per_cpu_phys, uint64_t seq) {
  served_ = seq;
  if (uint64_t* done = per_cpu_word(mem_, per_cpu_phys, offsetof(abi::PerCpu, poll_done)))
    std::atomic_ref<uint64_t>(*done).store(seq, std::memory_order_release);
}

Outcome Handler::handle(uint64_t per_cpu_phys, uint64_t kick) {
  // A request serve() cannot find is its to report, whatever the kick says.
  const uint8_t* req = mem_.at(per_cpu_phys + offsetof(abi::PerCpu, hypercall), sizeof(abi::HypercallRequest));
  if (!req) return serve(per_cpu_phys);
  if (kick == served_) {
    ++stats_.kicks_after_poll;  // the poller served it while the guest waited
    return {};
  }
  abi::HypercallRequest r;
  std::memcpy(&r, req, sizeof(r));
  const bool pollable = may_poll(r);  // before serving: a close changes what a handle is
  Outcome out = serve(per_cpu_phys, &r);
  served(per_cpu_phys, kick);
  out.pollable = pollable;
  return out;
}

bool Handler::handle_polled(uint64_t per_cpu_phys) {
  uint64_t* bell = per_cpu_word(mem_, per_cpu_phys, offsetof(abi::PerCpu, poll_doorbell));
  if (!bell) return false;
  uint64_t seq = std::atomic_ref<uint64_t>(*bell).load(std::memory_order_acquire);
  if (seq == served_ || seq == skipped_) return false;
  // One copy of the request, checked and served: the vCPU runs on meanwhile, and the
  // guest may rewrite the request at any time (whatever it holds later is its own).
  uint8_t* p = mem_.at(per_cpu_phys + offsetof(abi::PerCpu, hypercall), sizeof(abi::HypercallRequest));
  if (!p) return false;
  abi::HypercallRequest r;
  std::memcpy(&r, p, sizeof(r));
  if (!may_poll(r)) {
    skipped_ = seq;  // the guest kicks for it
    return false;
  }
  // The guest waits for a request the poller took, however long it takes.
  if (uint64_t* taken = per_cpu_word(mem_, per_cpu_phys, offsetof(abi::PerCpu, poll_taken)))
    std::atomic_ref<uint64_t>(*taken).store(seq, std::memory_order_release);
  // Pollable calls never stop or reload the VM: there is no outcome to act on.
  files_.set_polling(true);
  (void)serve(per_cpu_phys, &r);
  files_.set_polling(false);
  served(per_cpu_phys, seq);
  ++stats_.polled;
  return true;
}

Outcome Handler::serve(uint64_t per_cpu_phys, const abi::HypercallRequest* taken) {
  // SAFETY: per_cpu_phys comes from BootInfo, which the guest can rewrite through the
  // direct map, so the request may be anywhere, even outside guest memory or
  // misaligned: check it and copy it with memcpy. Its content is guest-controlled
  // too, so every field is checked below.
  uint8_t* req = mem_.at(per_cpu_phys + offsetof(abi::PerCpu, hypercall), sizeof(abi::HypercallRequest));
  if (!req) {
    say(fmt::format("guest moved its hypercall request outside guest memory (PerCpu block at {:#x})",
                    per_cpu_phys));
    return {static_cast<int>(ExitCode::kMonitorFailed)};
  }
  abi::HypercallRequest r;
  if (taken)
    r = *taken;
  else
    std::memcpy(&r, req, sizeof(r));
  const uint64_t* a = r.args;
  // Closes the guest made since its last exit come first, in order.
  if (r.close_count) {
    uint64_t count = std::min<uint64_t>(r.close_count, abi::kMaxDeferredCloses);
    for (uint64_t i = 0; i < count; ++i) close(r.close_handles[i]);
    stats_.deferred_closes += count;
    uint64_t zero = 0;
    std::memcpy(req + offsetof(abi::HypercallRequest, close_count), &zero, sizeof(zero));
  }
  if (r.nr < std::size(stats_.hypercalls)) ++stats_.hypercalls[r.nr];
  stats_.last_hypercall = r.nr;
  int64_t result = -EINVAL;
  switch (static_cast<Hypercall>(r.nr)) {
    case Hypercall::kWrite:
      result = files_.write(a[0], a[1], a[2]);
      break;
    case Hypercall::kRead:
      result = files_.read(a[0], a[1], a[2]);
      break;
    case Hypercall::kOpen:
      result = files_.open(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
      break;
    case Hypercall::kClose:
      result = close(a[0]);
      break;
    case Hypercall::kPread:
      result = files_.pread(a[0], a[1], a[2], a[3]);
      break;
    case Hypercall::kPwrite:
      result = files_.pwrite(a[0], a[1], a[2], a[3]);
      break;
    case Hypercall::kSeek:
      result = files_.seek(a[0], a[1], a[2]);
      break;
    case Hypercall::kGetdents:
      result = files_.getdents(a[0], a[1], a[2]);
      break;
    case Hypercall::kFileOp:
      result = files_.file_op(a);
      break;
    case Hypercall::kPathOp:
      result = files_.path_op(a);
      break;
    case Hypercall::kFillFromFile: {
      result = files_.fill(a[0], a[1], a[2], &filled_);
      if (result > 0 && rewriter_)
        for (const abi::FileFill& r : filled_) rewriter_->on_fill(a[0], r.bias, {r.offset, r.offset + r.len});
      break;
    }
    case Hypercall::kWriteToFile:
      result = files_.write_back(a[0], a[1], a[2]);
      break;
    case Hypercall::kPageProfile:
      result = files_.page_profile(a[0], a[1], a[2]);
      break;
    case Hypercall::kAddPageProfiles:
      result = files_.add_page_profiles(a[0], a[1]);
      break;
    case Hypercall::kExit:
      return {static_cast<int>(a[0] & 0xff)};
    case Hypercall::kFatalSignal:
      return fatal_signal(a);
    case Hypercall::kUnknownSyscall: {
      const char* name = trace::syscall_name(a[0]);
      say(fmt::format("unimplemented system call {} (number {}); the program got ENOSYS",
                      name ? name : "?", a[0]));
      result = 0;
      break;
    }
    case Hypercall::kStrace: {
      GuestMemoryReader reader(mem_, cr3_);
      std::string line =
          (a[0] & abi::kStraceSignal)
              ? trace::format_signal(static_cast<int>(a[0] & 0xff), static_cast<int>(a[1]), static_cast<int>(a[2]),
                                     static_cast<uint32_t>(a[3]), a[4])
              : trace::format_syscall(a[0], a + 1, static_cast<int64_t>(a[7]), reader);
      line += "\n";
      (void)!::write(STDERR_FILENO, line.data(), line.size());
      result = 0;
      break;
    }
    case Hypercall::kRandom:
      result = random(a[0], a[1]);
      break;
    case Hypercall::kIoctl:
      result = files_.ioctl(a[0], a[1], a[2]);
      break;
    case Hypercall::kFstat:
      result = files_.fstat(a[0], a[1]);
      break;
    case Hypercall::kPanic:
      say("guest kernel panic: " + guest_string(a[0], a[1], 4096));
      return {static_cast<int>(ExitCode::kMonitorFailed)};
    case Hypercall::kKernelFault:
      return kernel_fault(a[0]);
    case Hypercall::kGetFileFlags:
      result = files_.get_flags(a[0]);
      break;
    case Hypercall::kReleaseMemory:
      result = release_memory(mem_, cr3_, a[0], a[1]);
      break;
    case Hypercall::kAdviseLarge:
      result = advise_large(mem_, cr3_, a[0], a[1]);
      break;
    case Hypercall::kSleep: {
      // Any duration is the program's to ask for (`sleep infinity` natively
      // blocks too); a signal sent to burrow cuts it short.
      timespec ts{static_cast<time_t>(a[0] / 1'000'000'000), static_cast<long>(a[0] % 1'000'000'000)};
      result = 0;
      while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        if (host_signal_pending()) {
          result = -EINTR;  // the guest sees PerCpu::signal_pending and says EINTR
          break;
        }
      }
      break;
    }
    case Hypercall::kMemfd:
      result = files_.memfd(a[0], a[1], a[2]);
      break;
    case Hypercall::kPoll:
      result = files_.poll(a[0], a[1], static_cast<int64_t>(a[2]));
      break;
    case Hypercall::kRewrite:
      result = rewriter_ ? rewriter_->rewrite_mapping(a[0], a[1], a[2], a[3], a[4], a[5]) : 0;
      break;
    case Hypercall::kExec: {
      Outcome out;
      result = exec(a[0], &out);
      if (out.exec) return out;
      break;
    }
    case Hypercall::kStat:
      if (a[0] < std::size(stats_.guest)) stats_.guest[a[0]] += a[1];  // summed over execve; others ignored
      result = 0;
      break;
    case Hypercall::kUnsupported: {
      std::string what = guest_string(a[0], a[1], 512);
      // Bounded: a guest cannot grow the monitor's memory with endless new messages.
      constexpr size_t kMaxNotes = 64;
      if (noted_.size() < kMaxNotes && noted_.insert(what).second) say(fmt::format("not supported yet: {}; the program got ENOSYS", what));
      result = 0;
      break;
    }
    case Hypercall::kOutOfMemory:
      say(fmt::format("out of guest memory (--memory={}M): the program was killed", mem_.size() >> 20));
      return {128 + SIGKILL};
    default:
      say(fmt::format("guest made an unknown hypercall {}", r.nr));
      return {static_cast<int>(ExitCode::kMonitorFailed)};
  }
  std::memcpy(req + offsetof(abi::HypercallRequest, result), &result, sizeof(result));
  return {};
}

int64_t Handler::random(uint64_t buf, uint64_t len) {
  std::vector<uint8_t> bytes(std::min(len, kChunk));
  ssize_t n = getrandom(bytes.data(), bytes.size(), 0);
  if (n < 0) return -errno;
  if (!memory::write_virtual(mem_, cr3_, buf, bytes.data(), static_cast<size_t>(n))) return -EFAULT;
  return n;
}

std::string Handler::guest_string(uint64_t va, uint64_t len, uint64_t max) {
  std::string s(std::min(len, max), '\0');
  if (!memory::read_virtual(mem_, cr3_, va, s.data(), s.size())) return "<unreadable message>";
  return s;
}

Outcome Handler::fatal_signal(const uint64_t* a) {
  int sig = static_cast<int>(a[0]);
  if (sig <= 0 || sig >= 65) sig = SIGKILL;
  std::string detail;
  if (sig == SIGSEGV || sig == SIGBUS)
    detail = fmt::format(": {} at {:#x} (rip {:#x})", a[3] == 2 ? "access violation" : "invalid memory access",
                         a[1], a[2]);
  else if (sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)
    detail = fmt::format(" at rip {:#x}", a[2]);
  // Like a shell, say nothing about SIGPIPE: it is how `prog | head` normally ends.
  if (sig != SIGPIPE) say(fmt::format("{}: killed by {}{}", options_.program, signal_name(sig), detail));
  return {128 + sig};
}

Outcome Handler::kernel_fault(uint64_t frame_va) {
  abi::TrapFrame f{};
  if (!memory::read_virtual(mem_, cr3_, frame_va, &f, sizeof(f))) {
    say("guest kernel fault (frame unreadable)");
    return {static_cast<int>(ExitCode::kMonitorFailed)};
  }
  say(fmt::format("guest kernel fault: vector {} ({}) at rip {:#x} cs {:#x}, error {:#x}, address {:#x}", f.vector,
                  vector_name(f.vector), f.rip, f.cs, f.error, f.cr2));
  say(fmt::format("  rax {:#018x} rbx {:#018x} rcx {:#018x} rdx {:#018x}", f.rax, f.rbx, f.rcx, f.rdx));
  say(fmt::format("  rsi {:#018x} rdi {:#018x} rbp {:#018x} rsp {:#018x}", f.rsi, f.rdi, f.rbp, f.rsp));
  say(fmt::format("  r8  {:#018x} r9  {:#018x} r10 {:#018x} r11 {:#018x}", f.r8, f.r9, f.r10, f.r11));
  say(fmt::format("  r12 {:#018x} r13 {:#018x} r14 {:#018x} r15 {:#018x} rflags {:#x}", f.r12, f.r13, f.r14, f.r15,
                  f.rflags));
  return {static_cast<int>(ExitCode::kMonitorFailed)};
}

}  // namespace burrow::hypercalls
