// A PIE linked against libdyn_lib.so (found through DT_RUNPATH $ORIGIN): run
// plain, with LD_PRELOAD=libdyn_preload.so, through ld.so directly, and -- as
// dyn_missing-dynamic, linked against a library that is absent -- to see ld.so's
// own error message.
#include <stdio.h>
#include <unistd.h>

int dyn_lib_value(void);
int dyn_lib_twice(void);

int main(void) {
    puts("dyn_main: main");
    pid_t pid = getpid();
    printf("getpid() = %s\n", pid == 4242 ? "4242 (interposed)" : pid > 0 ? "a pid" : "an error");
    printf("dyn_lib_value() = %d\n", dyn_lib_value());
    printf("dyn_lib_twice() = %d\n", dyn_lib_twice());
    return 0;
}
