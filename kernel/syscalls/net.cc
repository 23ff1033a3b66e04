// Sockets, as far as a VM with no network and no other process goes: AF_UNIX
// sockets can be made, and connecting one finds nobody listening (the host's
// sockets are outside the sandbox by design), so glibc's NSS falls back from nscd
// to the files quietly, exactly as on a host without nscd. socketpair gives two
// connected stream sockets (event loops wake themselves through one); each end
// receives from one in-guest pipe and sends into another. Network families,
// listening and datagram pairs are not offered yet: ENOSYS plus a note.
#include "burrow/abi/hypercall.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/path.h"
#include "fs/pipe.h"
#include "fs/stat.h"
#include "hypercall.h"
#include "syscalls/handlers.h"
#include "syscalls/signals.h"
#include "syscalls/socket.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

using fs::File;
using fs::FileKind;

constexpr int kAfUnix = 1, kAfInet = 2, kAfInet6 = 10, kAfNetlink = 16;
constexpr int kSockStream = 1, kSockDgram = 2, kSockSeqpacket = 5;
constexpr int kSockNonblock = 04000, kSockCloexec = 02000000;
constexpr uint32_t kORdwr = 2, kONonblock = 04000;
constexpr int kSolSocket = 1;
constexpr int kSoType = 3, kSoError = 4, kSoDomain = 39, kSoProtocol = 38;
constexpr uint64_t kSunPathMax = 108;

// One global scratch path: one thread.
constinit fs::ResolvedPath g_path{};

int64_t socket_file(int fd, File** out) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind != FileKind::kSocket) return -ENOTSOCK;
  *out = f;
  return 0;
}

// Where a sockaddr_un points: nowhere anybody listens. ENOENT when the path does
// not exist (as Linux says), ECONNREFUSED otherwise; an abstract name (leading NUL)
// has no listener either.
int64_t connect_unix(uint64_t addr, uint64_t len) {
  if (len < 2 || len > 2 + kSunPathMax) return -EINVAL;
  char buf[2 + kSunPathMax + 1] = {};
  if (!UserPtr<char>(addr).read(buf, len)) return -EFAULT;
  uint16_t family = static_cast<uint16_t>(static_cast<uint8_t>(buf[0]) | (static_cast<uint8_t>(buf[1]) << 8));
  if (family != kAfUnix) return -EINVAL;
  const char* path = buf + 2;
  if (len == 2) return -EINVAL;
  if (path[0] == '\0') return -ECONNREFUSED;
  if (int64_t r = fs::normalize(fs::cwd(), path, &g_path); r < 0) return r;
  fs::Stat st{};
  int64_t r = hypercall(abi::Hypercall::kPathOp, static_cast<uint64_t>(abi::PathOp::kStat),
                        reinterpret_cast<uint64_t>(g_path.path), g_path.length, 0, 0, reinterpret_cast<uint64_t>(&st));
  return r < 0 ? r : -ECONNREFUSED;
}

constexpr int kMsgDontwait = 0x40, kMsgNosignal = 0x4000, kMsgPeek = 0x2;
constexpr int kSigPipe = 13;

// The pipe end `end` takes the socket's blocking mode for one call.
void set_nonblock(File* end, bool nonblock) { end->flags = (end->flags & ~kONonblock) | (nonblock ? kONonblock : 0); }

}  // namespace

int64_t socket_read(File* f, char* buf, uint64_t n, bool nonblock) {
  if (!f->rx) return f->connected ? 0 : -ENOTCONN;  // shut down for reading: end of file
  set_nonblock(f->rx, nonblock);
  return fs::pipe_read(f->rx, buf, n);
}

int64_t socket_write(File* f, const char* buf, uint64_t n, bool nonblock) {
  if (!f->connected) return -ENOTCONN;
  if (!f->tx) return -EPIPE;  // shut down for writing
  set_nonblock(f->tx, nonblock);
  return fs::pipe_write(f->tx, buf, n);
}

uint32_t socket_poll(const File* f) {
  // ABI: POLLIN 0x1, POLLOUT 0x4, POLLERR 0x8, POLLHUP 0x10, POLLRDNORM 0x40,
  // POLLWRNORM 0x100, POLLWRBAND 0x200, POLLRDHUP 0x2000. Linux's unix_poll: a peer
  // that stopped sending is end of file to read (POLLIN, POLLRDHUP); a hang-up
  // (POLLHUP) needs both ways shut.
  uint32_t mask = 0;
  uint32_t in = f->rx ? fs::pipe_poll(f->rx) : 0x10;
  uint32_t out = f->tx ? fs::pipe_poll(f->tx) : 0x8;
  if (in & 0x1) mask |= 0x1 | 0x40;
  if (in & 0x10) mask |= 0x1 | 0x40 | 0x2000;
  if ((in & 0x10) && (out & 0x8)) mask |= 0x10;
  if (out & 0x4) mask |= 0x4 | 0x100 | 0x200;
  return mask;
}

int64_t sys_socket(int domain, int type, int protocol) {
  int kind = type & ~(kSockNonblock | kSockCloexec);
  if (domain == kAfInet || domain == kAfInet6) return unsupported("network sockets (AF_INET, AF_INET6)");
  if (domain == kAfNetlink) return unsupported("netlink sockets");
  if (domain != kAfUnix) return -EAFNOSUPPORT;
  if (kind != kSockStream && kind != kSockDgram && kind != kSockSeqpacket) return -EINVAL;
  if (protocol != 0) return -EPROTONOSUPPORT;
  File* f = fs::file_new(FileKind::kSocket, kORdwr | ((type & kSockNonblock) ? kONonblock : 0), nullptr);
  if (!f) return -ENOMEM;
  f->socket_type = static_cast<uint32_t>(kind);
  return fs::fd_install(f, type & kSockCloexec);
}

int64_t sys_connect(int fd, uint64_t addr, uint64_t len) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  return connect_unix(addr, len);
}

int64_t sys_sendto(int fd, uint64_t buf, uint64_t n, int flags, uint64_t addr, uint64_t len) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  if (f->connected) {
    if (addr) return -EISCONN;
    if (n > (1u << 30)) n = 1u << 30;
    if (!UserPtr<const char>(buf).prepare(n, false)) return -EFAULT;
    // SAFETY: prepare() checked [buf, buf+n).
    int64_t r = socket_write(f, reinterpret_cast<const char*>(buf), n,
                             (f->flags & kONonblock) || (flags & kMsgDontwait));
    if (r == -EPIPE && !(flags & kMsgNosignal)) raise_signal(kSigPipe);
    return r;
  }
  // A datagram to an address (syslog's /dev/log) finds nobody; a stream has no peer.
  if (addr && f->socket_type == static_cast<uint32_t>(kSockDgram)) return connect_unix(addr, len);
  return f->socket_type == static_cast<uint32_t>(kSockStream) ? -EPIPE : -ENOTCONN;
}

int64_t sys_recvfrom(int fd, uint64_t buf, uint64_t n, int flags, uint64_t addr, uint64_t addrlen) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  if (!f->connected) return -ENOTCONN;
  if (flags & kMsgPeek) return unsupported("recv with MSG_PEEK");
  if (n > (1u << 30)) n = 1u << 30;
  if (!UserPtr<char>(buf).prepare(n, true)) return -EFAULT;
  // SAFETY: prepare() checked and mapped [buf, buf+n) for writing.
  int64_t r = socket_read(f, reinterpret_cast<char*>(buf), n, (f->flags & kONonblock) || (flags & kMsgDontwait));
  // A connected stream socket's peer has no name to report.
  if (r >= 0 && addr && addrlen && !UserPtr<uint32_t>(addrlen).write(0u)) return -EFAULT;
  return r;
}

int64_t sys_shutdown(int fd, int how) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  if (how < 0 || how > 2) return -EINVAL;
  if (!f->connected) return -ENOTCONN;
  // SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2: the peer reads end of file once we stop sending.
  if (how != 1 && f->rx) {
    fs::file_put(f->rx);
    f->rx = nullptr;
  }
  if (how != 0 && f->tx) {
    fs::file_put(f->tx);
    f->tx = nullptr;
  }
  return 0;
}

int64_t sys_getpeername(int fd, uint64_t addr, uint64_t addrlen) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  if (!f->connected) return -ENOTCONN;
  return sys_getsockname(fd, addr, addrlen);  // unnamed, like ours
}

// An unbound AF_UNIX socket's name is just its family.
int64_t sys_getsockname(int fd, uint64_t addr, uint64_t addrlen) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  uint32_t len;
  if (!UserPtr<uint32_t>(addrlen).read(&len)) return -EFAULT;
  if (static_cast<int32_t>(len) < 0) return -EINVAL;
  uint16_t family = kAfUnix;
  if (len >= 2 && !UserPtr<uint16_t>(addr).write(family)) return -EFAULT;
  return UserPtr<uint32_t>(addrlen).write(2u) ? 0 : -EFAULT;
}

int64_t sys_getsockopt(int fd, int level, int optname, uint64_t optval, uint64_t optlen) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  if (level != kSolSocket) return -EOPNOTSUPP;
  int value;
  switch (optname) {
    case kSoType: value = static_cast<int>(f->socket_type); break;
    case kSoError: value = 0; break;
    case kSoDomain: value = kAfUnix; break;
    case kSoProtocol: value = 0; break;
    default: return unsupported("getsockopt option other than SO_TYPE, SO_ERROR, SO_DOMAIN, SO_PROTOCOL");
  }
  uint32_t len;
  if (!UserPtr<uint32_t>(optlen).read(&len)) return -EFAULT;
  if (static_cast<int32_t>(len) < 0) return -EINVAL;
  if (len > sizeof(value)) len = sizeof(value);
  if (!UserPtr<char>(optval).write(reinterpret_cast<const char*>(&value), len)) return -EFAULT;
  return UserPtr<uint32_t>(optlen).write(len) ? 0 : -EFAULT;
}

int64_t sys_bind(int fd, uint64_t, uint64_t) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  return unsupported("bind (a socket that others connect to)");
}

int64_t sys_listen(int fd, int) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  return unsupported("listen");
}

int64_t sys_socketpair(int domain, int type, int protocol, uint64_t sv) {
  int kind = type & ~(kSockNonblock | kSockCloexec);
  if (domain == kAfInet || domain == kAfInet6) return -EOPNOTSUPP;
  if (domain != kAfUnix) return -EAFNOSUPPORT;
  if (kind != kSockStream && kind != kSockDgram && kind != kSockSeqpacket) return -EINVAL;
  if (protocol != 0) return -EPROTONOSUPPORT;
  if (kind != kSockStream) return unsupported("socketpair of datagram or seqpacket sockets");
  if (!UserPtr<int32_t>(sv).prepare(2, true)) return -EFAULT;
  File *r1, *w1, *r2, *w2;
  if (int64_t e = fs::pipe_create(0, &r1, &w1); e < 0) return e;
  if (int64_t e = fs::pipe_create(0, &r2, &w2); e < 0) {
    fs::file_put(r1);
    fs::file_put(w1);
    return e;
  }
  uint32_t flags = kORdwr | ((type & kSockNonblock) ? kONonblock : 0);
  File* a = fs::file_new(FileKind::kSocket, flags, nullptr);
  File* b = fs::file_new(FileKind::kSocket, flags, nullptr);
  if (!a || !b) {
    for (File* x : {r1, w1, r2, w2}) fs::file_put(x);
    if (a) fs::file_put(a);
    if (b) fs::file_put(b);
    return -ENOMEM;
  }
  a->socket_type = b->socket_type = static_cast<uint32_t>(kind);
  a->connected = b->connected = true;
  a->rx = r1, a->tx = w2;
  b->rx = r2, b->tx = w1;
  int64_t fa = fs::fd_install(a, type & kSockCloexec);
  if (fa < 0) {
    fs::file_put(a);
    fs::file_put(b);
    return fa;
  }
  int64_t fb = fs::fd_install(b, type & kSockCloexec);
  if (fb < 0) {
    fs::fd_close(static_cast<int>(fa));
    fs::file_put(b);
    return fb;
  }
  int32_t fds[2] = {static_cast<int32_t>(fa), static_cast<int32_t>(fb)};
  UserPtr<int32_t>(sv).write(fds, 2);
  return 0;
}

}  // namespace burrow::kernel
