// Hostile arguments: out-of-bounds pointers are EFAULT (never a host exception), paths
// that escape are refused, and opening fds without end stops at EMFILE.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write")))
int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t result);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_read")))
int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t result);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t result);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("args_get")))
int32_t raw_args_get(int32_t argv, int32_t buffer);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("random_get")))
int32_t raw_random_get(int32_t buffer, int32_t length);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("clock_time_get")))
int32_t raw_clock_time_get(int32_t id, int64_t precision, int32_t result);

int main(void) {
  int32_t end = (int32_t)(__builtin_wasm_memory_size(0) * 65536);
  static __wasi_ciovec_t iov;
  static __wasi_size_t n;
  iov.buf = (const uint8_t *)"x";
  iov.buf_len = 1;
  CHECK(raw_fd_write(1, end - 4, 1, (int32_t)(uintptr_t)&n) == __WASI_ERRNO_FAULT, "an iovec array past the end is EFAULT");
  iov.buf = (const uint8_t *)(uintptr_t)(end - 1);
  iov.buf_len = 16;
  CHECK(raw_fd_write(1, (int32_t)(uintptr_t)&iov, 1, (int32_t)(uintptr_t)&n) == __WASI_ERRNO_FAULT, "a buffer past the end is EFAULT");
  iov.buf = (const uint8_t *)"x";
  iov.buf_len = 1;
  CHECK(raw_fd_write(1, (int32_t)(uintptr_t)&iov, 1, end) == __WASI_ERRNO_FAULT, "a result pointer past the end is EFAULT");
  CHECK(raw_fd_write(1, (int32_t)(uintptr_t)&iov, 1, -1) == __WASI_ERRNO_FAULT, "pointer 0xffffffff is EFAULT");
  CHECK(raw_fd_read(0, (int32_t)0x7ffffff0, 100000, (int32_t)(uintptr_t)&n) == __WASI_ERRNO_FAULT, "a huge iovec count is EFAULT");
  int32_t fd = 0;
  CHECK(raw_path_open(3, 0, end - 2, 100, 0, 0, 0, 0, (int32_t)(uintptr_t)&fd) == __WASI_ERRNO_FAULT, "a path past the end is EFAULT");
  CHECK(raw_args_get(end, end) == __WASI_ERRNO_FAULT, "args_get into nowhere is EFAULT");
  CHECK(raw_random_get(end - 8, 64) == __WASI_ERRNO_FAULT, "random_get past the end is EFAULT");
  CHECK(raw_clock_time_get(0, 1, end - 4) == __WASI_ERRNO_FAULT, "clock_time_get result past the end is EFAULT");
  static const char bad_utf8[] = "\xff\xfe";
  CHECK(raw_path_open(3, 0, (int32_t)(uintptr_t)bad_utf8, 2, 0, 0, 0, 0, (int32_t)(uintptr_t)&fd) == __WASI_ERRNO_ILSEQ, "a path that is not UTF-8 is EILSEQ");

  __wasi_fd_t file;
  CHECK(__wasi_path_open(3, 0, "../../../../etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &file) == __WASI_ERRNO_PERM, "../ out of the root is EPERM");
  CHECK(__wasi_path_open(3, 0, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &file) == __WASI_ERRNO_PERM, "an absolute path is EPERM");

  // A fork bomb of fds: open the same directory until the table is full.
  int opened = 0;
  __wasi_errno_t last = 0;
  for (int i = 0; i < 5000; i++) {
    __wasi_fd_t extra;
    last = __wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &extra);
    if (last != 0) break;
    opened++;
  }
  CHECK(last == __WASI_ERRNO_MFILE || last == __WASI_ERRNO_NFILE, "opening fds without end stops at EMFILE or ENFILE");
  CHECK(opened > 100, "well after a hundred fds");
  CHECK(__wasi_fd_close(4) == 0, "closing one fd");
  __wasi_fd_t reused;
  CHECK(__wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &reused) == 0 && reused == 4, "frees the lowest number for the next open");
  printf("done\n");
  return failures == 0 ? 0 : 1;
}
