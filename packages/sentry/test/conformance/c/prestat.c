// fd_prestat_get and fd_prestat_dir_name, including the zero-length buffer case.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

int main(int argc, char **argv) {
  const char *expected = argc > 1 ? argv[1] : "/sandbox";
  __wasi_prestat_t prestat;
  CHECK(__wasi_fd_prestat_get(3, &prestat) == 0, "fd 3 is the first preopen");
  CHECK(prestat.tag == __WASI_PREOPENTYPE_DIR, "it is a directory");
  CHECK(prestat.u.dir.pr_name_len == strlen(expected), "the name length has no NUL");
  char name[256];
  memset(name, '#', sizeof name);
  __wasi_errno_t zero = __wasi_fd_prestat_dir_name(3, (uint8_t *)name, 0);
  CHECK(zero == __WASI_ERRNO_NAMETOOLONG || zero == __WASI_ERRNO_INVAL, "a zero-length buffer fails");
  CHECK(name[0] == '#', "and writes nothing");
  CHECK(__wasi_fd_prestat_dir_name(3, (uint8_t *)name, prestat.u.dir.pr_name_len + 10) == 0, "a larger buffer works");
  CHECK(memcmp(name, expected, strlen(expected)) == 0 && name[strlen(expected)] == '#', "the name is copied without a NUL");
  CHECK(__wasi_fd_prestat_get(0, &prestat) == __WASI_ERRNO_BADF, "stdin is not a preopen: EBADF");
  CHECK(__wasi_fd_prestat_get(90, &prestat) == __WASI_ERRNO_BADF, "a closed fd is EBADF");
  return failures == 0 ? 0 : 1;
}
