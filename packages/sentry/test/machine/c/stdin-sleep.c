// Reads at most argv[1] bytes of stdin with one read(2) (no stdio buffering), sleeps argv[2]
// ms, then copies the rest of stdin to stdout: a checkpoint during the sleep finds bytes the
// sentry read ahead from the host but the guest has not consumed.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int first = argc > 1 ? atoi(argv[1]) : 10;
  int ms = argc > 2 ? atoi(argv[2]) : 1000;
  char buffer[4096];
  if (first > (int)sizeof buffer) first = sizeof buffer;
  ssize_t count = read(0, buffer, first);
  printf("first %d: %.*s\n", (int)count, count > 0 ? (int)count : 0, buffer);
  fflush(stdout);
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&pause, NULL);
  size_t total = 0;
  while ((count = read(0, buffer, sizeof buffer)) > 0) {
    fwrite(buffer, 1, count, stdout);
    total += count;
  }
  printf("rest %zu bytes\n", total);
  return 0;
}
