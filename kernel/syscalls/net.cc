// Sockets, as far as a VM with no network and no other process goes: AF_UNIX
// sockets can be made, and connecting one finds nobody listening (the host's
// sockets are outside the sandbox by design), so glibc's NSS falls back from nscd
// to the files quietly, exactly as on a host without nscd. Network families,
// listening and socket pairs are not offered yet: ENOSYS plus a note.
#include "burrow/abi/hypercall.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/path.h"
#include "fs/stat.h"
#include "hypercall.h"
#include "syscalls/handlers.h"
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

}  // namespace

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

int64_t sys_sendto(int fd, uint64_t, uint64_t, int, uint64_t addr, uint64_t len) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  // A datagram to an address (syslog's /dev/log) finds nobody; a stream has no peer.
  if (addr && f->socket_type == static_cast<uint32_t>(kSockDgram)) return connect_unix(addr, len);
  return f->socket_type == static_cast<uint32_t>(kSockStream) ? -EPIPE : -ENOTCONN;
}

int64_t sys_recvfrom(int fd, uint64_t, uint64_t, int, uint64_t, uint64_t) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  return -ENOTCONN;
}

int64_t sys_shutdown(int fd, int) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  return -ENOTCONN;
}

int64_t sys_getpeername(int fd, uint64_t, uint64_t) {
  File* f;
  if (int64_t r = socket_file(fd, &f); r < 0) return r;
  return -ENOTCONN;
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

int64_t sys_socketpair(int, int, int, uint64_t) { return unsupported("socketpair"); }

}  // namespace burrow::kernel
