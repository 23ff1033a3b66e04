// RFLAGS across system calls (issue 6): Linux gives the program back its
// arithmetic flags and DF after `syscall`, and r11 = RFLAGS at the call. A
// rewritten site restores them without popfq when it can; this checks every
// arithmetic flag, alone and all together, and DF, through a `mov $NR, %eax;
// syscall` site (rewritten at load) and through one whose number comes from a
// register (displaced or trapped).
#include <stdint.h>
#include <stdio.h>

#define ARITH 0x8d5ull  // CF PF AF ZF SF OF
#define DF 0x400ull

static uint64_t with_flags_movimm(uint64_t flags, uint64_t* r11_out) {
    uint64_t out, r11;
    __asm__ volatile(
        "push %[in]\n\t"
        "popfq\n\t"
        "mov $39, %%eax\n\t"  // getpid
        "syscall\n\t"
        "mov %%r11, %[r11]\n\t"
        "pushfq\n\t"
        "pop %[out]\n\t"
        "cld\n\t"
        : [out] "=r"(out), [r11] "=r"(r11)
        : [in] "r"(flags)
        : "rax", "rcx", "r11", "memory", "cc");
    *r11_out = r11;
    return out;
}

static uint64_t with_flags_reg(uint64_t flags, uint64_t nr, uint64_t* r11_out) {
    uint64_t out, r11;
    __asm__ volatile(
        "push %[in]\n\t"
        "popfq\n\t"
        "mov %[nr], %%rax\n\t"
        "syscall\n\t"
        "nop\n\t"
        "mov %%r11, %[r11]\n\t"
        "pushfq\n\t"
        "pop %[out]\n\t"
        "cld\n\t"
        : [out] "=r"(out), [r11] "=r"(r11)
        : [in] "r"(flags), [nr] "r"(nr)
        : "rax", "rcx", "r11", "memory", "cc");
    *r11_out = r11;
    return out;
}

int main(void) {
    const uint64_t patterns[] = {0, 0x1, 0x4, 0x10, 0x40, 0x80, 0x800, ARITH, 0x841, 0x0c4, DF, DF | ARITH};
    uint64_t base = 0x202;  // IF and the reserved bit, as a program has them
    for (unsigned i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        uint64_t r11a, r11b;
        uint64_t a = with_flags_movimm(base | patterns[i], &r11a);
        uint64_t b = with_flags_reg(base | patterns[i], 110 /* getppid */, &r11b);
        printf("in %04llx: mov-imm site out %04llx r11 %04llx; register site out %04llx r11 %04llx\n",
               (unsigned long long)patterns[i], (unsigned long long)(a & (ARITH | DF)),
               (unsigned long long)(r11a & (ARITH | DF)), (unsigned long long)(b & (ARITH | DF)),
               (unsigned long long)(r11b & (ARITH | DF)));
    }
    return 0;
}
