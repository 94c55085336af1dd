// Preopened directories and rights: what a preopen holds and hands down, opening `.` with
// various rights, byte I/O on a directory fd, seek rights on directories, dropping rights
// (and never regaining them), truncation rights, read-only and write-only fds, and closing
// or renumbering over a preopen.
// Run as: preopens.wasm SCRATCH SPARE, with two preopened host directories.
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
// A call on a directory fd that reads or writes bytes: EISDIR (Linux) or EBADF (no such right).
#define REFUSED_ON_DIRECTORY(expr, name)                                                 \
  do {                                                                                   \
    __wasi_errno_t got_ = (expr);                                                        \
    if (got_ == __WASI_ERRNO_ISDIR || got_ == __WASI_ERRNO_BADF) printf("ok %s\n", name); \
    else { printf("FAIL %s: got %d want EISDIR or EBADF (line %d)\n", name, got_, __LINE__); failures++; } \
  } while (0)

static const __wasi_rights_t DIRECTORY_RIGHTS = __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE |
    __WASI_RIGHTS_PATH_LINK_SOURCE | __WASI_RIGHTS_PATH_LINK_TARGET | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR |
    __WASI_RIGHTS_PATH_READLINK | __WASI_RIGHTS_PATH_RENAME_SOURCE | __WASI_RIGHTS_PATH_RENAME_TARGET |
    __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE |
    __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_FILESTAT_GET |
    __WASI_RIGHTS_FD_FILESTAT_SET_TIMES;
// What a program expects any directory to hand down besides: the rights of the files in it.
static const __wasi_rights_t FILE_RIGHTS = __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
    __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_WRITE |
    __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_GET |
    __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_POLL_FD_READWRITE;
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

static __wasi_errno_t touch(__wasi_fd_t dir, const char *name) {
  __wasi_fd_t fd;
  __wasi_errno_t error = __wasi_path_open(dir, 0, name, __WASI_OFLAGS_CREAT, 0, 0, 0, &fd);
  if (error == 0) (void)__wasi_fd_close(fd);
  return error;
}

static __wasi_rights_t base_rights(__wasi_fd_t fd) {
  __wasi_fdstat_t stat;
  return __wasi_fd_fdstat_get(fd, &stat) == 0 ? stat.fs_rights_base : 0;
}

// What a preopen holds, and opening `.` through it with various rights.
static void preopen_rights(__wasi_fd_t pre, const char *scratch) {
  __wasi_prestat_t prestat;
  __wasi_fdstat_t stat;
  __wasi_fd_t fd;
  ERRNO(__wasi_fd_prestat_get(pre, &prestat), 0, "prestat of the preopen");
  CHECK(prestat.tag == __WASI_PREOPENTYPE_DIR && prestat.u.dir.pr_name_len == strlen(scratch), "a directory preopen with the name's length");
  uint8_t name[64];
  memset(name, '#', sizeof name);
  __wasi_errno_t zero = __wasi_fd_prestat_dir_name(pre, name, 0);
  CHECK(zero == __WASI_ERRNO_NAMETOOLONG || zero == __WASI_ERRNO_INVAL, "a zero-length name buffer is refused");
  ERRNO(__wasi_fd_prestat_dir_name(pre, name, prestat.u.dir.pr_name_len + 1), 0, "a name buffer one byte too long works");
  CHECK(memcmp(name, scratch, strlen(scratch)) == 0 && name[strlen(scratch)] == '#', "the name is copied without a NUL");
  ERRNO(__wasi_fd_fdstat_get(pre, &stat), 0, "fdstat of the preopen");
  CHECK(stat.fs_filetype == __WASI_FILETYPE_DIRECTORY && stat.fs_flags == 0, "the preopen is a directory without flags");
  CHECK((stat.fs_rights_base & DIRECTORY_RIGHTS) == DIRECTORY_RIGHTS, "the preopen holds every directory right");
  CHECK((stat.fs_rights_inheriting & (DIRECTORY_RIGHTS | FILE_RIGHTS)) == (DIRECTORY_RIGHTS | FILE_RIGHTS), "the preopen hands down every directory and file right");
  CHECK((stat.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)) == 0, "a directory holds no byte I/O rights");
  ERRNO(__wasi_path_open(pre, 0, ".", 0, stat.fs_rights_base, stat.fs_rights_inheriting, 0, &fd), 0, "open . with the preopen's own rights");
  __wasi_fdstat_t again;
  CHECK(__wasi_fd_fdstat_get(fd, &again) == 0 && again.fs_rights_base == stat.fs_rights_base && again.fs_rights_inheriting == stat.fs_rights_inheriting, "the new fd has the same rights");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(pre, 0, ".", 0, 0, 0, 0, &fd), 0, "open . with no rights");
  CHECK(base_rights(fd) == 0, "an fd opened with no rights holds none");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(pre, 0, ".", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), 0, "open . as a directory with no rights");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(pre, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0, 0, &fd), 0, "open . as a directory with the read right");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(pre, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), __WASI_ERRNO_ISDIR, "open . as a directory for writing is EISDIR");
  ERRNO(__wasi_path_open(pre, 0, ".", 0, 0, 0, __WASI_FDFLAGS_NONBLOCK, &fd), 0, "open . with NONBLOCK");
  (void)__wasi_fd_close(fd);
}

// Byte I/O, seek, tell, allocate and truncate on a directory fd all fail.
static void directory_fd(__wasi_fd_t pre) {
  __wasi_fd_t dir;
  __wasi_filestat_t st;
  __wasi_fdstat_t stat;
  (void)__wasi_fd_fdstat_get(pre, &stat);
  ERRNO(__wasi_path_open(pre, 0, ".", __WASI_OFLAGS_DIRECTORY, stat.fs_rights_base, stat.fs_rights_inheriting, 0, &dir), 0, "open . as a directory fd");
  CHECK(__wasi_fd_filestat_get(dir, &st) == 0 && st.filetype == __WASI_FILETYPE_DIRECTORY, "fstat says directory");
  uint8_t bytes[128] = {0};
  __wasi_iovec_t iov = {bytes, sizeof bytes};
  __wasi_ciovec_t ciov = {bytes, sizeof bytes};
  __wasi_size_t n = 0;
  __wasi_filesize_t offset = 0;
  REFUSED_ON_DIRECTORY(__wasi_fd_read(dir, &iov, 1, &n), "fd_read of a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_pread(dir, &iov, 1, 0, &n), "fd_pread of a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_write(dir, &ciov, 1, &n), "fd_write to a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_pwrite(dir, &ciov, 1, 0, &n), "fd_pwrite to a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_seek(dir, 0, __WASI_WHENCE_CUR, &offset), "fd_seek CUR on a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_seek(dir, 0, __WASI_WHENCE_SET, &offset), "fd_seek SET on a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_seek(dir, 0, __WASI_WHENCE_END, &offset), "fd_seek END on a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_tell(dir, &offset), "fd_tell of a directory");
  REFUSED_ON_DIRECTORY(__wasi_fd_allocate(dir, 0, 1), "fd_allocate on a directory");
  __wasi_errno_t size = __wasi_fd_filestat_set_size(dir, 0);
  CHECK(size == __WASI_ERRNO_ISDIR || size == __WASI_ERRNO_BADF || size == __WASI_ERRNO_INVAL, "fd_filestat_set_size of a directory fails");
  (void)__wasi_fd_close(dir);

  ERRNO(__wasi_path_create_directory(pre, "seekable.tmp"), 0, "mkdir a directory to ask seek rights of");
  ERRNO(__wasi_path_open(pre, 0, "seekable.tmp", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_SEEK, 0, 0, &dir), 0, "open it asking for FD_SEEK");
  REFUSED_ON_DIRECTORY(__wasi_fd_seek(dir, 0, __WASI_WHENCE_CUR, &offset), "seeking it still fails");
  CHECK(__wasi_fd_fdstat_get(dir, &stat) == 0 && stat.fs_filetype == __WASI_FILETYPE_DIRECTORY, "it is a directory");
  CHECK((stat.fs_rights_base & __WASI_RIGHTS_FD_SEEK) == 0, "and the seek right was not granted");
  (void)__wasi_fd_close(dir);
  ERRNO(__wasi_path_remove_directory(pre, "seekable.tmp"), 0, "rmdir it");
}

// Rights of regular files: read-only, write-only, read-write, and dropping rights.
static void file_rights(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  uint8_t buffer[100];
  static const uint8_t ones[50] = {1};
  static const uint8_t twos[25] = {2};
  __wasi_iovec_t iov = {buffer, sizeof buffer};
  __wasi_ciovec_t first = {ones, sizeof ones}, second = {twos, sizeof twos};
  __wasi_size_t n = 0;
  ERRNO(touch(dir, "file"), 0, "create a file");
  ERRNO(__wasi_path_open(dir, 0, "file", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd), 0, "open it read-only");
  CHECK((base_rights(fd) & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)) == __WASI_RIGHTS_FD_READ, "a read-only fd holds the read right only");
  ERRNO(__wasi_fd_read(fd, &iov, 1, &n), 0, "read the empty file");
  CHECK(n == 0, "it is empty");
  ERRNO(__wasi_fd_write(fd, &first, 1, &n), __WASI_ERRNO_BADF, "writing a read-only fd is EBADF");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "file", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), 0, "open it write-only");
  CHECK((base_rights(fd) & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)) == __WASI_RIGHTS_FD_WRITE, "a write-only fd holds the write right only");
  ERRNO(__wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_BADF, "reading a write-only fd is EBADF");
  ERRNO(__wasi_fd_write(fd, &first, 1, &n), 0, "write 50 bytes");
  CHECK(n == 50, "50 bytes written");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "file", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_GET, 0, 0, &fd), 0, "open it read-write");
  ERRNO(__wasi_fd_read(fd, &iov, 1, &n), 0, "read it");
  CHECK(n == 50 && buffer[0] == 1, "the write-only fd's bytes are there");
  ERRNO(__wasi_fd_write(fd, &second, 1, &n), 0, "write 25 more");
  __wasi_filestat_t st;
  CHECK(__wasi_fd_filestat_get(fd, &st) == 0 && st.size == 75, "the file holds 75 bytes");
  (void)__wasi_fd_close(fd);

  ERRNO(__wasi_path_open(dir, 0, "file", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL, 0, 0, &fd), 0, "open it with read, write, seek and tell");
  ERRNO(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL, 0), 0, "drop read and write");
  CHECK(base_rights(fd) == (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL), "only seek and tell are left");
  ERRNO(__wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_BADF, "reading without the read right is EBADF");
  ERRNO(__wasi_fd_write(fd, &first, 1, &n), __WASI_ERRNO_BADF, "writing without the write right is EBADF");
  ERRNO(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_READ, 0), __WASI_ERRNO_NOTCAPABLE, "a dropped right cannot be regained");
  ERRNO(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL, __WASI_RIGHTS_FD_READ), __WASI_ERRNO_NOTCAPABLE, "nor gained as an inheriting right");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "file"), 0, "unlink the file");
}

// O_TRUNC needs PATH_FILESTAT_SET_SIZE on the directory, not FD_FILESTAT_SET_SIZE.
static void truncation_rights(__wasi_fd_t dir) {
  __wasi_fdstat_t stat;
  __wasi_fd_t fd;
  ERRNO(touch(dir, "file"), 0, "create a file to truncate");
  ERRNO(__wasi_fd_fdstat_get(dir, &stat), 0, "fdstat of the directory");
  CHECK(stat.fs_filetype == __WASI_FILETYPE_DIRECTORY && stat.fs_flags == 0, "a directory without flags");
  CHECK((stat.fs_rights_base & __WASI_RIGHTS_FD_FILESTAT_SET_SIZE) == 0, "a directory never holds FD_FILESTAT_SET_SIZE");
  CHECK((stat.fs_rights_base & __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE) != 0, "it holds PATH_FILESTAT_SET_SIZE");
  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_TRUNC, 0, 0, 0, &fd), 0, "open with TRUNC");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_fd_fdstat_set_rights(dir, stat.fs_rights_base, stat.fs_rights_inheriting & ~__WASI_RIGHTS_FD_FILESTAT_SET_SIZE), 0, "stop handing down FD_FILESTAT_SET_SIZE");
  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_TRUNC, 0, 0, 0, &fd), 0, "TRUNC still works");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_fd_fdstat_set_rights(dir, stat.fs_rights_base & ~__WASI_RIGHTS_PATH_FILESTAT_SET_SIZE, stat.fs_rights_inheriting & ~__WASI_RIGHTS_FD_FILESTAT_SET_SIZE), 0, "drop PATH_FILESTAT_SET_SIZE");
  CHECK((base_rights(dir) & __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE) == 0, "the directory no longer holds it");
  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_TRUNC, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "TRUNC without PATH_FILESTAT_SET_SIZE is EPERM");
  ERRNO(__wasi_path_unlink_file(dir, "file"), 0, "unlink the truncated file");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  const char *spare_name = argc > 2 ? argv[2] : "spare";
  __wasi_fd_t pre = preopen(scratch), spare = preopen(spare_name);
  CHECK(pre == 3 && spare == 4, "the preopens are fds 3 and 4");
  preopen_rights(pre, scratch);
  directory_fd(pre);

  // A directory the tests may change the rights of, opened as a program would.
  __wasi_fd_t base, dir;
  ERRNO(__wasi_path_open(pre, 0, ".", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS | __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE, ALL_RIGHTS, 0, &base), 0, "open . as a second fd");
  ERRNO(__wasi_path_create_directory(base, "preopens.work"), 0, "mkdir a work directory");
  ERRNO(__wasi_path_open(base, 0, "preopens.work", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS | __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE, ALL_RIGHTS, 0, &dir), 0, "open it");
  file_rights(dir);
  truncation_rights(dir);

  // Renumbering over a preopen replaces it.
  __wasi_filestat_t before, after;
  __wasi_fdstat_t stat;
  ERRNO(__wasi_fd_filestat_get(dir, &before), 0, "fstat the work directory");
  ERRNO(__wasi_fd_renumber(dir, spare), 0, "renumber the work directory over the spare preopen");
  CHECK(__wasi_fd_filestat_get(spare, &after) == 0 && after.dev == before.dev && after.ino == before.ino, "the preopen's number now holds the work directory");
  ERRNO(__wasi_fd_fdstat_get(dir, &stat), __WASI_ERRNO_BADF, "the old number is closed");
  ERRNO(__wasi_fd_close(spare), 0, "close it");

  // Closing a preopen is allowed; other fds to the same directory stay open.
  ERRNO(__wasi_fd_close(pre), 0, "close the scratch preopen");
  ERRNO(__wasi_fd_fdstat_get(pre, &stat), __WASI_ERRNO_BADF, "the preopen's fd is closed");
  ERRNO(__wasi_fd_prestat_get(pre, (__wasi_prestat_t *)&before), __WASI_ERRNO_BADF, "and no longer a preopen");
  CHECK(__wasi_fd_fdstat_get(base, &stat) == 0 && stat.fs_filetype == __WASI_FILETYPE_DIRECTORY, "an fd opened through it still works");
  ERRNO(__wasi_path_remove_directory(base, "preopens.work"), 0, "the work directory is empty again");
  return failures == 0 ? 0 : 1;
}
