// A shared file mapping touched on one page while the file is written through
// pwrite on another: munmap must write back only what the mapping changed, so the
// pwrite survives (Burrow maps pages around a fault that the program never touches;
// those must not go back to the file). Prints the file's pages' first bytes.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  const long page = 4096, pages = 16;
  int fd = open("shared.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, page * pages) != 0) return perror("create"), 1;
  char* m = mmap(NULL, page * pages, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return perror("mmap"), 1;
  m[0] = 'M';  // the one page the mapping writes
  for (long i = 1; i < pages; i += 3)
    if (pwrite(fd, "P", 1, i * page) != 1) return perror("pwrite"), 1;
  if (msync(m, page * pages, MS_SYNC) != 0) return perror("msync"), 1;
  if (pwrite(fd, "Q", 1, 2 * page) != 1) return perror("pwrite"), 1;
  if (munmap(m, page * pages) != 0) return perror("munmap"), 1;
  char line[pages + 1];
  for (long i = 0; i < pages; ++i) {
    char c = 0;
    if (pread(fd, &c, 1, i * page) != 1) return perror("pread"), 1;
    line[i] = c ? c : '.';
  }
  line[pages] = 0;
  printf("%s\n", line);
  return close(fd);
}
