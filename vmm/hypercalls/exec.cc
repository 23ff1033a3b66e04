// kExec: the guest's execve. Everything is copied out of guest memory and checked
// here; the runner then loads the program (or says why not) and, on success, builds
// the new VM image in place of the old one.
#include <cerrno>

#include "burrow/abi/boot_info.h"
#include "hypercalls/hypercalls.h"

namespace burrow::hypercalls {
namespace {

// Linux's limit on argument and environment strings with the default 8 MiB stack
// (a quarter of RLIMIT_STACK), and on one string (MAX_ARG_STRLEN).
constexpr size_t kMaxArgBytes = 2 << 20;
constexpr size_t kMaxArgStrlen = 32 * 4096;
// The kernel's fs::FileKind values up to kSynthetic (6); the guest sends only the
// kinds that survive an execve (host files and its devices), never sockets (7).
constexpr uint32_t kMaxFileKind = 6;

}  // namespace

int64_t Handler::exec(uint64_t request, Outcome* outcome) {
  abi::ExecRequest r;
  if (!memory::read_virtual(mem_, cr3_, request, &r, sizeof(r))) return -EFAULT;
  ExecPlan plan;
  if (r.path_len == 0 || r.path_len >= abi::kPathMax || r.cwd_len == 0 || r.cwd_len >= abi::kPathMax) return -EINVAL;
  plan.path.resize(r.path_len);
  plan.cwd.resize(r.cwd_len);
  if (!memory::read_virtual(mem_, cr3_, r.path, plan.path.data(), r.path_len) ||
      !memory::read_virtual(mem_, cr3_, r.cwd, plan.cwd.data(), r.cwd_len))
    return -EFAULT;
  if (plan.path[0] != '/' || plan.cwd[0] != '/' || plan.path.find('\0') != std::string::npos ||
      plan.cwd.find('\0') != std::string::npos)
    return -EINVAL;
  GuestMemoryReader reader(mem_, cr3_);
  auto execfn = trace::read_cstring(reader, r.execfn, abi::kPathMax);
  if (!execfn) return -EFAULT;
  if (execfn->size() > abi::kPathMax) return -ENAMETOOLONG;
  plan.execfn = *execfn;

  // argv and envp: NULL-terminated pointer arrays, as execve(2) reads them.
  size_t total = 0;
  for (auto [array, out] : {std::pair{r.argv, &plan.argv}, std::pair{r.envp, &plan.envp}}) {
    for (uint64_t i = 0; array; ++i) {
      uint64_t ptr;
      if (!memory::read_virtual(mem_, cr3_, array + 8 * i, &ptr, 8)) return -EFAULT;
      if (!ptr) break;
      auto s = trace::read_cstring(reader, ptr, kMaxArgStrlen);
      if (!s) return -EFAULT;
      if (s->size() > kMaxArgStrlen) return -E2BIG;
      total += s->size() + 1 + 8;
      if (total > kMaxArgBytes) return -E2BIG;
      out->push_back(std::move(*s));
    }
  }

  if (r.fd_count > abi::kMaxInheritedFds) return -EINVAL;
  std::set<uint64_t> keep;
  for (uint64_t i = 0; i < r.fd_count; ++i) {
    ExecPlan::Fd fd{};
    if (!memory::read_virtual(mem_, cr3_, r.fds + i * sizeof(abi::InheritedFd), &fd.fd, sizeof(fd.fd))) return -EFAULT;
    if (fd.fd.fd < 0 || fd.fd.kind > kMaxFileKind) return -EINVAL;
    if (fd.fd.kind == 0 /* kHost */) {
      if (!files_.valid(fd.fd.handle)) return -EBADF;
      keep.insert(fd.fd.handle);
    }
    if (fd.fd.path) {
      if (fd.fd.path_len == 0 || fd.fd.path_len >= abi::kPathMax) return -EINVAL;
      fd.path.resize(fd.fd.path_len);
      if (!memory::read_virtual(mem_, cr3_, fd.fd.path, fd.path.data(), fd.path.size())) return -EFAULT;
      if (fd.path.find('\0') != std::string::npos) return -EINVAL;
    }
    plan.fds.push_back(std::move(fd));
  }
  plan.sig_ignored = r.sig_ignored;
  plan.sig_blocked = r.sig_blocked;
  plan.umask = static_cast<uint32_t>(r.umask & 0777);
  if (r.nice < -20 || r.nice > 19) return -EINVAL;
  plan.nice = static_cast<int32_t>(r.nice);

  if (!exec_hook_) return -ENOSYS;
  int64_t loaded = exec_hook_(plan);
  if (loaded < 0) return loaded;
  files_.retain_only(keep);
  outcome->exec = true;
  return 0;
}

}  // namespace burrow::hypercalls
