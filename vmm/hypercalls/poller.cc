// The poller (poller.h). The hand-over with the guest is abi/hypercall.h's: the
// guest rings the doorbell, then reads poll_awake; the poller clears poll_awake, then
// reads the doorbell; a full fence on each side makes at least one of them see the
// other, so a request is either served here or kicked.
#include "hypercalls/poller.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <string>

#include "burrow/abi/percpu.h"

namespace burrow::hypercalls {
namespace {

constexpr uint64_t kNoBlock = ~uint64_t{0};  // nothing to watch yet (before the first boot)

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Poller::Poller(Handler& handler, const memory::GuestMemory& mem, std::mutex& lock, Stats& stats, int64_t idle_ns,
               bool timing)
    : handler_(handler), mem_(mem), lock_(lock), stats_(stats), idle_ns_(idle_ns), timing_(timing) {}

Poller::~Poller() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  wakes_.fetch_add(1);
  wakes_.notify_one();
  thread_.join();
}

double Poller::cpus_of_cpu_max(std::string_view line) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || line.substr(0, space) == "max") return -1;
  uint64_t quota = 0, period = 0;
  auto number = [](std::string_view s, uint64_t* out) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc{} && end == s.data() + s.size();
  };
  if (!number(line.substr(0, space), &quota) || !number(line.substr(space + 1), &period) || period == 0) return -1;
  return static_cast<double>(quota) / static_cast<double>(period);
}

namespace {

std::string read_small(const std::string& path) {
  char buf[512];
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The smallest CPU quota of this process's cgroup v2 and its ancestors (negative:
// none): `docker run --cpus=1` on a many-CPU host shows every CPU in the affinity
// mask, but a spinning poller would spend the quota the vCPU needs.
double cgroup_cpu_limit() {
  std::string self = read_small("/proc/self/cgroup");
  size_t at = self.find("0::");
  if (at == std::string::npos || (at != 0 && self[at - 1] != '\n')) return -1;
  std::string path = self.substr(at + 3, self.find('\n', at) - (at + 3));
  double limit = -1;
  for (;;) {
    double cpus = Poller::cpus_of_cpu_max(read_small("/sys/fs/cgroup" + path + "/cpu.max"));
    if (cpus >= 0 && (limit < 0 || cpus < limit)) limit = cpus;
    if (path.empty() || path == "/") break;
    path.resize(path.rfind('/'));
  }
  return limit;
}

}  // namespace

bool Poller::worthwhile(bool pvm) {
  if (!pvm) return false;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2) return false;
  const double limit = cgroup_cpu_limit();
  return limit < 0 || limit >= 2;
}

void Poller::start() {
  // Signals sent to burrow must interrupt the vCPU's KVM_RUN: the poller takes none
  // of those. Signals its own work raises stay its (SIGBUS from a mapped file
  // truncated meanwhile: main's handler; SIGXFSZ as on the vCPU thread).
  sigset_t all, old;
  sigfillset(&all);
  for (int sig : {SIGBUS, SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGXFSZ}) sigdelset(&all, sig);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void Poller::wake() {
  wakes_.fetch_add(1, std::memory_order_release);
  wakes_.notify_one();
}

void Poller::set_awake(uint64_t per_cpu_phys, uint64_t value) {
  if (per_cpu_phys == kNoBlock) return;
  if (uint64_t* awake = per_cpu_word(mem_, per_cpu_phys, offsetof(abi::PerCpu, poll_awake)))
    std::atomic_ref<uint64_t>(*awake).store(value, std::memory_order_seq_cst);
}

void Poller::run() {
  uint64_t seen = 0;  // the doorbell value last looked at
  for (;;) {
    const uint32_t woken = wakes_.load(std::memory_order_acquire);
    uint64_t pc = per_cpu_phys_.load(std::memory_order_acquire);
    set_awake(pc, 1);
    int64_t idle_since = now_ns();
    for (;;) {
      if (stop_.load(std::memory_order_relaxed)) {
        set_awake(pc, 0);
        return;
      }
      pc = per_cpu_phys_.load(std::memory_order_acquire);
      const uint64_t* bell = pc == kNoBlock ? nullptr : per_cpu_word(mem_, pc, offsetof(abi::PerCpu, poll_doorbell));
      // A new block to watch, or a new program image (its memory starts zeroed).
      if (const uint64_t* awake = pc == kNoBlock ? nullptr : per_cpu_word(mem_, pc, offsetof(abi::PerCpu, poll_awake));
          awake && !std::atomic_ref<const uint64_t>(*awake).load(std::memory_order_relaxed))
        set_awake(pc, 1);
      uint64_t seq = bell ? std::atomic_ref<const uint64_t>(*bell).load(std::memory_order_acquire) : seen;
      if (seq != seen) {
        seen = seq;
        std::lock_guard<std::mutex> held(lock_);
        int64_t t0 = timing_ ? now_ns() : 0;
        if (handler_.handle_polled(pc) && timing_) {
          int64_t spent = now_ns() - t0;
          stats_.in_handler_ns += spent;
          if (stats_.last_hypercall < std::size(stats_.hypercall_ns)) stats_.hypercall_ns[stats_.last_hypercall] += spent;
        }
        idle_since = now_ns();
        continue;
      }
      if (now_ns() - idle_since < idle_ns_) {
        __builtin_ia32_pause();
        continue;
      }
      // Going to sleep: poll_awake off, then one more look at the doorbell.
      set_awake(pc, 0);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (bell && std::atomic_ref<const uint64_t>(*bell).load(std::memory_order_acquire) != seen) {
        set_awake(pc, 1);
        continue;
      }
      break;
    }
    wakes_.wait(woken, std::memory_order_acquire);
  }
}

}  // namespace burrow::hypercalls
