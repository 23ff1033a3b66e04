// An LD_PRELOAD library (libdyn_preload.so): its constructor runs before the
// program's main, and it interposes getpid (a libc function) and dyn_lib_value
// (a function of libdyn_lib.so), calling the real ones through RTLD_NEXT.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

__attribute__((constructor)) static void dyn_preload_init(void) {
    puts("dyn_preload: constructor, before main");
}

pid_t getpid(void) {
    pid_t (*real)(void) = (pid_t (*)(void))dlsym(RTLD_NEXT, "getpid");
    printf("dyn_preload: getpid intercepted, the real one %s\n",
           real && real() > 0 ? "returns a pid" : "is missing");
    return 4242;
}

int dyn_lib_value(void) {
    int (*real)(void) = (int (*)(void))dlsym(RTLD_NEXT, "dyn_lib_value");
    return real ? real() + 1000 : -1;
}
