// poll, ppoll, select and pselect6. What lives in the guest answers at once: regular
// files, directories and character devices are always ready (Linux's default poll
// mask), in-guest pipes and sockets say what their state allows. Host streams (a
// terminal, a pipe or socket from the caller) go to the monitor in one kPoll, which
// blocks for the timeout when nothing here is ready. With one thread nothing in the
// guest changes while the program waits, so a wait on guest objects alone is a sleep.
#include "burrow/abi/hypercall.h"
#include "clock.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "hypercall.h"
#include "lib/heap.h"
#include "syscalls/errno.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"
#include "syscalls/eventfd.h"
#include "syscalls/socket.h"
#include "syscalls/timer.h"
#include "percpu.h"
#include "uaccess.h"

namespace burrow::kernel {
namespace {

using fs::File;
using fs::FileKind;

// ABI: poll(2)'s event bits.
constexpr uint32_t kPollIn = 0x001, kPollPri = 0x002, kPollOut = 0x004, kPollErr = 0x008, kPollHup = 0x010,
                   kPollNval = 0x020, kPollRdNorm = 0x040, kPollRdBand = 0x080, kPollWrNorm = 0x100,
                   kPollWrBand = 0x200;
// Reported whatever was asked.
constexpr uint32_t kAlways = kPollErr | kPollHup | kPollNval;
// Linux's DEFAULT_POLLMASK: what a file without a poll method is.
constexpr uint32_t kDefaultMask = kPollIn | kPollOut | kPollRdNorm | kPollWrNorm;

struct PollFd {  // ABI: struct pollfd
  int32_t fd;
  int16_t events;
  int16_t revents;
};
static_assert(sizeof(PollFd) == 8);

constexpr uint64_t kMax = abi::kMaxPollEntries;
constinit PollFd g_fds[kMax] = {};
constinit abi::PollEntry g_host[kMax] = {};
constinit uint32_t g_host_index[kMax] = {};

// The events `f` has now, or false when only the host knows (a host stream).
bool guest_revents(const File* f, uint32_t* out) {
  switch (f->kind) {
    case FileKind::kHost:
      if (!f->is_regular && !f->is_dir) return false;
      *out = kDefaultMask;
      return true;
    case FileKind::kPipe:
      *out = fs::pipe_poll(f);
      return true;
    case FileKind::kEventfd:
      *out = eventfd_poll(f);
      return true;
    case FileKind::kSocket: {
      if (f->connected) {
        *out = socket_poll(f);
        return true;
      }
      // Linux's unix_poll for a socket that never connected: writable; a stream or
      // seqpacket one also hung up (not connected).
      constexpr uint32_t kSockDgram = 2;
      *out = kPollOut | kPollWrNorm | kPollWrBand | (f->socket_type == kSockDgram ? 0 : kPollHup);
      return true;
    }
    default:
      *out = kDefaultMask;
      return true;
  }
}

// Polls g_fds[0, n): fills their revents; returns how many have some, or -errno.
// timeout_ns < 0: no limit.
int64_t poll_fds(uint64_t n, int64_t timeout_ns) {
  int64_t ready = 0;
  uint64_t host = 0;
  for (uint64_t i = 0; i < n; ++i) {
    PollFd& p = g_fds[i];
    p.revents = 0;
    if (p.fd < 0) continue;
    File* f = fs::fd_get(p.fd);
    uint32_t want = static_cast<uint16_t>(p.events) | kAlways;
    uint32_t got;
    if (!f) {
      got = kPollNval;
    } else if (!guest_revents(f, &got)) {
      g_host[host] = {f->handle, static_cast<uint16_t>(p.events), 0};
      g_host_index[host++] = static_cast<uint32_t>(i);
      continue;
    }
    p.revents = static_cast<int16_t>(got & want);
    if (p.revents) ++ready;
  }
  // The wait ends at `end` (none: -1), earlier at the interval timer's deadline
  // (SIGALRM, and EINTR if it has a handler; ignored, the wait goes on) or when a
  // signal from outside cut the host's wait short (EINTR).
  int64_t end = timeout_ns < 0 ? -1 : monotonic_ns() + timeout_ns;
  auto left = [&] {
    if (ready || end < 0) return ready ? int64_t{0} : int64_t{-1};
    int64_t l = end - monotonic_ns();
    return l > 0 ? l : 0;
  };
  // How long to wait this time: until the timer's deadline if that comes first.
  auto wait_for = [&](int64_t want) {
    int64_t deadline = timer_deadline();
    if (ready || !deadline) return want;
    int64_t until = deadline - monotonic_ns();
    if (until < 0) until = 0;
    return want < 0 || until < want ? until : want;
  };
  auto interrupted = [] { return timer_expire() && this_cpu()->signal_pending; };
  if (host) {
    int64_t r;
    for (;;) {
      int64_t want = left();
      int64_t wait = wait_for(want);
      r = hypercall(abi::Hypercall::kPoll, reinterpret_cast<uint64_t>(g_host), host, static_cast<uint64_t>(wait));
      if (r != 0 || wait == want) break;
      if (interrupted()) return -EINTR;
      if (left() == 0) break;
    }
    if (r < 0) return r;
    for (uint64_t j = 0; j < host; ++j) {
      PollFd& p = g_fds[g_host_index[j]];
      p.revents = static_cast<int16_t>(g_host[j].revents & (static_cast<uint16_t>(p.events) | kAlways));
      if (p.revents) ++ready;
    }
    return ready;
  }
  if (ready || timeout_ns == 0) return ready;
  for (;;) {
    int64_t want = left();
    int64_t wait = wait_for(want);
    if (wait < 0)
      return unsupported("poll or select with no time limit on descriptors only this VM could make ready "
                         "(one thread: it would wait forever)");
    int64_t slept_from = monotonic_ns();
    if (wait > 0) hypercall(abi::Hypercall::kSleep, static_cast<uint64_t>(wait));
    if (this_cpu()->signal_pending && monotonic_ns() - slept_from < wait) return -EINTR;  // cut short
    if (wait == want) return 0;
    if (interrupted()) return -EINTR;
    if (left() == 0) return 0;
  }
}

// Linux: more descriptors than RLIMIT_NOFILE is EINVAL.
int64_t check_count(uint64_t n) {
  constexpr int kRlimitNofile = 7;
  if (n > rlimit_current(kRlimitNofile)) return -EINVAL;
  if (n > kMax) return unsupported("poll of more than 4096 descriptors");
  return 0;
}

int64_t do_poll(uint64_t fds, uint64_t n, int64_t timeout_ns) {
  if (int64_t e = check_count(n); e < 0) return e;
  if (n && !UserPtr<PollFd>(fds).read(g_fds, n)) return -EFAULT;
  int64_t r = poll_fds(n, timeout_ns);
  if (r < 0) return r;
  if (n && !UserPtr<PollFd>(fds).write(g_fds, n)) return -EFAULT;
  return r;
}

// A struct timespec (or timeval, with `unit` 1000) from the program, in ns; -1 when
// `addr` is 0 (no limit). -EINVAL/-EFAULT as Linux.
int64_t read_timeout(uint64_t addr, int64_t unit, int64_t* ns) {
  if (!addr) {
    *ns = -1;
    return 0;
  }
  int64_t t[2];
  if (!UserPtr<int64_t>(addr).read(t, 2)) return -EFAULT;
  if (t[0] < 0 || t[1] < 0 || t[1] >= 1'000'000'000 / unit) return -EINVAL;
  constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  *ns = (t[0] > kMaxSeconds ? kMaxSeconds : t[0]) * 1'000'000'000 + t[1] * unit;
  return 0;
}

// Linux writes the time left back (select's timeval, ppoll's and pselect6's timespec).
void write_left(uint64_t addr, int64_t unit, int64_t timeout_ns, int64_t start_ns) {
  if (!addr || timeout_ns < 0) return;
  int64_t left = timeout_ns - (monotonic_ns() - start_ns);
  if (left < 0) left = 0;
  int64_t t[2] = {left / 1'000'000'000, (left % 1'000'000'000) / unit};
  UserPtr<int64_t>(addr).write(t, 2);
}

// select's bitmaps: nfds bits each, in 64-bit words.
constexpr uint64_t kMaxSelectFds = 4096;
constinit uint64_t g_sets[3][kMaxSelectFds / 64] = {};

int64_t do_select(int nfds, uint64_t readfds, uint64_t writefds, uint64_t exceptfds, int64_t timeout_ns) {
  if (nfds < 0) return -EINVAL;
  // Linux looks at no more bits than its descriptor table has room for: 64, doubled
  // as higher descriptors open.
  uint64_t table = 64;
  while (table < static_cast<uint64_t>(fs::fd_limit())) table *= 2;
  uint64_t n = static_cast<uint64_t>(nfds);
  if (n > table) n = table;
  if (n > kMaxSelectFds) return unsupported("select on more than 4096 descriptors");
  uint64_t words = (n + 63) / 64;
  const uint64_t addrs[3] = {readfds, writefds, exceptfds};
  for (int s = 0; s < 3; ++s) {
    for (uint64_t w = 0; w < words; ++w) g_sets[s][w] = 0;
    if (addrs[s] && words && !UserPtr<uint64_t>(addrs[s]).read(g_sets[s], words)) return -EFAULT;
  }
  // Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET.
  constexpr uint32_t kInSet = kPollRdNorm | kPollRdBand | kPollIn | kPollHup | kPollErr;
  constexpr uint32_t kOutSet = kPollWrBand | kPollWrNorm | kPollOut | kPollErr;
  constexpr uint32_t kExSet = kPollPri;
  uint64_t count = 0;
  for (uint64_t fd = 0; fd < n; ++fd) {
    uint64_t bit = 1ull << (fd % 64), w = fd / 64;
    bool r = g_sets[0][w] & bit, wr = g_sets[1][w] & bit, ex = g_sets[2][w] & bit;
    if (!r && !wr && !ex) continue;
    if (!fs::fd_get(static_cast<int>(fd))) return -EBADF;
    g_fds[count++] = {static_cast<int32_t>(fd),
                      static_cast<int16_t>((r ? kPollIn | kPollRdNorm | kPollRdBand : 0) |
                                           (wr ? kPollOut | kPollWrNorm | kPollWrBand : 0) | (ex ? kPollPri : 0)),
                      0};
  }
  if (count > kMax) return -EINVAL;
  int64_t r = poll_fds(count, timeout_ns);
  if (r < 0) return r;
  for (int s = 0; s < 3; ++s)
    for (uint64_t w = 0; w < words; ++w) g_sets[s][w] = 0;
  int64_t bits = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t got = static_cast<uint16_t>(g_fds[i].revents);
    uint32_t asked = static_cast<uint16_t>(g_fds[i].events);
    uint64_t fd = static_cast<uint64_t>(g_fds[i].fd), bit = 1ull << (fd % 64), w = fd / 64;
    if ((asked & kPollIn) && (got & kInSet)) g_sets[0][w] |= bit, ++bits;
    if ((asked & kPollOut) && (got & kOutSet)) g_sets[1][w] |= bit, ++bits;
    if ((asked & kPollPri) && (got & kExSet)) g_sets[2][w] |= bit, ++bits;
  }
  for (int s = 0; s < 3; ++s)
    if (addrs[s] && words && !UserPtr<uint64_t>(addrs[s]).write(g_sets[s], words)) return -EFAULT;
  return bits;
}

// ---- epoll: an interest list over the same readiness as poll, level-triggered ----
// EPOLLET is served as level-triggered (a superset of its notifications: programs
// that drain to EAGAIN behave the same), EPOLLONESHOT disables an entry once
// reported. An entry whose descriptor was closed (or now names another file) is
// dropped, as Linux drops it when the file goes away. Events come in Linux's order:
// its ready list, where an entry joins the tail when it is found ready (at
// EPOLL_CTL_ADD/MOD, or when a wait sees it), and goes back to the tail each time
// it is reported; here a rank stands for the place in that list.

constexpr uint32_t kEpollOneshot = 1u << 30, kEpollEt = 1u << 31, kEpollExclusive = 1u << 28;
constexpr int kCtlAdd = 1, kCtlDel = 2, kCtlMod = 3;

struct [[gnu::packed]] EpollEvent {  // ABI: struct epoll_event is packed on x86-64
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

struct EpollItem {
  int32_t fd;
  bool disabled;  // EPOLLONESHOT, reported
  const File* file;
  uint32_t events;
  uint32_t rank;  // place in the ready list; 0: not on it
  uint64_t data;
};

}  // namespace

// One heap page of entries (the kernel heap hands out at most a page).
struct fs::EpollSet {  // 127 entries
  static constexpr uint32_t kCapacity = (4096 - 8) / sizeof(EpollItem);
  uint32_t count = 0;
  uint32_t next_rank = 1;
  EpollItem items[kCapacity];
};
static_assert(sizeof(fs::EpollSet) <= 4096 && fs::EpollSet::kCapacity == 127);

void fs::epoll_release(EpollSet* set) {
  if (set) kdelete(set);
}

namespace {

constinit EpollEvent g_events[kMax] = {};
constinit uint32_t g_item_of[kMax] = {};

int64_t epoll_of(int epfd, fs::EpollSet** out) {
  File* f = fs::fd_get(epfd);
  if (!f) return -EBADF;
  if (f->kind != FileKind::kEpoll) return -EINVAL;
  *out = f->epoll;
  return 0;
}

int64_t create_epoll(bool cloexec) {
  File* f = fs::file_new(FileKind::kEpoll, 2 /* O_RDWR */, nullptr);
  if (!f) return -ENOMEM;
  f->epoll = knew<fs::EpollSet>();
  if (!f->epoll) {
    fs::file_put(f);
    return -ENOMEM;
  }
  int64_t fd = fs::fd_install(f, cloexec);
  return fd;
}

// Drops entries whose descriptor no longer names the file they were added for.
void prune(fs::EpollSet* set) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < set->count; ++i)
    if (fs::fd_get(set->items[i].fd) == set->items[i].file) set->items[kept++] = set->items[i];
  set->count = kept;
}

// EPOLL_CTL_ADD and MOD: an entry ready now joins the tail of the ready list (if
// it is not on it). Host streams are asked at the next wait instead.
void join_if_ready(fs::EpollSet* set, EpollItem& it) {
  uint32_t got;
  if (it.rank || !guest_revents(it.file, &got)) return;
  if (got & ((it.events & 0xFFFF) | kAlways)) it.rank = set->next_rank++;
}

int64_t epoll_wait_ns(int epfd, uint64_t events, int maxevents, int64_t timeout_ns) {
  fs::EpollSet* set;
  if (int64_t e = epoll_of(epfd, &set); e < 0) return e;
  if (maxevents <= 0 || static_cast<uint64_t>(maxevents) > INT32_MAX / sizeof(EpollEvent)) return -EINVAL;
  if (!UserPtr<EpollEvent>(events).prepare(static_cast<uint64_t>(maxevents), true)) return -EFAULT;
  prune(set);
  uint64_t n = 0;
  for (uint32_t i = 0; i < set->count; ++i) {
    const EpollItem& it = set->items[i];
    if (it.disabled) continue;
    g_fds[n] = {it.fd, static_cast<int16_t>(it.events & 0xFFFF), 0};
    g_item_of[n++] = i;
  }
  int64_t r = poll_fds(n, timeout_ns);
  if (r < 0) return r;
  // The ready ones, in ready-list order: those already on it first, then the newly
  // ready ones in the order they were added.
  uint64_t ready = 0;
  for (uint64_t j = 0; j < n; ++j) {
    EpollItem& it = set->items[g_item_of[j]];
    if (!g_fds[j].revents) {
      it.rank = 0;
      continue;
    }
    if (!it.rank) it.rank = set->next_rank++;
    g_item_of[ready] = g_item_of[j];
    g_fds[ready++].revents = g_fds[j].revents;
  }
  for (uint64_t a = 1; a < ready; ++a)  // insertion sort by rank: lists are short
    for (uint64_t b = a; b > 0 && set->items[g_item_of[b - 1]].rank > set->items[g_item_of[b]].rank; --b) {
      uint32_t t = g_item_of[b];
      g_item_of[b] = g_item_of[b - 1];
      g_item_of[b - 1] = t;
      int16_t e = g_fds[b].revents;
      g_fds[b].revents = g_fds[b - 1].revents;
      g_fds[b - 1].revents = e;
    }
  uint64_t out = 0;
  for (uint64_t j = 0; j < ready && out < static_cast<uint64_t>(maxevents); ++j) {
    EpollItem& it = set->items[g_item_of[j]];
    g_events[out++] = {static_cast<uint16_t>(g_fds[j].revents), it.data};
    // Reported: back to the tail, or off the list until re-armed (EPOLLONESHOT).
    if (it.events & kEpollOneshot) {
      it.disabled = true;
      it.rank = 0;
    } else {
      it.rank = set->next_rank++;
    }
  }
  if (out && !UserPtr<EpollEvent>(events).write(g_events, out)) return -EFAULT;
  return static_cast<int64_t>(out);
}

}  // namespace

int64_t sys_epoll_create(int size) { return size <= 0 ? -EINVAL : create_epoll(false); }

int64_t sys_epoll_create1(int flags) {
  constexpr int kCloexec = 02000000;
  if (flags & ~kCloexec) return -EINVAL;
  return create_epoll(flags & kCloexec);
}

int64_t sys_epoll_ctl(int epfd, int op, int fd, uint64_t event) {
  fs::EpollSet* set;
  if (int64_t e = epoll_of(epfd, &set); e < 0) return e;
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (fd == epfd) return -EINVAL;
  // Files without a poll method cannot be watched (Linux: EPERM): regular files,
  // directories, /dev/null and friends.
  bool pollable = (f->kind == FileKind::kHost && !f->is_regular && !f->is_dir) || f->kind == FileKind::kPipe ||
                  f->kind == FileKind::kSocket || f->kind == FileKind::kRandom || f->kind == FileKind::kEventfd;
  if (f->kind == FileKind::kEpoll) return unsupported("an epoll instance watching another (nested epoll)");
  if (!pollable) return -EPERM;
  EpollEvent ev{};
  if (op != kCtlDel && !UserPtr<EpollEvent>(event).read(&ev)) return -EFAULT;
  prune(set);
  EpollItem* found = nullptr;
  for (uint32_t i = 0; i < set->count; ++i)
    if (set->items[i].fd == fd) found = &set->items[i];
  switch (op) {
    case kCtlAdd:
      if (found) return -EEXIST;
      if (set->count == fs::EpollSet::kCapacity) return unsupported("an epoll instance watching more than 127 descriptors");
      set->items[set->count++] = {fd, false, f, ev.events, 0, ev.data};
      join_if_ready(set, set->items[set->count - 1]);
      return 0;
    case kCtlMod:
      if (!found) return -ENOENT;
      if ((ev.events | found->events) & kEpollExclusive) return -EINVAL;
      found->events = ev.events;
      found->data = ev.data;
      found->disabled = false;
      join_if_ready(set, *found);
      return 0;
    case kCtlDel:
      if (!found) return -ENOENT;
      *found = set->items[--set->count];
      return 0;
    default:
      return -EINVAL;
  }
}

int64_t sys_epoll_wait(int epfd, uint64_t events, int maxevents, int timeout_ms) {
  return epoll_wait_ns(epfd, events, maxevents, timeout_ms < 0 ? -1 : int64_t{timeout_ms} * 1'000'000);
}

// The signal mask is ignored: a signal raised meanwhile is delivered on the way back.
int64_t sys_epoll_pwait(int epfd, uint64_t events, int maxevents, int timeout_ms, uint64_t, uint64_t) {
  return sys_epoll_wait(epfd, events, maxevents, timeout_ms);
}

int64_t sys_epoll_pwait2(int epfd, uint64_t events, int maxevents, uint64_t timeout, uint64_t, uint64_t) {
  int64_t ns;
  if (int64_t e = read_timeout(timeout, 1, &ns); e < 0) return e;
  return epoll_wait_ns(epfd, events, maxevents, ns);
}

int64_t sys_poll(uint64_t fds, uint64_t n, int timeout_ms) {
  return do_poll(fds, n, timeout_ms < 0 ? -1 : int64_t{timeout_ms} * 1'000'000);
}

namespace {

// The timed calls: a timespec (unit 1) or timeval (unit 1000) in, the time left written
// back as Linux does.
template <class Fn>
int64_t timed(uint64_t timeout, int64_t unit, Fn call) {
  int64_t ns;
  if (int64_t e = read_timeout(timeout, unit, &ns); e < 0) return e;
  int64_t start = monotonic_ns();
  int64_t r = call(ns);
  if (r >= 0) write_left(timeout, unit, ns, start);
  return r;
}

}  // namespace

// The signal masks are ignored: a signal raised meanwhile is delivered on the way back.
int64_t sys_ppoll(uint64_t fds, uint64_t n, uint64_t timeout, uint64_t, uint64_t) {
  return timed(timeout, 1, [&](int64_t ns) { return do_poll(fds, n, ns); });
}

int64_t sys_select(int nfds, uint64_t readfds, uint64_t writefds, uint64_t exceptfds, uint64_t timeout) {
  return timed(timeout, 1000, [&](int64_t ns) { return do_select(nfds, readfds, writefds, exceptfds, ns); });
}

int64_t sys_pselect6(int nfds, uint64_t readfds, uint64_t writefds, uint64_t exceptfds, uint64_t timeout, uint64_t) {
  return timed(timeout, 1, [&](int64_t ns) { return do_select(nfds, readfds, writefds, exceptfds, ns); });
}

}  // namespace burrow::kernel
