// Recurses argv[1] frames deep and writes at the bottom, so a task stopped there has a deep
// Asyncify stack; then unwinds normally and prints a checksum that depends on every frame.
#include <stdio.h>
#include <stdlib.h>

// The combination after the call (a multiply, then an add of a volatile local) keeps LLVM
// from turning the recursion into a loop, so every level is a real wasm frame.
__attribute__((noinline)) static unsigned dive(unsigned depth, unsigned acc) {
  volatile unsigned local = acc * 31 + depth;
  if (depth == 0) {
    printf("bottom reached, acc %u\n", acc);
    fflush(stdout);
    return acc;
  }
  unsigned below = dive(depth - 1, local);
  return below * 2654435761u + local;
}

int main(int argc, char **argv) {
  unsigned depth = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
  printf("checksum %u\n", dive(depth, 7));
  return 0;
}
