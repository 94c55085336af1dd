// Prints a line, then traps in a nested call (wasm `unreachable`).
#include <stdio.h>

__attribute__((noinline)) static void fail(int depth) {
  if (depth == 0) __builtin_trap();
  fail(depth - 1);
}

int main(void) {
  printf("about to trap\n");
  fflush(stdout);
  fail(3);
  printf("not reached\n");
  return 0;
}
