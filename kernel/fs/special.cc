// /dev and /proc as the guest serves them.
#include "fs/special.h"

#include "boot.h"
#include "clock.h"
#include "fs/fdtable.h"
#include "fs/stat.h"
#include "lib/string.h"
#include "lib/writer.h"
#include "mm/frames.h"
#include "mm/vma.h"
#include "syscalls/errno.h"
#include "uaccess.h"

namespace burrow::kernel::fs {
namespace {

constexpr uint64_t kProcDev = 0x16;  // a made-up device number for the guest's procfs

struct Device {
  const char* path;
  FileKind kind;
  uint32_t major, minor;
};
// /dev/tty is not here: the monitor opens the user's terminal for it.
constexpr Device kDevices[] = {
    {"/dev/null", FileKind::kNull, 1, 3},      {"/dev/zero", FileKind::kZero, 1, 5},
    {"/dev/full", FileKind::kFull, 1, 7},      {"/dev/random", FileKind::kRandom, 1, 8},
    {"/dev/urandom", FileKind::kRandom, 1, 9},
};

bool equals(const ResolvedPath& p, const char* s) { return strcmp_eq(p.path, s); }

// "/proc/self", "/proc/thread-self" and "/proc/<pid>" all name this process; returns
// the rest of the path after it ("" or "/..."), or nullptr.
const char* proc_self_rest(const char* path) {
  const char* kProc = "/proc/";
  if (memcmp(path, kProc, 6) != 0) return nullptr;
  const char* s = path + 6;
  auto skip = [&](const char* word) -> const char* {
    size_t n = strlen(word);
    if (memcmp(s, word, n) == 0 && (s[n] == '\0' || s[n] == '/')) return s + n;
    return nullptr;
  };
  if (const char* r = skip("self")) return r;
  if (const char* r = skip("thread-self")) return r;
  uint64_t pid = 0;
  const char* d = s;
  while (*d >= '0' && *d <= '9') pid = pid * 10 + static_cast<uint64_t>(*d++ - '0');
  if (d != s && (*d == '\0' || *d == '/') && pid == boot_info().pid) return d;
  return nullptr;
}

// "/fd/N" → N, else -1.
int fd_number(const char* rest, const char* prefix) {
  size_t n = strlen(prefix);
  if (memcmp(rest, prefix, n) != 0) return -1;
  const char* d = rest + n;
  if (*d < '0' || *d > '9') return -1;
  int fd = 0;
  while (*d >= '0' && *d <= '9') {
    fd = fd * 10 + (*d++ - '0');
    if (fd >= kMaxFds) return -1;
  }
  return *d == '\0' ? fd : -1;
}

// Which descriptor a /dev/std*, /dev/fd/N or /proc/self/fd/N path names, or -1.
int aliased_fd(const char* path) {
  if (strcmp_eq(path, "/dev/stdin")) return 0;
  if (strcmp_eq(path, "/dev/stdout")) return 1;
  if (strcmp_eq(path, "/dev/stderr")) return 2;
  if (int fd = fd_number(path, "/dev/fd/"); fd >= 0) return fd;
  if (const char* rest = proc_self_rest(path)) return fd_number(rest, "/fd/");
  return -1;
}

// Replaces the path with `target` (absolute, normalized).
bool rewrite(ResolvedPath& p, const char* target) {
  size_t n = strlen(target);
  if (n + 1 > sizeof(p.path)) return false;
  memcpy(p.path, target, n + 1);
  p.length = n;
  p.trailing_slash = false;
  p.last = LastComponent::kName;
  return true;
}

// For links into the real file system: the path they point at, or nullptr.
const char* link_target(const char* path) {
  const char* rest = proc_self_rest(path);
  if (rest && strcmp_eq(rest, "/exe")) return boot_info().exe_path;
  if (rest && strcmp_eq(rest, "/cwd")) return cwd();
  if (rest && strcmp_eq(rest, "/root")) return "/";
  int fd = aliased_fd(path);
  if (fd < 0) return nullptr;
  File* f = fd_get(fd);
  return f && f->kind == FileKind::kHost && f->path ? f->path : nullptr;
}

void describe_fd(const File* f, Writer& w) {
  if (f->path) {
    w.str(f->path);
    return;
  }
  switch (f->kind) {
    case FileKind::kPipe:
      w.str("pipe:[").dec(reinterpret_cast<uint64_t>(f->pipe) & 0xFFFFFF).str("]");
      return;
    case FileKind::kHost:
      // Standard streams inherited from the host: what they are is the host's business.
      w.str("/dev/pts/0");
      return;
    case FileKind::kSocket:
      w.str("socket:[").dec(reinterpret_cast<uint64_t>(f) & 0xFFFFFF).str("]");
      return;
    case FileKind::kEpoll:
      w.str("anon_inode:[eventpoll]");
      return;
    case FileKind::kEventfd:
      w.str("anon_inode:[eventfd]");
      return;
    default:
      w.str("anon_inode:[burrow]");
  }
}

using Generator = bool (*)(File* f);

bool emit(File* f, const Writer& w) { return !w.truncated() && file_append(f, w.data(), w.size()); }

bool gen_cmdline(File* f) {
  const abi::BootInfo& b = boot_info();
  // SAFETY: the argument block lies in the program's stack, mapped by the monitor.
  if (b.arg_end <= b.arg_start || !UserPtr<char>(b.arg_start).prepare(b.arg_end - b.arg_start, false)) return true;
  return file_append(f, reinterpret_cast<const char*>(b.arg_start), b.arg_end - b.arg_start);
}

bool gen_environ(File* f) {
  const abi::BootInfo& b = boot_info();
  if (b.env_end <= b.env_start || !UserPtr<char>(b.env_start).prepare(b.env_end - b.env_start, false)) return true;
  return file_append(f, reinterpret_cast<const char*>(b.env_start), b.env_end - b.env_start);
}

bool gen_auxv(File* f) {
  const abi::BootInfo& b = boot_info();
  return file_append(f, reinterpret_cast<const char*>(b.auxv), b.auxv_count * 16);
}

// /proc/self/maps from the program's areas, in Linux's format (device and inode
// are not the host's: 00:00 0).
bool gen_maps(File* f) {
  const mm::VmaMap& vmas = mm::program_vmas();
  char buf[fs::kPathMax + 128];
  for (uint32_t i = 0; i < vmas.size(); ++i) {
    const mm::Vma& v = vmas[i];
    Writer w(buf, sizeof(buf));
    w.hex(v.start, 8).ch('-').hex(v.end, 8).ch(' ');
    w.ch(v.prot & mm::kProtRead ? 'r' : '-').ch(v.prot & mm::kProtWrite ? 'w' : '-');
    w.ch(v.prot & mm::kProtExec ? 'x' : '-').ch(v.flags & mm::kVmaShared ? 's' : 'p').ch(' ');
    w.hex(v.file ? v.file_offset : 0, 8).str(" 00:00 0");
    const char* name = v.kind == mm::VmaKind::kBrk     ? "[heap]"
                       : v.kind == mm::VmaKind::kStack ? "[stack]"
                       : v.kind == mm::VmaKind::kVvar  ? "[vvar]"
                       : v.kind == mm::VmaKind::kVdso  ? "[vdso]"
                       : v.file ? reinterpret_cast<const File*>(v.file)->path
                                : nullptr;  // anonymous, like an image's bss beyond its file bytes
    if (name) {
      // ABI: Linux pads the name to start at column 73 (seq_pad).
      while (w.size() < 72) w.ch(' ');
      w.ch(' ').str(name);
    } else {
      w.ch(' ');  // ABI: the inode field is followed by a space even with no name
    }
    w.ch('\n');
    if (!emit(f, w)) return false;
  }
  return true;
}

bool gen_meminfo(File* f) {
  char buf[512];
  Writer w(buf, sizeof(buf));
  uint64_t total_kb = boot_info().memory_size >> 10, free_kb = mm::frames_free_count() * 4;
  auto line = [&](const char* name, uint64_t kb) { w.str(name).dec(kb, 16 - static_cast<int>(strlen(name)) + 8).str(" kB\n"); };
  line("MemTotal:", total_kb);
  line("MemFree:", free_kb);
  line("MemAvailable:", free_kb);
  line("Buffers:", 0);
  line("Cached:", 0);
  line("SwapTotal:", 0);
  line("SwapFree:", 0);
  return emit(f, w);
}

bool gen_cpuinfo(File* f) {
  const abi::BootInfo& b = boot_info();
  char buf[2048];
  for (uint32_t cpu = 0; cpu < b.cpu_count; ++cpu) {
    Writer w(buf, sizeof(buf));
    w.str("processor\t: ").dec(cpu).str("\n");
    w.str("vendor_id\t: ").str(b.cpu_vendor).str("\n");
    w.str("model name\t: ").str(b.cpu_model).str("\n");
    w.str("cpu MHz\t\t: ").dec(b.tsc_hz / 1'000'000).str(".000\n");
    w.str("siblings\t: ").dec(b.cpu_count).str("\ncpu cores\t: ").dec(b.cpu_count).str("\n");
    w.str("flags\t\t: ").str(b.cpu_flags).str("\n\n");
    if (!emit(f, w)) return false;
  }
  return true;
}

bool gen_fd_dir(File* f) {
  // A directory of the open descriptors: NUL-separated names, read by getdents64.
  char buf[16];
  for (int fd = 0; fd < fd_limit(); ++fd) {
    if (!fd_get(fd)) continue;
    Writer w(buf, sizeof(buf));
    w.dec(static_cast<uint64_t>(fd)).ch('\0');
    if (!emit(f, w)) return false;
  }
  return true;
}

struct ProcFile {
  const char* rest;  // after /proc/self, or a full path for system-wide files
  Generator generate;
  bool directory;
};
constexpr ProcFile kProcSelf[] = {
    {"/cmdline", gen_cmdline, false}, {"/environ", gen_environ, false}, {"/auxv", gen_auxv, false},
    {"/maps", gen_maps, false},       {"/fd", gen_fd_dir, true},
};
constexpr ProcFile kProcSystem[] = {
    {"/proc/meminfo", gen_meminfo, false},
    {"/proc/cpuinfo", gen_cpuinfo, false},
};

const ProcFile* find_proc(const char* path) {
  if (const char* rest = proc_self_rest(path)) {
    for (const auto& p : kProcSelf)
      if (strcmp_eq(rest, p.rest)) return &p;
    return nullptr;
  }
  for (const auto& p : kProcSystem)
    if (strcmp_eq(path, p.rest)) return &p;
  return nullptr;
}

bool under(const char* path, const char* dir) {
  size_t n = strlen(dir);
  return memcmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

// The host's kernel interfaces and device nodes: the guest has its own /proc, and
// of /dev only what it serves (plus /dev/shm, ordinary shared memory on tmpfs).
bool hidden(const char* path) {
  if (under(path, "/proc") || under(path, "/sys")) return true;
  return under(path, "/dev") && !strcmp_eq(path, "/dev") && !strcmp_eq(path, "/dev/") && !under(path, "/dev/shm") &&
         !strcmp_eq(path, "/dev/tty");
}

void fill_stat(Stat* st, uint32_t mode, uint64_t rdev, uint64_t ino) {
  *st = Stat{};
  st->dev = kProcDev;
  st->ino = ino;
  st->nlink = 1;
  st->mode = mode;
  st->uid = boot_info().uid;
  st->gid = boot_info().gid;
  st->rdev = rdev;
  st->blksize = 4096;
  int64_t now = realtime_ns();
  st->atime = st->mtime = st->ctime = now / 1'000'000'000;
  st->atime_ns = st->mtime_ns = st->ctime_ns = now % 1'000'000'000;
}

uint64_t makedev(uint32_t major, uint32_t minor) {
  return (uint64_t{minor} & 0xff) | ((uint64_t{major} & 0xfff) << 8) | ((uint64_t{minor} & ~0xffull) << 12);
}

}  // namespace

int64_t open_special(ResolvedPath& p, uint32_t flags, File** out) {
  for (const auto& d : kDevices) {
    if (!equals(p, d.path)) continue;
    *out = file_new(d.kind, flags, d.path);
    return *out ? 1 : -ENOMEM;
  }
  if (const char* target = link_target(p.path)) return rewrite(p, target) ? 0 : -ENAMETOOLONG;
  if (int fd = aliased_fd(p.path); fd >= 0) {
    // A pipe, a device or inherited stdio: nothing to reopen, so the new
    // descriptor shares the description (Linux's reopen differs only in offset).
    File* f = fd_get(fd);
    if (!f) return -ENOENT;
    file_get(f);
    *out = f;
    return 1;
  }
  if (const ProcFile* pf = find_proc(p.path)) {
    File* f = file_new(FileKind::kSynthetic, flags, p.path);
    if (!f) return -ENOMEM;
    f->is_dir = pf->directory;
    f->generate = pf->generate;
    *out = f;
    return 1;
  }
  if (hidden(p.path)) return -ENOENT;
  return 0;
}

bool follow_special(ResolvedPath& p) {
  const char* target = link_target(p.path);
  return target && rewrite(p, target);
}

const char* special_dir_link(const char* path) {
  if (!proc_self_rest(path) && !under(path, "/dev/fd")) return nullptr;
  const char* target = link_target(path);
  if (!target || target == boot_info().exe_path) return nullptr;
  return target;
}

int64_t readlink_special(const ResolvedPath& p, char* out, uint64_t cap) {
  Writer w(out, cap - 1);
  const char* rest = proc_self_rest(p.path);
  if (rest && strcmp_eq(rest, "/exe")) {
    w.str(boot_info().exe_path);
  } else if (rest && strcmp_eq(rest, "/cwd")) {
    w.str(cwd());
  } else if (rest && strcmp_eq(rest, "/root")) {
    w.str("/");
  } else if (strcmp_eq(p.path, "/proc/self")) {
    w.dec(boot_info().pid);
  } else if (strcmp_eq(p.path, "/proc/thread-self")) {
    w.dec(boot_info().pid).str("/task/").dec(boot_info().pid);
  } else if (int fd = aliased_fd(p.path); fd >= 0 && rest) {
    File* f = fd_get(fd);
    if (!f) return -ENOENT;
    describe_fd(f, w);
  } else if (strcmp_eq(p.path, "/dev/stdin") || strcmp_eq(p.path, "/dev/stdout") || strcmp_eq(p.path, "/dev/stderr")) {
    w.str("/proc/self/fd/").dec(static_cast<uint64_t>(aliased_fd(p.path)));
  } else if (strcmp_eq(p.path, "/dev/fd")) {
    w.str("/proc/self/fd");
  } else if (under(p.path, "/proc") || under(p.path, "/sys")) {
    // Not a link: EINVAL if it exists (/proc itself, /proc/PID, its files), else ENOENT.
    static constinit ResolvedPath probe{};
    probe = p;
    Stat st{};
    return find_proc(p.path) || stat_special(probe, &st) == 1 ? -EINVAL : -ENOENT;
  } else {
    return 0;
  }
  out[w.size()] = '\0';
  return 1;
}

int64_t lstat_special_link(const ResolvedPath& p, void* out) {
  // Linux's links among the special files: /proc/self and /proc/thread-self, the
  // process's exe, cwd, root and fd/N, /dev/std{in,out,err} and /dev/fd.
  const char* kProcLinks[] = {"/proc/self", "/proc/thread-self", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/fd"};
  bool link = false;
  for (const char* l : kProcLinks) link = link || strcmp_eq(p.path, l);
  const char* rest = proc_self_rest(p.path);
  if (rest && (strcmp_eq(rest, "/exe") || strcmp_eq(rest, "/cwd") || strcmp_eq(rest, "/root"))) link = true;
  if (rest) {
    int fd = fd_number(rest, "/fd/");
    if (fd >= 0) {
      if (!fd_get(fd)) return -ENOENT;
      link = true;
    }
  }
  if (!link) return 0;
  fill_stat(static_cast<Stat*>(out), kIfLnk | 0777, 0, 3);
  return 1;
}

int64_t stat_special(ResolvedPath& p, void* out) {
  auto* st = static_cast<Stat*>(out);
  if (const char* target = link_target(p.path)) return rewrite(p, target) ? 0 : -ENAMETOOLONG;
  for (const auto& d : kDevices) {
    if (!equals(p, d.path)) continue;
    fill_stat(st, kIfChr | 0666, makedev(d.major, d.minor), d.minor);
    return 1;
  }
  const char* rest = proc_self_rest(p.path);
  if (int fd = aliased_fd(p.path); fd >= 0) {
    File* f = fd_get(fd);
    if (!f) return -ENOENT;
    return fstat_special(f, out);
  }
  if (const ProcFile* pf = find_proc(p.path)) {
    fill_stat(st, pf->directory ? kIfDir | 0500 : kIfReg | 0444, 0, 2);
    return 1;
  }
  if (rest || strcmp_eq(p.path, "/proc")) {
    fill_stat(st, kIfDir | 0555, 0, 1);
    if (rest && *rest) return -ENOENT;
    return 1;
  }
  if (hidden(p.path)) return -ENOENT;
  return 0;
}

int64_t fstat_special(const File* f, void* out) {
  auto* st = static_cast<Stat*>(out);
  switch (f->kind) {
    case FileKind::kHost:
      return 0;
    case FileKind::kPipe:
      fill_stat(st, kIfIfo | 0600, 0, reinterpret_cast<uint64_t>(f->pipe) & 0xFFFFFF);
      st->blksize = 4096;
      return 1;
    case FileKind::kSynthetic:
      fill_stat(st, f->is_dir ? kIfDir | 0500 : kIfReg | 0444, 0, 2);
      return 1;
    case FileKind::kSocket:
      fill_stat(st, kIfSock | 0777, 0, reinterpret_cast<uint64_t>(f) & 0xFFFFFF);
      st->blksize = 4096;
      return 1;
    case FileKind::kEpoll:
    case FileKind::kEventfd:
      fill_stat(st, 0600, 0, 1);  // an anonymous inode: no file type bits
      st->blksize = 4096;
      return 1;
    default:
      for (const auto& d : kDevices) {
        if (d.kind != f->kind || !f->path || !strcmp_eq(f->path, d.path)) continue;
        fill_stat(st, kIfChr | 0666, makedev(d.major, d.minor), d.minor);
        return 1;
      }
      fill_stat(st, kIfChr | 0666, 0, 0);
      return 1;
  }
}

}  // namespace burrow::kernel::fs
