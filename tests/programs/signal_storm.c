// A storm of signals from outside while the program computes and makes system calls
// (rewritten and trapped paths, the shim, the personality): every one must land
// somewhere harmless — in the handler, or waiting for the program's next way back —
// and the computation must come out unharmed. Run by tests/integration/signal_storm.sh.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
static volatile sig_atomic_t n;
static void h(int s) { (void)s; ++n; }
int main(void) {
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = h; sa.sa_flags = SA_RESTART; sigaction(SIGUSR1, &sa, NULL);
  printf("ready\n"); fflush(stdout);
  double x = 1.0; unsigned long i = 0;
  struct timespec t0, t; clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    x = x * 1.0000001 + 0.5; ++i;
    if ((i & 0xffff) == 0) { getppid(); }
    if ((i & 0xfffff) == 0) { clock_gettime(CLOCK_MONOTONIC, &t); if (t.tv_sec - t0.tv_sec >= 2) break; }
  }
  printf("handled some: %d, x finite: %d, iterations counted: %d\n", n > 0, x == x, i > 0);
  return 0;
}
