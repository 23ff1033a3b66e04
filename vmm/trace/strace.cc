// --strace formatting. Each argument is shown by its ArgKind from the syscall list;
// the few calls that strace shows in a form of their own (clone, futex, fcntl, ...)
// are adjusted in one switch, fix_up(). Output was compared with strace 6.1.
#include "trace/strace.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "burrow/abi/syscalls.h"

namespace burrow::trace {
namespace {

using abi::ArgKind;

struct SyscallInfo {
  const char* name = nullptr;
  int nargs = 0;
  std::array<ArgKind, 6> kinds{};
};

constexpr auto kSyscalls = [] {
  std::array<SyscallInfo, abi::kSyscallMax> table{};
#define X(nr, name, nargs, k0, k1, k2, k3, k4, k5) \
  table[nr] = {#name, nargs, {ArgKind::k0, ArgKind::k1, ArgKind::k2, ArgKind::k3, ArgKind::k4, ArgKind::k5}};
  BURROW_SYSCALL_LIST(X)
#undef X
  return table;
}();

// Syscall numbers by name, for the calls that fix_up() and result() treat specially.
enum class Nr : uint64_t {
#define X(nr, name, ...) name = nr,
  BURROW_SYSCALL_LIST(X)
#undef X
};

// strace's defaults: -s 32 for strings and arrays, PATH_MAX for paths.
constexpr size_t kMaxStr = 32;
constexpr size_t kMaxPath = 4096;
// Bounds the arrays that are walked but not shown, so that a corrupt count cannot keep
// the tracer busy.
constexpr size_t kMaxScan = 1 << 16;
constexpr uint64_t kPageSize = 4096;
constexpr int kResultColumn = 39;
constexpr int32_t kAtFdcwd = -100;
constexpr size_t kUtsnameField = 65;

// ---- Names of constants (ABI: Linux x86-64 values) ----

struct Name {
  uint64_t value;
  const char* name;
};

constexpr Name kAccessModes[] = {{0, "O_RDONLY"}, {1, "O_WRONLY"}, {2, "O_RDWR"}, {3, "O_ACCMODE"}};
// In strace's order. O_TMPFILE includes O_DIRECTORY; the bare bit has the same name.
constexpr Name kOpenFlags[] = {
    {0100, "O_CREAT"},        {0200, "O_EXCL"},         {0400, "O_NOCTTY"},       {01000, "O_TRUNC"},
    {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},    {04010000, "O_SYNC"},     {010000, "O_DSYNC"},
    {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"}, {0400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},    {020200000, "O_TMPFILE"}, {020000000, "O_TMPFILE"},
    {0200000, "O_DIRECTORY"}, {020000, "FASYNC"}};
constexpr uint64_t kOCreat = 0100, kOTmpfileBit = 020000000;
constexpr Name kFileModeBits[] = {{04000, "S_ISUID"}, {02000, "S_ISGID"}, {01000, "S_ISVTX"}};
constexpr Name kFileTypes[] = {
    {0140000, "S_IFSOCK"}, {0120000, "S_IFLNK"},  {0100000, "S_IFREG"},  {060000, "S_IFBLK"},
    {040000, "S_IFDIR"},   {020000, "S_IFCHR"},   {010000, "S_IFIFO"}};
constexpr uint32_t kIfmt = 0170000, kIfchr = 020000, kIfblk = 060000;
constexpr Name kAtFlags[] = {
    {0x100, "AT_SYMLINK_NOFOLLOW"},  {0x200, "AT_REMOVEDIR"},         {0x400, "AT_SYMLINK_FOLLOW"},
    {0x800, "AT_NO_AUTOMOUNT"},      {0x1000, "AT_EMPTY_PATH"},       {0x2000, "AT_STATX_FORCE_SYNC"},
    {0x4000, "AT_STATX_DONT_SYNC"},  {0x8000, "AT_RECURSIVE"}};
constexpr Name kAccessFlags[] = {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}};
constexpr Name kProtFlags[] = {
    {1, "PROT_READ"},              {2, "PROT_WRITE"},             {4, "PROT_EXEC"},
    {8, "PROT_SEM"},               {0x1000000, "PROT_GROWSDOWN"}, {0x2000000, "PROT_GROWSUP"}};
constexpr Name kMapTypes[] = {
    {0, "MAP_FILE"},            {1, "MAP_SHARED"},          {2, "MAP_PRIVATE"},
    {3, "MAP_SHARED_VALIDATE"}};
constexpr Name kMapFlags[] = {
    {0x10, "MAP_FIXED"},               {0x20, "MAP_ANONYMOUS"},           {0x40, "MAP_32BIT"},
    {0x4000, "MAP_NORESERVE"},         {0x8000, "MAP_POPULATE"},          {0x10000, "MAP_NONBLOCK"},
    {0x100, "MAP_GROWSDOWN"},          {0x800, "MAP_DENYWRITE"},          {0x1000, "MAP_EXECUTABLE"},
    {0x2000, "MAP_LOCKED"},            {0x20000, "MAP_STACK"},            {0x40000, "MAP_HUGETLB"},
    {0x80000, "MAP_SYNC"},             {0x100000, "MAP_FIXED_NOREPLACE"}};
constexpr int kMapHugeShift = 26;
constexpr Name kMremapFlags[] = {{1, "MREMAP_MAYMOVE"}, {2, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"}};
constexpr uint64_t kMremapFixed = 2;
constexpr Name kCloneFlags[] = {
    {0x80, "CLONE_NEWTIME"},            {0x100, "CLONE_VM"},
    {0x200, "CLONE_FS"},                {0x400, "CLONE_FILES"},
    {0x800, "CLONE_SIGHAND"},           {0x1000, "CLONE_PIDFD"},
    {0x2000, "CLONE_PTRACE"},           {0x4000, "CLONE_VFORK"},
    {0x8000, "CLONE_PARENT"},           {0x10000, "CLONE_THREAD"},
    {0x20000, "CLONE_NEWNS"},           {0x40000, "CLONE_SYSVSEM"},
    {0x80000, "CLONE_SETTLS"},          {0x100000, "CLONE_PARENT_SETTID"},
    {0x200000, "CLONE_CHILD_CLEARTID"}, {0x400000, "CLONE_DETACHED"},
    {0x800000, "CLONE_UNTRACED"},       {0x1000000, "CLONE_CHILD_SETTID"},
    {0x2000000, "CLONE_NEWCGROUP"},     {0x4000000, "CLONE_NEWUTS"},
    {0x8000000, "CLONE_NEWIPC"},        {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},       {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"}};
constexpr uint64_t kCloneSettls = 0x80000, kCloneParentSettid = 0x100000, kClonePidfd = 0x1000,
                   kCloneChildTid = 0x200000 | 0x1000000;
constexpr Name kSockFlags[] = {{02000000, "SOCK_CLOEXEC"}, {04000, "SOCK_NONBLOCK"}};
constexpr Name kSockTypes[] = {
    {1, "SOCK_STREAM"},    {2, "SOCK_DGRAM"},     {3, "SOCK_RAW"},       {4, "SOCK_RDM"},
    {5, "SOCK_SEQPACKET"}, {6, "SOCK_DCCP"},      {10, "SOCK_PACKET"}};
constexpr Name kSockDomains[] = {
    {0, "AF_UNSPEC"},     {1, "AF_UNIX"},       {2, "AF_INET"},       {10, "AF_INET6"},
    {16, "AF_NETLINK"},   {17, "AF_PACKET"},    {29, "AF_CAN"},       {31, "AF_BLUETOOTH"},
    {38, "AF_ALG"},       {40, "AF_VSOCK"},     {44, "AF_XDP"}};
constexpr Name kIpProtocols[] = {
    {0, "IPPROTO_IP"},        {1, "IPPROTO_ICMP"},      {6, "IPPROTO_TCP"},       {17, "IPPROTO_UDP"},
    {41, "IPPROTO_IPV6"},     {58, "IPPROTO_ICMPV6"},   {132, "IPPROTO_SCTP"},    {136, "IPPROTO_UDPLITE"},
    {255, "IPPROTO_RAW"}};
constexpr Name kWaitOptions[] = {
    {1, "WNOHANG"},              {2, "WSTOPPED"},             {4, "WEXITED"},
    {8, "WCONTINUED"},           {0x1000000, "WNOWAIT"},      {0x20000000, "__WNOTHREAD"},
    {0x40000000, "__WALL"},      {0x80000000, "__WCLONE"}};
constexpr Name kSaFlags[] = {
    {0x04000000, "SA_RESTORER"},  {0x08000000, "SA_ONSTACK"},   {0x10000000, "SA_RESTART"},
    {0x40000000, "SA_NODEFER"},   {0x80000000, "SA_RESETHAND"}, {4, "SA_SIGINFO"},
    {1, "SA_NOCLDSTOP"},          {2, "SA_NOCLDWAIT"}};
constexpr uint64_t kSaRestorer = 0x04000000;
constexpr Name kFdFlags[] = {{1, "FD_CLOEXEC"}};
constexpr Name kSigHows[] = {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}};
constexpr Name kWhences[] = {
    {0, "SEEK_SET"},  {1, "SEEK_CUR"},  {2, "SEEK_END"},  {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}};
constexpr Name kClocks[] = {
    {0, "CLOCK_REALTIME"},           {1, "CLOCK_MONOTONIC"},          {2, "CLOCK_PROCESS_CPUTIME_ID"},
    {3, "CLOCK_THREAD_CPUTIME_ID"},  {4, "CLOCK_MONOTONIC_RAW"},      {5, "CLOCK_REALTIME_COARSE"},
    {6, "CLOCK_MONOTONIC_COARSE"},   {7, "CLOCK_BOOTTIME"},           {8, "CLOCK_REALTIME_ALARM"},
    {9, "CLOCK_BOOTTIME_ALARM"},     {11, "CLOCK_TAI"}};
constexpr Name kArchPrctlCodes[] = {
    {0x1001, "ARCH_SET_GS"},         {0x1002, "ARCH_SET_FS"},         {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"},         {0x1011, "ARCH_GET_CPUID"},      {0x1012, "ARCH_SET_CPUID"},
    {0x1021, "ARCH_GET_XCOMP_SUPP"}, {0x1022, "ARCH_GET_XCOMP_PERM"}, {0x1023, "ARCH_REQ_XCOMP_PERM"},
    {0x2001, "ARCH_MAP_VDSO_X32"},   {0x2002, "ARCH_MAP_VDSO_32"},    {0x2003, "ARCH_MAP_VDSO_64"}};
constexpr uint64_t kArchGetFs = 0x1003, kArchGetGs = 0x1004;
constexpr Name kRlimits[] = {
    {0, "RLIMIT_CPU"},         {1, "RLIMIT_FSIZE"},       {2, "RLIMIT_DATA"},
    {3, "RLIMIT_STACK"},       {4, "RLIMIT_CORE"},        {5, "RLIMIT_RSS"},
    {6, "RLIMIT_NPROC"},       {7, "RLIMIT_NOFILE"},      {8, "RLIMIT_MEMLOCK"},
    {9, "RLIMIT_AS"},          {10, "RLIMIT_LOCKS"},      {11, "RLIMIT_SIGPENDING"},
    {12, "RLIMIT_MSGQUEUE"},   {13, "RLIMIT_NICE"},       {14, "RLIMIT_RTPRIO"},
    {15, "RLIMIT_RTTIME"}};
constexpr Name kMadvices[] = {
    {0, "MADV_NORMAL"},           {1, "MADV_RANDOM"},           {2, "MADV_SEQUENTIAL"},
    {3, "MADV_WILLNEED"},         {4, "MADV_DONTNEED"},         {8, "MADV_FREE"},
    {9, "MADV_REMOVE"},           {10, "MADV_DONTFORK"},        {11, "MADV_DOFORK"},
    {12, "MADV_MERGEABLE"},       {13, "MADV_UNMERGEABLE"},     {14, "MADV_HUGEPAGE"},
    {15, "MADV_NOHUGEPAGE"},      {16, "MADV_DONTDUMP"},        {17, "MADV_DODUMP"},
    {18, "MADV_WIPEONFORK"},      {19, "MADV_KEEPONFORK"},      {20, "MADV_COLD"},
    {21, "MADV_PAGEOUT"},         {22, "MADV_POPULATE_READ"},   {23, "MADV_POPULATE_WRITE"},
    {24, "MADV_DONTNEED_LOCKED"}, {100, "MADV_HWPOISON"},       {101, "MADV_SOFT_OFFLINE"}};
constexpr Name kIoctls[] = {
    {0x5401, "TCGETS"},         {0x5402, "TCSETS"},         {0x5403, "TCSETSW"},
    {0x5404, "TCSETSF"},        {0x5409, "TCSBRK"},         {0x540A, "TCXONC"},
    {0x540B, "TCFLSH"},         {0x540E, "TIOCSCTTY"},      {0x540F, "TIOCGPGRP"},
    {0x5410, "TIOCSPGRP"},      {0x5411, "TIOCOUTQ"},       {0x5412, "TIOCSTI"},
    {0x5413, "TIOCGWINSZ"},     {0x5414, "TIOCSWINSZ"},     {0x541B, "FIONREAD"},
    {0x5421, "FIONBIO"},        {0x5422, "TIOCNOTTY"},      {0x5429, "TIOCGSID"},
    {0x5450, "FIONCLEX"},       {0x5451, "FIOCLEX"},        {0x5452, "FIOASYNC"},
    {0x802C542A, "TCGETS2"},    {0x402C542B, "TCSETS2"},    {0x80045430, "TIOCGPTN"},
    {0x40045431, "TIOCSPTLCK"}};

constexpr Name kGetrandomFlags[] = {{1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}};
constexpr Name kMsgFlags[] = {
    {0x1, "MSG_OOB"},                 {0x2, "MSG_PEEK"},                {0x4, "MSG_DONTROUTE"},
    {0x8, "MSG_CTRUNC"},              {0x10, "MSG_PROXY"},              {0x20, "MSG_TRUNC"},
    {0x40, "MSG_DONTWAIT"},           {0x80, "MSG_EOR"},                {0x100, "MSG_WAITALL"},
    {0x200, "MSG_FIN"},               {0x400, "MSG_SYN"},               {0x800, "MSG_CONFIRM"},
    {0x1000, "MSG_RST"},              {0x2000, "MSG_ERRQUEUE"},         {0x4000, "MSG_NOSIGNAL"},
    {0x8000, "MSG_MORE"},             {0x10000, "MSG_WAITFORONE"},      {0x40000, "MSG_BATCH"},
    {0x4000000, "MSG_ZEROCOPY"},      {0x20000000, "MSG_FASTOPEN"},     {0x40000000, "MSG_CMSG_CLOEXEC"}};
constexpr Name kPollEvents[] = {
    {0x1, "POLLIN"},       {0x2, "POLLPRI"},      {0x4, "POLLOUT"},      {0x8, "POLLERR"},
    {0x10, "POLLHUP"},     {0x20, "POLLNVAL"},    {0x40, "POLLRDNORM"},  {0x80, "POLLRDBAND"},
    {0x100, "POLLWRNORM"}, {0x200, "POLLWRBAND"}, {0x400, "POLLMSG"},    {0x2000, "POLLRDHUP"}};
constexpr Name kEpollEvents[] = {
    {0x1, "EPOLLIN"},             {0x2, "EPOLLPRI"},            {0x4, "EPOLLOUT"},
    {0x8, "EPOLLERR"},            {0x10, "EPOLLHUP"},           {0x20, "EPOLLNVAL"},
    {0x40, "EPOLLRDNORM"},        {0x80, "EPOLLRDBAND"},        {0x100, "EPOLLWRNORM"},
    {0x200, "EPOLLWRBAND"},       {0x400, "EPOLLMSG"},          {0x2000, "EPOLLRDHUP"},
    {1u << 28, "EPOLLEXCLUSIVE"}, {1u << 29, "EPOLLWAKEUP"},    {1u << 30, "EPOLLONESHOT"},
    {1u << 31, "EPOLLET"}};
constexpr Name kSockLevels[] = {
    {0, "SOL_IP"},        {1, "SOL_SOCKET"},    {6, "SOL_TCP"},       {17, "SOL_UDP"},
    {41, "SOL_IPV6"},     {255, "SOL_RAW"},     {270, "SOL_NETLINK"}};
constexpr uint64_t kSolSocket = 1, kSolTcp = 6;
constexpr Name kSocketOptions[] = {
    {1, "SO_DEBUG"},         {2, "SO_REUSEADDR"},     {3, "SO_TYPE"},          {4, "SO_ERROR"},
    {5, "SO_DONTROUTE"},     {6, "SO_BROADCAST"},     {7, "SO_SNDBUF"},        {8, "SO_RCVBUF"},
    {9, "SO_KEEPALIVE"},     {10, "SO_OOBINLINE"},    {11, "SO_NO_CHECK"},     {12, "SO_PRIORITY"},
    {13, "SO_LINGER"},       {14, "SO_BSDCOMPAT"},    {15, "SO_REUSEPORT"},    {16, "SO_PASSCRED"},
    {17, "SO_PEERCRED"},     {18, "SO_RCVLOWAT"},     {19, "SO_SNDLOWAT"},     {20, "SO_RCVTIMEO_OLD"},
    {21, "SO_SNDTIMEO_OLD"}, {30, "SO_ACCEPTCONN"},   {32, "SO_SNDBUFFORCE"},  {33, "SO_RCVBUFFORCE"},
    {38, "SO_PROTOCOL"},     {39, "SO_DOMAIN"}};
constexpr Name kTcpOptions[] = {
    {1, "TCP_NODELAY"},       {2, "TCP_MAXSEG"},        {3, "TCP_CORK"},          {4, "TCP_KEEPIDLE"},
    {5, "TCP_KEEPINTVL"},     {6, "TCP_KEEPCNT"},       {7, "TCP_SYNCNT"},        {8, "TCP_LINGER2"},
    {9, "TCP_DEFER_ACCEPT"},  {10, "TCP_WINDOW_CLAMP"}, {11, "TCP_INFO"},         {12, "TCP_QUICKACK"},
    {13, "TCP_CONGESTION"},   {18, "TCP_USER_TIMEOUT"}, {23, "TCP_FASTOPEN"}};
constexpr Name kEpollCtlOps[] = {{1, "EPOLL_CTL_ADD"}, {2, "EPOLL_CTL_DEL"}, {3, "EPOLL_CTL_MOD"}};
constexpr Name kShutHows[] = {{0, "SHUT_RD"}, {1, "SHUT_WR"}, {2, "SHUT_RDWR"}};
constexpr Name kEpollCreateFlags[] = {{02000000, "EPOLL_CLOEXEC"}};
constexpr Name kEfdFlags[] = {{1, "EFD_SEMAPHORE"}, {02000000, "EFD_CLOEXEC"}, {04000, "EFD_NONBLOCK"}};
constexpr Name kTfdFlags[] = {{02000000, "TFD_CLOEXEC"}, {04000, "TFD_NONBLOCK"}};
constexpr Name kSfdFlags[] = {{02000000, "SFD_CLOEXEC"}, {04000, "SFD_NONBLOCK"}};
constexpr Name kInotifyFlags[] = {{04000, "IN_NONBLOCK"}, {02000000, "IN_CLOEXEC"}};
constexpr Name kMfdFlags[] = {
    {1, "MFD_CLOEXEC"},       {2, "MFD_ALLOW_SEALING"}, {4, "MFD_HUGETLB"},       {8, "MFD_NOEXEC_SEAL"},
    {0x10, "MFD_EXEC"}};
constexpr Name kTimerFlags[] = {{1, "TIMER_ABSTIME"}};
constexpr Name kStatxMask[] = {
    {0x7ff, "STATX_BASIC_STATS"}, {0x1, "STATX_TYPE"},   {0x2, "STATX_MODE"},      {0x4, "STATX_NLINK"},
    {0x8, "STATX_UID"},           {0x10, "STATX_GID"},   {0x20, "STATX_ATIME"},    {0x40, "STATX_MTIME"},
    {0x80, "STATX_CTIME"},        {0x100, "STATX_INO"},  {0x200, "STATX_SIZE"},    {0x400, "STATX_BLOCKS"},
    {0x800, "STATX_BTIME"},       {0x1000, "STATX_MNT_ID"}, {0x2000, "STATX_DIOALIGN"}};
constexpr Name kStatxAttributes[] = {
    {0x4, "STATX_ATTR_COMPRESSED"}, {0x10, "STATX_ATTR_IMMUTABLE"},  {0x20, "STATX_ATTR_APPEND"},
    {0x40, "STATX_ATTR_NODUMP"},    {0x800, "STATX_ATTR_ENCRYPTED"}, {0x1000, "STATX_ATTR_AUTOMOUNT"},
    {0x2000, "STATX_ATTR_MOUNT_ROOT"}, {0x100000, "STATX_ATTR_VERITY"}, {0x200000, "STATX_ATTR_DAX"}};
constexpr uint64_t kAtStatxSyncType = 0x6000;

// Constants that only one syscall takes: its list entry says kInt or kHex, and
// strace shows them by name.
struct ArgNames {
  Nr nr;
  int arg;
  std::span<const Name> names;
  const char* prefix;
  bool is_flags;
};
constexpr ArgNames kArgNames[] = {
    {Nr::getrandom, 2, kGetrandomFlags, "GRND_", true},
    {Nr::epoll_create1, 0, kEpollCreateFlags, "EPOLL_", true},
    {Nr::epoll_ctl, 1, kEpollCtlOps, "EPOLL_CTL_", false},
    {Nr::eventfd2, 1, kEfdFlags, "EFD_", true},
    {Nr::timerfd_create, 1, kTfdFlags, "TFD_", true},
    {Nr::signalfd4, 3, kSfdFlags, "SFD_", true},
    {Nr::inotify_init1, 0, kInotifyFlags, "IN_", true},
    {Nr::memfd_create, 1, kMfdFlags, "MFD_", true},
    {Nr::shutdown, 1, kShutHows, "SHUT_", false},
    {Nr::clock_nanosleep, 1, kTimerFlags, "TIMER_", true},
    {Nr::setsockopt, 1, kSockLevels, "SOL_", false},
    {Nr::getsockopt, 1, kSockLevels, "SOL_", false},
    {Nr::statx, 3, kStatxMask, "STATX_", true}};

// fcntl commands; the argument after a command is shown by its ArgKind here.
struct FcntlCmd {
  uint64_t value;
  const char* name;
  ArgKind arg;  // kNone: no argument
};
constexpr uint64_t kFGetFd = 1, kFSetFd = 2, kFGetFl = 3;
constexpr FcntlCmd kFcntlCmds[] = {
    {0, "F_DUPFD", ArgKind::kInt},           {1, "F_GETFD", ArgKind::kNone},
    {2, "F_SETFD", ArgKind::kHex},           {3, "F_GETFL", ArgKind::kNone},
    {4, "F_SETFL", ArgKind::kOpenFlags},     {5, "F_GETLK", ArgKind::kPtr},
    {6, "F_SETLK", ArgKind::kPtr},           {7, "F_SETLKW", ArgKind::kPtr},
    {8, "F_SETOWN", ArgKind::kInt},          {9, "F_GETOWN", ArgKind::kNone},
    {10, "F_SETSIG", ArgKind::kSignal},      {11, "F_GETSIG", ArgKind::kNone},
    {15, "F_SETOWN_EX", ArgKind::kPtr},      {16, "F_GETOWN_EX", ArgKind::kPtr},
    {36, "F_OFD_GETLK", ArgKind::kPtr},      {37, "F_OFD_SETLK", ArgKind::kPtr},
    {38, "F_OFD_SETLKW", ArgKind::kPtr},     {1024, "F_SETLEASE", ArgKind::kInt},
    {1025, "F_GETLEASE", ArgKind::kNone},    {1026, "F_NOTIFY", ArgKind::kHex},
    {1030, "F_DUPFD_CLOEXEC", ArgKind::kInt}, {1031, "F_SETPIPE_SZ", ArgKind::kInt},
    {1032, "F_GETPIPE_SZ", ArgKind::kNone},  {1033, "F_ADD_SEALS", ArgKind::kHex},
    {1034, "F_GET_SEALS", ArgKind::kNone}};

// futex commands and, as strace shows them, the arguments after uaddr and op:
// v = val, t = timeout, 2 = val2 (in the timeout's place), a = uaddr2, 3 = val3,
// b = val3 as a bitset, o = val3 as FUTEX_WAKE_OP's operation.
struct FutexCmd {
  const char* name;
  const char* args;
};
constexpr FutexCmd kFutexCmds[] = {
    {"FUTEX_WAIT", "vt"},           {"FUTEX_WAKE", "v"},         {"FUTEX_FD", "v"},
    {"FUTEX_REQUEUE", "v2a"},       {"FUTEX_CMP_REQUEUE", "v2a3"}, {"FUTEX_WAKE_OP", "v2ao"},
    {"FUTEX_LOCK_PI", "t"},         {"FUTEX_UNLOCK_PI", ""},     {"FUTEX_TRYLOCK_PI", ""},
    {"FUTEX_WAIT_BITSET", "vtb"},   {"FUTEX_WAKE_BITSET", "vb"}, {"FUTEX_WAIT_REQUEUE_PI", "vta"},
    {"FUTEX_CMP_REQUEUE_PI", "v2a3"}, {"FUTEX_LOCK_PI2", "t"}};
constexpr uint32_t kFutexPrivate = 128, kFutexClockRealtime = 256;

constexpr const char* kSignals[] = {
    nullptr, "HUP",  "INT",  "QUIT", "ILL",  "TRAP", "ABRT",   "BUS",  "FPE",   "KILL", "USR1",
    "SEGV",  "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",  "TSTP", "TTIN",
    "TTOU",  "URG",  "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",  "PWR",   "SYS"};
constexpr int kSigRtMin = 32, kNumSignals = 64;

constexpr const char* kErrnos[] = {
    nullptr,        "EPERM",        "ENOENT",          "ESRCH",           "EINTR",
    "EIO",          "ENXIO",        "E2BIG",           "ENOEXEC",         "EBADF",
    "ECHILD",       "EAGAIN",       "ENOMEM",          "EACCES",          "EFAULT",
    "ENOTBLK",      "EBUSY",        "EEXIST",          "EXDEV",           "ENODEV",
    "ENOTDIR",      "EISDIR",       "EINVAL",          "ENFILE",          "EMFILE",
    "ENOTTY",       "ETXTBSY",      "EFBIG",           "ENOSPC",          "ESPIPE",
    "EROFS",        "EMLINK",       "EPIPE",           "EDOM",            "ERANGE",
    "EDEADLK",      "ENAMETOOLONG", "ENOLCK",          "ENOSYS",          "ENOTEMPTY",
    "ELOOP",        nullptr,        "ENOMSG",          "EIDRM",           "ECHRNG",
    "EL2NSYNC",     "EL3HLT",       "EL3RST",          "ELNRNG",          "EUNATCH",
    "ENOCSI",       "EL2HLT",       "EBADE",           "EBADR",           "EXFULL",
    "ENOANO",       "EBADRQC",      "EBADSLT",         nullptr,           "EBFONT",
    "ENOSTR",       "ENODATA",      "ETIME",           "ENOSR",           "ENONET",
    "ENOPKG",       "EREMOTE",      "ENOLINK",         "EADV",            "ESRMNT",
    "ECOMM",        "EPROTO",       "EMULTIHOP",       "EDOTDOT",         "EBADMSG",
    "EOVERFLOW",    "ENOTUNIQ",     "EBADFD",          "EREMCHG",         "ELIBACC",
    "ELIBBAD",      "ELIBSCN",      "ELIBMAX",         "ELIBEXEC",        "EILSEQ",
    "ERESTART",     "ESTRPIPE",     "EUSERS",          "ENOTSOCK",        "EDESTADDRREQ",
    "EMSGSIZE",     "EPROTOTYPE",   "ENOPROTOOPT",     "EPROTONOSUPPORT", "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",   "EPFNOSUPPORT", "EAFNOSUPPORT",    "EADDRINUSE",      "EADDRNOTAVAIL",
    "ENETDOWN",     "ENETUNREACH",  "ENETRESET",       "ECONNABORTED",    "ECONNRESET",
    "ENOBUFS",      "EISCONN",      "ENOTCONN",        "ESHUTDOWN",       "ETOOMANYREFS",
    "ETIMEDOUT",    "ECONNREFUSED", "EHOSTDOWN",       "EHOSTUNREACH",    "EALREADY",
    "EINPROGRESS",  "ESTALE",       "EUCLEAN",         "ENOTNAM",         "ENAVAIL",
    "EISNAM",       "EREMOTEIO",    "EDQUOT",          "ENOMEDIUM",       "EMEDIUMTYPE",
    "ECANCELED",    "ENOKEY",       "EKEYEXPIRED",     "EKEYREVOKED",     "EKEYREJECTED",
    "EOWNERDEAD",   "ENOTRECOVERABLE", "ERFKILL",      "EHWPOISON"};
// Kernel-internal errnos that a tracer sees before the kernel restarts the call;
// strace shows them as "= ? NAME (text)".
constexpr Name kRestartErrnos[] = {
    {512, "ERESTARTSYS"},           {513, "ERESTARTNOINTR"},        {514, "ERESTARTNOHAND"},
    {515, "ENOIOCTLCMD"},           {516, "ERESTART_RESTARTBLOCK"}};
constexpr const char* kRestartTexts[] = {"To be restarted if SA_RESTART is set", "To be restarted",
                                         "To be restarted if no handler", "No ioctl command",
                                         "Interrupted by signal"};

// ---- Scalars ----

std::string hex(uint64_t v) { return v == 0 ? "0" : fmt::format("{:#x}", v); }
std::string ptr(uint64_t v) { return v == 0 ? "NULL" : fmt::format("{:#x}", v); }
// C's "%#03o": 0 → 000, 022 → 022, 0644 → 0644.
std::string octal(uint64_t v) { return fmt::format("{:0>3}", v == 0 ? "0" : fmt::format("0{:o}", v)); }
std::string unknown(uint64_t v, const char* prefix) { return fmt::format("{:#x} /* {}??? */", v, prefix); }

const char* find(std::span<const Name> names, uint64_t v) {
  for (const Name& n : names)
    if (n.value == v) return n.name;
  return nullptr;
}

// One constant by name: SEEK_END, or 0x7 /* SEEK_??? */.
std::string named(std::span<const Name> names, uint64_t v, const char* prefix) {
  const char* name = find(names, v);
  return name ? name : unknown(v, prefix);
}

// A set of flags as strace's printflags shows it: the names of the set bits in table
// order after `out` (an already decided first part), then any leftover bits in hex.
std::string flags(std::span<const Name> names, uint64_t v, const char* prefix, std::string out = {}) {
  const auto add = [&](std::string_view s) {
    if (!out.empty()) out += '|';
    out += s;
  };
  for (const Name& n : names) {
    if (n.value != 0 && (v & n.value) == n.value) {
      add(n.name);
      v &= ~n.value;
    }
  }
  if (v == 0) return out.empty() ? "0" : out;
  if (out.empty()) return unknown(v, prefix);
  add(hex(v));
  return out;
}

std::string signal_name(int sig) {
  if (sig > 0 && sig < kSigRtMin) return fmt::format("SIG{}", kSignals[sig]);
  if (sig == kSigRtMin) return "SIGRTMIN";
  if (sig > kSigRtMin && sig <= kNumSignals) return fmt::format("SIGRT_{}", sig - kSigRtMin);
  return fmt::format("{}", sig);
}

std::string open_flags(uint64_t v) { return flags(kOpenFlags, v & ~3ull, "O_", find(kAccessModes, v & 3)); }

std::string mmap_flags(uint64_t v) {
  const char* type = find(kMapTypes, v & 0xf);
  if (type == nullptr) return unknown(v, "MAP_");
  std::string out = flags(kMapFlags, v & ~0xfull & ~(0x3full << kMapHugeShift), "MAP_", type);
  if (uint64_t huge = (v >> kMapHugeShift) & 0x3f) out += fmt::format("|{}<<MAP_HUGE_SHIFT", huge);
  return out;
}

std::string sock_type(uint64_t v) {
  const char* type = find(kSockTypes, v & 0xf);
  return type ? flags(kSockFlags, v & ~0xfull, "SOCK_", type) : unknown(v, "SOCK_");
}

std::string futex_op(uint32_t op) {
  const uint32_t cmd = op & ~(kFutexPrivate | kFutexClockRealtime);
  if (cmd >= std::size(kFutexCmds)) return unknown(op, "FUTEX_");
  return fmt::format("{}{}{}", kFutexCmds[cmd].name, op & kFutexPrivate ? "_PRIVATE" : "",
                     op & kFutexClockRealtime ? "|FUTEX_CLOCK_REALTIME" : "");
}

const FcntlCmd* fcntl_cmd(uint64_t cmd) {
  for (const FcntlCmd& c : kFcntlCmds)
    if (c.value == cmd) return &c;
  return nullptr;
}

std::string ioctl_req(uint32_t req) {
  if (const char* name = find(kIoctls, req)) return name;
  constexpr const char* kDirs[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"};
  return fmt::format("_IOC({}, {}, {}, {})", kDirs[req >> 30], hex((req >> 8) & 0xff), hex(req & 0xff),
                     hex((req >> 16) & 0x3fff));
}

std::string file_mode(uint32_t mode) {
  std::string type;
  if (const char* name = find(kFileTypes, mode & kIfmt)) type = name;
  std::string out = flags(kFileModeBits, mode & 07000, "", type);
  return (out == "0" ? "" : out + "|") + octal(mode & 0777);
}

bool is_device(uint32_t mode) { return (mode & kIfmt) == kIfchr || (mode & kIfmt) == kIfblk; }

std::string makedev(uint64_t dev) {
  const uint64_t major = (dev >> 32 & 0xfffff000) | (dev >> 8 & 0xfff);
  const uint64_t minor = (dev >> 12 & 0xffffff00) | (dev & 0xff);
  return fmt::format("makedev({}, {})", hex(major), hex(minor));
}

// FUTEX_WAKE_OP's val3: FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0x5.
std::string futex_wake_op(uint32_t v) {
  constexpr const char* kOps[] = {"SET", "ADD", "OR", "ANDN", "XOR"};
  constexpr const char* kCmps[] = {"EQ", "NE", "LT", "LE", "GT", "GE"};
  const uint32_t op = v >> 28 & 7, cmp = v >> 24 & 15;
  return fmt::format(
      "{}{}<<28|{}<<12|{}<<24|{}", v >> 31 ? "FUTEX_OP_OPARG_SHIFT|" : "",
      op < std::size(kOps) ? fmt::format("FUTEX_OP_{}", kOps[op]) : hex(op), hex(v >> 12 & 0xfff),
      cmp < std::size(kCmps) ? fmt::format("FUTEX_OP_CMP_{}", kCmps[cmp]) : hex(cmp), hex(v & 0xfff));
}

// ---- Guest memory ----

// strace's string quoting: C escapes, other bytes in octal (three digits when an octal
// digit follows), or every byte as \xNN when `all_hex`.
std::string quote(std::string_view bytes, bool all_hex = false) {
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    const char* esc = nullptr;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\f': esc = "\\f"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '\v': esc = "\\v"; break;
    }
    if (all_hex) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    } else if (esc) {
      out += esc;
    } else if (c >= ' ' && c <= '~') {
      out += static_cast<char>(c);
    } else {
      const bool digit_follows = i + 1 < bytes.size() && bytes[i + 1] >= '0' && bytes[i + 1] <= '7';
      fmt::format_to(std::back_inserter(out), "\\{:0{}o}", c, digit_follows ? 3 : 1);
    }
  }
  return out + '"';
}

class Memory {
 public:
  explicit Memory(GuestReader& reader) : reader_(reader) {}

  std::optional<std::string> bytes(uint64_t va, size_t len) {
    std::string s(len, '\0');
    if (len != 0 && !reader_.read(va, s.data(), len)) return std::nullopt;
    return s;
  }

  template <typename T>
  std::optional<T> get(uint64_t va) {
    T value;
    if (!reader_.read(va, &value, sizeof value)) return std::nullopt;
    return value;
  }

  std::optional<std::string> cstr(uint64_t va, size_t max) { return read_cstring(reader_, va, max); }

 private:
  GuestReader& reader_;
};

// A string of which at most `max` bytes are shown, then "..." if there was more.
std::string cut(std::string_view s, size_t max, bool all_hex = false) {
  return s.size() > max ? quote(s.substr(0, max), all_hex) + "..." : quote(s, all_hex);
}

// A NUL-terminated string from a fixed-size field, e.g. utsname.sysname.
std::string field(std::string_view raw, size_t max) { return cut(raw.substr(0, raw.find('\0')), max); }

std::string sigset(uint64_t mask) {
  // Like strace, a mostly full set is shown by what is missing: ~[KILL STOP].
  const bool inverted = std::popcount(mask) >= kNumSignals * 2 / 3;
  if (inverted) mask = ~mask;
  std::string out = inverted ? "~[" : "[";
  for (int sig = 1; sig <= kNumSignals; ++sig) {
    if (!(mask >> (sig - 1) & 1)) continue;
    if (out.back() != '[') out += ' ';
    out += signal_name(sig).substr(3);
  }
  return out + ']';
}

std::string rlimit_value(uint64_t v) {
  if (v == ~0ull) return "RLIM64_INFINITY";
  return v != 0 && v % 1024 == 0 ? fmt::format("{}*1024", v / 1024) : fmt::format("{}", v);
}

std::string wait_status(uint32_t s) {
  if ((s & 0x7f) == 0) return fmt::format("[{{WIFEXITED(s) && WEXITSTATUS(s) == {}}}]", s >> 8 & 0xff);
  if ((s & 0xff) == 0x7f)
    return fmt::format("[{{WIFSTOPPED(s) && WSTOPSIG(s) == {}}}]", signal_name(s >> 8 & 0xff));
  if (s == 0xffff) return "[{WIFCONTINUED(s)}]";
  return fmt::format("[{{WIFSIGNALED(s) && WTERMSIG(s) == {}{}}}]", signal_name(s & 0x7f),
                     s & 0x80 ? " && WCOREDUMP(s)" : "");
}

// ABI: the kernel's struct sigaction on x86-64 (not glibc's).
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

struct Iovec {
  uint64_t base;
  uint64_t len;
};

// ABI: packed on x86-64 only.
struct [[gnu::packed]] EpollEvent {
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

struct PollFd {
  int32_t fd;
  int16_t events;
  int16_t revents;
};

// ABI: struct statx, up to stx_size.
struct StatxHead {
  uint32_t mask, blksize;
  uint64_t attributes;
  uint32_t nlink, uid, gid;
  uint16_t mode, spare;
  uint64_t ino, size;
};
static_assert(offsetof(StatxHead, mode) == 28 && offsetof(StatxHead, size) == 40);

// ABI: struct stat on x86-64, up to st_size.
struct StatHead {
  uint64_t dev, ino, nlink;
  uint32_t mode, uid, gid, pad;
  uint64_t rdev;
  int64_t size;
};
static_assert(offsetof(StatHead, mode) == 24 && offsetof(StatHead, rdev) == 40 &&
              offsetof(StatHead, size) == 48);

// A socket address of `len` bytes, as strace shows the common families.
std::string sockaddr(std::string_view sa) {
  uint16_t family;
  std::memcpy(&family, sa.data(), sizeof family);
  const std::string head = "{sa_family=" + named(kSockDomains, family, "AF_");
  const auto be16 = [&](size_t off) {
    return static_cast<unsigned>(uint8_t(sa[off])) << 8 | uint8_t(sa[off + 1]);
  };
  const auto u32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, sa.data() + off, sizeof v);
    return v;
  };
  char addr[INET6_ADDRSTRLEN];
  constexpr size_t kSockaddrIn = 16, kSockaddrIn6 = 28;
  if (family == AF_UNIX) {
    const std::string_view path = sa.substr(2);
    if (path.empty()) return head + "}";
    // An abstract address starts with a NUL and is shown with an @.
    if (path[0] == '\0') return head + ", sun_path=@" + quote(path.substr(1)) + "}";
    return head + ", sun_path=" + quote(path.substr(0, path.find('\0'))) + "}";
  }
  if (family == AF_INET && sa.size() >= kSockaddrIn) {
    inet_ntop(AF_INET, sa.data() + 4, addr, sizeof addr);
    return fmt::format("{}, sin_port=htons({}), sin_addr=inet_addr(\"{}\")}}", head, be16(2), addr);
  }
  if (family == AF_INET6 && sa.size() >= kSockaddrIn6) {
    inet_ntop(AF_INET6, sa.data() + 8, addr, sizeof addr);
    return fmt::format(
        "{}, sin6_port=htons({}), sin6_flowinfo=htonl({}), inet_pton(AF_INET6, \"{}\", &sin6_addr), "
        "sin6_scope_id={}}}",
        head, be16(2), __builtin_bswap32(u32(4)), addr, u32(24));
  }
  return head + ", sa_data=" + quote(sa.substr(2)) + "}";
}

// ---- One call ----

class Call {
 public:
  Call(uint64_t nr, const uint64_t args[6], int64_t ret, GuestReader& reader)
      : nr_(static_cast<Nr>(nr)),
        info_(nr < kSyscalls.size() && kSyscalls[nr].name ? &kSyscalls[nr] : nullptr),
        args_(args),
        ret_(ret),
        failed_(ret < 0 && ret >= -4095),
        mem_(reader) {}

  std::string line() {
    std::vector<std::string> parts;
    std::string name;
    if (info_ == nullptr) {
      name = fmt::format("syscall_{:#x}", static_cast<uint64_t>(nr_));
      for (int i = 0; i < 6; ++i)
        parts.push_back(hex(args_[i]));
    } else {
      name = info_->name;
      for (int i = 0; i < info_->nargs; ++i) {
        // Like strace, open's mode is shown only when the call may create a file.
        if (info_->kinds[i] == ArgKind::kMode && i > 0 && info_->kinds[i - 1] == ArgKind::kOpenFlags &&
            !(args_[i - 1] & (kOCreat | kOTmpfileBit)))
          break;
        parts.push_back(arg(info_->kinds[i], i));
      }
      fix_up(parts);
    }
    const std::string head = fmt::format("{}({})", name, fmt::join(parts, ", "));
    return fmt::format("{:<{}} = {}", head, kResultColumn, result());
  }

 private:
  std::string arg(ArgKind kind, int i) {
    const uint64_t v = args_[i];
    const auto i32 = static_cast<int32_t>(v);
    const auto u32 = static_cast<uint32_t>(v);
    switch (kind) {
      case ArgKind::kNone: return "";
      case ArgKind::kInt: return fmt::format("{}", i32);
      case ArgKind::kUInt: return fmt::format("{}", u32);
      case ArgKind::kLong: return fmt::format("{}", static_cast<int64_t>(v));
      case ArgKind::kSize: return fmt::format("{}", v);
      case ArgKind::kHex: return hex(v);
      case ArgKind::kPtr: return ptr(v);
      case ArgKind::kFd: return i32 == kAtFdcwd ? "AT_FDCWD" : fmt::format("{}", i32);
      case ArgKind::kMode: return octal(v & 0177777);
      case ArgKind::kSignal: return signal_name(i32);
      case ArgKind::kSigHow: return named(kSigHows, u32, "SIG_");
      case ArgKind::kClockId: return named(kClocks, u32, "CLOCK_");
      case ArgKind::kWhence: return named(kWhences, u32, "SEEK_");
      case ArgKind::kFcntlCmd: {
        const FcntlCmd* cmd = fcntl_cmd(u32);
        return cmd ? cmd->name : unknown(u32, "F_");
      }
      case ArgKind::kIoctlReq: return ioctl_req(u32);
      case ArgKind::kArchPrctlCode: return named(kArchPrctlCodes, u32, "ARCH_");
      case ArgKind::kFutexOp: return futex_op(u32);
      case ArgKind::kRlimitResource: return named(kRlimits, u32, "RLIMIT_");
      case ArgKind::kMadvise: return named(kMadvices, u32, "MADV_");
      case ArgKind::kSockDomain: return named(kSockDomains, u32, "AF_");
      case ArgKind::kSockType: return sock_type(u32);
      case ArgKind::kOpenFlags: return open_flags(u32);
      case ArgKind::kCloexecFlags: return flags(kOpenFlags, u32, "O_");
      case ArgKind::kAtFlags: return flags(kAtFlags, u32, "AT_");
      case ArgKind::kAccessMode: return v == 0 ? "F_OK" : flags(kAccessFlags, u32, "?_OK");
      case ArgKind::kProt: return v == 0 ? "PROT_NONE" : flags(kProtFlags, v, "PROT_");
      case ArgKind::kMmapFlags: return mmap_flags(v);
      case ArgKind::kMremapFlags: return flags(kMremapFlags, v, "MREMAP_");
      case ArgKind::kCloneFlags: return flags(kCloneFlags, v, "CLONE_");
      case ArgKind::kSockFlags: return flags(kSockFlags, u32, "SOCK_");
      case ArgKind::kWaitOptions: return flags(kWaitOptions, u32, "W");
      case ArgKind::kMsgFlags: return flags(kMsgFlags, u32, "MSG_");
      default: break;
    }
    // The rest point into guest memory. ABI: the generator keeps the kinds the call
    // writes last, from kBufOut on; they are shown only if the call succeeded. Like
    // strace, memory that cannot be read is shown as its address.
    if (v == 0) return "NULL";
    if (failed_ && kind >= ArgKind::kBufOut) return ptr(v);
    return memory(kind, i).value_or(ptr(v));
  }

  std::optional<std::string> memory(ArgKind kind, int i) {
    const uint64_t v = args_[i];
    switch (kind) {
      case ArgKind::kStr:
      case ArgKind::kStrOut: return text(v, kMaxPath);
      case ArgKind::kBufIn: return buffer(v, args_[i + 1]);
      case ArgKind::kBufOut: return buffer(v, ret_);
      case ArgKind::kIovIn: return iovec(v, static_cast<int32_t>(args_[i + 1]), ~0ull);
      case ArgKind::kIovOut: return iovec(v, static_cast<int32_t>(args_[i + 1]), ret_);
      case ArgKind::kArgv: return argv(v);
      case ArgKind::kEnvp: return envp(v);
      case ArgKind::kTimespecIn:
      case ArgKind::kTimespecOut: return timespec(v);
      case ArgKind::kTimevalOut:
        if (auto t = mem_.get<std::array<int64_t, 2>>(v))
          return fmt::format("{{tv_sec={}, tv_usec={}}}", (*t)[0], (*t)[1]);
        return std::nullopt;
      case ArgKind::kSigSetIn:
      case ArgKind::kSigSetOut:
        if (auto mask = mem_.get<uint64_t>(v); mask && sigset_size_ok(i)) return sigset(*mask);
        return std::nullopt;
      case ArgKind::kSigActionIn:
      case ArgKind::kSigActionOut: return sigset_size_ok(i) ? sigaction(v) : std::nullopt;
      case ArgKind::kRlimitIn:
      case ArgKind::kRlimitOut:
        if (auto r = mem_.get<std::array<uint64_t, 2>>(v))
          return fmt::format("{{rlim_cur={}, rlim_max={}}}", rlimit_value((*r)[0]), rlimit_value((*r)[1]));
        return std::nullopt;
      case ArgKind::kSockaddrIn: return socket_address(v, static_cast<int32_t>(args_[i + 1]));
      case ArgKind::kSockaddrOut:
        if (auto len = args_[i + 1] ? mem_.get<int32_t>(args_[i + 1]) : std::nullopt)
          return socket_address(v, *len);
        return std::nullopt;
      case ArgKind::kIntInOut:
        if (auto n = mem_.get<int32_t>(v)) return fmt::format("[{}]", *n);
        return std::nullopt;
      case ArgKind::kEpollEventIn:
        if (auto e = mem_.get<EpollEvent>(v)) return epoll_event(*e);
        return std::nullopt;
      case ArgKind::kEpollEventsOut: return epoll_events(v);
      case ArgKind::kPollFds: return poll_fds(v, static_cast<uint32_t>(args_[i + 1]), /*returned=*/false);
      case ArgKind::kStatOut: return stat(v);
      case ArgKind::kStatxOut:
        if (auto st = mem_.get<StatxHead>(v))
          return fmt::format("{{stx_mask={}, stx_attributes={}, stx_mode={}, stx_size={}, ...}}",
                             flags(kStatxMask, st->mask, "STATX_"),
                             flags(kStatxAttributes, st->attributes, "STATX_ATTR_"), file_mode(st->mode),
                             st->size);
        return std::nullopt;
      case ArgKind::kUtsnameOut:
        if (auto u = mem_.bytes(v, 2 * kUtsnameField)) {
          const std::string_view s = *u;
          return fmt::format("{{sysname={}, nodename={}, ...}}", field(s.substr(0, kUtsnameField), kMaxStr),
                             field(s.substr(kUtsnameField), kMaxStr));
        }
        return std::nullopt;
      case ArgKind::kFdPairOut:
        if (auto fds = mem_.get<std::array<int32_t, 2>>(v))
          return fmt::format("[{}, {}]", (*fds)[0], (*fds)[1]);
        return std::nullopt;
      case ArgKind::kDirentsOut: return dirents(v);
      case ArgKind::kWaitStatusOut:
        if (ret_ == 0) return std::nullopt;  // WNOHANG and nothing to report: not written.
        if (auto s = mem_.get<uint32_t>(v)) return wait_status(*s);
        return std::nullopt;
      default: return std::nullopt;  // kStructIn, kStructOut: the address.
    }
  }

  std::optional<std::string> text(uint64_t va, size_t max) {
    if (auto s = mem_.cstr(va, max)) return cut(*s, max);
    return std::nullopt;
  }

  std::optional<std::string> buffer(uint64_t va, uint64_t len, bool all_hex = false) {
    if (auto s = mem_.bytes(va, std::min<uint64_t>(len, kMaxStr)))
      return len > kMaxStr ? quote(*s, all_hex) + "..." : quote(*s, all_hex);
    return std::nullopt;
  }

  std::optional<std::string> timespec(uint64_t va) {
    if (auto t = mem_.get<std::array<int64_t, 2>>(va))
      return fmt::format("{{tv_sec={}, tv_nsec={}}}", (*t)[0], (*t)[1]);
    return std::nullopt;
  }

  // Like strace, a sigset is decoded only when the sigsetsize argument after it is
  // the kernel's (8).
  bool sigset_size_ok(int i) const {
    for (int j = i + 1; j < info_->nargs; ++j)
      if (info_->kinds[j] == ArgKind::kSize) return args_[j] == sizeof(uint64_t);
    return true;
  }

  // `data` is how many bytes the call moved: all of each buffer for writev, the
  // return value for readv.
  std::optional<std::string> iovec(uint64_t va, int32_t count, uint64_t data) {
    if (count < 0) return std::nullopt;
    const size_t shown = std::min<size_t>(count, kMaxStr);
    std::string out = "[";
    for (size_t i = 0; i < shown; ++i) {
      auto e = mem_.get<Iovec>(va + i * sizeof(Iovec));
      if (!e && i == 0) return std::nullopt;
      if (!e) break;
      const uint64_t n = std::min(e->len, data);
      data -= n;
      if (i) out += ", ";
      const std::string base = e->base ? buffer(e->base, n).value_or(ptr(e->base)) : "NULL";
      out += fmt::format("{{iov_base={}, iov_len={}}}", base, e->len);
    }
    if (static_cast<size_t>(count) > shown) out += ", ...";
    return out + "]";
  }

  std::optional<std::string> argv(uint64_t va) {
    std::string out = "[";
    for (size_t i = 0;; ++i) {
      auto p = mem_.get<uint64_t>(va + 8 * i);
      if (!p) return std::nullopt;
      if (*p == 0) break;
      if (i) out += ", ";
      if (i == kMaxStr) {
        out += "...";
        break;
      }
      out += text(*p, kMaxStr).value_or(ptr(*p));
    }
    return out + "]";
  }

  std::optional<std::string> envp(uint64_t va) {
    size_t n = 0;
    for (; n < kMaxScan; ++n) {
      auto p = mem_.get<uint64_t>(va + 8 * n);
      if (!p) return std::nullopt;
      if (*p == 0) break;
    }
    return fmt::format("{} /* {} var{} */", ptr(va), n, n == 1 ? "" : "s");
  }

  std::optional<std::string> sigaction(uint64_t va) {
    auto sa = mem_.get<KernelSigaction>(va);
    if (!sa) return std::nullopt;
    const std::string handler = sa->handler == 0   ? "SIG_DFL"
                                : sa->handler == 1 ? "SIG_IGN"
                                                   : hex(sa->handler);
    std::string out = fmt::format("{{sa_handler={}, sa_mask={}, sa_flags={}", handler, sigset(sa->mask),
                                  flags(kSaFlags, sa->flags, "SA_"));
    if (sa->flags & kSaRestorer) out += fmt::format(", sa_restorer={}", ptr(sa->restorer));
    return out + "}";
  }

  std::optional<std::string> socket_address(uint64_t va, int32_t len) {
    constexpr int32_t kSockaddrStorage = 128;
    if (len < 2) return std::nullopt;
    if (auto sa = mem_.bytes(va, std::min(len, kSockaddrStorage))) return sockaddr(*sa);
    return std::nullopt;
  }

  static std::string epoll_event(const EpollEvent& e) {
    return fmt::format("{{events={}, data={{u32={}, u64={}}}}}", flags(kEpollEvents, e.events, "EPOLL"),
                       static_cast<uint32_t>(e.data), static_cast<uint64_t>(e.data));
  }

  std::optional<std::string> epoll_events(uint64_t va) {
    std::vector<std::string> events;
    for (int64_t i = 0; i < std::min<int64_t>(ret_, kMaxStr); ++i) {
      auto e = mem_.get<EpollEvent>(va + i * sizeof(EpollEvent));
      if (!e) return std::nullopt;
      events.push_back(epoll_event(*e));
    }
    if (ret_ > static_cast<int64_t>(kMaxStr)) events.push_back("...");
    return fmt::format("[{}]", fmt::join(events, ", "));
  }

  // The entries of a pollfd array: as passed in, or (`returned`) those with revents.
  std::optional<std::string> poll_fds(uint64_t va, uint32_t count, bool returned) {
    std::vector<std::string> fds;
    for (uint32_t i = 0; i < std::min<size_t>(count, kMaxScan) && fds.size() < kMaxStr; ++i) {
      auto p = mem_.get<PollFd>(va + i * sizeof(PollFd));
      if (!p) return std::nullopt;
      const uint16_t events = returned ? p->revents : p->events;
      if (returned && events == 0) continue;
      fds.push_back(p->fd < 0 && !returned ? fmt::format("{{fd={}}}", p->fd)
                                           : fmt::format("{{fd={}, {}events={}}}", p->fd, returned ? "r" : "",
                                                         flags(kPollEvents, events, "POLL")));
    }
    if (!returned && count > kMaxStr) fds.push_back("...");
    return fmt::format("[{}]", fmt::join(fds, ", "));
  }

  std::optional<std::string> stat(uint64_t va) {
    auto st = mem_.get<StatHead>(va);
    if (!st) return std::nullopt;
    if (is_device(st->mode))
      return fmt::format("{{st_mode={}, st_rdev={}, ...}}", file_mode(st->mode), makedev(st->rdev));
    return fmt::format("{{st_mode={}, st_size={}, ...}}", file_mode(st->mode), st->size);
  }

  std::optional<std::string> dirents(uint64_t va) {
    // ABI: linux_dirent and linux_dirent64 both keep d_reclen at offset 16.
    constexpr uint64_t kRecLenOffset = 16;
    size_t entries = 0;
    for (uint64_t off = 0; off + kRecLenOffset + 2 <= static_cast<uint64_t>(ret_) && entries < kMaxScan;
         ++entries) {
      auto reclen = mem_.get<uint16_t>(va + off + kRecLenOffset);
      if (!reclen) return std::nullopt;
      if (*reclen == 0) break;
      off += *reclen;
    }
    return fmt::format("{:#x} /* {} entries */", va, entries);
  }

  // The calls strace shows in a form of their own.
  void fix_up(std::vector<std::string>& parts) {
    const uint64_t* a = args_;
    for (const ArgNames& n : kArgNames) {
      if (n.nr != nr_) continue;
      const auto v = static_cast<uint32_t>(a[n.arg]);
      parts[n.arg] = n.is_flags ? flags(n.names, v, n.prefix) : named(n.names, v, n.prefix);
    }
    switch (nr_) {
      case Nr::clone: {
        // clone(child_stack=, flags=, [parent_tid=,] [tls=,] [child_tidptr=]).
        const uint64_t f = a[0];
        std::string fl = f & ~0xffull ? flags(kCloneFlags, f & ~0xffull, "CLONE_") : "";
        if (f & 0xff) fl += (fl.empty() ? "" : "|") + signal_name(f & 0xff);
        parts = {"child_stack=" + ptr(a[1]), "flags=" + (fl.empty() ? "0" : fl)};
        if (f & (kCloneParentSettid | kClonePidfd)) {
          auto tid = failed_ ? std::nullopt : mem_.get<int32_t>(a[2]);
          parts.push_back("parent_tid=" + (tid ? fmt::format("[{}]", *tid) : ptr(a[2])));
        }
        if (f & kCloneSettls) parts.push_back("tls=" + hex(a[4]));
        if (f & kCloneChildTid) parts.push_back("child_tidptr=" + ptr(a[3]));
        break;
      }
      case Nr::futex: {
        const uint32_t cmd = a[1] & ~(kFutexPrivate | kFutexClockRealtime);
        if (cmd >= std::size(kFutexCmds)) {
          parts = {ptr(a[0]), parts[1],  fmt::format("{}", static_cast<int32_t>(a[2])),
                   ptr(a[3]), ptr(a[4]), hex(static_cast<uint32_t>(a[5]))};
          break;
        }
        parts.resize(2);
        for (const char* p = kFutexCmds[cmd].args; *p; ++p) {
          switch (*p) {
            case 'v': parts.push_back(fmt::format("{}", static_cast<int32_t>(a[2]))); break;
            case 't': parts.push_back(a[3] ? timespec(a[3]).value_or(ptr(a[3])) : "NULL"); break;
            case '2': parts.push_back(fmt::format("{}", static_cast<int32_t>(a[3]))); break;
            case 'a': parts.push_back(ptr(a[4])); break;
            case '3': parts.push_back(fmt::format("{}", static_cast<int32_t>(a[5]))); break;
            case 'b':
              parts.push_back(static_cast<uint32_t>(a[5]) == ~0u ? "FUTEX_BITSET_MATCH_ANY"
                                                                 : hex(static_cast<uint32_t>(a[5])));
              break;
            case 'o': parts.push_back(futex_wake_op(static_cast<uint32_t>(a[5]))); break;
          }
        }
        break;
      }
      case Nr::fcntl:
        if (const FcntlCmd* cmd = fcntl_cmd(static_cast<uint32_t>(a[1]))) {
          if (cmd->arg == ArgKind::kNone)
            parts.resize(2);
          else if (cmd->arg == ArgKind::kHex)
            parts[2] = flags(kFdFlags, a[2], "FD_");
          else
            parts[2] = arg(cmd->arg, 2);
        }
        break;
      case Nr::socket:
        if (a[0] == AF_INET || a[0] == AF_INET6)
          parts[2] = named(kIpProtocols, static_cast<uint32_t>(a[2]), "IPPROTO_");
        break;
      case Nr::setsockopt:
      case Nr::getsockopt: {
        if (a[1] == kSolSocket) parts[2] = named(kSocketOptions, static_cast<uint32_t>(a[2]), "SO_");
        if (a[1] == kSolTcp) parts[2] = named(kTcpOptions, static_cast<uint32_t>(a[2]), "TCP_");
        // An int option is shown as [value]; the length is set's argument, get's result.
        std::optional<int32_t> len = static_cast<int32_t>(a[4]);
        if (nr_ == Nr::getsockopt) len = failed_ || !a[4] ? std::nullopt : mem_.get<int32_t>(a[4]);
        if (len == static_cast<int32_t>(sizeof(int32_t)) && a[3])
          if (auto v = mem_.get<int32_t>(a[3])) parts[3] = fmt::format("[{}]", *v);
        break;
      }
      case Nr::statx:
        // AT_STATX_SYNC_AS_STAT is 0, yet strace names it.
        if (!(a[2] & kAtStatxSyncType))
          parts[2] = flags(kAtFlags, static_cast<uint32_t>(a[2]), "AT_", "AT_STATX_SYNC_AS_STAT");
        break;
      case Nr::arch_prctl:
        if (a[0] == kArchGetFs || a[0] == kArchGetGs) {
          auto base = failed_ ? std::nullopt : mem_.get<uint64_t>(a[1]);
          parts[1] = base ? fmt::format("[{}]", hex(*base)) : ptr(a[1]);
        }
        break;
      case Nr::getrandom:
        if (!failed_ && a[0]) parts[0] = buffer(a[0], ret_, /*all_hex=*/true).value_or(ptr(a[0]));
        break;
      case Nr::mremap:
        if (!(a[3] & kMremapFixed)) parts.resize(4);
        break;
      case Nr::mknod:
      case Nr::mknodat: {
        // The mode with its file type; the device only for device files.
        const size_t m = nr_ == Nr::mknod ? 1 : 2;
        const auto mode = static_cast<uint32_t>(a[m]);
        parts[m] = file_mode(mode);
        if (is_device(mode))
          parts[m + 1] = makedev(a[m + 1]);
        else
          parts.resize(m + 1);
        break;
      }
      default: break;
    }
  }

  std::string result() {
    if (nr_ == Nr::exit || nr_ == Nr::exit_group) return "?";
    if (failed_) {
      const auto err = static_cast<int>(-ret_);
      if (const char* name = find(kRestartErrnos, err))
        return fmt::format("? {} ({})", name, kRestartTexts[err - kRestartErrnos[0].value]);
      const char* name = err < static_cast<int>(std::size(kErrnos)) ? kErrnos[err] : nullptr;
      const char* text = strerrordesc_np(err);
      return fmt::format("-1 {} ({})", name ? name : fmt::format("ERRNO_{}", err),
                         text ? text : fmt::format("Unknown error {}", err));
    }
    switch (nr_) {
      case Nr::mmap:
      case Nr::mremap:
      case Nr::brk:
      case Nr::shmat: return hex(ret_);
      case Nr::umask: return octal(ret_);
      case Nr::fcntl:
        if (args_[1] == kFGetFl) return fmt::format("{} (flags {})", hex(ret_), open_flags(ret_));
        if (args_[1] == kFGetFd && ret_ != 0)
          return fmt::format("{} (flags {})", hex(ret_), flags(kFdFlags, ret_, "FD_"));
        break;
      case Nr::poll:
      case Nr::ppoll:
        if (ret_ == 0) return "0 (Timeout)";
        if (auto fds = poll_fds(args_[0], static_cast<uint32_t>(args_[1]), /*returned=*/true))
          return fmt::format("{} ({})", ret_, *fds);
        break;
      default: break;
    }
    return fmt::format("{}", ret_);
  }

  Nr nr_;
  const SyscallInfo* info_;  // nullptr: a number not in the list
  const uint64_t* args_;
  int64_t ret_;
  bool failed_;
  Memory mem_;
};

}  // namespace

const char* syscall_name(uint64_t nr) { return nr < kSyscalls.size() ? kSyscalls[nr].name : nullptr; }

std::string format_syscall(uint64_t nr, const uint64_t args[6], int64_t ret, GuestReader& mem) {
  return Call(nr, args, ret, mem).line();
}

std::optional<std::string> read_cstring(GuestReader& mem, uint64_t va, size_t max) {
  std::string s;
  char page[kPageSize];
  while (s.size() <= max) {
    const size_t want = std::min<size_t>(kPageSize - va % kPageSize, max + 1 - s.size());
    if (!mem.read(va, page, want)) return std::nullopt;
    if (const void* nul = std::memchr(page, 0, want)) {
      s.append(page, static_cast<const char*>(nul) - page);
      return s;
    }
    s.append(page, want);
    va += want;
  }
  return s;
}

std::string format_signal(int sig, int code, int pid, uint32_t uid, uint64_t addr) {
  std::string name = signal_name(sig);
  // ABI: si_code values; the fault ones depend on the signal.
  std::string code_name;
  if (code == 0) code_name = "SI_USER";
  else if (code == -6) code_name = "SI_TKILL";
  else if (code == 0x80) code_name = "SI_KERNEL";
  else if (sig == 11 && (code == 1 || code == 2)) code_name = code == 1 ? "SEGV_MAPERR" : "SEGV_ACCERR";
  else if (sig == 8 && code == 1) code_name = "FPE_INTDIV";
  else if (sig == 4 && code == 2) code_name = "ILL_ILLOPN";
  else if (sig == 7 && code == 2) code_name = "BUS_ADRERR";
  else code_name = fmt::format("{}", code);
  if (code <= 0)
    return fmt::format("--- {} {{si_signo={}, si_code={}, si_pid={}, si_uid={}}} ---", name, name, code_name, pid, uid);
  if (code == 0x80) return fmt::format("--- {} {{si_signo={}, si_code={}}} ---", name, name, code_name);
  return fmt::format("--- {} {{si_signo={}, si_code={}, si_addr={:#x}}} ---", name, name, code_name, addr);
}

}  // namespace burrow::trace
