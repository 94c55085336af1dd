// path_filestat_get and path_filestat_set_times: a file created with APPEND|SYNC reports
// both fdflags, its times are set by path to the nanosecond one flag at a time, and
// contradictory flags are EINVAL without changing anything.
// Run as: path_filestat.wasm SCRATCH, where SCRATCH names a preopened host directory.
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
#define ERRNO(expr, want, name)                                                          \
  do {                                                                                   \
    __wasi_errno_t got_ = (expr);                                                        \
    if (got_ == (want)) printf("ok %s\n", name);                                         \
    else { printf("FAIL %s: got %d want %d (line %d)\n", name, got_, want, __LINE__); failures++; } \
  } while (0)

static const __wasi_rights_t DIRECTORY_RIGHTS = __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE |
    __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_FILESTAT_GET |
    __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY |
    __WASI_RIGHTS_PATH_UNLINK_FILE;
static const __wasi_rights_t ALL_RIGHTS = ((__wasi_rights_t)1 << 28) - 1;

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
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  __wasi_fd_t base = preopen(scratch);
  CHECK(base != (__wasi_fd_t)-1, "the scratch directory is preopened");
  __wasi_fd_t dir, fd;
  __wasi_fdstat_t fdstat;
  __wasi_filestat_t before, after;
  ERRNO(__wasi_path_create_directory(base, "path_filestat.work"), 0, "mkdir a work directory");
  ERRNO(__wasi_path_open(base, 0, "path_filestat.work", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0, &dir), 0, "open it");
  CHECK(__wasi_fd_fdstat_get(dir, &fdstat) == 0 && (fdstat.fs_rights_base & __WASI_RIGHTS_PATH_FILESTAT_GET), "the directory holds PATH_FILESTAT_GET");

  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_PATH_FILESTAT_GET, 0, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC, &fd), 0, "create a file with APPEND|SYNC");
  CHECK(__wasi_fd_fdstat_get(fd, &fdstat) == 0 && (fdstat.fs_flags & __WASI_FDFLAGS_APPEND), "fdstat reports APPEND");
  CHECK((fdstat.fs_flags & __WASI_FDFLAGS_SYNC) != 0, "fdstat reports SYNC");
  CHECK((fdstat.fs_rights_base & __WASI_RIGHTS_PATH_FILESTAT_GET) == 0, "a file holds no path rights");
  ERRNO(__wasi_path_filestat_get(dir, 0, "file", &before), 0, "stat it by path");
  CHECK(before.size == 0 && before.filetype == __WASI_FILETYPE_REGULAR_FILE && before.nlink == 1, "an empty regular file with one link");
  __wasi_timestamp_t mtim = before.mtim - 100;
  ERRNO(__wasi_path_filestat_set_times(dir, 0, "file", 0, mtim, __WASI_FSTFLAGS_MTIM), 0, "set only mtim by path, 100 ns back");
  CHECK(__wasi_path_filestat_get(dir, 0, "file", &after) == 0 && after.mtim == mtim, "mtim set by path is exact");
  CHECK(after.atim == before.atim, "atim is unchanged");
  ERRNO(__wasi_path_filestat_set_times(dir, 0, "file", 0, 0, __WASI_FSTFLAGS_ATIM), 0, "set atim to the epoch by path");
  CHECK(__wasi_path_filestat_get(dir, 0, "file", &after) == 0 && after.atim == 0 && after.mtim == mtim, "atim is 0 and mtim stayed");
  ERRNO(__wasi_path_filestat_set_times(dir, 0, "missing", 0, 0, __WASI_FSTFLAGS_ATIM), __WASI_ERRNO_NOENT, "set times of a missing name is ENOENT");
  // node:wasi deadlocks after refusing these (see skip.json), so they come last.
  ERRNO(__wasi_path_filestat_set_times(dir, 0, "file", 0, mtim, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_INVAL, "MTIM with MTIM_NOW by path is EINVAL");
  ERRNO(__wasi_path_filestat_set_times(dir, 0, "file", 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), __WASI_ERRNO_INVAL, "ATIM with ATIM_NOW by path is EINVAL");
  CHECK(__wasi_path_filestat_get(dir, 0, "file", &after) == 0 && after.mtim == mtim && after.atim == 0, "refused calls change nothing");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "file"), 0, "unlink the file");
  ERRNO(__wasi_fd_close(dir), 0, "close the work directory");
  ERRNO(__wasi_path_remove_directory(base, "path_filestat.work"), 0, "the work directory is empty again");
  return failures == 0 ? 0 : 1;
}
