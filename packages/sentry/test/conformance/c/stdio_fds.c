// stdio, fdstat, fd flags reported as set, rights narrowing, renumber, and BADF on bad fds.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

static __wasi_fd_t preopen(const char *name) {
  for (__wasi_fd_t fd = 3; fd < 64; fd++) {
    __wasi_prestat_t prestat;
    if (__wasi_fd_prestat_get(fd, &prestat) != 0) continue;
    char buffer[256] = {0};
    if (prestat.u.dir.pr_name_len >= sizeof buffer) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)buffer, prestat.u.dir.pr_name_len) != 0) continue;
    if (strcmp(buffer, name) == 0) return fd;
  }
  return (__wasi_fd_t)-1;
}

int main(int argc, char **argv) {
  __wasi_fdstat_t stat;
  for (__wasi_fd_t fd = 0; fd < 3; fd++) CHECK(__wasi_fd_fdstat_get(fd, &stat) == 0, "fdstat of stdio");
  CHECK(__wasi_fd_fdstat_get(1, &stat) == 0 && (stat.fs_rights_base & __WASI_RIGHTS_FD_WRITE), "stdout can be written");
  CHECK(__wasi_fd_fdstat_get(77, &stat) == __WASI_ERRNO_BADF, "fdstat of a closed fd is EBADF");
  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  __wasi_size_t n = 0;
  CHECK(__wasi_fd_write(77, &iov, 1, &n) == __WASI_ERRNO_BADF, "write to a closed fd is EBADF");
  CHECK(__wasi_fd_close(77) == __WASI_ERRNO_BADF, "close of a closed fd is EBADF");

  __wasi_fd_t dir = preopen(argc > 1 ? argv[1] : "/sandbox");
  CHECK(dir != (__wasi_fd_t)-1, "preopen found by name");
  CHECK(__wasi_fd_fdstat_get(dir, &stat) == 0 && stat.fs_filetype == __WASI_FILETYPE_DIRECTORY, "preopen is a directory");
  CHECK((stat.fs_rights_base & __WASI_RIGHTS_FD_SEEK) == 0, "a directory has no seek right");

  __wasi_fd_t file;
  CHECK(__wasi_path_open(dir, 0, "flags.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_PATH_OPEN, 0, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC, &file) == 0, "open with APPEND|SYNC");
  CHECK(__wasi_fd_fdstat_get(file, &stat) == 0 && (stat.fs_flags & __WASI_FDFLAGS_APPEND) && (stat.fs_flags & __WASI_FDFLAGS_SYNC), "APPEND and SYNC are reported as set");
  CHECK((stat.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) == 0, "a file never holds path rights");
  CHECK(__wasi_fd_fdstat_set_flags(file, __WASI_FDFLAGS_NONBLOCK) == 0, "set NONBLOCK");
  CHECK(__wasi_fd_fdstat_get(file, &stat) == 0 && stat.fs_flags == __WASI_FDFLAGS_NONBLOCK, "NONBLOCK is reported as set");
  CHECK(__wasi_fd_fdstat_set_flags(file, 0x100) == __WASI_ERRNO_INVAL, "unknown fdflags are EINVAL");

  CHECK(__wasi_fd_fdstat_set_rights(file, __WASI_RIGHTS_FD_READ, 0) == 0, "drop rights");
  CHECK(__wasi_fd_fdstat_set_rights(file, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0) == __WASI_ERRNO_NOTCAPABLE, "rights cannot be regained");
  CHECK(__wasi_fd_write(file, &iov, 1, &n) == __WASI_ERRNO_BADF, "write without the write right is EBADF");

  __wasi_fd_t other;
  CHECK(__wasi_path_open(dir, 0, "flags.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &other) == 0, "open a second fd");
  CHECK(__wasi_fd_renumber(other, file) == 0, "renumber over an open fd");
  CHECK(__wasi_fd_fdstat_get(other, &stat) == __WASI_ERRNO_BADF, "the old number is closed");
  CHECK(__wasi_fd_renumber(file, 200) == __WASI_ERRNO_BADF, "renumber to a closed fd is EBADF");
  CHECK(__wasi_fd_close(file) == 0, "close");
  return failures == 0 ? 0 : 1;
}
