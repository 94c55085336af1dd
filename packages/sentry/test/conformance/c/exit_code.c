// proc_exit: the status the task ends with, and output flushed before it.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("ok exiting with %s\n", argc > 2 ? argv[2] : "0");
  fflush(stdout);
  exit(argc > 2 ? atoi(argv[2]) : 0);
}
