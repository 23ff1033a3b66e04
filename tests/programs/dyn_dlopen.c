// dlopen, dlsym, dlerror and dlclose: a library of the tests by path and by
// name (found only through LD_LIBRARY_PATH), a system library through
// /etc/ld.so.cache, and failures whose messages come from ld.so.
//   Usage: dyn_dlopen-dynamic DIR   (DIR holds libdyn_lib.so)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

static void *open_lib(const char *name, int flags) {
    void *handle = dlopen(name, flags);
    if (handle)
        printf("dlopen(%s) = a handle\n", name);
    else
        printf("dlopen(%s) = NULL: %s\n", name, dlerror());
    return handle;
}

static void call_value(void *handle, const char *what) {
    int (*value)(void) = (int (*)(void))dlsym(handle, "dyn_lib_value");
    if (value)
        printf("%s: dyn_lib_value() = %d\n", what, value());
    else
        printf("%s: dlsym(dyn_lib_value) = NULL: %s\n", what, dlerror());
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/libdyn_lib.so", argv[1]);

    puts("-- by path");
    void *by_path = open_lib(path, RTLD_NOW | RTLD_LOCAL);
    if (by_path) {
        call_value(by_path, "by path");
        void *missing = dlsym(by_path, "no_such_symbol");
        printf("dlsym(no_such_symbol) = %s\n", missing ? "found?!" : dlerror());
        void *again = open_lib(path, RTLD_NOW);
        printf("same handle again: %s\n", again == by_path ? "yes" : "no");
        if (again) dlclose(again);
        puts("dlclose");
        dlclose(by_path);
        void *gone = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
        printf("still loaded after dlclose: %s\n", gone ? "yes" : "no");
    }

    puts("-- by name (LD_LIBRARY_PATH)");
    void *by_name = open_lib("libdyn_lib.so", RTLD_LAZY);
    if (by_name) {
        call_value(by_name, "by name");
        dlclose(by_name);
    }

    puts("-- a system library (ld.so.cache)");
    void *libm = open_lib("libm.so.6", RTLD_NOW);
    if (libm) {
        double (*root)(double) = (double (*)(double))dlsym(libm, "sqrt");
        printf("sqrt(2) = %.6f\n", root ? root(2.0) : -1.0);
        dlclose(libm);
    }

    puts("-- missing");
    open_lib("libdyn_does_not_exist.so.1", RTLD_NOW);
    open_lib("/nonexistent/dir/libdyn_lib.so", RTLD_NOW);
    puts("-- exit (a library still open runs its destructor now)");
    open_lib(path, RTLD_NOW);
    return 0;
}
