// Raises the WASI signal argv[1] with proc_raise (WASI has no handlers: the default action
// applies), then reports whether it returned, which only ignored signals do.
#include <stdio.h>
#include <stdlib.h>

// This wasi-libc no longer declares proc_raise, so import it by hand.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int wasi_proc_raise(int signal);

int main(int argc, char **argv) {
  int signal = argc > 1 ? atoi(argv[1]) : 15;
  printf("raising %d\n", signal);
  fflush(stdout);
  int error = wasi_proc_raise(signal);
  printf("still running (errno %d)\n", error);
  return 0;
}
