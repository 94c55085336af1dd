/*
 * fork-probe: what a copy of a restored sandbox can tell about itself. ROUNDS times
 * (argv[1], default 10), every INTERVAL ms (argv[2], default 30), it prints what
 * /proc/stasis/checkpoint says and 8 bytes from the kernel's random source, and
 * appends the round to /tmp/fork-probe.log, whose line count it prints: a copy
 * restored from an image sees the file as it was at the checkpoint, never another
 * copy's lines.
 *
 * Usage: fork-probe [rounds [interval-ms]]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void read_status(char *status, size_t size) {
  int fd = open("/proc/stasis/checkpoint", O_RDONLY);
  ssize_t count = fd < 0 ? 0 : read(fd, status, size - 1);
  if (fd >= 0) close(fd);
  if (count < 0) count = 0;
  status[count] = '\0';
  for (char *c = status; *c != '\0'; c++)
    if (*c == '\n') *c = *(c + 1) == '\0' ? '\0' : ',';
}

static long count_lines(const char *path) {
  FILE *file = fopen(path, "r");
  if (file == NULL) return -1;
  long lines = 0;
  for (int c; (c = fgetc(file)) != EOF;)
    if (c == '\n') lines++;
  fclose(file);
  return lines;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
  long interval_ms = argc > 2 ? strtol(argv[2], NULL, 10) : 30;
  for (long round = 1; round <= rounds; round++) {
    char status[256];
    read_status(status, sizeof status);
    uint8_t random[8];
    if (getentropy(random, sizeof random) != 0) memset(random, 0, sizeof random);
    FILE *log = fopen("/tmp/fork-probe.log", "a");
    if (log != NULL) {
      fprintf(log, "round %ld\n", round);
      fclose(log);
    }
    printf("round %ld/%ld: %s; log lines %ld; random ", round, rounds, status, count_lines("/tmp/fork-probe.log"));
    for (size_t i = 0; i < sizeof random; i++) printf("%02x", random[i]);
    printf("\n");
    fflush(stdout);
    struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000};
    if (round < rounds) nanosleep(&pause, NULL);
  }
  return 0;
}
