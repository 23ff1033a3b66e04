// The System V red zone: the 128 bytes below RSP belong to the running function,
// and no entry path (a `syscall`, a page fault, an interrupt) may touch them. Each
// check fills -128..-8(%rsp) with a pattern in inline assembly, takes one entry
// path without moving RSP, then counts the quadwords that changed.
//
// The assembly first moves RSP 256 bytes down, so that the pattern lies below the
// compiler's own red zone too; it restores RSP before returning.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PATTERN 0x5eedf00dc0de0000L

// rdx walks -128..-8; each quadword holds PATTERN + its offset.
#define FILL_RED_ZONE                  \
  "lea -256(%%rsp), %%rsp\n\t"         \
  "mov $-128, %%rdx\n"                 \
  "1:\n\t"                             \
  "lea (%[pat],%%rdx), %%rax\n\t"      \
  "mov %%rax, (%%rsp,%%rdx)\n\t"       \
  "add $8, %%rdx\n\t"                  \
  "jnz 1b\n\t"

#define COUNT_CHANGED                  \
  "mov $-128, %%rdx\n"                 \
  "2:\n\t"                             \
  "lea (%[pat],%%rdx), %%rax\n\t"      \
  "cmp %%rax, (%%rsp,%%rdx)\n\t"       \
  "je 3f\n\t"                          \
  "inc %[bad]\n"                       \
  "3:\n\t"                             \
  "add $8, %%rdx\n\t"                  \
  "jnz 2b\n\t"                         \
  "lea 256(%%rsp), %%rsp\n\t"

static long ret;

static int around_getppid(void) {
  long bad = 0, r;
  asm volatile(FILL_RED_ZONE
               "mov $110, %%eax\n\t"  // getppid
               "syscall\n\t"
               "mov %%rax, %[r]\n\t" COUNT_CHANGED
               : [bad] "+&r"(bad), [r] "=&r"(r)
               : [pat] "r"(PATTERN)
               : "rax", "rcx", "rdx", "r11", "memory", "cc");
  ret = r;
  return (int)bad;
}

static int around_clock_gettime(struct timespec* ts) {
  long bad = 0, r;
  asm volatile(FILL_RED_ZONE
               "mov $228, %%eax\n\t"  // clock_gettime
               "mov $1, %%edi\n\t"    // CLOCK_MONOTONIC
               "mov %[ts], %%rsi\n\t"
               "syscall\n\t"
               "mov %%rax, %[r]\n\t" COUNT_CHANGED
               : [bad] "+&r"(bad), [r] "=&r"(r)
               : [pat] "r"(PATTERN), [ts] "r"(ts)
               : "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory", "cc");
  ret = r;
  return (int)bad;
}

static int around_write(const char* msg, size_t len) {
  long bad = 0, r;
  asm volatile(FILL_RED_ZONE
               "mov $1, %%eax\n\t"  // write
               "mov $1, %%edi\n\t"
               "mov %[msg], %%rsi\n\t"
               "mov %[len], %%rdx\n\t"
               "syscall\n\t"
               "mov %%rax, %[r]\n\t" COUNT_CHANGED
               : [bad] "+&r"(bad), [r] "=&r"(r)
               : [pat] "r"(PATTERN), [msg] "r"(msg), [len] "r"(len)
               : "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory", "cc");
  ret = r;
  return (int)bad;
}

// First touch of a fresh page: a page fault served while the pattern is in place.
static int around_write_fault(volatile char* page) {
  long bad = 0;
  asm volatile(FILL_RED_ZONE "movb $1, (%[page])\n\t" COUNT_CHANGED
               : [bad] "+&r"(bad)
               : [pat] "r"(PATTERN), [page] "r"(page)
               : "rax", "rdx", "memory", "cc");
  return (int)bad;
}

static int around_read_fault(volatile char* page) {
  long bad = 0, value;
  asm volatile(FILL_RED_ZONE "movsbq (%[page]), %[value]\n\t" COUNT_CHANGED
               : [bad] "+&r"(bad), [value] "=&r"(value)
               : [pat] "r"(PATTERN), [page] "r"(page)
               : "rax", "rdx", "memory", "cc");
  ret = value;
  return (int)bad;
}

// A long stretch with the pattern in place: whatever interrupts arrive meanwhile.
static int around_spin(long iterations) {
  long bad = 0;
  asm volatile(FILL_RED_ZONE
               "4:\n\t"
               "pause\n\t"
               "dec %[n]\n\t"
               "jnz 4b\n\t" COUNT_CHANGED
               : [bad] "+&r"(bad), [n] "+&r"(iterations)
               : [pat] "r"(PATTERN)
               : "rax", "rdx", "memory", "cc");
  return (int)bad;
}

static void report(const char* what, int changed) {
  if (changed == 0)
    printf("OK red zone intact across %s\n", what);
  else
    printf("FAIL red zone: %d quadwords changed across %s\n", changed, what);
  fflush(stdout);
}

int main(void) {
  int changed = 0;
  for (int i = 0; i < 100; ++i) changed += around_getppid();
  report("syscall getppid", changed);
  printf("getppid matches: %s\n", ret == getppid() ? "yes" : "no");

  struct timespec ts = {0, 0};
  changed = 0;
  for (int i = 0; i < 100; ++i) changed += around_clock_gettime(&ts);
  report("syscall clock_gettime", changed);
  printf("clock_gettime returned %ld, time set: %s\n", ret, ts.tv_sec > 0 || ts.tv_nsec > 0 ? "yes" : "no");

  static const char msg[] = "written by a raw write syscall\n";
  fflush(stdout);
  changed = around_write(msg, sizeof msg - 1);
  report("syscall write", changed);
  printf("write returned %ld\n", ret);

  enum { kPages = 64 };
  const long page_size = sysconf(_SC_PAGESIZE);
  char* area = mmap(NULL, kPages * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  changed = 0;
  for (int i = 0; i < kPages / 2; ++i) changed += around_write_fault(area + i * page_size);
  report("write faults on fresh pages", changed);
  changed = 0;
  long sum = 0;
  for (int i = kPages / 2; i < kPages; ++i) {
    changed += around_read_fault(area + i * page_size + 7);
    sum += ret;
  }
  report("read faults on fresh pages", changed);
  printf("fresh pages read as zero: %s\n", sum == 0 ? "yes" : "no");

  // A big heap block: malloc hands out fresh pages too.
  changed = 0;
  for (int i = 0; i < 8; ++i) {
    static char big[8 << 20];  // .bss: faulted in on first touch
    changed += around_write_fault(big + i * (1 << 20));
  }
  report("write faults on fresh .bss pages", changed);

  report("a busy loop", around_spin(2 * 1000 * 1000));
  return 0;
}
