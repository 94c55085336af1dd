// Regular files: read/write, pread/pwrite, seek/tell, APPEND, truncation, allocate,
// nanosecond timestamps, and directory listings with `.` and `..`.
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

static const __wasi_rights_t FILE_RIGHTS = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |
    __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |
    __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_SYNC |
    __WASI_RIGHTS_FD_DATASYNC;

int main(int argc, char **argv) {
  __wasi_fd_t dir = preopen(argc > 1 ? argv[1] : "/sandbox");
  __wasi_fd_t fd;
  CHECK(__wasi_path_open(dir, 0, "data.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, FILE_RIGHTS, 0, 0, &fd) == 0, "create");
  __wasi_fd_t again;
  CHECK(__wasi_path_open(dir, 0, "data.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, FILE_RIGHTS, 0, 0, &again) == __WASI_ERRNO_EXIST, "CREAT|EXCL on an existing file is EEXIST");

  __wasi_ciovec_t parts[2] = {{(const uint8_t *)"hello ", 6}, {(const uint8_t *)"world", 5}};
  __wasi_size_t n = 0;
  CHECK(__wasi_fd_write(fd, parts, 2, &n) == 0 && n == 11, "gathered write");
  __wasi_filesize_t offset = 99;
  CHECK(__wasi_fd_tell(fd, &offset) == 0 && offset == 11, "tell after write");
  CHECK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset) == 0 && offset == 0, "seek to start");
  CHECK(__wasi_fd_seek(fd, -1, __WASI_WHENCE_SET, &offset) == __WASI_ERRNO_INVAL, "seek before start is EINVAL");
  CHECK(__wasi_fd_seek(fd, 0, 7, &offset) == __WASI_ERRNO_INVAL, "bad whence is EINVAL");
  char a[4] = {0}, b[16] = {0};
  __wasi_iovec_t scatter[2] = {{(uint8_t *)a, 3}, {(uint8_t *)b, 16}};
  CHECK(__wasi_fd_read(fd, scatter, 2, &n) == 0 && n == 11 && memcmp(a, "hel", 3) == 0 && memcmp(b, "lo world", 8) == 0, "scattered read");
  CHECK(__wasi_fd_read(fd, scatter, 2, &n) == 0 && n == 0, "read at end returns 0");

  char c[5] = {0};
  __wasi_iovec_t one = {(uint8_t *)c, 5};
  CHECK(__wasi_fd_pread(fd, &one, 1, 6, &n) == 0 && n == 5 && memcmp(c, "world", 5) == 0, "pread");
  CHECK(__wasi_fd_tell(fd, &offset) == 0 && offset == 11, "pread leaves the offset");
  __wasi_ciovec_t patch = {(const uint8_t *)"W", 1};
  CHECK(__wasi_fd_pwrite(fd, &patch, 1, 6, &n) == 0 && n == 1, "pwrite");
  CHECK(__wasi_fd_pread(fd, &one, 1, 6, &n) == 0 && c[0] == 'W', "pwrite landed");
  CHECK(__wasi_fd_pwrite(fd, &patch, 1, 100, &n) == 0, "pwrite past the end");
  __wasi_filestat_t st;
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.size == 101 && st.filetype == __WASI_FILETYPE_REGULAR_FILE, "pwrite past the end extends");
  CHECK(__wasi_fd_pread(fd, &one, 1, 50, &n) == 0 && n == 5 && c[0] == 0 && c[4] == 0, "the hole reads as zeros");

  CHECK(__wasi_fd_filestat_set_size(fd, 5) == 0, "truncate");
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.size == 5, "size after truncate");
  CHECK(__wasi_fd_allocate(fd, 0, 4096) == 0, "allocate");
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.size == 4096, "allocate extends");
  CHECK(__wasi_fd_pread(fd, &one, 1, 3, &n) == 0 && n == 5 && c[0] == 'l' && c[2] == 0, "bytes after a shrink and regrow are zero");
  CHECK(__wasi_fd_advise(fd, 0, 100, __WASI_ADVICE_SEQUENTIAL) == 0, "advise");
  CHECK(__wasi_fd_advise(fd, 0, 100, 99) == __WASI_ERRNO_INVAL, "unknown advice is EINVAL");
  CHECK(__wasi_fd_sync(fd) == 0 && __wasi_fd_datasync(fd) == 0, "sync and datasync");

  CHECK(__wasi_fd_filestat_set_times(fd, 1000000123, 2000000456, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM) == 0, "set times with nanoseconds");
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.atim == 1000000123 && st.mtim == 2000000456, "nanoseconds are kept");
  CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW) == __WASI_ERRNO_INVAL, "MTIM with MTIM_NOW is EINVAL");
  CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW) == __WASI_ERRNO_INVAL, "ATIM with ATIM_NOW is EINVAL");
  CHECK(__wasi_path_filestat_set_times(dir, 0, "data.bin", 0, 777, __WASI_FSTFLAGS_MTIM) == 0, "path_filestat_set_times");
  CHECK(__wasi_path_filestat_get(dir, 0, "data.bin", &st) == 0 && st.mtim == 777 && st.atim == 1000000123, "only mtim changed");
  CHECK(__wasi_fd_close(fd) == 0, "close");

  CHECK(__wasi_path_open(dir, 0, "log.txt", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, __WASI_FDFLAGS_APPEND, &fd) == 0, "open with APPEND");
  __wasi_ciovec_t ab = {(const uint8_t *)"ab", 2};
  __wasi_fd_write(fd, &ab, 1, &n);
  __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset);
  __wasi_fd_write(fd, &ab, 1, &n);
  CHECK(__wasi_fd_tell(fd, &offset) == 0 && offset == 4, "APPEND writes at the end whatever the offset");
  __wasi_fd_close(fd);
  CHECK(__wasi_path_open(dir, 0, "log.txt", __WASI_OFLAGS_TRUNC, FILE_RIGHTS, 0, 0, &fd) == 0, "open with TRUNC");
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.size == 0, "TRUNC empties the file");
  __wasi_fd_close(fd);

  CHECK(__wasi_path_open(dir, 0, "doomed.txt", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, 0, &fd) == 0, "create a file to unlink while open");
  __wasi_fd_write(fd, &ab, 1, &n);
  CHECK(__wasi_path_unlink_file(dir, "doomed.txt") == 0, "unlink it while open");
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.nlink == 0 && st.size == 2, "fstat of an unlinked open file still works");
  CHECK(__wasi_fd_pread(fd, &one, 1, 0, &n) == 0 && n == 2 && c[0] == 'a', "and its bytes are still readable");
  CHECK(__wasi_fd_filestat_set_times(fd, 0, 5000000007, __WASI_FSTFLAGS_MTIM) == 0 && __wasi_fd_filestat_get(fd, &st) == 0 && st.mtim == 5000000007, "times set through the fd keep nanoseconds");
  __wasi_fd_close(fd);

  __wasi_fd_t sub;
  CHECK(__wasi_path_create_directory(dir, "listing") == 0, "mkdir");
  CHECK(__wasi_path_open(dir, 0, "listing", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_PATH_CREATE_FILE | __WASI_RIGHTS_PATH_OPEN, FILE_RIGHTS, 0, &sub) == 0, "open directory");
  for (int i = 0; i < 40; i++) {
    char name[32];
    snprintf(name, sizeof name, "entry-%02d", i);
    __wasi_fd_t f;
    if (__wasi_path_open(sub, 0, name, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &f) == 0) __wasi_fd_close(f);
  }
  uint8_t buffer[128];
  __wasi_dircookie_t cookie = 0;
  int total = 0, dot = 0, dotdot = 0, truncated_calls = 0;
  __wasi_filestat_t dirstat;
  __wasi_fd_filestat_get(sub, &dirstat);
  int dot_ino_matches = 0;
  for (int round = 0; round < 200; round++) {
    __wasi_size_t used = 0;
    if (__wasi_fd_readdir(sub, buffer, sizeof buffer, cookie, &used) != 0) break;
    size_t at = 0;
    int progressed = 0;
    while (at + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t entry;
      memcpy(&entry, buffer + at, sizeof entry);
      if (at + sizeof entry + entry.d_namlen > used) break;
      const char *name = (const char *)buffer + at + sizeof entry;
      if (entry.d_namlen == 1 && name[0] == '.') { dot++; dot_ino_matches = entry.d_ino == dirstat.ino && entry.d_type == __WASI_FILETYPE_DIRECTORY; }
      if (entry.d_namlen == 2 && name[0] == '.' && name[1] == '.') dotdot++;
      total++;
      cookie = entry.d_next;
      at += sizeof entry + entry.d_namlen;
      progressed = 1;
    }
    if (used < sizeof buffer) break;
    truncated_calls++;
    if (!progressed) break;
  }
  CHECK(total == 42, "readdir pages through 40 files plus . and ..");
  CHECK(dot == 1 && dotdot == 1, "listing has . and .. once each");
  CHECK(dot_ino_matches, ". has the directory's inode number");
  CHECK(truncated_calls > 0, "a small buffer takes several calls");
  __wasi_size_t used = 0;
  CHECK(__wasi_fd_readdir(sub, buffer, sizeof buffer, 1000, &used) == 0 && used == 0, "a cookie past the end reads nothing");
  return failures == 0 ? 0 : 1;
}
