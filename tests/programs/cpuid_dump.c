// Prints what CPUID answers for every leaf up to the basic, hypervisor and extended
// maxima (and a few beyond each), with subleaves 0-3 and some far ones. Burrow
// answers rewritten cpuid sites itself: its output must equal the trapped
// instruction's (burrow run --no-rewrite), leaf for leaf. The APIC IDs (leaf 1 EBX
// bits 31-24, leaves 0xb and 0x1f EDX) are masked: they name the CPU the vCPU happens
// to run on (PVM passes the host's through), natively as well.
#include <stdint.h>
#include <stdio.h>

static void show(uint32_t leaf, uint32_t sub) {
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
  if (leaf == 1) b &= 0x00ffffff;
  if (leaf == 0xb || leaf == 0x1f) d = 0;
  printf("%08x.%02x: %08x %08x %08x %08x\n", leaf, sub, a, b, c, d);
}

static uint32_t max_of(uint32_t leaf) {
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(0));
  return a;
}

static void range(uint32_t first, uint32_t max, uint32_t beyond) {
  if (max < first || max - first > 0x100) max = first;
  for (uint32_t leaf = first; leaf <= max + beyond; ++leaf)
    for (uint32_t sub = 0; sub < 4; ++sub) show(leaf, sub);
}

int main(void) {
  range(0, max_of(0), 3);
  range(0x40000000, max_of(0x40000000), 2);
  range(0x80000000, max_of(0x80000000), 3);
  range(0xc0000000, max_of(0xc0000000), 1);
  const uint32_t far[][2] = {{0xb, 7}, {0xb, 0x1ff}, {0x1f, 9}, {0xd, 63}, {0x4, 9}, {0x7, 0x80}, {0x20000000, 0},
                             {0x7fffffff, 1}, {0x8fffffff, 0}, {0xffffffff, 0}, {0x4fffffff, 0}, {0x12, 2}};
  for (unsigned i = 0; i < sizeof far / sizeof far[0]; ++i) show(far[i][0], far[i][1]);
  return 0;
}
