// File hypercalls. Linux's errno comes back to the guest unchanged; anything the
// guest could use to reach beyond its handles or its sandbox is refused first.
#include "hypercalls/files.h"
#include "hypercalls/hypercalls.h"

#include "burrow/abi/hypercall.h"
#include "fs/realpath.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <climits>
#include <cstring>
#include <span>

namespace burrow::hypercalls {
namespace {

using abi::FileOp;
using abi::PathOp;

constexpr uint64_t kMaxIo = 0x7ffff000;  // MAX_RW_COUNT
constexpr size_t kMaxHandles = 65536;

int64_t result(long r) { return r < 0 ? -errno : r; }

}  // namespace

FileService::FileService(const memory::GuestMemory& mem, uint64_t cr3, fs::Sandbox& sandbox)
    : mem_(mem), cr3_(cr3), sandbox_(sandbox) {
  for (int fd = 0; fd < 3; ++fd) handles_.push_back({fd, false, false, false});
}

FileService::~FileService() {
  for (const auto& h : handles_)
    if (h.owned && h.fd >= 0) ::close(h.fd);
}

FileService::Handle* FileService::get(uint64_t handle) {
  if (handle >= handles_.size() || handles_[handle].fd < 0) return nullptr;
  return &handles_[handle];
}

std::optional<std::string> FileService::guest_path(uint64_t va, uint64_t len) {
  if (len == 0 || len >= PATH_MAX) return std::nullopt;
  std::string s(len, '\0');
  if (!get_bytes(va, s.data(), len)) return std::nullopt;
  return s;
}

int64_t FileService::install(int fd, bool read_only, bool is_dir, bool read_access, bool regular) {
  // Handles 0-2 stay the monitor's standard streams, even once the guest closed them:
  // the guest knows them by number (BootInfo::stdio_traits).
  size_t slot = 3;
  while (slot < handles_.size() && handles_[slot].fd >= 0) ++slot;
  if (slot == kMaxHandles) {
    ::close(fd);
    return -ENFILE;
  }
  if (slot == handles_.size()) handles_.emplace_back();
  handles_[slot] = {fd, read_only, true, read_access, regular};
  return static_cast<int64_t>(slot) | (is_dir ? (int64_t{1} << 32) : 0);
}

bool FileService::put_canonical(uint64_t buf, const std::string& path) {
  if (path.size() + 1 > abi::kPathMax) return false;
  return put(buf, path.c_str(), path.size() + 1);
}

namespace {

// File systems whose reads neither block for long nor have side effects: only
// there does an open read ahead (a FUSE or network file may take its time, and a read
// nobody asked for must not cost that).
bool local_file_system(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return false;
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0xEF53:      // ext2, ext3, ext4
    case 0x58465342:  // xfs
    case 0x9123683E:  // btrfs
    case 0x01021994:  // tmpfs
    case 0x858458F6:  // ramfs
    case 0x794C7630:  // overlayfs
    case 0xF2F52010:  // f2fs
    case 0x73717368:  // squashfs
    case 0xE0F5E1E2:  // erofs
    case 0x2FC12FC1:  // zfs
      return true;
    default:
      return false;
  }
}

// kOpen's read-ahead into `out` (see abi::Hypercall::kOpen): the first bytes of a
// regular file (pread: the position stays 0), or the first records of a directory
// (then rewound to its start). Returns the bytes read; *end when they are all there
// is. Nothing (0, not *end) when the file cannot be read so.
size_t read_ahead(int fd, bool is_dir, uint64_t file_size, std::span<uint8_t> out, bool* end) {
  *end = false;
  if (!is_dir) {
    // A file that fits comes whole (programs read small files to the end: their
    // sources, configuration, .pyc); of a larger one only what a program probing its
    // header reads (ld.so: 832 bytes), since reading it through costs many exits
    // anyway and most opens of big files are for mmap.
    constexpr size_t kProbe = 4096;
    if (file_size >= out.size()) out = out.first(std::min(out.size(), kProbe));
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return 0;
      if (n == 0) {
        *end = true;
        break;
      }
      done += static_cast<size_t>(n);
      // A regular file on a local file system reads short only at its end: no
      // second pread to be told so.
      if (done < out.size()) {
        *end = true;
        break;
      }
    }
    return done;
  }
  size_t done = 0;
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, out.data() + done, out.size() - done);
    if (n < 0) {
      // EINVAL: the next record does not fit; anything else: give up on read-ahead.
      if (errno != EINVAL) done = 0;
      break;
    }
    if (n == 0) {
      *end = true;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    *end = false;
    return 0;
  }
  return done;
}

}  // namespace

// local_file_system() once per block device: what it holds stays put for the VM's
// life (at worst a changed one costs a read-ahead nobody asked for, or misses one).
bool FileService::local_device(int fd, dev_t dev) {
  // Anonymous devices (major 0: network, FUSE, tmpfs, overlay) are numbered again
  // after an unmount: asked every time.
  if (major(dev) == 0) return local_file_system(fd);
  auto it = local_devices_.find(dev);
  if (it != local_devices_.end()) return it->second;
  bool local = local_file_system(fd);
  if (local_devices_.size() < 64) local_devices_.emplace(dev, local);
  return local;
}

int64_t FileService::open(uint64_t path, uint64_t len, uint64_t flags, uint64_t mode, uint64_t canonical,
                          uint64_t stat_buf, uint64_t ahead, uint64_t ahead_capacity) {
  if (ahead_capacity > abi::kOpenAheadMax) return -EINVAL;
  auto p = guest_path(path, len);
  if (!p) return len >= PATH_MAX ? -ENAMETOOLONG : -EFAULT;
  if (*p == "/dev/tty") {
    // Opening a terminal may wait (a serial line's carrier): not the poller's to do.
    if (polling_) return abi::kPollRetry;
    // The user's terminal is the VM's console; without one, Linux's answer.
    int fd = ::open("/dev/tty", (static_cast<int>(flags) & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -errno;
    return install(fd, false, false);
  }
  fs::Opened opened;
  int64_t r = sandbox_.open(*p, static_cast<int>(flags), static_cast<mode_t>(mode & 07777), &opened);
  if (r < 0) return r;
  struct stat st {};
  bool have_stat = ::fstat(opened.host_fd, &st) == 0;
  bool is_dir = have_stat && S_ISDIR(st.st_mode);
  if (is_dir && canonical && !put_canonical(canonical, fs::real_path(sandbox_, *p))) {
    ::close(opened.host_fd);
    return -EFAULT;
  }
  // Read-ahead for descriptors opened to read: the guest serves the program's first
  // reads (or getdents) from it. The status below is taken after it, so the access
  // time it shows is the one the program's read will have left.
  bool ahead_filled = false;
  if (ahead && ahead_capacity && have_stat && (S_ISREG(st.st_mode) || is_dir) &&
      (flags & O_ACCMODE) == O_RDONLY && !(flags & O_PATH) && local_device(opened.host_fd, st.st_dev)) {
    ahead_.resize(sizeof(abi::OpenAhead) + ahead_capacity + abi::kMaxPageProfileBytes);
    bool end = false;
    uint8_t* data = ahead_.data() + sizeof(abi::OpenAhead);
    size_t n = read_ahead(opened.host_fd, is_dir, static_cast<uint64_t>(st.st_size), {data, ahead_capacity}, &end);
    abi::OpenAhead header{n, end ? abi::kAheadEnd : 0, 0};
    // An ELF file is opened to be mapped (ld.so's libraries): its page profile comes
    // along. A file read whole has none worth having (one fault maps all of it);
    // others (a big .pyc) are not worth the monitor's lookup.
    if (!is_dir && end) header.flags |= abi::kAheadProfile;
    if (profiles_ && !is_dir && n >= 4 && std::memcmp(data, "\x7f" "ELF", 4) == 0) {
      std::vector<uint8_t> bits = profiles_->get(opened.host_fd);
      header.profile_bytes = std::min<uint64_t>(bits.size(), abi::kMaxPageProfileBytes);
      if (header.profile_bytes) std::memcpy(data + n, bits.data(), header.profile_bytes);
      header.flags |= abi::kAheadProfile;
    }
    std::memcpy(ahead_.data(), &header, sizeof(header));
    if (!put(ahead, ahead_.data(), sizeof(header) + n + header.profile_bytes)) {
      ::close(opened.host_fd);
      return -EFAULT;
    }
    ahead_filled = true;
    have_stat = ::fstat(opened.host_fd, &st) == 0;
  }
  // The status goes back with the handle: the fstat programs do right after an open
  // then costs no exit (the guest uses it only if nothing else reached the monitor
  // in between).
  if (have_stat && stat_buf && !put(stat_buf, &st, sizeof(st))) {
    ::close(opened.host_fd);
    return -EFAULT;
  }
  int64_t h = install(opened.host_fd, opened.read_only_mount, is_dir, (flags & O_ACCMODE) == O_RDONLY,
                      S_ISREG(st.st_mode));
  if (h < 0) return h;
  if (S_ISREG(st.st_mode)) h |= int64_t{1} << 33;
  if (have_stat && stat_buf) h |= int64_t{1} << 34;
  if (ahead_filled) h |= int64_t{1} << 35;
  return h;
}

int64_t FileService::close(uint64_t handle) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  if (h->owned) ::close(h->fd);
  *h = Handle{};
  return 0;
}

void FileService::retain_only(const std::set<uint64_t>& keep) {
  for (uint64_t i = 0; i < handles_.size(); ++i)
    if (!keep.contains(i) && handles_[i].fd >= 0) close(i);
}

// read/write/pread/pwrite: straight between the host fd and the guest's pages.
// `offset` < 0 means the file position.
int64_t FileService::transfer(uint64_t handle, uint64_t buf, uint64_t len, int64_t offset, bool into_guest) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  len = std::min(len, kMaxIo);
  // SAFETY: guest_iovecs checked every page of the buffer is guest memory the
  // program may access this way; readv fills it in place, writev reads it.
  if (!memory::guest_iovecs(mem_, cr3_, buf, len, into_guest, &iov_)) return -EFAULT;
  int count = static_cast<int>(std::min<size_t>(iov_.size(), IOV_MAX));
  ssize_t n;
  do {
    if (offset < 0)
      n = into_guest ? ::readv(h->fd, iov_.data(), count) : ::writev(h->fd, iov_.data(), count);
    else
      n = into_guest ? ::preadv(h->fd, iov_.data(), count, offset) : ::pwritev(h->fd, iov_.data(), count, offset);
  } while (n < 0 && errno == EINTR && !host_signal_pending());
  return result(n);
}

int64_t FileService::read(uint64_t handle, uint64_t buf, uint64_t len) { return transfer(handle, buf, len, -1, true); }
int64_t FileService::write(uint64_t handle, uint64_t buf, uint64_t len) {
  return transfer(handle, buf, len, -1, false);
}

int64_t FileService::pread(uint64_t handle, uint64_t buf, uint64_t len, uint64_t offset) {
  if (!get(handle)) return -EBADF;
  if (static_cast<int64_t>(offset) < 0) return -EINVAL;
  return transfer(handle, buf, len, static_cast<int64_t>(offset), true);
}

int64_t FileService::pwrite(uint64_t handle, uint64_t buf, uint64_t len, uint64_t offset) {
  if (!get(handle)) return -EBADF;
  if (static_cast<int64_t>(offset) < 0) return -EINVAL;
  return transfer(handle, buf, len, static_cast<int64_t>(offset), false);
}

int64_t FileService::memfd(uint64_t name, uint64_t len, uint64_t flags) {
  constexpr uint64_t kMaxName = 249;  // Linux: NAME_MAX minus "memfd:"
  if (len > kMaxName) return -EINVAL;
  if (flags & ~uint64_t{MFD_ALLOW_SEALING}) return -EINVAL;
  char buf[kMaxName + 1] = {};
  if (len && !get_bytes(name, buf, len)) return -EFAULT;
  if (std::memchr(buf, '\0', len)) return -EINVAL;
  int fd = ::memfd_create(buf, MFD_CLOEXEC | static_cast<unsigned>(flags));
  if (fd < 0) return -errno;
  int64_t h = install(fd, false, false, false, true);
  return h < 0 ? h : h | (int64_t{1} << 33);
}

int64_t FileService::poll(uint64_t entries, uint64_t count, int64_t timeout_ns) {
  if (count == 0 || count > abi::kMaxPollEntries) return -EINVAL;
  std::vector<abi::PollEntry> in(count);
  if (!get_bytes(entries, in.data(), count * sizeof(abi::PollEntry))) return -EFAULT;
  std::vector<pollfd> fds(count);
  for (uint64_t i = 0; i < count; ++i) {
    Handle* h = get(in[i].handle);
    // A bad handle polls as an invalid fd: POLLNVAL, as poll(2) says of one.
    fds[i] = {h ? h->fd : -1, static_cast<short>(in[i].events), 0};
  }
  // Some entry answers at once (POLLNVAL): the host is asked without waiting.
  bool invalid = std::any_of(fds.begin(), fds.end(), [](const pollfd& p) { return p.fd < 0; });
  if (invalid) timeout_ns = 0;
  // The deadline is kept across EINTR (a signal to the monitor) so a retry does not
  // wait longer than asked.
  auto now_ns = [] {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
  };
  int64_t deadline = timeout_ns >= 0 ? now_ns() + timeout_ns : 0;
  int n;
  for (;;) {
    timespec left{}, *wait = nullptr;
    if (timeout_ns >= 0) {
      int64_t ns = std::max<int64_t>(deadline - now_ns(), 0);
      left = {ns / 1'000'000'000, ns % 1'000'000'000};
      wait = &left;
    }
    n = ::ppoll(fds.data(), fds.size(), wait, nullptr);
    if (n >= 0 || errno != EINTR || host_signal_pending()) break;
  }
  if (n < 0) return -errno;
  int ready = 0;
  for (uint64_t i = 0; i < count; ++i) {
    in[i].revents = fds[i].fd < 0 ? POLLNVAL : static_cast<uint16_t>(fds[i].revents);
    if (in[i].revents) ++ready;
  }
  if (!put(entries, in.data(), count * sizeof(abi::PollEntry))) return -EFAULT;
  return ready;
}

int64_t FileService::seek(uint64_t handle, uint64_t offset, uint64_t whence) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  if (whence > SEEK_HOLE) return -EINVAL;
  return result(::lseek(h->fd, static_cast<off_t>(offset), static_cast<int>(whence)));
}

int64_t FileService::fstat(uint64_t handle, uint64_t buf) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  struct stat st {};
  static_assert(sizeof(st) == 144, "ABI: struct stat on x86-64");
  if (::fstat(h->fd, &st) < 0) return -errno;
  return put(buf, &st, sizeof(st)) ? 0 : -EFAULT;
}

int64_t FileService::getdents(uint64_t handle, uint64_t buf, uint64_t len) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  std::vector<uint8_t> staging(std::min<uint64_t>(len, 1 << 20));
  long n = ::syscall(SYS_getdents64, h->fd, staging.data(), staging.size());
  if (n < 0) return -errno;
  return put(buf, staging.data(), static_cast<size_t>(n)) ? n : -EFAULT;
}

int64_t FileService::ioctl(uint64_t handle, uint64_t request, uint64_t arg) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  // ABI: TCGETS fills the kernel's struct termios (4 flags, line, 19 cc: 36 bytes),
  // not glibc's 60-byte one: glibc's tcgetattr passes a 36-byte buffer. winsize is 8.
  constexpr size_t kKernelTermiosSize = 36;
  size_t size;
  if (request == TCGETS)
    size = kKernelTermiosSize;
  else if (request == TIOCGWINSZ)
    size = sizeof(winsize);
  else if (request == FIONREAD)
    size = sizeof(int);
  else
    return -ENOTTY;
  uint8_t out[64] = {};
  if (::ioctl(h->fd, request, out) < 0) return -errno;
  return put(arg, out, size) ? 0 : -EFAULT;
}

// The runs of a kFillFromFile or kWriteToFile request, every one checked before any
// frame is touched: nullopt when a run is out of bounds, empty when unreadable.
std::optional<std::vector<abi::FileFill>> FileService::runs(uint64_t fills, uint64_t count) {
  if (count == 0 || count > abi::kMaxFileFills) return std::nullopt;
  std::vector<abi::FileFill> out(count);
  if (!get_bytes(fills, out.data(), count * sizeof(abi::FileFill))) return std::vector<abi::FileFill>{};
  for (const auto& r : out)
    if (r.len > (2u << 20) || static_cast<int64_t>(r.offset) < 0 || !mem_.at(r.phys, r.len)) return std::nullopt;
  return out;
}

int64_t FileService::fill(uint64_t handle, uint64_t fills, uint64_t count, std::vector<abi::FileFill>* filled) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  auto checked = runs(fills, count);
  if (!checked) return -EINVAL;
  if (checked->empty()) return -EFAULT;
  int64_t total = 0;
  if (filled) *filled = *checked;
  for (const auto& r : *checked) {
    // SAFETY: [phys, phys+len) was checked to lie inside guest memory.
    uint8_t* dst = mem_.at(r.phys, r.len);
    uint64_t done = 0;
    while (done < r.len) {
      ssize_t n = ::pread(h->fd, dst + done, r.len - done, static_cast<off_t>(r.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -errno;
      if (n == 0) break;  // end of file: the rest of the frame stays zero
      done += static_cast<uint64_t>(n);
    }
    total += static_cast<int64_t>(done);
  }
  return total;
}

int64_t FileService::page_profile(uint64_t handle, uint64_t buf, uint64_t capacity) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  if (capacity > abi::kMaxPageProfileBytes) return -EINVAL;
  if (!profiles_) return 0;
  std::vector<uint8_t> bits = h->read_access ? profiles_->get(h->fd) : std::vector<uint8_t>{};
  size_t n = std::min<size_t>(bits.size(), capacity);
  if (n && !put(buf, bits.data(), n)) return -EFAULT;
  return static_cast<int64_t>(n);
}

int64_t FileService::add_page_profiles(uint64_t updates, uint64_t count) {
  if (count > abi::kMaxPageProfileUpdates) return -EINVAL;
  abi::PageProfileUpdate u[abi::kMaxPageProfileUpdates];
  if (count && !get_bytes(updates, u, count * sizeof(u[0]))) return -EFAULT;
  for (uint64_t i = 0; i < count; ++i) {
    const Handle* h = get(u[i].handle);
    if (!h) return -EBADF;
    // Only files opened to read learn profiles (images and libraries): one written
    // changes identity with every write, and each version would leave a profile.
    if (!h->read_access || u[i].bytes > abi::kMaxPageProfileBytes) return -EINVAL;
  }
  // Every bitmap is read before any is taken: a bad one changes nothing.
  std::vector<std::vector<uint8_t>> bits(count);
  for (uint64_t i = 0; i < count; ++i) {
    bits[i].resize(u[i].bytes);
    if (!get_bytes(u[i].bitmap, bits[i].data(), bits[i].size())) return -EFAULT;
  }
  if (profiles_)
    for (uint64_t i = 0; i < count; ++i) profiles_->add(get(u[i].handle)->fd, bits[i]);
  return 0;
}

int64_t FileService::write_back(uint64_t handle, uint64_t fills, uint64_t count) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  if (h->read_only) return -EROFS;
  auto checked = runs(fills, count);
  if (!checked) return -EINVAL;
  if (checked->empty()) return -EFAULT;
  struct stat st {};
  if (::fstat(h->fd, &st) < 0) return -errno;
  int64_t total = 0;
  for (const auto& r : *checked) {
    if (r.offset >= static_cast<uint64_t>(st.st_size)) continue;
    uint64_t len = std::min<uint64_t>(r.len, static_cast<uint64_t>(st.st_size) - r.offset);
    // SAFETY: [phys, phys+len) was checked to lie inside guest memory.
    const uint8_t* src = mem_.at(r.phys, len);
    uint64_t done = 0;
    while (done < len) {
      ssize_t n = ::pwrite(h->fd, src + done, len - done, static_cast<off_t>(r.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -errno;
      done += static_cast<uint64_t>(n);
    }
    total += static_cast<int64_t>(done);
  }
  return total;
}

int64_t FileService::get_flags(uint64_t handle) {
  Handle* h = get(handle);
  if (!h) return -EBADF;
  return result(::fcntl(h->fd, F_GETFL));
}

int64_t FileService::chown_allowed(int fd, uint64_t uid, uint64_t gid) {
  // The guest may keep a file's owner or give it its own identity, nothing else.
  struct stat st {};
  if (::fstat(fd, &st) < 0) return -errno;
  auto ok = [](uint64_t want, uint64_t current, uint64_t own) {
    return want == static_cast<uint32_t>(-1) || want == current || want == own;
  };
  if (!ok(uid, st.st_uid, ::geteuid()) || !ok(gid, st.st_gid, ::getegid())) return -EPERM;
  return 0;
}

int64_t FileService::file_op(const uint64_t* args) {
  auto op = static_cast<FileOp>(args[0]);
  uint64_t a = args[2], b = args[3], c = args[4], d = args[5];
  if (op == FileOp::kSyncAll) {
    ::sync();
    return 0;
  }
  Handle* h = get(args[1]);
  if (!h) return -EBADF;
  switch (op) {
    case FileOp::kChmod:
      if (h->read_only) return -EROFS;
      return result(::fchmod(h->fd, static_cast<mode_t>(a & 07777)));
    case FileOp::kChown:
      if (h->read_only) return -EROFS;
      if (int64_t r = chown_allowed(h->fd, a, b); r < 0) return r;
      return result(::fchown(h->fd, static_cast<uid_t>(a), static_cast<gid_t>(b)));
    case FileOp::kUtimens: {
      if (h->read_only) return -EROFS;
      timespec times[2];
      if (a && !get_bytes(a, times, sizeof(times))) return -EFAULT;
      return result(::futimens(h->fd, a ? times : nullptr));
    }
    // Data operations: a read-only mount only ever yields read-only fds, for
    // which the host gives Linux's own answer (EBADF, EINVAL).
    case FileOp::kTruncate:
      return result(::ftruncate(h->fd, static_cast<off_t>(a)));
    case FileOp::kAllocate:
      return result(::fallocate(h->fd, static_cast<int>(a), static_cast<off_t>(b), static_cast<off_t>(c)));
    case FileOp::kSync:
      return result(::fsync(h->fd));
    case FileOp::kDataSync:
      return result(::fdatasync(h->fd));
    case FileOp::kStatfs: {
      struct statfs st {};
      if (::fstatfs(h->fd, &st) < 0) return -errno;
      return put(a, &st, sizeof(st)) ? 0 : -EFAULT;
    }
    case FileOp::kFlock:
      return result(::flock(h->fd, static_cast<int>(a)));
    case FileOp::kSetFlags:
      return result(::fcntl(h->fd, F_SETFL, static_cast<int>(a)));
    case FileOp::kLock: {
      int cmd = static_cast<int>(a);
      if (cmd != F_GETLK && cmd != F_SETLK && cmd != F_SETLKW && cmd != F_OFD_GETLK && cmd != F_OFD_SETLK &&
          cmd != F_OFD_SETLKW)
        return -EINVAL;
      struct flock lock {};
      if (!get_bytes(b, &lock, sizeof(lock))) return -EFAULT;
      if (::fcntl(h->fd, cmd, &lock) < 0) return -errno;
      return put(b, &lock, sizeof(lock)) ? 0 : -EFAULT;
    }
    case FileOp::kSendfile: {
      Handle* in = get(a);
      if (!in) return -EBADF;
      off_t offset = 0;
      if (b && !get_bytes(b, &offset, sizeof(offset))) return -EFAULT;
      ssize_t n = ::sendfile(h->fd, in->fd, b ? &offset : nullptr, std::min(c, kMaxIo));
      if (n < 0) return -errno;
      if (b && !put(b, &offset, sizeof(offset))) return -EFAULT;
      return n;
    }
    case FileOp::kCopyRange: {
      Handle* in = get(a);
      if (!in) return -EBADF;
      if (h->read_only) return -EBADF;
      loff_t off_in = 0, off_out = 0;
      if (b && !get_bytes(b, &off_in, sizeof(off_in))) return -EFAULT;
      if (d && !get_bytes(d, &off_out, sizeof(off_out))) return -EFAULT;
      ssize_t n = ::copy_file_range(in->fd, b ? &off_in : nullptr, h->fd, d ? &off_out : nullptr,
                                    std::min(c, kMaxIo), 0);
      if (n < 0) return -errno;
      if (b && !put(b, &off_in, sizeof(off_in))) return -EFAULT;
      if (d && !put(d, &off_out, sizeof(off_out))) return -EFAULT;
      return n;
    }
    default:
      return -EINVAL;
  }
}

int64_t FileService::path_op(const uint64_t* args) {
  auto op = static_cast<PathOp>(args[0]);
  auto path = guest_path(args[1], args[2]);
  if (!path) return args[2] >= PATH_MAX ? -ENAMETOOLONG : -EFAULT;
  uint64_t a = args[5], b = args[6];
  auto second = [&]() { return guest_path(args[3], args[4]); };
  switch (op) {
    case PathOp::kStat:
    case PathOp::kLstat: {
      struct stat st {};
      int64_t r = sandbox_.stat(*path, op == PathOp::kStat, &st);
      if (r < 0) return r;
      return put(a, &st, sizeof(st)) ? 0 : -EFAULT;
    }
    case PathOp::kAccess:
      return sandbox_.access(*path, static_cast<int>(a), static_cast<int>(b));
    case PathOp::kMkdir:
      return sandbox_.mkdir(*path, static_cast<mode_t>(a & 07777));
    case PathOp::kRmdir:
      return sandbox_.rmdir(*path);
    case PathOp::kUnlink:
      return sandbox_.unlink(*path);
    case PathOp::kRename:
    case PathOp::kLink:
    case PathOp::kSymlink: {
      auto to = second();
      if (!to) return -EFAULT;
      if (op == PathOp::kRename) return sandbox_.rename(*path, *to, static_cast<unsigned>(a));
      if (op == PathOp::kSymlink) return sandbox_.symlink(*path, *to);
      if (a & AT_SYMLINK_FOLLOW) return -EINVAL;
      return sandbox_.link(*path, *to);
    }
    case PathOp::kReadlink: {
      std::string target;
      int64_t r = sandbox_.readlink(*path, &target);
      if (r < 0) return r;
      size_t n = std::min<size_t>(target.size(), b);
      return put(a, target.data(), n) ? static_cast<int64_t>(n) : -EFAULT;
    }
    case PathOp::kChmod:
      return sandbox_.chmod(*path, static_cast<mode_t>(a & 07777), true);
    case PathOp::kChown:
    case PathOp::kLchown:
      return sandbox_.chown(*path, static_cast<uid_t>(a), static_cast<gid_t>(b), op == PathOp::kChown);
    case PathOp::kUtimens: {
      timespec times[2];
      if (a && !get_bytes(a, times, sizeof(times))) return -EFAULT;
      return sandbox_.utimens(*path, a ? times : nullptr, b != 0);
    }
    case PathOp::kTruncate:
      return sandbox_.truncate(*path, static_cast<off_t>(a));
    case PathOp::kStatfs: {
      struct statfs st {};
      int64_t r = sandbox_.statfs(*path, &st);
      if (r < 0) return r;
      return put(a, &st, sizeof(st)) ? 0 : -EFAULT;
    }
    case PathOp::kChdir: {
      struct stat st {};
      int64_t r = sandbox_.stat(*path, true, &st);
      if (r < 0) return r;
      if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
      if ((r = sandbox_.access(*path, X_OK, 0)) < 0) return r;
      return put_canonical(a, fs::real_path(sandbox_, *path)) ? 0 : -EFAULT;
    }
    case PathOp::kMknod:
      return sandbox_.mknod(*path, static_cast<mode_t>(a));
    default:
      return -EINVAL;
  }
}

}  // namespace burrow::hypercalls
