// A hostile guest: forges hypercalls the way the personality makes them (fill this
// vCPU's HypercallRequest in its PerCpu block, then store the number to the MMIO
// page) with arguments no honest personality passes, and prints each answer.
// The monitor must answer every one (-EBADF, -EFAULT, ...) or end the VM cleanly;
// it must never crash, nor read or write outside guest memory.
//
// Usage (the forging modes only make sense under `burrow run`; natively those
// addresses are the host kernel's and the program would just die of SIGSEGV):
//   hostile                 prints a note and touches nothing (safe natively)
//   hostile --in-burrow     the argument checks, one line each on stdout; ends with
//                           an unknown hypercall (125)
//   hostile --unknown NR    only an unknown hypercall NR (125)
//   hostile --exit          kExit with status 256 + 7: the VM exits with 7
//   hostile --panic         kPanic with an unmapped message and a huge length (125)
//   hostile --kernel-fault  kKernelFault with an unreadable frame (125)
//   hostile --fatal-signal  kFatalSignal with signal 0 (SIGKILL: 137)
//   hostile --boot-info     points BootInfo.per_cpu_phys[0] outside guest memory
//                           through the direct map, then kicks (ignored: 1)
//   hostile --gdt           writes the GDT page (supervisor-only): SIGSEGV, as
//                           writing a kernel address does natively
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// ABI: burrow/abi/layout.h, percpu.h, hypercall.h and boot_info.h.
#define PER_CPU_REQUEST 0xFFFFFFFFFE000100ull  // vCPU 0's PerCpu::hypercall
#define PER_CPU_DOORBELL 0xFFFFFFFFFE000068ull // and its PerCpu::poll_doorbell
#define MMIO_KICK 0xFFFFFFFFFD000000ull         // kMmioVirt
#define SYS_TABLES 0xFFFFFFFFFC000000ull        // kSysTablesVirt: GDT, supervisor-only
#define DIRECT_MAP 0xFFFF888000000000ull        // kDirectMapBase
#define BOOT_INFO_PHYS 0x10000ull               // kBootInfoPhys
#define BOOT_INFO_PER_CPU_PHYS 40               // offsetof(BootInfo, per_cpu_phys)

enum {
  kWrite = 1, kRead = 2, kExit = 3, kFatalSignal = 4, kUnknownSyscall = 5, kRandom = 7,
  kIoctl = 8, kPanic = 9, kKernelFault = 10, kStat = 11, kFstat = 12, kUnsupported = 13,
  kGetFileFlags = 15, kRewrite = 26, kExec = 27,
};

struct request {
  uint64_t nr;
  uint64_t args[8];
  int64_t result;
};

static int64_t forge6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
  volatile struct request* r = (volatile struct request*)PER_CPU_REQUEST;
  r->nr = nr;
  r->args[0] = a0;
  r->args[1] = a1;
  r->args[2] = a2;
  r->args[3] = a3;
  r->args[4] = a4;
  r->args[5] = a5;
  for (int i = 6; i < 8; ++i) r->args[i] = 0;
  r->result = 0x5eed;  // what is left if the monitor does not answer
  // Numbered after the personality's last request, as it numbers them (doorbell).
  volatile uint64_t* bell = (volatile uint64_t*)PER_CPU_DOORBELL;
  uint64_t seq = *bell + 1;
  *bell = seq;
  *(volatile uint64_t*)MMIO_KICK = seq;
  return r->result;
}

static int64_t forge(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2) { return forge6(nr, a0, a1, a2, 0, 0, 0); }

// Unbuffered, so that nothing is lost when a hypercall ends the VM.
static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) (void)!write(1, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

#define CHECK(what, call) say("%s = %lld\n", what, (long long)(call))

static void argument_checks(void) {
  const uint64_t huge = 1ull << 63;
  // One page the program owns, followed by an inaccessible one (PROT_NONE rather
  // than a hole, which the next mmap could fill). Touched, so that its page-table
  // entry exists: the monitor reads the guest's page tables, and a forged request
  // skips the personality, which would fault pages in first.
  char* page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED || mprotect(page + 4096, 4096, PROT_NONE) != 0) {
    say("mmap failed\n");
    exit(1);
  }
  memset(page, 'A', 4096);
  const char* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ro == MAP_FAILED) {
    say("mmap failed\n");
    exit(1);
  }
  volatile char sink = ro[0];  // faults the (zero) page in, read-only
  (void)sink;
  const uint64_t p = (uint64_t)page, r = (uint64_t)ro;

  // Handles the monitor never gave out (0-2 are stdio, then the program image) do
  // not exist for the guest.
  CHECK("write(fd 9)", forge(kWrite, 9, p, 4));
  CHECK("write(fd -1)", forge(kWrite, ~0ull, p, 4));
  CHECK("write(fd 1<<40)", forge(kWrite, 1ull << 40, p, 4));
  CHECK("write(fd 1<<32|1)", forge(kWrite, (1ull << 32) | 1, p, 4));
  CHECK("read(fd 9)", forge(kRead, 9, p, 4));
  CHECK("read(fd -1)", forge(kRead, ~0ull, p, 4));
  CHECK("ioctl(fd 1<<40, TCGETS)", forge(kIoctl, 1ull << 40, 0x5401, p));
  CHECK("fstat(fd 9)", forge(kFstat, 9, p, 0));
  CHECK("fstat(fd -1)", forge(kFstat, ~0ull, p, 0));
  CHECK("getfl(fd 9)", forge(kGetFileFlags, 9, 0, 0));
  CHECK("getfl(fd 1<<40)", forge(kGetFileFlags, 1ull << 40, 0, 0));

  // Buffers the guest may not hand to the monitor.
  CHECK("write(1, NULL, 16)", forge(kWrite, 1, 0, 16));
  CHECK("write(1, GDT page, 16)", forge(kWrite, 1, SYS_TABLES, 16));
  CHECK("write(1, 0xffff800000000000, 16)", forge(kWrite, 1, 0xFFFF800000000000ull, 16));
  // Non-canonical: the same page-table indices as the direct map.
  CHECK("write(1, non-canonical direct map, 16)", forge(kWrite, 1, DIRECT_MAP & 0x0000FFFFFFFFFFFFull, 16));
  CHECK("write(1, 0xfffffffffffffff8, 16) (wraps)", forge(kWrite, 1, 0xFFFFFFFFFFFFFFF8ull, 16));
  CHECK("write(1, page end - 8, 16)", forge(kWrite, 1, p + 4096 - 8, 16));
  CHECK("write(1, page, 1<<63)", forge(kWrite, 1, p, huge));
  CHECK("write(1, page, ~0)", forge(kWrite, 1, p, ~0ull));
  CHECK("write(1, NULL, 0)", forge(kWrite, 1, 0, 0));
  CHECK("read(0, read-only page, 4)", forge(kRead, 0, r, 4));
  CHECK("read(0, GDT page, 4)", forge(kRead, 0, SYS_TABLES, 4));
  CHECK("random(NULL, 16)", forge(kRandom, 0, 16, 0));
  CHECK("random(read-only page, 16)", forge(kRandom, r, 16, 0));
  CHECK("random(page end - 8, 16)", forge(kRandom, p + 4096 - 8, 16, 0));
  CHECK("random(GDT page, 16)", forge(kRandom, SYS_TABLES, 16, 0));
  CHECK("random(page, 1<<63)", forge(kRandom, p, huge, 0));
  CHECK("fstat(1, read-only page)", forge(kFstat, 1, r, 0));
  CHECK("fstat(1, GDT page)", forge(kFstat, 1, SYS_TABLES, 0));
  CHECK("ioctl(1, 0xdeadbeef, page)", forge(kIoctl, 1, 0xdeadbeef, p));
  // Messages: bounded, and an unreadable one is named as such. (The random calls
  // above filled part of the page before they failed, as Linux would.)
  memset(page, 'A', 4096);
  CHECK("unsupported(NULL, 1<<63)", forge(kUnsupported, 0, huge, 0));
  CHECK("unsupported(page, 1<<63)", forge(kUnsupported, p, huge, 0));
  CHECK("unknown syscall ~0", forge(kUnknownSyscall, ~0ull, 0, 0));
  CHECK("stat(~0, ~0)", forge(kStat, ~0ull, ~0ull, 0));
  // An honest call still works afterwards.
  memcpy(page, "forged write\n", 13);
  CHECK("write(1, page, 13)", forge(kWrite, 1, p, 13));
  say("unknown hypercall 999 next\n");
  CHECK("unknown hypercall 999", forge(999, 0, 0, 0));
  say("still running after an unknown hypercall\n");
}

// Run with `burrow run --fast`: the rewriter's hypercall writes into guest memory
// at guest-chosen addresses, and execve's takes guest pointers to pointers.
static void rewrite_exec_checks(const char* self) {
  const uint64_t huge = 1ull << 63, kernel = 0xFFFFFFFF80200000ull;
  char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) exit(1);
  memset(page, 'A', 4096);
  const uint64_t p = (uint64_t)page;
  // The personality's handles: 0-2 are stdio, 3 the program image; files opened then.
  if (open(self, O_RDONLY) < 0) exit(1);
  CHECK("rewrite(handle 999)", forge6(kRewrite, 999, 0, 4096, p, p, 4096));
  CHECK("rewrite(stdout: not a file)", forge6(kRewrite, 1, 0, 4096, p, p, 4096));
  CHECK("rewrite(map at kernel text)", forge6(kRewrite, 3, 0, 1 << 20, kernel, p, 4096));
  CHECK("rewrite(trampolines in kernel)", forge6(kRewrite, 3, 0, 1 << 20, p, kernel, 4096));
  CHECK("rewrite(length 1<<63)", forge6(kRewrite, 3, 0, huge, p, p, 4096));
  CHECK("rewrite(capacity 1<<63)", forge6(kRewrite, 3, 0, 4096, p, p, huge));
  CHECK("rewrite(offset 1<<63)", forge6(kRewrite, 3, huge, 4096, p, p, 4096));
  CHECK("exec(NULL)", forge(kExec, 0, 0, 0));
  CHECK("exec(kernel)", forge(kExec, kernel, 0, 0));
  CHECK("exec(page of 'A')", forge(kExec, p, 0, 0));
  // A well-formed request whose argv points at the kernel.
  uint64_t* req = (uint64_t*)page;
  memset(page, 0, 4096);
  strcpy(page + 2048, "/bin/true");
  strcpy(page + 3072, "/");
  req[0] = p + 2048, req[1] = 9, req[2] = p + 2048, req[4] = kernel, req[6] = p + 3072, req[7] = 1;
  CHECK("exec(argv in kernel)", forge(kExec, p, 0, 0));
  req[4] = 0, req[8] = kernel, req[9] = 1;
  CHECK("exec(fds in kernel)", forge(kExec, p, 0, 0));
  req[8] = p + 1024, req[9] = 100000;
  CHECK("exec(100000 fds)", forge(kExec, p, 0, 0));
  req[9] = 1;
  ((uint64_t*)(page + 1024))[1] = 0xFFFF00000000ull;  // kind 0 (host), handle 999
  ((uint64_t*)(page + 1024))[2] = 999;
  CHECK("exec(fd with handle 999)", forge(kExec, p, 0, 0));
  req[9] = 0, req[1] = 4096;
  CHECK("exec(path length 4096)", forge(kExec, p, 0, 0));
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "--rewrite-exec") == 0) {
    rewrite_exec_checks(argv[0]);
    say("the VM is still running\n");
    return 0;
  }
  if (strcmp(mode, "--in-burrow") == 0) {
    argument_checks();
  } else if (strcmp(mode, "--unknown") == 0 && argc > 2) {
    forge(strtoull(argv[2], NULL, 0), 0, 0, 0);
  } else if (strcmp(mode, "--exit") == 0) {
    forge(kExit, 256 + 7, 0, 0);
  } else if (strcmp(mode, "--panic") == 0) {
    forge(kPanic, 0x1000, 1ull << 63, 0);
  } else if (strcmp(mode, "--kernel-fault") == 0) {
    forge(kKernelFault, SYS_TABLES, 0, 0);
  } else if (strcmp(mode, "--fatal-signal") == 0) {
    forge(kFatalSignal, 0, 0, 0);
  } else if (strcmp(mode, "--boot-info") == 0) {
    // The direct map makes all guest-physical memory writable by the guest, BootInfo
    // included: the monitor must not take its own state from there.
    *(volatile uint64_t*)(DIRECT_MAP + BOOT_INFO_PHYS + BOOT_INFO_PER_CPU_PHYS) = 0xFFFFFFFFFFFF0000ull;
    forge(kStat, 0, 0, 0);
  } else if (strcmp(mode, "--gdt") == 0) {
    say("writing the GDT page\n");
    *(volatile uint64_t*)SYS_TABLES = 0;
  } else {
    say("hostile: forges hypercalls; run it under burrow with --in-burrow\n");
    return 0;
  }
  say("the VM is still running\n");
  return 1;
}
