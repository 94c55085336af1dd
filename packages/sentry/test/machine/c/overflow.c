// Recurses without bound and without touching the C stack in memory, so the engine's own
// stack runs out first: a trap ("call stack exhausted"), not a crash of the host.
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned down(unsigned n) {
  if (n == 0) return 1;
  // Multiply-then-add after the call keeps LLVM from turning this into a loop.
  return down(n - 1) * 3u + n % 7u;
}

int main(int argc, char **argv) {
  unsigned depth = argc > 1 ? (unsigned)strtoul(argv[1], 0, 10) : 100000000u;
  printf("descending %u\n", depth);
  fflush(stdout);
  printf("result %u\n", down(depth));
  return 0;
}
