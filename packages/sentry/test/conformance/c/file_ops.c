// Regular files through raw fd_* calls: positional and gathered I/O, seek and tell, sizes
// (set_size, allocate, advise), truncation at open, two fds on one file, timestamps set
// with one flag at a time, invalid fstflags, fdflags set at open and changed later, and
// isatty on a file. (The same timestamps by path are in path_filestat.c.)
// Run as: file_ops.wasm SCRATCH, where SCRATCH names a preopened host directory.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
    __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE | __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_FILESTAT_GET |
    __WASI_RIGHTS_PATH_REMOVE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE;
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

static __wasi_filesize_t size_of(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  if (__wasi_fd_filestat_get(fd, &st) != 0) return (__wasi_filesize_t)-1;
  return st.size;
}

static __wasi_filesize_t offset_of(__wasi_fd_t fd) {
  __wasi_filesize_t offset = 0;
  if (__wasi_fd_tell(fd, &offset) != 0) return (__wasi_filesize_t)-1;
  return offset;
}

static __wasi_size_t write_all(__wasi_fd_t fd, const void *data, size_t length) {
  __wasi_ciovec_t iov = {(const uint8_t *)data, length};
  __wasi_size_t n = 0;
  if (__wasi_fd_write(fd, &iov, 1, &n) != 0) return (__wasi_size_t)-1;
  return n;
}

static __wasi_size_t read_into(__wasi_fd_t fd, void *data, size_t length) {
  __wasi_iovec_t iov = {(uint8_t *)data, length};
  __wasi_size_t n = 0;
  if (__wasi_fd_read(fd, &iov, 1, &n) != 0) return (__wasi_size_t)-1;
  return n;
}

static int all_bytes(const uint8_t *data, size_t length, uint8_t value) {
  for (size_t i = 0; i < length; i++)
    if (data[i] != value) return 0;
  return 1;
}

static void sizes(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  ERRNO(__wasi_path_open(dir, 0, "sized", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_ALLOCATE, 0, 0, &fd), 0, "create a file with the size rights");
  CHECK(size_of(fd) == 0, "a new file is empty");
  ERRNO(__wasi_fd_allocate(fd, 0, 100), 0, "allocate 100 bytes");
  CHECK(size_of(fd) == 100, "allocate extends the file");
  ERRNO(__wasi_fd_allocate(fd, 10, 10), 0, "allocate inside the file");
  CHECK(size_of(fd) == 100, "allocate inside the file leaves its size");
  ERRNO(__wasi_fd_allocate(fd, 90, 20), 0, "allocate across the end");
  CHECK(size_of(fd) == 110, "allocate across the end grows the file to offset+len");
  ERRNO(__wasi_fd_allocate(fd, 0, 0), __WASI_ERRNO_INVAL, "allocate of zero bytes is EINVAL");
  ERRNO(__wasi_fd_filestat_set_size(fd, 100), 0, "set the size to 100");
  CHECK(size_of(fd) == 100, "set_size shrinks");
  ERRNO(__wasi_fd_advise(fd, 10, 50, __WASI_ADVICE_NORMAL), 0, "advise NORMAL");
  ERRNO(__wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED), 0, "advise DONTNEED over the whole file");
  CHECK(size_of(fd) == 100, "advice does not change the size");
  ERRNO(__wasi_fd_advise(fd, 0, 10, 42), __WASI_ERRNO_INVAL, "unknown advice is EINVAL");
  ERRNO(__wasi_fd_allocate(fd, 100, 100), 0, "allocate after the end");
  CHECK(size_of(fd) == 200, "the file is now 200 bytes");
  uint8_t buffer[200];
  memset(buffer, 7, sizeof buffer);
  CHECK(read_into(fd, buffer, sizeof buffer) == 200 && all_bytes(buffer, 200, 0), "allocated bytes read as zeros");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "sized"), 0, "unlink the sized file");
}

static void positional(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  __wasi_size_t n = 0;
  ERRNO(__wasi_path_open(dir, 0, "positional", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), 0, "create a file for positional I/O");
  static const uint8_t bytes[4] = {0, 1, 2, 3};
  __wasi_ciovec_t whole = {bytes, 4};
  ERRNO(__wasi_fd_pwrite(fd, &whole, 1, 0, &n), 0, "pwrite 4 bytes at 0");
  CHECK(n == 4, "pwrite reports 4 bytes");
  uint8_t got[4] = {9, 9, 9, 9};
  __wasi_iovec_t into = {got, 4};
  ERRNO(__wasi_fd_pread(fd, &into, 1, 0, &n), 0, "pread 4 bytes at 0");
  CHECK(n == 4 && memcmp(got, bytes, 4) == 0, "pread returns what pwrite wrote");
  __wasi_ciovec_t halves[2] = {{bytes, 2}, {bytes + 2, 2}};
  ERRNO(__wasi_fd_pwrite(fd, halves, 2, 0, &n), 0, "pwrite gathered from two iovecs");
  CHECK(n == 4, "the gathered pwrite wrote both halves");
  uint8_t first[2] = {9, 9}, second[2] = {9, 9};
  __wasi_iovec_t scatter[2] = {{first, 2}, {second, 2}};
  ERRNO(__wasi_fd_pread(fd, scatter, 2, 0, &n), 0, "pread scattered into two iovecs");
  CHECK(n == 4 && first[0] == 0 && first[1] == 1 && second[0] == 2 && second[1] == 3, "both iovecs are filled in order");
  memset(got, 9, 4);
  ERRNO(__wasi_fd_pread(fd, &into, 1, 2, &n), 0, "pread 4 bytes at 2");
  CHECK(n == 2 && got[0] == 2 && got[1] == 3 && got[2] == 9, "a pread across the end is short");
  ERRNO(__wasi_fd_pread(fd, &into, 1, 4, &n), 0, "pread at the end");
  CHECK(n == 0, "pread at the end reads nothing");
  static const uint8_t patch[2] = {1, 0};
  __wasi_ciovec_t middle = {patch, 2};
  ERRNO(__wasi_fd_pwrite(fd, &middle, 1, 2, &n), 0, "pwrite 2 bytes at 2");
  ERRNO(__wasi_fd_pread(fd, &into, 1, 0, &n), 0, "pread the whole file");
  CHECK(n == 4 && got[0] == 0 && got[1] == 1 && got[2] == 1 && got[3] == 0, "the pwrite replaced the middle");
  CHECK(offset_of(fd) == 0, "positional I/O leaves the offset at 0");
  ERRNO(__wasi_fd_pread(fd, &into, 1, (__wasi_filesize_t)-1, &n), __WASI_ERRNO_INVAL, "a negative pread offset is EINVAL");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "positional"), 0, "unlink the positional file");
}

static void seeking(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  __wasi_filesize_t offset = 0;
  ERRNO(__wasi_path_open(dir, 0, "seek", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL, 0, 0, &fd), 0, "create a file to seek in");
  CHECK(offset_of(fd) == 0, "a new fd starts at offset 0");
  uint8_t data[100];
  memset(data, 0, sizeof data);
  CHECK(write_all(fd, data, 100) == 100, "write 100 bytes");
  CHECK(offset_of(fd) == 100, "the write moved the offset to 100");
  ERRNO(__wasi_fd_seek(fd, -50, __WASI_WHENCE_CUR, &offset), 0, "seek back 50 from the current offset");
  CHECK(offset == 50, "the offset is 50");
  ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), 0, "seek to the start");
  CHECK(offset == 0, "the offset is 0");
  ERRNO(__wasi_fd_seek(fd, 1000, __WASI_WHENCE_CUR, &offset), 0, "seek past the end");
  CHECK(offset == 1000, "the offset is 1000");
  ERRNO(__wasi_fd_seek(fd, -2000, __WASI_WHENCE_CUR, &offset), __WASI_ERRNO_INVAL, "seek before the start is EINVAL");
  CHECK(offset_of(fd) == 1000, "a refused seek leaves the offset");
  ERRNO(__wasi_fd_seek(fd, -10, __WASI_WHENCE_END, &offset), 0, "seek from the end");
  CHECK(offset == 90, "the offset is 90");
  ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), 0, "seek to the start again");
  CHECK(read_into(fd, data, sizeof data) == 100, "read 100 bytes");
  CHECK(offset_of(fd) == 100, "the read moved the offset to 100");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "seek"), 0, "unlink the seek file");
}

static void truncation_and_sharing(__wasi_fd_t dir) {
  __wasi_fd_t fd, reader, writer;
  static const char content[] = "this content will be truncated!";
  ERRNO(__wasi_path_open(dir, 0, "truncated", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), 0, "create a file to truncate");
  CHECK(write_all(fd, content, sizeof content - 1) == sizeof content - 1, "write its content");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "truncated", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READ, 0, 0, &fd), 0, "open it with CREAT|TRUNC");
  uint8_t buffer[100];
  CHECK(read_into(fd, buffer, sizeof buffer) == 0, "the truncated file reads empty");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "truncated"), 0, "unlink the truncated file");

  ERRNO(__wasi_path_open(dir, 0, "shared", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &reader), 0, "create a file and open it for reading");
  ERRNO(__wasi_path_open(dir, 0, "shared", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &writer), 0, "open it again for writing");
  CHECK(write_all(writer, "\x01", 1) == 1, "write a byte through the writer");
  buffer[0] = 0;
  CHECK(read_into(reader, buffer, 1) == 1 && buffer[0] == 1, "the reader sees it at once");
  (void)__wasi_fd_close(writer);
  (void)__wasi_fd_close(reader);
  ERRNO(__wasi_path_unlink_file(dir, "shared"), 0, "unlink the shared file");
}

static void timestamps(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  __wasi_filestat_t before, after;
  ERRNO(__wasi_path_open(dir, 0, "timed", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES, 0, 0, &fd), 0, "create a file to time");
  ERRNO(__wasi_fd_filestat_set_size(fd, 100), 0, "give it 100 bytes");
  ERRNO(__wasi_fd_filestat_get(fd, &before), 0, "fstat it");
  __wasi_timestamp_t mtim = before.mtim - 100;
  ERRNO(__wasi_fd_filestat_set_times(fd, mtim, mtim, __WASI_FSTFLAGS_MTIM), 0, "set only mtim, 100 ns back");
  ERRNO(__wasi_fd_filestat_get(fd, &after), 0, "fstat it again");
  CHECK(after.size == 100, "setting times keeps the size");
  CHECK(after.mtim == mtim, "mtim is exactly what was set");
  CHECK(after.atim == before.atim, "atim is unchanged");
  ERRNO(__wasi_fd_filestat_set_times(fd, 100, 200, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_INVAL, "MTIM with MTIM_NOW is EINVAL");
  ERRNO(__wasi_fd_filestat_set_times(fd, 100, 200, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), __WASI_ERRNO_INVAL, "ATIM with ATIM_NOW is EINVAL");
  ERRNO(__wasi_fd_filestat_set_times(fd, 100, 200, 0x10), __WASI_ERRNO_INVAL, "an unknown fstflags bit is EINVAL");
  CHECK(__wasi_fd_filestat_get(fd, &after) == 0 && after.mtim == mtim, "refused calls change nothing");
  __wasi_timestamp_t earliest = 0, latest = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &earliest);
  ERRNO(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0, "set mtim to now");
  (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &latest);
  CHECK(__wasi_fd_filestat_get(fd, &after) == 0 && after.mtim >= earliest && after.mtim <= latest, "MTIM_NOW sets mtim to the realtime clock's now");
  (void)__wasi_fd_close(fd);

  ERRNO(__wasi_path_unlink_file(dir, "timed"), 0, "unlink the timed file");
}

static void fdflags(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  __wasi_filesize_t offset = 0;
  uint8_t data[100], buffer[100];
  ERRNO(__wasi_path_open(dir, 0, "appended", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, 0, __WASI_FDFLAGS_APPEND, &fd), 0, "create a file with APPEND");
  memset(data, 0, sizeof data);
  CHECK(write_all(fd, data, 100) == 100, "write 100 zeros");
  ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), 0, "seek to the start");
  CHECK(read_into(fd, buffer, 100) == 100 && all_bytes(buffer, 100, 0), "read them back");
  memset(data, 1, sizeof data);
  ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), 0, "seek to the start again");
  CHECK(write_all(fd, data, 100) == 100, "write 100 ones");
  CHECK(offset_of(fd) == 200, "APPEND wrote them at the end");
  ERRNO(__wasi_fd_seek(fd, 100, __WASI_WHENCE_SET, &offset), 0, "seek to 100");
  CHECK(read_into(fd, buffer, 100) == 100 && all_bytes(buffer, 100, 1), "the ones follow the zeros");
  ERRNO(__wasi_fd_fdstat_set_flags(fd, 0), 0, "clear APPEND");
  __wasi_fdstat_t fdstat;
  CHECK(__wasi_fd_fdstat_get(fd, &fdstat) == 0 && fdstat.fs_flags == 0, "fdstat reports no flags");
  memset(data, 2, sizeof data);
  ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), 0, "seek to the start a third time");
  CHECK(write_all(fd, data, 100) == 100, "write 100 twos");
  ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &offset), 0, "seek to the start to check");
  CHECK(read_into(fd, buffer, 100) == 100 && all_bytes(buffer, 100, 2), "without APPEND the twos replaced the zeros");
  ERRNO(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0, "set APPEND again");
  CHECK(write_all(fd, data, 1) == 1 && offset_of(fd) == 201, "and writes append again");
  (void)__wasi_fd_close(fd);
  __wasi_filestat_t st;
  CHECK(__wasi_path_filestat_get(dir, 0, "appended", &st) == 0 && st.size == 201, "the file holds 201 bytes");
  ERRNO(__wasi_path_unlink_file(dir, "appended"), 0, "unlink the appended file");

  ERRNO(__wasi_path_open(dir, 0, "plain", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), 0, "create a file without the set-flags right");
  ERRNO(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), __WASI_ERRNO_BADF, "set_flags without FD_FDSTAT_SET_FLAGS is EBADF");
  errno = 0;
  CHECK(isatty((int)fd) == 0 && errno == ENOTTY, "a regular file is not a tty");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "plain"), 0, "unlink the plain file");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  __wasi_fd_t base = preopen(scratch);
  CHECK(base != (__wasi_fd_t)-1, "the scratch directory is preopened");
  __wasi_fd_t dir;
  ERRNO(__wasi_path_create_directory(base, "file_ops.work"), 0, "mkdir a work directory");
  ERRNO(__wasi_path_open(base, 0, "file_ops.work", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0, &dir), 0, "open it");
  sizes(dir);
  positional(dir);
  seeking(dir);
  truncation_and_sharing(dir);
  timestamps(dir);
  fdflags(dir);
  ERRNO(__wasi_fd_close(dir), 0, "close the work directory");
  ERRNO(__wasi_path_remove_directory(base, "file_ops.work"), 0, "the work directory is empty again");
  return failures == 0 ? 0 : 1;
}
