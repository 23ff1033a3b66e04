// Interleaves raw write(2) calls on fd 1 and fd 2, bypassing stdio buffers.
#include <string.h>
#include <unistd.h>

static void say(int fd, const char *text) {
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        _exit(3);
}

int main(void) {
    say(1, "out 1\n");
    say(2, "err 1\n");
    say(1, "out 2 without newline, ");
    say(2, "err 2 without newline, ");
    say(1, "finished\n");
    say(2, "finished\n");
    for (int i = 0; i < 100; i++)
        say(i % 2 ? 2 : 1, i % 2 ? "e" : "o");
    say(1, "\n");
    say(2, "\n");
    return 0;
}
