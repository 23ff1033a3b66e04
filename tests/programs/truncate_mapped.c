// Maps a copy of itself (an ELF file, so Burrow rewrites its syscall sites as the
// pages are filled) readable and executable, truncates the copy to one page, then
// reads a page past the new end. Natively that read raises SIGBUS in the program;
// in Burrow the monitor's own access to the file faults first, and it must stop with
// its one-line message and 125, whichever of its threads served the fill.
// The copy is made in the working directory: run it in a scratch directory.
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  int in = open("/proc/self/exe", O_RDONLY);
  int out = open("victim.bin", O_RDWR | O_CREAT | O_TRUNC, 0755);
  if (in < 0 || out < 0) {
    perror("open");
    return 1;
  }
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, (size_t)n) != n) return 1;
  struct stat st;
  if (fstat(out, &st) != 0) return 1;
  volatile unsigned char* p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, out, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  printf("mapped\n");
  fflush(stdout);
  if (ftruncate(out, 4096) != 0) return 1;
  printf("read %d\n", p[st.st_size / 2]);
  return 0;
}
