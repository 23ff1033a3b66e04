// A small shared library for the dynamic-linking tests (built as libdyn_lib.so,
// and as the stub libdyn_missing.so that dyn_missing-dynamic is linked against and
// that is absent at run time). Its constructor and destructor print, so a test
// sees when ld.so runs them: at start-up, at dlopen, at exit or dlclose.
#include <stdio.h>

__attribute__((constructor)) static void dyn_lib_init(void) {
    puts("dyn_lib: constructor");
}

__attribute__((destructor)) static void dyn_lib_fini(void) {
    puts("dyn_lib: destructor");
}

int dyn_lib_value(void) {
    return 42;
}

// Calls through the PLT, so an LD_PRELOAD library that defines dyn_lib_value
// also takes the library's own call (symbol interposition, as natively).
int dyn_lib_twice(void) {
    return 2 * dyn_lib_value();
}
