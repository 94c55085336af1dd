// fd_renumber: moving an fd over another closes the target and leaves the source number
// free, with the description (type, flags, rights) unchanged; renumbering onto or from a
// closed fd is EBADF; stdin, stdout and stderr can each be moved over a file's fd.
// Results are kept in memory and written at the end to wherever stdout was moved.
// Run as: stdio_renumber.wasm SCRATCH, where SCRATCH names a preopened host directory.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static char report[16384];
static size_t report_length = 0;
static int failures = 0;

static void say(const char *format, ...) {
  va_list args;
  va_start(args, format);
  int written = vsnprintf(report + report_length, sizeof report - report_length, format, args);
  va_end(args);
  if (written > 0) report_length += (size_t)written;
  if (report_length > sizeof report) report_length = sizeof report;
}

#define CHECK(cond, name)                                     \
  do {                                                        \
    if (cond) say("ok %s\n", name);                           \
    else { say("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)
#define ERRNO(expr, want, name)                                                      \
  do {                                                                               \
    __wasi_errno_t got_ = (expr);                                                    \
    if (got_ == (want)) say("ok %s\n", name);                                        \
    else { say("FAIL %s: got %d want %d (line %d)\n", name, got_, want, __LINE__); failures++; } \
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

static int same_fdstat(const __wasi_fdstat_t *a, const __wasi_fdstat_t *b) {
  return a->fs_filetype == b->fs_filetype && a->fs_flags == b->fs_flags && a->fs_rights_base == b->fs_rights_base &&
         a->fs_rights_inheriting == b->fs_rights_inheriting;
}

static void renumber_files(__wasi_fd_t dir) {
  __wasi_fd_t from, to;
  __wasi_fdstat_t from_stat, to_stat;
  ERRNO(__wasi_path_open(dir, 0, "file1", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, __WASI_FDFLAGS_APPEND, &from), 0, "create file1");
  ERRNO(__wasi_fd_fdstat_get(from, &from_stat), 0, "fdstat of file1's fd");
  ERRNO(__wasi_path_open(dir, 0, "file2", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &to), 0, "create file2");
  ERRNO(__wasi_fd_renumber(from, to), 0, "renumber file1's fd over file2's");
  ERRNO(__wasi_fd_close(from), __WASI_ERRNO_BADF, "the source number is closed");
  ERRNO(__wasi_fd_fdstat_get(to, &to_stat), 0, "the target number is open");
  CHECK(same_fdstat(&from_stat, &to_stat), "it holds file1's description: type, flags and rights");
  ERRNO(__wasi_fd_renumber(to, from), __WASI_ERRNO_BADF, "renumbering onto a closed fd is EBADF");
  ERRNO(__wasi_fd_renumber(from, to), __WASI_ERRNO_BADF, "renumbering from a closed fd is EBADF");
  ERRNO(__wasi_fd_renumber(to, to), 0, "renumbering an fd onto itself is allowed");
  ERRNO(__wasi_fd_fdstat_get(to, &to_stat), 0, "and leaves it open");
  ERRNO(__wasi_fd_close(to), 0, "close it");
  ERRNO(__wasi_path_unlink_file(dir, "file1"), 0, "unlink file1");
  ERRNO(__wasi_path_unlink_file(dir, "file2"), 0, "unlink file2");
}

int main(int argc, char **argv) {
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  __wasi_fd_t dir = preopen(scratch);
  CHECK(dir != (__wasi_fd_t)-1, "the scratch directory is preopened");
  renumber_files(dir);

  // Move stdin, stdout and stderr, in turn, over a newly opened file's fd. Once stdin is
  // moved its number is the lowest free one, so the next file takes fd 0, and so on.
  static const char *names[3] = {"stdin", "stdout", "stderr"};
  __wasi_fd_t stdout_now = 1;
  for (__wasi_fd_t stdio = 0; stdio < 3; stdio++) {
    char name[96];
    __wasi_fd_t file;
    __wasi_fdstat_t before, after;
    (void)__wasi_fd_fdstat_get(stdio, &before);
    snprintf(name, sizeof name, "open a file to move %s over", names[stdio]);
    ERRNO(__wasi_path_open(dir, 0, "target.tmp", __WASI_OFLAGS_CREAT, 0, 0, 0, &file), 0, name);
    snprintf(name, sizeof name, "the file takes the lowest free fd before moving %s", names[stdio]);
    CHECK(file == (stdio == 0 ? 4 : stdio - 1), name);
    snprintf(name, sizeof name, "renumber %s over it", names[stdio]);
    ERRNO(__wasi_fd_renumber(stdio, file), 0, name);
    if (stdio == 1) stdout_now = file;
    snprintf(name, sizeof name, "the file's number now holds %s", names[stdio]);
    CHECK(__wasi_fd_fdstat_get(file, &after) == 0 && same_fdstat(&before, &after), name);
    snprintf(name, sizeof name, "%s's number is closed", names[stdio]);
    ERRNO(__wasi_fd_fdstat_get(stdio, &after), __WASI_ERRNO_BADF, name);
    snprintf(name, sizeof name, "unlink the file after moving %s", names[stdio]);
    ERRNO(__wasi_path_unlink_file(dir, "target.tmp"), 0, name);
  }
  CHECK(stdout_now == 0, "stdout ended up at fd 0");

  // Report through wherever stdout is now.
  __wasi_ciovec_t iov = {(const uint8_t *)report, report_length};
  __wasi_size_t written = 0;
  if (__wasi_fd_write(stdout_now, &iov, 1, &written) != 0 || written != report_length) return 2;
  return failures == 0 ? 0 : 1;
}
