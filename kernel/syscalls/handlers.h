// Every system call the personality implements, by family. The dispatch table in
// table.cc lists the same names.
#pragma once

#include <cstdint>

#include "uaccess.h"

namespace burrow::kernel {

struct IoVec {  // ABI: struct iovec
  uint64_t base;
  uint64_t len;
};

// fs_io.cc — descriptors: reading, writing, duplicating, controlling.
int64_t sys_read(int fd, uint64_t buf, uint64_t count);
int64_t sys_write(int fd, uint64_t buf, uint64_t count);
int64_t sys_pread64(int fd, uint64_t buf, uint64_t count, int64_t offset);
int64_t sys_pwrite64(int fd, uint64_t buf, uint64_t count, int64_t offset);
int64_t sys_readv(int fd, UserPtr<const IoVec> iov, int iovcnt);
int64_t sys_writev(int fd, UserPtr<const IoVec> iov, int iovcnt);
int64_t sys_preadv(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset);
int64_t sys_pwritev(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset);
int64_t sys_preadv2(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset, int64_t, int flags);
int64_t sys_pwritev2(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset, int64_t, int flags);
int64_t sys_lseek(int fd, int64_t offset, int whence);
int64_t sys_close(int fd);
int64_t sys_close_range(uint32_t first, uint32_t last, uint32_t flags);
int64_t sys_dup(int fd);
int64_t sys_dup2(int oldfd, int newfd);
int64_t sys_dup3(int oldfd, int newfd, int flags);
int64_t sys_pipe(UserPtr<int32_t> fds);
int64_t sys_pipe2(UserPtr<int32_t> fds, int flags);
int64_t sys_fcntl(int fd, int cmd, uint64_t arg);
int64_t sys_ioctl(int fd, uint64_t request, uint64_t arg);
int64_t sys_flock(int fd, int operation);
int64_t sys_fsync(int fd);
int64_t sys_fdatasync(int fd);
int64_t sys_sync();
int64_t sys_syncfs(int fd);
int64_t sys_ftruncate(int fd, int64_t length);
int64_t sys_fallocate(int fd, int mode, int64_t offset, int64_t len);
int64_t sys_fchmod(int fd, uint32_t mode);
int64_t sys_fchown(int fd, uint32_t uid, uint32_t gid);
int64_t sys_fstat(int fd, uint64_t statbuf);
int64_t sys_fstatfs(int fd, uint64_t buf);
int64_t sys_getdents64(int fd, uint64_t buf, uint64_t count);
int64_t sys_sendfile(int out_fd, int in_fd, uint64_t offset, uint64_t count);
int64_t sys_fadvise64(int fd, int64_t offset, int64_t len, int advice);
int64_t sys_getxattr(uint64_t path, uint64_t name, uint64_t value, uint64_t size);
int64_t sys_lgetxattr(uint64_t path, uint64_t name, uint64_t value, uint64_t size);
int64_t sys_fgetxattr(int fd, uint64_t name, uint64_t value, uint64_t size);
int64_t sys_listxattr(uint64_t path, uint64_t list, uint64_t size);
int64_t sys_llistxattr(uint64_t path, uint64_t list, uint64_t size);
int64_t sys_flistxattr(int fd, uint64_t list, uint64_t size);
int64_t sys_setxattr(uint64_t path, uint64_t name, uint64_t value, uint64_t size, int flags);
int64_t sys_lsetxattr(uint64_t path, uint64_t name, uint64_t value, uint64_t size, int flags);
int64_t sys_fsetxattr(int fd, uint64_t name, uint64_t value, uint64_t size, int flags);
int64_t sys_removexattr(uint64_t path, uint64_t name);
int64_t sys_lremovexattr(uint64_t path, uint64_t name);
int64_t sys_fremovexattr(int fd, uint64_t name);
int64_t sys_copy_file_range(int fd_in, uint64_t off_in, int fd_out, uint64_t off_out, uint64_t len, uint32_t flags);

// fs_path.cc — names: opening, metadata, the directory tree, the current directory.
int64_t sys_open(uint64_t path, int flags, uint32_t mode);
int64_t sys_openat(int dirfd, uint64_t path, int flags, uint32_t mode);
int64_t sys_creat(uint64_t path, uint32_t mode);
int64_t sys_stat(uint64_t path, uint64_t statbuf);
int64_t sys_lstat(uint64_t path, uint64_t statbuf);
int64_t sys_newfstatat(int dirfd, uint64_t path, uint64_t statbuf, int flags);
int64_t sys_statx(int dirfd, uint64_t path, int flags, uint32_t mask, uint64_t buf);
int64_t sys_statfs(uint64_t path, uint64_t buf);
int64_t sys_access(uint64_t path, int mode);
int64_t sys_faccessat(int dirfd, uint64_t path, int mode);
int64_t sys_faccessat2(int dirfd, uint64_t path, int mode, int flags);
int64_t sys_readlink(uint64_t path, uint64_t buf, uint64_t size);
int64_t sys_readlinkat(int dirfd, uint64_t path, uint64_t buf, uint64_t size);
int64_t sys_mkdir(uint64_t path, uint32_t mode);
int64_t sys_mkdirat(int dirfd, uint64_t path, uint32_t mode);
int64_t sys_mknod(uint64_t path, uint32_t mode, uint64_t dev);
int64_t sys_mknodat(int dirfd, uint64_t path, uint32_t mode, uint64_t dev);
int64_t sys_rmdir(uint64_t path);
int64_t sys_unlink(uint64_t path);
int64_t sys_unlinkat(int dirfd, uint64_t path, int flags);
int64_t sys_rename(uint64_t oldpath, uint64_t newpath);
int64_t sys_renameat(int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath);
int64_t sys_renameat2(int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath, uint32_t flags);
int64_t sys_link(uint64_t oldpath, uint64_t newpath);
int64_t sys_linkat(int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath, int flags);
int64_t sys_symlink(uint64_t target, uint64_t linkpath);
int64_t sys_symlinkat(uint64_t target, int newdirfd, uint64_t linkpath);
int64_t sys_chmod(uint64_t path, uint32_t mode);
int64_t sys_fchmodat(int dirfd, uint64_t path, uint32_t mode);
int64_t sys_chown(uint64_t path, uint32_t uid, uint32_t gid);
int64_t sys_lchown(uint64_t path, uint32_t uid, uint32_t gid);
int64_t sys_fchownat(int dirfd, uint64_t path, uint32_t uid, uint32_t gid, int flags);
int64_t sys_utimensat(int dirfd, uint64_t path, uint64_t times, int flags);
int64_t sys_truncate(uint64_t path, int64_t length);
int64_t sys_getcwd(uint64_t buf, uint64_t size);
int64_t sys_chdir(uint64_t path);
int64_t sys_fchdir(int fd);
int64_t sys_umask(uint32_t mask);

// mm.cc — memory, served in the guest.
int64_t sys_brk(uint64_t addr);
int64_t sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t offset);
int64_t sys_munmap(uint64_t addr, uint64_t len);
int64_t sys_mprotect(uint64_t addr, uint64_t len, int prot);
int64_t sys_madvise(uint64_t addr, uint64_t len, int advice);
int64_t sys_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr);
int64_t sys_mincore(uint64_t start, uint64_t len, UserPtr<uint8_t> vec);
int64_t sys_msync(uint64_t start, uint64_t len, int flags);
int64_t sys_mlock(uint64_t start, uint64_t len);
int64_t sys_mlock2(uint64_t start, uint64_t len, int flags);
int64_t sys_munlock(uint64_t start, uint64_t len);
int64_t sys_mlockall(int flags);
int64_t sys_munlockall();

// process.cc — identity, exit, thread-area set-up.
int64_t sys_exit(int status);
int64_t sys_exit_group(int status);
int64_t sys_getpid();
int64_t sys_gettid();
int64_t sys_getppid();
int64_t sys_getuid();
int64_t sys_geteuid();
int64_t sys_getgid();
int64_t sys_getegid();
int64_t sys_getpgrp();
// What survives execve of the process's own state (the nice value).
void process_init(const abi::BootInfo& boot);
int64_t sys_getpriority(int which, int who);
int64_t sys_setpriority(int which, int who, int prio);
int64_t sys_getgroups(int size, UserPtr<uint32_t> list);
int64_t sys_set_tid_address(uint64_t tidptr);
int64_t sys_set_robust_list(uint64_t head, uint64_t len);
int64_t sys_rseq(uint64_t rseq, uint32_t len, int flags, uint32_t sig);
int64_t sys_arch_prctl(int code, uint64_t addr);
int64_t sys_sched_getaffinity(int pid, uint64_t len, UserPtr<uint8_t> mask);
int64_t sys_sched_yield();
int64_t sys_futex(uint64_t uaddr, int op, uint32_t val, uint64_t timeout, uint64_t uaddr2, uint32_t val3);
int64_t sys_wait4(int pid, uint64_t status, int options, uint64_t rusage);
int64_t sys_waitid(int which, int id, uint64_t info, int options, uint64_t rusage);
int64_t sys_prctl(int option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5);

// net.cc — AF_UNIX sockets with nobody to connect to.
int64_t sys_socket(int domain, int type, int protocol);
int64_t sys_connect(int fd, uint64_t addr, uint64_t len);
int64_t sys_sendto(int fd, uint64_t buf, uint64_t len, int flags, uint64_t addr, uint64_t addrlen);
int64_t sys_recvfrom(int fd, uint64_t buf, uint64_t len, int flags, uint64_t addr, uint64_t addrlen);
int64_t sys_shutdown(int fd, int how);
int64_t sys_getpeername(int fd, uint64_t addr, uint64_t addrlen);
int64_t sys_getsockname(int fd, uint64_t addr, uint64_t addrlen);
int64_t sys_getsockopt(int fd, int level, int optname, uint64_t optval, uint64_t optlen);
int64_t sys_bind(int fd, uint64_t addr, uint64_t len);
int64_t sys_listen(int fd, int backlog);
int64_t sys_socketpair(int domain, int type, int protocol, uint64_t sv);

// exec.cc — execve replaces the VM image; fork, vfork and clone are ENOSYS.
int64_t sys_execve(uint64_t path, uint64_t argv, uint64_t envp);
int64_t sys_execveat(int dirfd, uint64_t path, uint64_t argv, uint64_t envp, int flags);
int64_t sys_fork();
int64_t sys_vfork();
int64_t sys_clone(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid, uint64_t tls);
int64_t sys_clone3(uint64_t args, uint64_t size);

// signal.cc — dispositions and masks (delivery comes later), kill of oneself.
int64_t sys_rt_sigaction(int sig, uint64_t act, uint64_t oldact, uint64_t sigsetsize);
int64_t sys_rt_sigprocmask(int how, uint64_t set, uint64_t oldset, uint64_t sigsetsize);
int64_t sys_rt_sigpending(uint64_t set, uint64_t sigsetsize);
int64_t sys_sigaltstack(uint64_t ss, uint64_t old_ss);
int64_t sys_kill(int pid, int sig);
int64_t sys_tkill(int tid, int sig);
int64_t sys_tgkill(int tgid, int tid, int sig);

// time.cc — clocks from the TSC, no VM exit.
int64_t sys_clock_gettime(int clock, UserPtr<int64_t> ts);
int64_t sys_clock_getres(int clock, uint64_t ts);
int64_t sys_gettimeofday(UserPtr<int64_t> tv, uint64_t tz);
int64_t sys_getrusage(int who, uint64_t usage);
int64_t sys_get_mempolicy(uint64_t mode, uint64_t nodemask, uint64_t maxnode, uint64_t addr, uint64_t flags);
int64_t sys_eventfd(uint32_t initval);
int64_t sys_eventfd2(uint32_t initval, int flags);
int64_t sys_memfd_create(uint64_t name, uint32_t flags);

// timer.cc
int64_t sys_alarm(uint32_t seconds);
int64_t sys_setitimer(int which, uint64_t new_value, uint64_t old_value);
int64_t sys_getitimer(int which, uint64_t value);

// poll.cc
int64_t sys_epoll_create(int size);
int64_t sys_epoll_create1(int flags);
int64_t sys_epoll_ctl(int epfd, int op, int fd, uint64_t event);
int64_t sys_epoll_wait(int epfd, uint64_t events, int maxevents, int timeout_ms);
int64_t sys_epoll_pwait(int epfd, uint64_t events, int maxevents, int timeout_ms, uint64_t sigmask,
                        uint64_t sigsetsize);
int64_t sys_epoll_pwait2(int epfd, uint64_t events, int maxevents, uint64_t timeout, uint64_t sigmask,
                         uint64_t sigsetsize);
int64_t sys_poll(uint64_t fds, uint64_t n, int timeout_ms);
int64_t sys_ppoll(uint64_t fds, uint64_t n, uint64_t timeout, uint64_t sigmask, uint64_t sigsetsize);
int64_t sys_select(int nfds, uint64_t readfds, uint64_t writefds, uint64_t exceptfds, uint64_t timeout);
int64_t sys_pselect6(int nfds, uint64_t readfds, uint64_t writefds, uint64_t exceptfds, uint64_t timeout,
                     uint64_t sigmask);

int64_t sys_nanosleep(uint64_t req, uint64_t rem);
int64_t sys_clock_nanosleep(int clock, int flags, uint64_t req, uint64_t rem);
int64_t sys_time(uint64_t tloc);

// info.cc — uname, limits, randomness.
int64_t sys_uname(UserPtr<char> buf);
int64_t sys_sysinfo(uint64_t info);
int64_t sys_getrandom(UserPtr<char> buf, uint64_t len, uint32_t flags);
int64_t sys_prlimit64(int pid, int resource, uint64_t new_limit, uint64_t old_limit);
int64_t sys_getrlimit(int resource, uint64_t rlim);
int64_t sys_setrlimit(int resource, uint64_t rlim);

}  // namespace burrow::kernel
