// sock_*: there are no sockets unless the sandbox was given some: EBADF for a closed fd,
// ENOTSOCK for a file.
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

int main(void) {
  CHECK(__wasi_sock_shutdown(99, __WASI_SDFLAGS_RD) == __WASI_ERRNO_BADF, "shutdown of a closed fd is EBADF");
  CHECK(shutdown(99, SHUT_RD) != 0 && errno == EBADF, "libc shutdown sets EBADF");
  CHECK(__wasi_sock_shutdown(3, __WASI_SDFLAGS_WR) == __WASI_ERRNO_NOTSOCK, "shutdown of a directory is ENOTSOCK");
  __wasi_fd_t fd = 0;
  CHECK(__wasi_sock_accept(3, 0, &fd) == __WASI_ERRNO_NOTSOCK, "accept on a directory is ENOTSOCK");
  CHECK(shutdown(STDOUT_FILENO, SHUT_RD) != 0 && errno == ENOTSOCK, "libc shutdown of stdout sets ENOTSOCK");
  CHECK(__wasi_sock_accept(99, 0, &fd) == __WASI_ERRNO_BADF, "accept on a closed fd is EBADF");
  __wasi_ciovec_t out = {(const uint8_t *)"x", 1};
  __wasi_size_t n = 0;
  CHECK(__wasi_sock_send(1, &out, 1, 0, &n) == __WASI_ERRNO_NOTSOCK, "send on stdout is ENOTSOCK");

  return failures == 0 ? 0 : 1;
}
