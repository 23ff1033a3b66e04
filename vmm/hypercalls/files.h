// The host side of the file hypercalls: a table of this VM's host fds (handles),
// data moved straight between them and guest memory, names resolved only through
// the VM's Sandbox. Every argument comes from the guest and is checked here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <set>
#include <vector>

#include "burrow/abi/hypercall.h"
#include "fs/page_profiles.h"
#include "fs/sandbox.h"
#include "memory/guest_memory.h"

namespace burrow::hypercalls {

class FileService {
 public:
  FileService(const memory::GuestMemory& mem, uint64_t cr3, fs::Sandbox& sandbox);
  FileService(const FileService&) = delete;
  ~FileService();

  int64_t open(uint64_t path, uint64_t len, uint64_t flags, uint64_t mode, uint64_t canonical, uint64_t stat_buf = 0,
               uint64_t ahead = 0, uint64_t ahead_capacity = 0);
  int64_t close(uint64_t handle);
  // Hypercall::kMemfd.
  int64_t memfd(uint64_t name, uint64_t len, uint64_t flags);
  // Hypercall::kPoll.
  int64_t poll(uint64_t entries, uint64_t count, int64_t timeout_ns);
  int64_t read(uint64_t handle, uint64_t buf, uint64_t len);
  int64_t write(uint64_t handle, uint64_t buf, uint64_t len);
  int64_t pread(uint64_t handle, uint64_t buf, uint64_t len, uint64_t offset);
  int64_t pwrite(uint64_t handle, uint64_t buf, uint64_t len, uint64_t offset);
  int64_t seek(uint64_t handle, uint64_t offset, uint64_t whence);
  int64_t fstat(uint64_t handle, uint64_t buf);
  int64_t getdents(uint64_t handle, uint64_t buf, uint64_t len);
  int64_t ioctl(uint64_t handle, uint64_t request, uint64_t arg);
  int64_t get_flags(uint64_t handle);
  int64_t file_op(const uint64_t* args);  // FileOp, handle, a, b, c, d
  int64_t path_op(const uint64_t* args);  // PathOp, path, len, path2, len2, a, b, c
  // `filled`, when given, receives the runs (for the rewriter's patches).
  int64_t fill(uint64_t handle, uint64_t fills, uint64_t count, std::vector<abi::FileFill>* filled = nullptr);
  int64_t write_back(uint64_t handle, uint64_t fills, uint64_t count);
  // Hypercall::kPageProfile and kAddPageProfiles (answered "none known" without a
  // PageProfiles).
  int64_t page_profile(uint64_t handle, uint64_t buf, uint64_t capacity);
  int64_t add_page_profiles(uint64_t updates, uint64_t count);
  void set_page_profiles(fs::PageProfiles* profiles) { profiles_ = profiles; }

  // A read-only handle for a file the monitor opened (the program's image); takes
  // the fd. The handle, or -errno.
  int64_t adopt(int fd) { return install(fd, true, false, true, true); }

  // execve: the new program's page tables; only the handles it inherits stay open.
  void set_cr3(uint64_t cr3) { cr3_ = cr3; }
  bool valid(uint64_t handle) { return get(handle) != nullptr; }
  // A regular file's handle: its reads and writes never block for long (the poller's).
  bool regular(uint64_t handle) {
    const Handle* h = get(handle);
    return h && h->regular;
  }
  void retain_only(const std::set<uint64_t>& keep);
  // The host fd behind a handle (-1: none), for the rewriter's analysis of a file.
  int host_fd(uint64_t handle) {
    Handle* h = get(handle);
    return h ? h->fd : -1;
  }

 private:
  struct Handle {
    int fd = -1;
    bool read_only = false;    // opened inside a read-only mount
    bool owned = false;        // false for the monitor's own stdio
    bool read_access = false;  // opened O_RDONLY: its page profile may learn (kAddPageProfiles)
    bool regular = false;      // a regular file: reads and writes never block for long
  };
  Handle* get(uint64_t handle);
  int64_t transfer(uint64_t handle, uint64_t buf, uint64_t len, int64_t offset, bool into_guest);
  std::optional<std::vector<abi::FileFill>> runs(uint64_t fills, uint64_t count);
  std::optional<std::string> guest_path(uint64_t va, uint64_t len);
  bool put(uint64_t va, const void* src, size_t len) { return memory::write_virtual(mem_, cr3_, va, src, len); }
  bool get_bytes(uint64_t va, void* dst, size_t len) { return memory::read_virtual(mem_, cr3_, va, dst, len); }
  int64_t chown_allowed(int fd, uint64_t uid, uint64_t gid);
  int64_t install(int fd, bool read_only, bool is_dir, bool read_access = false, bool regular = false);
  bool put_canonical(uint64_t buf, const std::string& path);
  bool local_device(int fd, dev_t dev);
 public:
  // Set while the poller serves: calls that could wait answer abi::kPollRetry.
  void set_polling(bool polling) { polling_ = polling; }
 private:
  bool polling_ = false;

  const memory::GuestMemory& mem_;
  uint64_t cr3_;
  fs::Sandbox& sandbox_;
  fs::PageProfiles* profiles_ = nullptr;
  std::vector<Handle> handles_;
  std::vector<iovec> iov_;
  std::vector<uint8_t> ahead_;  // kOpen's read-ahead, staged
  std::map<dev_t, bool> local_devices_;  // local_device()'s answers
};

}  // namespace burrow::hypercalls
