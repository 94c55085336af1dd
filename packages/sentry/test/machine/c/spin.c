// A pure compute loop that prints progress: the machine must preempt it between prints
// (no syscalls for long stretches) and a restored copy must print the same lines.
#include <stdio.h>
#include <stdlib.h>

static unsigned long long step(unsigned long long x, unsigned long long n) {
  for (unsigned long long i = 0; i < n; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  unsigned long long n = argc > 2 ? strtoull(argv[2], 0, 10) : 2000000;
  unsigned long long x = 1;
  for (int r = 0; r < rounds; r++) {
    x = step(x, n);
    printf("round %d %llu\n", r, x);
  }
  return 0;
}
