// /proc and /dev: cpuinfo, meminfo, self, the checkpoint status file, and the devices.
// Needs a preopen of `/` (the OCI case), passed as argv[1].
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

static size_t slurp(const char *path, char *buffer, size_t size) {
  FILE *file = fopen(path, "r");
  if (!file) return (size_t)-1;
  size_t total = fread(buffer, 1, size - 1, file);
  buffer[total] = 0;
  fclose(file);
  return total;
}

int main(int argc, char **argv) {
  static char text[65536];
  CHECK(slurp("/proc/cpuinfo", text, sizeof text) != (size_t)-1, "/proc/cpuinfo opens");
  CHECK(strstr(text, "flags") != NULL, "cpuinfo lists flags");
  CHECK(slurp("/proc/meminfo", text, sizeof text) != (size_t)-1 && strncmp(text, "MemTotal:", 9) == 0, "meminfo starts with MemTotal");
  CHECK(slurp("/proc/stasis/checkpoint", text, sizeof text) != (size_t)-1, "/proc/stasis/checkpoint opens");
  CHECK(strcmp(text, "state none\ncount 0\n") == 0, "a fresh kernel says state none, count 0");
  size_t expected = 0;
  for (int i = 0; i < argc; i++) expected += strlen(argv[i]) + 1;
  CHECK(slurp("/proc/self/cmdline", text, sizeof text) == expected && strcmp(text, argv[0]) == 0, "/proc/self/cmdline is argv, NUL-terminated");
  FILE *file = fopen("/proc/cpuinfo", "w");
  CHECK(file == NULL, "/proc files cannot be opened for writing");

  unsigned char buffer[64];
  FILE *zero = fopen("/dev/zero", "r");
  memset(buffer, 7, sizeof buffer);
  CHECK(zero && fread(buffer, 1, sizeof buffer, zero) == sizeof buffer && buffer[0] == 0 && buffer[63] == 0, "/dev/zero reads zeros");
  if (zero) fclose(zero);
  FILE *null = fopen("/dev/null", "r+");
  CHECK(null && fread(buffer, 1, sizeof buffer, null) == 0, "/dev/null reads end of file");
  CHECK(null && fwrite(buffer, 1, sizeof buffer, null) == sizeof buffer && fflush(null) == 0, "/dev/null swallows writes");
  if (null) fclose(null);
  FILE *full = fopen("/dev/full", "w");
  CHECK(full && (fwrite(buffer, 1, 10, full), fflush(full)) != 0, "/dev/full refuses writes");
  if (full) fclose(full);
  FILE *random = fopen("/dev/urandom", "r");
  memset(buffer, 0, sizeof buffer);
  int nonzero = 0;
  if (random && fread(buffer, 1, sizeof buffer, random) == sizeof buffer)
    for (size_t i = 0; i < sizeof buffer; i++) nonzero += buffer[i] != 0;
  CHECK(nonzero > 32, "/dev/urandom gives random bytes");
  if (random) fclose(random);
  return failures == 0 ? 0 : 1;
}
