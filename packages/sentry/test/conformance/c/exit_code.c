// proc_exit: the status the task ends with, and output flushed before it.
// Run as: exit_code.wasm STATUS
#include <stdio.h>
#include <stdlib.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
  int status = argc > 1 ? atoi(argv[1]) : 0;
  printf("ok exiting with %d\n", status);
  fflush(stdout);
  __wasi_proc_exit((__wasi_exitcode_t)status);
}
