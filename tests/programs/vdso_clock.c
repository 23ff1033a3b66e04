// The vDSO (issue 6): AT_SYSINFO_EHDR names an ELF with the LINUX_2.6 symbols the C
// libraries look up, shown as [vdso] (and [vvar]) in /proc/self/maps, and its
// clocks agree with the system calls: each vDSO reading lies between two
// system-call readings of the same clock and the other way round. Prints only
// deterministic lines, so a native run and a Burrow run compare equal.
//
// `vdso_clock loop` only calls the C library's clock functions many times and
// prints "done": under `burrow run --strace` no clock system call may appear.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif

static const char *yes_no(int b) { return b ? "yes" : "no"; }

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

// ---- Looking symbols up in the vDSO, as musl's vdsosym does ----

static uintptr_t g_bias;
static const Elf64_Sym *g_syms;
static const char *g_strings;
static const uint32_t *g_hash;
static const uint16_t *g_versym;
static const Elf64_Verdef *g_verdef;

static int vdso_open(void) {
    uintptr_t base = getauxval(AT_SYSINFO_EHDR);
    if (!base) return 0;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return 0;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    int have_load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            g_bias = base + ph[i].p_offset - ph[i].p_vaddr;
            have_load = 1;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
        }
    }
    if (!have_load || !dyn) return 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = g_bias + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_SYMTAB: g_syms = (const Elf64_Sym *)p; break;
        case DT_STRTAB: g_strings = (const char *)p; break;
        case DT_HASH: g_hash = (const uint32_t *)p; break;
        case DT_VERSYM: g_versym = (const uint16_t *)p; break;
        case DT_VERDEF: g_verdef = (const Elf64_Verdef *)p; break;
        }
    }
    return g_syms && g_strings && g_hash && g_versym && g_verdef;
}

static int version_is(uint16_t index, const char *name) {
    index &= 0x7fff;
    for (const Elf64_Verdef *d = g_verdef;; d = (const Elf64_Verdef *)((const char *)d + d->vd_next)) {
        if (!(d->vd_flags & VER_FLG_BASE) && (d->vd_ndx & 0x7fff) == index) {
            const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            return strcmp(g_strings + aux->vda_name, name) == 0;
        }
        if (!d->vd_next) return 0;
    }
}

static void *vdso_sym(const char *name) {
    uint32_t count = g_hash[1];
    for (uint32_t i = 0; i < count; i++) {
        const Elf64_Sym *s = &g_syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF) continue;
        if (strcmp(g_strings + s->st_name, name) != 0) continue;
        if (!version_is(g_versym[i], "LINUX_2.6")) continue;
        return (void *)(g_bias + s->st_value);
    }
    return NULL;
}

// ---- /proc/self/maps ----

static int maps_has(const char *name, uintptr_t *start) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return 0;
    char line[512];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        size_t n = strlen(line), k = strlen(name);
        if (n >= k && strcmp(line + n - k, name) == 0) {
            unsigned long long s = 0;
            sscanf(line, "%llx-", &s);
            if (start) *start = (uintptr_t)s;
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
}

// ---- Checks ----

typedef int (*cgt_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static long raw_clock_gettime(clockid_t clock, struct timespec *ts) {
    return syscall(SYS_clock_gettime, clock, ts);
}

// vDSO reading between two system-call readings, and a system-call reading
// between two vDSO readings: the same clock, not merely a close one.
static int agrees(cgt_fn vdso, clockid_t clock) {
    for (int i = 0; i < 100; i++) {
        struct timespec a, b, c;
        if (raw_clock_gettime(clock, &a) || vdso(clock, &b) || raw_clock_gettime(clock, &c)) return 0;
        if (!(ns_of(a) <= ns_of(b) && ns_of(b) <= ns_of(c))) return 0;
        if (vdso(clock, &a) || raw_clock_gettime(clock, &b) || vdso(clock, &c)) return 0;
        if (!(ns_of(a) <= ns_of(b) && ns_of(b) <= ns_of(c))) return 0;
        if (b.tv_nsec < 0 || b.tv_nsec >= 1000000000L) return 0;
    }
    return 1;
}

static int loop(void) {
    struct timespec prev = {0, 0}, ts;
    int ok = 1;
    for (int i = 0; i < 20000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ok = ok && ns_of(ts) >= ns_of(prev);
        prev = ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        clock_gettime(CLOCK_BOOTTIME, &ts);
        struct timeval tv;
        gettimeofday(&tv, NULL);
        ok = ok && time(NULL) > 0;
        ok = ok && sched_getcpu() >= 0;
    }
    printf("%s\n", ok ? "done" : "clocks misbehaved");
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "loop") == 0) return loop();

    uintptr_t ehdr = getauxval(AT_SYSINFO_EHDR);
    printf("AT_SYSINFO_EHDR nonzero: %s\n", yes_no(ehdr != 0));
    uintptr_t start = 0;
    int in_maps = maps_has("[vdso]", &start);
    printf("[vdso] in /proc/self/maps at AT_SYSINFO_EHDR: %s\n", yes_no(in_maps && start == ehdr));
    printf("[vvar] in /proc/self/maps: %s\n", yes_no(maps_has("[vvar]", NULL)));
    int opened = vdso_open();
    printf("vDSO has dynamic symbols with versions: %s\n", yes_no(opened));
    if (!opened) return 1;

    static const char *const names[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
                                        "__vdso_getcpu", "__vdso_clock_getres"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        printf("%s@LINUX_2.6: %s\n", names[i], yes_no(vdso_sym(names[i]) != NULL));
    cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
    cgt_fn getres = (cgt_fn)vdso_sym("__vdso_clock_getres");
    gtod_fn gtod = (gtod_fn)vdso_sym("__vdso_gettimeofday");
    time_fn vtime = (time_fn)vdso_sym("__vdso_time");
    getcpu_fn getcpu = (getcpu_fn)vdso_sym("__vdso_getcpu");
    if (!cgt || !getres || !gtod || !vtime || !getcpu) return 1;

    // The vDSO's own clocks against the system call's.
    static const struct {
        clockid_t id;
        const char *name;
    } clocks[] = {{CLOCK_REALTIME, "REALTIME"},
                  {CLOCK_MONOTONIC, "MONOTONIC"},
                  {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
                  {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
                  {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"},
                  {CLOCK_BOOTTIME, "BOOTTIME"},
                  {CLOCK_TAI, "TAI"}};
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++)
        printf("vDSO CLOCK_%s agrees with the system call: %s\n", clocks[i].name, yes_no(agrees(cgt, clocks[i].id)));
    struct timespec ts;
    printf("vDSO CLOCK_PROCESS_CPUTIME_ID (system call): %d\n", cgt(CLOCK_PROCESS_CPUTIME_ID, &ts));
    printf("vDSO clock 99 (system call): %d\n", cgt(99, &ts));
    struct timespec res = {-1, -1};
    int rc = getres(CLOCK_MONOTONIC, &res);
    printf("vDSO clock_getres(CLOCK_MONOTONIC): %d {%lld, %ld}\n", rc, (long long)res.tv_sec, res.tv_nsec);
    printf("vDSO clock_getres(99): %d\n", getres(99, &res));
    unsigned cpu = 12345, node = 12345;
    long grc = getcpu(&cpu, &node, NULL);
    printf("vDSO getcpu: %ld, cpu and node in range: %s\n", grc, yes_no(cpu < 4096 && node < 4096));

    // The vDSO's gettimeofday and time between two clock_gettime readings.
    int gtod_ok = 1, time_ok = 1;
    for (int i = 0; i < 1000; i++) {
        struct timespec r1, r2;
        struct timeval tv;
        cgt(CLOCK_REALTIME, &r1);
        gtod(&tv, NULL);
        time_t t = vtime(NULL);
        cgt(CLOCK_REALTIME, &r2);
        long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
        gtod_ok = gtod_ok && ns_of(r1) / 1000 <= us && us <= ns_of(r2) / 1000 && tv.tv_usec < 1000000;
        // NOTE: Linux's time() reads the coarse clock, up to a tick behind.
        time_ok = time_ok && r1.tv_sec - 1 <= t && t <= r2.tv_sec;
    }
    printf("vDSO gettimeofday between two CLOCK_REALTIME readings: %s\n", yes_no(gtod_ok));
    printf("vDSO time agrees with CLOCK_REALTIME: %s\n", yes_no(time_ok));

    // Through the C library, which uses the vDSO.
    int mono_ok = 1;
    struct timespec prev;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    for (int i = 0; i < 200000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        mono_ok = mono_ok && ns_of(ts) >= ns_of(prev);
        prev = ts;
    }
    printf("CLOCK_MONOTONIC never goes back (200000 calls): %s\n", yes_no(mono_ok));
    int coarse_ok = 1;
    for (int i = 0; i < 1000; i++) {
        struct timespec c, m, b;
        clock_gettime(CLOCK_MONOTONIC_COARSE, &c);
        clock_gettime(CLOCK_MONOTONIC, &m);
        clock_gettime(CLOCK_BOOTTIME, &b);
        coarse_ok = coarse_ok && ns_of(c) <= ns_of(m) && ns_of(m) <= ns_of(b);
    }
    printf("MONOTONIC_COARSE <= MONOTONIC <= BOOTTIME: %s\n", yes_no(coarse_ok));
    struct timespec r1, r2;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &r1);
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    clock_gettime(CLOCK_REALTIME, &r2);
    long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
    printf("gettimeofday within 1 ms of CLOCK_REALTIME: %s\n",
           yes_no(us >= ns_of(r1) / 1000 - 1000 && us <= ns_of(r2) / 1000 + 1000));
    printf("time() within 1 s of CLOCK_REALTIME: %s\n", yes_no(r1.tv_sec - 1 <= t && t <= r2.tv_sec + 1));
    printf("sched_getcpu >= 0: %s\n", yes_no(sched_getcpu() >= 0));
    printf("realtime after 2020: %s\n", yes_no(r2.tv_sec > 1577836800LL));
    return 0;
}
