// A program given nothing: no arguments, no environment variables, no preopened
// directories. What it can still do, and what libc and the kernel refuse it.
// Run as: bare.wasm, with no --dir and no --env.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

extern char **environ;

int main(int argc, char **argv) {
  __wasi_size_t count = 99, size = 99;
  CHECK(argc == 1, "argc is 1: the program name alone");
  CHECK(__wasi_args_sizes_get(&count, &size) == 0 && count == 1, "args_sizes_get counts one argument");
  CHECK(size == strlen(argv[0]) + 1, "its size is the program name and its NUL");
  count = size = 99;
  CHECK(__wasi_environ_sizes_get(&count, &size) == 0 && count == 0 && size == 0, "environ_sizes_get reports nothing");
  CHECK(environ == NULL || environ[0] == NULL, "the environment is empty");
  CHECK(getenv("PATH") == NULL && getenv("HOME") == NULL, "no host variable leaks in");
  __wasi_prestat_t prestat;
  CHECK(__wasi_fd_prestat_get(3, &prestat) == __WASI_ERRNO_BADF, "fd 3 is not open: no preopens");

  // With no preopen to match, libc refuses any path itself.
  errno = 0;
  FILE *file = fopen("fs-tests.dir/file", "r");
  CHECK(file == NULL && errno == ENOTCAPABLE, "fopen of a relative path is ENOTCAPABLE");
  errno = 0;
  CHECK(open("/etc/passwd", O_RDONLY) == -1 && errno == ENOTCAPABLE, "open of an absolute path is ENOTCAPABLE");

  errno = 0;
  CHECK(shutdown(3, SHUT_RD) != 0 && errno == EBADF, "shutdown of fd 3, which is not open, is EBADF");
  errno = 0;
  CHECK(shutdown(STDOUT_FILENO, SHUT_RD) != 0 && errno == ENOTSOCK, "shutdown of stdout is ENOTSOCK");

  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  __wasi_size_t written = 0;
  CHECK(__wasi_fd_write((__wasi_fd_t)-31337, &iov, 1, &written) == __WASI_ERRNO_BADF, "fd_write to fd -31337 is EBADF");
  CHECK(__wasi_fd_write((__wasi_fd_t)-31337, NULL, 0, &written) == __WASI_ERRNO_BADF, "even with no iovecs");
  uint8_t random[32];
  memset(random, 0, sizeof random);
  CHECK(__wasi_random_get(random, 0) == 0, "random_get of zero bytes");
  CHECK(__wasi_random_get(random, sizeof random) == 0, "random_get of 32 bytes");
  int zeros = 0;
  for (size_t i = 0; i < sizeof random; i++) zeros += random[i] == 0;
  CHECK(zeros < 8, "32 random bytes are not all zero");
  CHECK(__wasi_sched_yield() == 0, "sched_yield");
  return failures == 0 ? 0 : 1;
}
