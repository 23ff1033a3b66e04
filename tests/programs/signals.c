// Signal handlers: signals a program sends itself (raise, kill, tgkill, SIGPIPE
// from a write) and faults it takes (SIGSEGV, SIGFPE, SIGILL), with siginfo,
// sa_mask, SA_NODEFER, SA_RESETHAND, SA_ONSTACK on a sigaltstack, a signal raised
// while blocked and delivered when unblocked, nesting, siglongjmp out of a fault, a
// handler that edits the saved context, and the FPU/SSE state a handler clobbers
// coming back intact. Prints only what is the same on every host.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile int last_code, last_signo, last_pid_ok, usr2_blocked_inside, nested_order[4], nested_n;
static sigjmp_buf jump;
static char *altstack;
static volatile int on_alt;

static void on_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    ++hits;
    last_signo = si->si_signo;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    usr2_blocked_inside = sigismember(&now, SIGUSR2) && sigismember(&now, sig);
}

static void on_plain(int sig) {
    ++hits;
    last_signo = sig;
}

static void on_nested_inner(int sig) { nested_order[nested_n++] = sig; }
static void on_nested_outer(int sig) {
    nested_order[nested_n++] = sig;
    raise(SIGUSR2);  // runs inside this handler, before it returns
    nested_order[nested_n++] = 100 + sig;
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    last_signo = sig;
    last_code = si->si_code;
    siglongjmp(jump, 1);
}

static void on_skip(int sig, siginfo_t *si, void *ucv) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_RIP] += 2;  // mov %eax,(%rdx): two bytes
    uc->uc_mcontext.gregs[REG_RAX] = 42;
}

static void on_alt_stack(int sig) {
    (void)sig;
    char here;
    on_alt = &here >= altstack && &here < altstack + SIGSTKSZ * 4;
}

static void on_clobber(int sig) {
    (void)sig;
    __asm__ volatile("pcmpeqd %%xmm8, %%xmm8\n\tfldz\n\tfldz\n\tfaddp" ::: "xmm8", "st");
}

static void install(int sig, void (*h)(int), int flags, int also_block) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (also_block) sigaddset(&sa.sa_mask, also_block);
    sigaction(sig, &sa, NULL);
}

static void install_info(int sig, void (*h)(int, siginfo_t *, void *), int flags, int also_block) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (also_block) sigaddset(&sa.sa_mask, also_block);
    sigaction(sig, &sa, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);

    install_info(SIGUSR1, on_info, 0, SIGUSR2);
    int r = raise(SIGUSR1);
    printf("raise = %d, hits %d, signo %d, code %d, pid matches %d, USR1+USR2 blocked inside %d\n", r, (int)hits,
           last_signo, last_code, last_pid_ok, usr2_blocked_inside);
    r = kill(getpid(), SIGUSR1);
    printf("kill = %d, code %d, pid matches %d\n", r, last_code, last_pid_ok);
    long lr = syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    printf("tgkill = %ld, code %d\n", lr, last_code);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("mask restored after the handler: %d\n", !sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));

    // Blocked: pending until unblocked, then delivered inside sigprocmask.
    hits = 0;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigpending(&now);
    printf("while blocked: hits %d, pending %d\n", (int)hits, sigismember(&now, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("after unblocking: hits %d\n", (int)hits);

    // SA_RESETHAND: once, then the default (SIGURG's default is to ignore it).
    hits = 0;
    install(SIGURG, on_plain, SA_RESETHAND, 0);
    raise(SIGURG);
    raise(SIGURG);
    printf("SA_RESETHAND: hits %d\n", (int)hits);

    // Nesting: a handler raising another signal.
    install(SIGUSR1, on_nested_outer, 0, 0);
    install(SIGUSR2, on_nested_inner, 0, 0);
    raise(SIGUSR1);
    printf("nested:");
    for (int i = 0; i < nested_n; ++i) printf(" %d", nested_order[i]);
    printf("\n");

    // SIGPIPE: the handler runs, write says EPIPE.
    hits = 0;
    install(SIGPIPE, on_plain, 0, 0);
    int p[2];
    pipe(p);
    close(p[0]);
    errno = 0;
    ssize_t w = write(p[1], "x", 1);
    printf("SIGPIPE: write = %zd %s, hits %d, signo %d\n", w, strerror(errno), (int)hits, last_signo);
    close(p[1]);

    // Faults, recovered with siglongjmp.
    install_info(SIGSEGV, on_fault, 0, 0);
    volatile int *low = (volatile int *)(uintptr_t)8;
    if (sigsetjmp(jump, 1) == 0) *low = 1;
    printf("SIGSEGV at 8: signo %d, code %d (SEGV_MAPERR %d)\n", last_signo, last_code, SEGV_MAPERR);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(jump, 1) == 0) *(volatile char *)ro = 1;
    printf("SIGSEGV on a read-only page: code %d (SEGV_ACCERR %d)\n", last_code, SEGV_ACCERR);
    install_info(SIGFPE, on_fault, 0, 0);
    if (sigsetjmp(jump, 1) == 0) {
        int q = 0, d = 0;
        __asm__ volatile("mov $100, %%eax\n\tcltd\n\tidivl %1" : "=&a"(q) : "r"(d) : "rdx");
        printf("no trap: %d\n", q);
    }
    printf("SIGFPE: signo %d, code %d (FPE_INTDIV %d)\n", last_signo, last_code, FPE_INTDIV);
    install_info(SIGILL, on_fault, 0, 0);
    if (sigsetjmp(jump, 1) == 0) __asm__ volatile("ud2");
    printf("SIGILL: signo %d\n", last_signo);
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("mask after siglongjmp: SEGV blocked %d\n", sigismember(&now, SIGSEGV));

    // A handler that moves the program past the faulting instruction.
    install_info(SIGSEGV, on_skip, 0, 0);
    long out;
    __asm__ volatile("xor %%edx, %%edx\n\tmov $7, %%eax\n\tmov %%eax, (%%rdx)" : "=a"(out) : : "rdx", "memory");
    printf("skipped the store, rax from the handler: %ld\n", out);

    // SA_ONSTACK on a sigaltstack.
    altstack = malloc(SIGSTKSZ * 4);
    stack_t ss = {.ss_sp = altstack, .ss_size = SIGSTKSZ * 4, .ss_flags = 0};
    printf("sigaltstack = %d\n", sigaltstack(&ss, NULL));
    install(SIGUSR2, on_alt_stack, SA_ONSTACK, 0);
    raise(SIGUSR2);
    printf("handler on the alternate stack: %d\n", (int)on_alt);

    // The handler clobbers xmm8 and the x87 stack; they come back.
    install(SIGUSR1, on_clobber, 0, 0);
    uint64_t before[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull}, after[2];
    __asm__ volatile("movdqu %1, %%xmm8\n\t"
                     "mov %2, %%edi\n\tmov %3, %%esi\n\tmov %4, %%edx\n\tmov %5, %%eax\n\tsyscall\n\t"
                     "movdqu %%xmm8, %0"
                     : "=m"(after)
                     : "m"(before), "r"((int)getpid()), "r"((int)gettid()), "r"(SIGUSR1), "i"(SYS_tgkill)
                     : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "xmm8", "memory");
    printf("xmm8 survives the handler: %d\n", before[0] == after[0] && before[1] == after[1]);

    // Default actions still apply where there is no handler.
    install(SIGUSR1, SIG_DFL, 0, 0);
    signal(SIGWINCH, SIG_DFL);
    printf("raise(SIGWINCH) with the default action = %d\n", raise(SIGWINCH));
    fflush(stdout);
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
