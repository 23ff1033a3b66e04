/* cpu_report: what a dynamically linked glibc program learns about the CPU it
   runs on -- the CPUID feature bits glibc's IFUNCs look at, XCR0 when the OS
   has enabled XSAVE (CPUID.1:ECX.OSXSAVE), and the address of the variant each
   string/memory IFUNC resolved to, as an offset in libc.so.6 (bench/dynamic.sh
   names it from libc's debug symbols). One "key=value" per line. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

struct Feature {
    unsigned leaf, subleaf;
    char reg; /* 'b', 'c' or 'd' */
    unsigned bit;
    const char *name;
};

static const struct Feature kFeatures[] = {
    {1, 0, 'd', 26, "sse2"},      {1, 0, 'c', 0, "sse3"},       {1, 0, 'c', 9, "ssse3"},
    {1, 0, 'c', 19, "sse4_1"},    {1, 0, 'c', 20, "sse4_2"},    {1, 0, 'c', 23, "popcnt"},
    {1, 0, 'c', 22, "movbe"},     {1, 0, 'c', 12, "fma"},       {1, 0, 'c', 26, "xsave"},
    {1, 0, 'c', 27, "osxsave"},   {1, 0, 'c', 28, "avx"},       {7, 0, 'b', 3, "bmi1"},
    {7, 0, 'b', 5, "avx2"},       {7, 0, 'b', 8, "bmi2"},       {7, 0, 'b', 9, "erms"},
    {7, 0, 'b', 16, "avx512f"},   {7, 0, 'b', 30, "avx512bw"},  {7, 0, 'b', 31, "avx512vl"},
    {7, 0, 'c', 11, "rtm_always_abort"}, {7, 0, 'd', 4, "fsrm"},
    {0x80000001, 0, 'c', 5, "lzcnt"},
};

static const char *const kFunctions[] = {"memcpy", "memmove", "memset", "strlen", "strchr",
                                          "memchr", "strcmp",  "memcmp", "strcpy"};

int main(void) {
    unsigned a, b, c, d;
    __cpuid_count(1, 0, a, b, c, d);
    printf("cpuid.1.ecx=0x%08x\ncpuid.1.edx=0x%08x\n", c, d);
    int osxsave = (c >> 27) & 1;
    __cpuid_count(7, 0, a, b, c, d);
    printf("cpuid.7.ebx=0x%08x\ncpuid.7.ecx=0x%08x\ncpuid.7.edx=0x%08x\n", b, c, d);
    if (osxsave) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        printf("xcr0=0x%llx\n", (unsigned long long)hi << 32 | lo);
    } else {
        printf("xcr0=unreadable (OSXSAVE is 0)\n");
    }
    printf("features=");
    const char *sep = "";
    for (size_t i = 0; i < sizeof kFeatures / sizeof kFeatures[0]; i++) {
        const struct Feature *f = &kFeatures[i];
        __cpuid_count(f->leaf, f->subleaf, a, b, c, d);
        unsigned v = f->reg == 'b' ? b : f->reg == 'c' ? c : d;
        if (v >> f->bit & 1) {
            printf("%s%s", sep, f->name);
            sep = " ";
        }
    }
    printf("\n");
    for (size_t i = 0; i < sizeof kFunctions / sizeof kFunctions[0]; i++) {
        /* dlsym resolves an IFUNC: the address is the variant it chose. */
        void *p = dlsym(RTLD_DEFAULT, kFunctions[i]);
        Dl_info info;
        if (p && dladdr(p, &info) && info.dli_fbase)
            printf("ifunc.%s=0x%lx\n", kFunctions[i], (unsigned long)((char *)p - (char *)info.dli_fbase));
        else
            printf("ifunc.%s=?\n", kFunctions[i]);
    }
    return 0;
}
