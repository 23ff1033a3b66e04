#!/usr/bin/env python3
"""Generates abi/burrow/abi/syscalls.h, the one list of Linux x86-64 syscalls.

Numbers and names come from the host's <asm/unistd_64.h>; argument counts and kinds
from the table below, which is kept by hand. Every syscall in the header needs a line:
either its argument kinds, or a bare count for a rarely used call (its arguments are
then shown as hex). Run from anywhere:

    tools/gen_syscalls.py [--unistd PATH] [--out PATH]
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (kind, comment) in enum order, and group headings. The comment says how the argument
# is read and shown.
KINDS = [
    ("None", "no argument"),
    "Scalars.",
    ("Int", "int, signed decimal (the low 32 bits)"),
    ("UInt", "unsigned int, decimal (the low 32 bits)"),
    ("Long", "long, off_t, loff_t: signed decimal"),
    ("Size", "size_t: unsigned decimal"),
    ("Hex", "anything else: 0x..."),
    ("Ptr", "an address that is not read: NULL or 0x..."),
    ("Fd", "int; AT_FDCWD by name"),
    ("Mode", "mode_t, octal"),
    ("Signal", "signal number: SIGINT"),
    ("SigHow", "SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK"),
    ("ClockId", "CLOCK_MONOTONIC"),
    ("Whence", "SEEK_SET"),
    ("FcntlCmd", "F_GETFL; also decides how the argument after it is shown"),
    ("IoctlReq", "TCGETS, or _IOC(...)"),
    ("ArchPrctlCode", "ARCH_SET_FS"),
    ("FutexOp", "FUTEX_WAIT_PRIVATE; also decides which arguments after it are shown"),
    ("RlimitResource", "RLIMIT_STACK"),
    ("Madvise", "MADV_DONTNEED"),
    ("SockDomain", "AF_INET"),
    ("SockType", "SOCK_STREAM|SOCK_CLOEXEC"),
    "Flag sets.",
    ("OpenFlags", "O_RDONLY|O_CLOEXEC; a Mode after it is shown only with O_CREAT or O_TMPFILE"),
    ("CloexecFlags", "O_CLOEXEC|O_NONBLOCK without an access mode (pipe2, dup3)"),
    ("AtFlags", "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"),
    ("AccessMode", "F_OK, R_OK|W_OK"),
    ("Prot", "PROT_READ|PROT_WRITE"),
    ("MmapFlags", "MAP_PRIVATE|MAP_ANONYMOUS"),
    ("MremapFlags", "MREMAP_MAYMOVE"),
    ("CloneFlags", "CLONE_VM|CLONE_FS (clone's exit signal is shown by clone)"),
    ("SockFlags", "SOCK_CLOEXEC|SOCK_NONBLOCK (accept4)"),
    ("WaitOptions", "WNOHANG|WUNTRACED"),
    ("MsgFlags", "MSG_DONTWAIT|MSG_NOSIGNAL"),
    "Guest memory the call reads.",
    ("Str", "NUL-terminated string, e.g. a path"),
    ("BufIn", "buffer; its length is the next argument"),
    ("IovIn", "struct iovec array; its count is the next argument"),
    ("Argv", "NULL-terminated array of strings"),
    ("Envp", "NULL-terminated array of strings, shown as a count"),
    ("TimespecIn", "struct timespec"),
    ("SigSetIn", "sigset_t"),
    ("SigActionIn", "struct sigaction (the kernel's layout)"),
    ("RlimitIn", "struct rlimit"),
    ("SockaddrIn", "struct sockaddr; its length is the next argument"),
    ("EpollEventIn", "struct epoll_event"),
    ("PollFds", "struct pollfd array, count next; revents are shown with the result"),
    ("StructIn", "other struct: shown as its address"),
    "Guest memory the call writes: shown after the call, as an address if it failed.",
    ("BufOut", "buffer; its length is the return value"),
    ("StrOut", "NUL-terminated string (getcwd)"),
    ("IovOut", "struct iovec array; its count is the next argument, bytes the return value"),
    ("StatOut", "struct stat"),
    ("StatxOut", "struct statx"),
    ("TimespecOut", "struct timespec"),
    ("TimevalOut", "struct timeval"),
    ("UtsnameOut", "struct utsname"),
    ("SigSetOut", "sigset_t"),
    ("SigActionOut", "struct sigaction (the kernel's layout)"),
    ("RlimitOut", "struct rlimit"),
    ("FdPairOut", "int[2] (pipe, socketpair)"),
    ("SockaddrOut", "struct sockaddr; its length is in the IntInOut after it"),
    ("IntInOut", "int the call reads and writes through a pointer (socklen_t *)"),
    ("EpollEventsOut", "struct epoll_event array; its count is the return value"),
    ("DirentsOut", "linux_dirent(64) records: shown as an address and a count"),
    ("WaitStatusOut", "int wait status"),
    ("StructOut", "other struct: shown as its address"),
]

# name: argument kinds in order, or the argument count of a rarely used call.
ARGS = """
read: Fd BufOut Size
write: Fd BufIn Size
open: Str OpenFlags Mode
close: Fd
stat: Str StatOut
fstat: Fd StatOut
lstat: Str StatOut
poll: PollFds UInt Int
lseek: Fd Long Whence
mmap: Ptr Size Prot MmapFlags Fd Hex
mprotect: Ptr Size Prot
munmap: Ptr Size
brk: Ptr
rt_sigaction: Signal SigActionIn SigActionOut Size
rt_sigprocmask: SigHow SigSetIn SigSetOut Size
rt_sigreturn:
ioctl: Fd IoctlReq Hex
pread64: Fd BufOut Size Long
pwrite64: Fd BufIn Size Long
readv: Fd IovOut Int
writev: Fd IovIn Int
access: Str AccessMode
pipe: FdPairOut
select: Int StructIn StructIn StructIn StructIn
sched_yield:
mremap: Ptr Size Size MremapFlags Ptr
msync: Ptr Size Hex
mincore: Ptr Size Ptr
madvise: Ptr Size Madvise
shmget: Int Size Hex
shmat: Int Ptr Hex
shmctl: Int Int StructIn
dup: Fd
dup2: Fd Fd
pause:
nanosleep: TimespecIn Ptr
getitimer: Int StructOut
alarm: UInt
setitimer: Int StructIn StructOut
getpid:
sendfile: Fd Fd Ptr Size
socket: SockDomain SockType Int
connect: Fd SockaddrIn UInt
accept: Fd SockaddrOut IntInOut
sendto: Fd BufIn Size MsgFlags SockaddrIn UInt
recvfrom: Fd BufOut Size MsgFlags SockaddrOut IntInOut
sendmsg: Fd StructIn MsgFlags
recvmsg: Fd StructOut MsgFlags
shutdown: Fd Int
bind: Fd SockaddrIn UInt
listen: Fd Int
getsockname: Fd SockaddrOut IntInOut
getpeername: Fd SockaddrOut IntInOut
socketpair: SockDomain SockType Int FdPairOut
setsockopt: Fd Int Int StructIn UInt
getsockopt: Fd Int Int StructOut IntInOut
clone: CloneFlags Ptr Ptr Ptr Hex
fork:
vfork:
execve: Str Argv Envp
exit: Int
wait4: Int WaitStatusOut WaitOptions StructOut
kill: Int Signal
uname: UtsnameOut
semget: Int Int Hex
semop: Int StructIn Size
semctl: Int Int Int Hex
shmdt: Ptr
msgget: Int Hex
msgsnd: Int StructIn Size Hex
msgrcv: Int StructOut Size Long Hex
msgctl: Int Int StructOut
fcntl: Fd FcntlCmd Hex
flock: Fd Int
fsync: Fd
fdatasync: Fd
truncate: Str Long
ftruncate: Fd Long
getdents: Fd DirentsOut UInt
getcwd: StrOut Size
chdir: Str
fchdir: Fd
rename: Str Str
mkdir: Str Mode
rmdir: Str
creat: Str Mode
link: Str Str
unlink: Str
symlink: Str Str
readlink: Str BufOut Size
chmod: Str Mode
fchmod: Fd Mode
chown: Str Int Int
fchown: Fd Int Int
lchown: Str Int Int
umask: Mode
gettimeofday: TimevalOut StructOut
getrlimit: RlimitResource RlimitOut
getrusage: Int StructOut
sysinfo: StructOut
times: StructOut
ptrace: Long Int Ptr Ptr
getuid:
syslog: Int Ptr Int
getgid:
setuid: Int
setgid: Int
geteuid:
getegid:
setpgid: Int Int
getppid:
getpgrp:
setsid:
setreuid: Int Int
setregid: Int Int
getgroups: Int StructOut
setgroups: Size StructIn
setresuid: Int Int Int
getresuid: Ptr Ptr Ptr
setresgid: Int Int Int
getresgid: Ptr Ptr Ptr
getpgid: Int
setfsuid: Int
setfsgid: Int
getsid: Int
capget: StructIn StructOut
capset: StructIn StructIn
rt_sigpending: SigSetOut Size
rt_sigtimedwait: SigSetIn StructOut TimespecIn Size
rt_sigqueueinfo: Int Signal StructIn
rt_sigsuspend: SigSetIn Size
sigaltstack: StructIn StructOut
utime: Str StructIn
mknod: Str Mode Hex
uselib: Str
personality: Hex
ustat: Hex StructOut
statfs: Str StructOut
fstatfs: Fd StructOut
sysfs: 3
getpriority: Int Int
setpriority: Int Int Int
sched_setparam: Int StructIn
sched_getparam: Int StructOut
sched_setscheduler: Int Int StructIn
sched_getscheduler: Int
sched_get_priority_max: Int
sched_get_priority_min: Int
sched_rr_get_interval: Int TimespecOut
mlock: Ptr Size
munlock: Ptr Size
mlockall: Hex
munlockall:
vhangup:
modify_ldt: Int Ptr Size
pivot_root: Str Str
_sysctl: StructIn
prctl: Int Hex Hex Hex Hex
arch_prctl: ArchPrctlCode Hex
adjtimex: StructIn
setrlimit: RlimitResource RlimitIn
chroot: Str
sync:
acct: Str
settimeofday: StructIn StructIn
mount: Str Str Str Hex Ptr
umount2: Str Hex
swapon: Str Hex
swapoff: Str
reboot: Hex Hex Hex Ptr
sethostname: BufIn Size
setdomainname: BufIn Size
iopl: Int
ioperm: Hex Hex Int
create_module: 2
init_module: Ptr Size Str
delete_module: Str Hex
get_kernel_syms: 1
query_module: 5
quotactl: Hex Str Int Ptr
nfsservctl: 3
getpmsg: 5
putpmsg: 5
afs_syscall: 5
tuxcall: 3
security: 3
gettid:
readahead: Fd Long Size
setxattr: Str Str BufIn Size Hex
lsetxattr: Str Str BufIn Size Hex
fsetxattr: Fd Str BufIn Size Hex
getxattr: Str Str BufOut Size
lgetxattr: Str Str BufOut Size
fgetxattr: Fd Str BufOut Size
listxattr: Str BufOut Size
llistxattr: Str BufOut Size
flistxattr: Fd BufOut Size
removexattr: Str Str
lremovexattr: Str Str
fremovexattr: Fd Str
tkill: Int Signal
time: Ptr
futex: Ptr FutexOp Int TimespecIn Ptr Hex
sched_setaffinity: Int Size StructIn
sched_getaffinity: Int Size StructOut
set_thread_area: StructIn
io_setup: UInt Ptr
io_destroy: Hex
io_getevents: Hex Long Long StructOut TimespecIn
io_submit: Hex Long Ptr
io_cancel: Hex Ptr StructOut
get_thread_area: StructOut
lookup_dcookie: 3
epoll_create: Int
epoll_ctl_old: 4
epoll_wait_old: 4
remap_file_pages: Ptr Size Prot Size Hex
getdents64: Fd DirentsOut UInt
set_tid_address: Ptr
restart_syscall:
semtimedop: Int StructIn Size TimespecIn
fadvise64: Fd Long Long Int
timer_create: ClockId StructIn Ptr
timer_settime: Int Int StructIn StructOut
timer_gettime: Int StructOut
timer_getoverrun: Int
timer_delete: Int
clock_settime: ClockId TimespecIn
clock_gettime: ClockId TimespecOut
clock_getres: ClockId TimespecOut
clock_nanosleep: ClockId Hex TimespecIn Ptr
exit_group: Int
epoll_wait: Fd EpollEventsOut Int Int
epoll_ctl: Fd Int Fd EpollEventIn
tgkill: Int Int Signal
utimes: Str StructIn
vserver: 5
mbind: Ptr Size Int Ptr Size Hex
set_mempolicy: Int Ptr Size
get_mempolicy: Ptr Ptr Size Ptr Hex
mq_open: Str OpenFlags Mode StructIn
mq_unlink: Str
mq_timedsend: Fd BufIn Size UInt TimespecIn
mq_timedreceive: Fd BufOut Size Ptr TimespecIn
mq_notify: Fd StructIn
mq_getsetattr: Fd StructIn StructOut
kexec_load: 4
waitid: Int Int StructOut WaitOptions StructOut
add_key: Str Str BufIn Size Int
request_key: Str Str Str Int
keyctl: Int Hex Hex Hex Hex
ioprio_set: Int Int Int
ioprio_get: Int Int
inotify_init:
inotify_add_watch: Fd Str Hex
inotify_rm_watch: Fd Int
migrate_pages: Int Size Ptr Ptr
openat: Fd Str OpenFlags Mode
mkdirat: Fd Str Mode
mknodat: Fd Str Mode Hex
fchownat: Fd Str Int Int AtFlags
futimesat: Fd Str StructIn
newfstatat: Fd Str StatOut AtFlags
unlinkat: Fd Str AtFlags
renameat: Fd Str Fd Str
linkat: Fd Str Fd Str AtFlags
symlinkat: Str Fd Str
readlinkat: Fd Str BufOut Size
fchmodat: Fd Str Mode
faccessat: Fd Str AccessMode
pselect6: Int StructIn StructIn StructIn TimespecIn StructIn
ppoll: PollFds UInt TimespecIn SigSetIn Size
unshare: CloneFlags
set_robust_list: Ptr Size
get_robust_list: Int Ptr Ptr
splice: Fd Ptr Fd Ptr Size Hex
tee: Fd Fd Size Hex
sync_file_range: Fd Long Long Hex
vmsplice: Fd IovIn Size Hex
move_pages: Int Size Ptr Ptr Ptr Hex
utimensat: Fd Str StructIn AtFlags
epoll_pwait: Fd EpollEventsOut Int Int SigSetIn Size
signalfd: Fd SigSetIn Size
timerfd_create: ClockId Hex
eventfd: UInt
fallocate: Fd Int Long Long
timerfd_settime: Fd Int StructIn StructOut
timerfd_gettime: Fd StructOut
accept4: Fd SockaddrOut IntInOut SockFlags
signalfd4: Fd SigSetIn Size Hex
eventfd2: UInt Hex
epoll_create1: Hex
dup3: Fd Fd CloexecFlags
pipe2: FdPairOut CloexecFlags
inotify_init1: Hex
preadv: Fd IovOut Int Long Hex
pwritev: Fd IovIn Int Long Hex
rt_tgsigqueueinfo: Int Int Signal StructIn
perf_event_open: StructIn Int Int Fd Hex
recvmmsg: Fd StructOut UInt MsgFlags TimespecIn
fanotify_init: Hex Hex
fanotify_mark: Fd Hex Hex Fd Str
prlimit64: Int RlimitResource RlimitIn RlimitOut
name_to_handle_at: Fd Str StructOut Ptr AtFlags
open_by_handle_at: Fd StructIn OpenFlags
clock_adjtime: ClockId StructIn
syncfs: Fd
sendmmsg: Fd StructIn UInt MsgFlags
setns: Fd CloneFlags
getcpu: Ptr Ptr Ptr
process_vm_readv: Int Ptr Size Ptr Size Hex
process_vm_writev: Int Ptr Size Ptr Size Hex
kcmp: Int Int Int Hex Hex
finit_module: Fd Str Hex
sched_setattr: Int StructIn Hex
sched_getattr: Int StructOut UInt Hex
renameat2: Fd Str Fd Str Hex
seccomp: UInt UInt Ptr
getrandom: BufOut Size Hex
memfd_create: Str Hex
kexec_file_load: Fd Fd Size Str Hex
bpf: Int StructIn UInt
execveat: Fd Str Argv Envp AtFlags
userfaultfd: Hex
membarrier: Int Hex Int
mlock2: Ptr Size Hex
copy_file_range: Fd Ptr Fd Ptr Size Hex
preadv2: Fd IovOut Int Long Hex Hex
pwritev2: Fd IovIn Int Long Hex Hex
pkey_mprotect: Ptr Size Prot Int
pkey_alloc: Hex Hex
pkey_free: Int
statx: Fd Str AtFlags Hex StatxOut
io_pgetevents: Hex Long Long StructOut TimespecIn StructIn
rseq: Ptr Hex Hex Hex
pidfd_send_signal: Fd Signal StructIn Hex
io_uring_setup: UInt StructOut
io_uring_enter: Fd UInt UInt Hex Ptr Size
io_uring_register: Fd UInt Ptr UInt
open_tree: Fd Str Hex
move_mount: Fd Str Fd Str Hex
fsopen: Str Hex
fsconfig: Fd UInt Str Ptr Int
fsmount: Fd Hex Hex
fspick: Fd Str Hex
pidfd_open: Int Hex
clone3: StructIn Size
close_range: UInt UInt Hex
openat2: Fd Str StructIn Size
pidfd_getfd: Fd Fd Hex
faccessat2: Fd Str AccessMode AtFlags
process_madvise: Fd IovIn Size Madvise Hex
epoll_pwait2: Fd EpollEventsOut Int TimespecIn SigSetIn Size
mount_setattr: Fd Str AtFlags StructIn Size
quotactl_fd: Fd UInt Int Ptr
landlock_create_ruleset: StructIn Size Hex
landlock_add_rule: Fd Int Ptr Hex
landlock_restrict_self: Fd Hex
memfd_secret: Hex
process_mrelease: Fd Hex
futex_waitv: StructIn UInt Hex TimespecIn ClockId
set_mempolicy_home_node: Ptr Size Int Hex
"""

# Kinds whose length or count is the next argument.
NEEDS_NEXT = {"BufIn", "IovIn", "IovOut", "SockaddrIn", "SockaddrOut", "PollFds"}


def is_kind(row):
    return isinstance(row, tuple)


def parse_unistd(path):
    syscalls = {}
    for m in re.finditer(r"^#define __NR_(\w+)\s+(\d+)\s*$", path.read_text(), re.M):
        syscalls[int(m.group(2))] = m.group(1)
    return syscalls


def parse_args():
    names = {kind for kind, _ in filter(is_kind, KINDS)}
    table = {}
    for line in ARGS.strip().splitlines():
        name, _, spec = (part.strip() for part in line.partition(":"))
        if name in table:
            sys.exit(f"{name}: listed twice")
        if spec.isdigit():
            kinds = ["Hex"] * int(spec)
        else:
            kinds = spec.split()
        if len(kinds) > 6:
            sys.exit(f"{name}: more than six arguments")
        for i, kind in enumerate(kinds):
            if kind not in names:
                sys.exit(f"{name}: unknown kind {kind}")
            if kind in NEEDS_NEXT and i + 1 == len(kinds):
                sys.exit(f"{name}: {kind} needs a length argument after it")
        table[name] = kinds
    return table


def render(syscalls, table):
    out = [
        "// Generated by tools/gen_syscalls.py from <asm/unistd_64.h>; do not edit.",
        "// The one list of Linux x86-64 syscalls: number, name, argument count and how",
        "// each argument is read. The guest kernel's dispatch table, --strace and the",
        "// analyzer are all generated from BURROW_SYSCALL_LIST. Freestanding: <cstdint> only.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "",
        "namespace burrow::abi {",
        "",
        "// How one syscall argument is read and shown (see vmm/trace/strace.cc).",
        "enum class ArgKind : uint8_t {",
    ]
    width = max(len(kind) for kind, _ in filter(is_kind, KINDS)) + 3
    for row in KINDS:
        if is_kind(row):
            out.append(f"  {('k' + row[0] + ','):<{width}} // {row[1]}")
        else:
            out.append(f"  // {row}")
    out += [
        "};",
        "",
        "// One past the highest syscall number in the list.",
        f"inline constexpr uint32_t kSyscallMax = {max(syscalls) + 1};",
        "",
        "}  // namespace burrow::abi",
        "",
        "// X(number, name, nargs, kind0, ..., kind5) for every syscall, by number; unused",
        "// kinds are kNone. Names are those of the __NR_ macros.",
        "#define BURROW_SYSCALL_LIST(X) \\",
    ]
    rows = []
    for nr in sorted(syscalls):
        name = syscalls[nr]
        kinds = table[name]
        padded = ["k" + k for k in kinds] + ["kNone"] * (6 - len(kinds))
        rows.append(f"  X({nr}, {name}, {len(kinds)}, {', '.join(padded)})")
    out.append(" \\\n".join(rows))
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unistd", type=pathlib.Path,
                        default=pathlib.Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"))
    parser.add_argument("--out", type=pathlib.Path,
                        default=ROOT / "abi/burrow/abi/syscalls.h")
    opts = parser.parse_args()

    syscalls = parse_unistd(opts.unistd)
    table = parse_args()
    missing = sorted(set(syscalls.values()) - set(table))
    extra = sorted(set(table) - set(syscalls.values()))
    if missing or extra:
        sys.exit(f"argument table out of date: missing {missing}, unknown {extra}")
    opts.out.write_text(render(syscalls, table))
    print(f"wrote {opts.out}: {len(syscalls)} syscalls")


if __name__ == "__main__":
    main()
