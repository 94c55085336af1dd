// Allocates 1 MiB blocks until malloc fails (memory.grow returns -1 under a limit), touching
// each, then reports how many it got and exits 0: hitting the limit is not a crash.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  int most = argc > 1 ? atoi(argv[1]) : 64;
  int count = 0;
  unsigned sum = 0;
  for (; count < most; count++) {
    unsigned char *block = malloc(1 << 20);
    if (!block) break;
    memset(block, count & 0xff, 1 << 20);
    sum += block[count];
  }
  printf("allocated %d MiB (sum %u)\n", count, sum);
  return 0;
}
