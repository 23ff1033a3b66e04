// Prints the auxiliary-vector entries a native run and a Burrow run must agree on.
// The vector is found by walking past environ's terminating NULL (works for glibc
// and musl alike, no /proc needed), then cross-checked against getauxval().
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern char **environ;
extern char _start[];

static const Elf64_auxv_t *g_auxv;

static int lookup(uint64_t type, uint64_t *value) {
    for (const Elf64_auxv_t *a = g_auxv; a->a_type != AT_NULL; a++) {
        if (a->a_type == type) {
            *value = a->a_un.a_val;
            return 1;
        }
    }
    return 0;
}

static void print_value(const char *name, uint64_t type) {
    uint64_t v;
    if (lookup(type, &v))
        printf("%s=%llu\n", name, (unsigned long long)v);
    else
        printf("%s missing\n", name);
}

static void print_string(const char *name, uint64_t type) {
    uint64_t v;
    if (lookup(type, &v) && v != 0)
        printf("%s=\"%s\"\n", name, (const char *)(uintptr_t)v);
    else
        printf("%s missing\n", name);
}

static const char *yes_no(int b) { return b ? "yes" : "no"; }

int main(void) {
    char **p = environ;
    while (*p != NULL)
        p++;
    g_auxv = (const Elf64_auxv_t *)(p + 1);

    print_value("AT_PAGESZ", AT_PAGESZ);
    print_value("AT_PHENT", AT_PHENT);
    print_value("AT_PHNUM", AT_PHNUM);
    print_value("AT_FLAGS", AT_FLAGS);
    print_value("AT_UID", AT_UID);
    print_value("AT_EUID", AT_EUID);
    print_value("AT_GID", AT_GID);
    print_value("AT_EGID", AT_EGID);
    print_value("AT_SECURE", AT_SECURE);
    print_value("AT_CLKTCK", AT_CLKTCK);
    print_string("AT_PLATFORM", AT_PLATFORM);
    print_string("AT_EXECFN", AT_EXECFN);
    // NOTE: the raw vector value (CPUID.1:EDX as the kernel sees it); glibc's
    // getauxval(AT_HWCAP) returns its own HWCAP_X86_* bits instead.
    uint64_t hwcap;
    if (lookup(AT_HWCAP, &hwcap))
        printf("AT_HWCAP=0x%llx\n", (unsigned long long)hwcap);
    else
        printf("AT_HWCAP missing\n");

    uint64_t v = 0;
    printf("AT_RANDOM non-null: %s\n", yes_no(lookup(AT_RANDOM, &v) && v != 0));
    v = 0;
    printf("AT_MINSIGSTKSZ nonzero: %s\n", yes_no(lookup(AT_MINSIGSTKSZ, &v) && v != 0));

    uint64_t phdr = 0, phnum = 0;
    if (lookup(AT_PHDR, &phdr) && phdr != 0 && lookup(AT_PHNUM, &phnum) && phnum > 0) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(uintptr_t)phdr;
        int loads = 0;
        for (uint64_t i = 0; i < phnum; i++)
            loads += ph[i].p_type == PT_LOAD;
        printf("AT_PHDR phdr[0].p_type=%u PT_LOAD count=%d\n", ph[0].p_type, loads);
    } else {
        printf("AT_PHDR missing\n");
    }

    uint64_t entry = 0;
    printf("AT_ENTRY == &_start: %s\n",
           yes_no(lookup(AT_ENTRY, &entry) && entry == (uint64_t)(uintptr_t)_start));

    uint64_t pagesz = 0;
    lookup(AT_PAGESZ, &pagesz);
    printf("getauxval agrees: %s\n",
           yes_no(getauxval(AT_PAGESZ) == pagesz && getauxval(AT_ENTRY) == entry &&
                  getauxval(AT_PHDR) == phdr));
    return 0;
}
