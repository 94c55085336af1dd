// Copies stdin to stdout line by line, prefixing a line count: the task blocks on every read.
#include <stdio.h>

int main(void) {
  char line[256];
  int count = 0;
  while (fgets(line, sizeof line, stdin)) {
    printf("%d: %s", ++count, line);
    fflush(stdout);
  }
  printf("eof after %d lines\n", count);
  return 0;
}
