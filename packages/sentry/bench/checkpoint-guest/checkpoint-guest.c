/*
 * checkpoint-guest: the guest of the checkpoint benchmarks. It touches MIB (argv[1],
 * default 64) MiB of heap with pseudo-random non-zero bytes, prints "ready", then
 * waits, in 1 ms sleeps, until the file GO (argv[2], default /signal/go) exists.
 * Then it prints "resumed" and the checksum of the heap, and exits.
 *
 * A checkpoint taken after "ready" holds MIB MiB of touched memory and a task
 * sleeping; the benchmark creates GO before it restores, so the "resumed" line
 * marks the restored guest's first instructions.
 *
 * Usage: checkpoint-guest [mib [go-path]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
  const char *go = argc > 2 ? argv[2] : "/signal/go";
  size_t size = (size_t)mib << 20;
  uint32_t *heap = malloc(size);
  if (heap == NULL && size > 0) {
    printf("checkpoint-guest: cannot allocate %ld MiB\n", mib);
    return 1;
  }
  uint32_t state = 2463534242u;
  for (size_t i = 0; i < size / 4; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    heap[i] = state | 0x01010101u;
  }
  printf("ready %ld MiB\n", mib);
  fflush(stdout);
  struct timespec pause = {0, 1000000};
  while (access(go, F_OK) != 0) nanosleep(&pause, NULL);
  printf("resumed\n");
  fflush(stdout);
  uint32_t sum = 0;
  for (size_t i = 0; i < size / 4; i++) sum = sum * 31 + heap[i];
  printf("checksum %08x\n", sum);
  return 0;
}
