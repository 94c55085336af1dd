// path_*: creation and removal, rename and link rules, symlinks (dangling, no-follow,
// loops, trailing slashes, readlink truncation), and confinement beneath the directory fd.
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

// path_open with an explicit length, to pass a path with a NUL inside.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t result);

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

static void touch(__wasi_fd_t dir, const char *name) {
  __wasi_fd_t fd;
  if (__wasi_path_open(dir, 0, name, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd) == 0) __wasi_fd_close(fd);
}

int main(int argc, char **argv) {
  const char *scratch = argc > 1 ? argv[1] : "/sandbox";
  __wasi_fd_t dir = preopen(scratch);
  __wasi_fd_t fd;
  __wasi_filestat_t st;

  ERRNO(__wasi_path_create_directory(dir, "d"), 0, "mkdir");
  ERRNO(__wasi_path_create_directory(dir, "d"), __WASI_ERRNO_EXIST, "mkdir of an existing name is EEXIST");
  ERRNO(__wasi_path_create_directory(dir, "d/nested"), 0, "mkdir nested");
  touch(dir, "d/nested/file");
  ERRNO(__wasi_path_open(dir, 0, "d/./nested/../nested//file", 0, 0, 0, 0, &fd), 0, "open through . and .. inside the directory");
  __wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "d/nested/file/", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "d/nested/", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), 0, "a directory with a trailing slash opens");
  __wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "d/nested/file", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "O_DIRECTORY on a file is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "d", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), __WASI_ERRNO_ISDIR, "opening a directory for writing is EISDIR");
  ERRNO(__wasi_path_open(dir, 0, "missing", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "opening a missing file is ENOENT");
  __wasi_fd_t file_fd;
  ERRNO(__wasi_path_open(dir, 0, "d/nested/file", 0, 0, 0, 0, &file_fd), 0, "open a file to use as a directory fd");
  ERRNO(__wasi_path_open(file_fd, 0, "foo", __WASI_OFLAGS_CREAT, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file as the directory fd is ENOTDIR");
  ERRNO(__wasi_fd_close(file_fd), 0, "close the file fd");
  ERRNO(__wasi_path_open(dir, 0, "", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "the empty path is ENOENT");
  ERRNO(__wasi_path_open(dir, 0, "newdir", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_INVAL, "CREAT with DIRECTORY is EINVAL");

  static const char with_nul[] = "d/nested/file\0";
  ERRNO(raw_path_open(dir, 0, (int32_t)(uintptr_t)with_nul, sizeof with_nul - 1, 0, 0, 0, 0, (int32_t)(uintptr_t)&fd), __WASI_ERRNO_INVAL, "a path with a trailing NUL is EINVAL");

  // Confinement beneath the directory fd.
  ERRNO(__wasi_path_open(dir, 0, "/d/nested/file", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "an absolute path is EPERM");
  char escape[300];
  snprintf(escape, sizeof escape, "d/nested/../../../%s/d/nested/file", scratch[0] == '/' ? scratch + 1 : scratch);
  ERRNO(__wasi_path_open(dir, 0, escape, 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "climbing above the directory is EPERM");
  ERRNO(__wasi_path_open(dir, 0, "..", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, ".. of the preopen is EPERM");
  ERRNO(__wasi_path_symlink("../..", dir, "up"), 0, "symlink pointing above");
  ERRNO(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "up", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "following a symlink that climbs out is EPERM");
  ERRNO(__wasi_path_symlink("/etc/passwd", dir, "abs"), __WASI_ERRNO_PERM, "symlink to an absolute path in a host directory is EPERM");
  // The runner puts a host-made symlink to /etc/passwd at host-abs.
  ERRNO(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "host-abs", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "following an absolute symlink is EPERM");
  ERRNO(__wasi_path_open(dir, 0, "host-abs/x", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "an absolute symlink in the middle of a path is EPERM");

  // Symlinks.
  ERRNO(__wasi_path_symlink("nested/file", dir, "d/link"), 0, "symlink");
  ERRNO(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/link", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd), 0, "open through a symlink");
  __wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "d/link", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "opening a symlink without follow is ELOOP");
  ERRNO(__wasi_path_filestat_get(dir, 0, "d/link", &st), 0, "lstat a symlink");
  CHECK(st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK && st.size == 11, "lstat reports the symlink and its length");
  ERRNO(__wasi_path_filestat_get(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/link", &st), 0, "stat through a symlink");
  CHECK(st.filetype == __WASI_FILETYPE_REGULAR_FILE, "stat follows to the file");
  char target[32];
  __wasi_size_t used = 0;
  memset(target, '#', sizeof target);
  ERRNO(__wasi_path_readlink(dir, "d/link", (uint8_t *)target, sizeof target, &used), 0, "readlink");
  CHECK(used == 11 && memcmp(target, "nested/file", 11) == 0 && target[11] == '#', "readlink writes no NUL");
  ERRNO(__wasi_path_readlink(dir, "d/link", (uint8_t *)target, 4, &used), 0, "readlink into a short buffer");
  CHECK(used == 4 && memcmp(target, "nest", 4) == 0, "a short buffer gets the start of the target");
  ERRNO(__wasi_path_readlink(dir, "d/nested/file", (uint8_t *)target, sizeof target, &used), __WASI_ERRNO_INVAL, "readlink of a file is EINVAL");

  ERRNO(__wasi_path_symlink("nowhere", dir, "dangling"), 0, "dangling symlink");
  ERRNO(__wasi_path_open(dir, 0, "dangling", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "dangling symlink as a directory without follow is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "dangling", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "dangling symlink without follow is ELOOP");
  ERRNO(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "following a dangling symlink is ENOENT");
  ERRNO(__wasi_path_symlink("loop-b", dir, "loop-a"), 0, "symlink loop a");
  ERRNO(__wasi_path_symlink("loop-a", dir, "loop-b"), 0, "symlink loop b");
  ERRNO(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop-a", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "a symlink loop is ELOOP");
  ERRNO(__wasi_path_symlink("x", dir, "newlink/"), __WASI_ERRNO_NOENT, "a new symlink name with a trailing slash is ENOENT");
  ERRNO(__wasi_path_symlink("x", dir, "d"), __WASI_ERRNO_EXIST, "symlink over a directory is EEXIST");
  ERRNO(__wasi_path_symlink("x", dir, "d/nested/file/"), __WASI_ERRNO_NOTDIR, "symlink over a file with a trailing slash is ENOTDIR");

  // Removal.
  ERRNO(__wasi_path_remove_directory(dir, "d"), __WASI_ERRNO_NOTEMPTY, "rmdir of a non-empty directory is ENOTEMPTY");
  ERRNO(__wasi_path_remove_directory(dir, "d/nested/file"), __WASI_ERRNO_NOTDIR, "rmdir of a file is ENOTDIR");
  ERRNO(__wasi_path_unlink_file(dir, "d/nested"), __WASI_ERRNO_ISDIR, "unlink of a directory is EISDIR");
  ERRNO(__wasi_path_unlink_file(dir, "d/nested/file/"), __WASI_ERRNO_NOTDIR, "unlink of a file with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_unlink_file(dir, "d/link"), 0, "unlink a symlink, not its target");
  ERRNO(__wasi_path_filestat_get(dir, 0, "d/nested/file", &st), 0, "the target survives");

  // Links and renames.
  ERRNO(__wasi_path_link(dir, 0, "d/nested/file", dir, "hard"), 0, "hard link");
  ERRNO(__wasi_path_filestat_get(dir, 0, "hard", &st), 0, "stat the hard link");
  CHECK(st.nlink == 2, "nlink counts both names");
  ERRNO(__wasi_path_link(dir, 0, "d", dir, "dirlink"), __WASI_ERRNO_PERM, "hard link to a directory is EPERM");
  ERRNO(__wasi_path_link(dir, 0, "hard", dir, "d/nested/file"), __WASI_ERRNO_EXIST, "hard link over a name is EEXIST");
  ERRNO(__wasi_path_rename(dir, "hard", dir, "moved"), 0, "rename a file");
  ERRNO(__wasi_path_filestat_get(dir, 0, "hard", &st), __WASI_ERRNO_NOENT, "the old name is gone");
  ERRNO(__wasi_path_rename(dir, "moved", dir, "d"), __WASI_ERRNO_ISDIR, "rename a file over a directory is EISDIR");
  ERRNO(__wasi_path_create_directory(dir, "e"), 0, "mkdir e");
  ERRNO(__wasi_path_rename(dir, "e", dir, "moved"), __WASI_ERRNO_NOTDIR, "rename a directory over a file is ENOTDIR");
  ERRNO(__wasi_path_rename(dir, "e", dir, "d"), __WASI_ERRNO_NOTEMPTY, "rename over a non-empty directory is ENOTEMPTY");
  ERRNO(__wasi_path_rename(dir, "d", dir, "d/nested/inside"), __WASI_ERRNO_INVAL, "rename a directory beneath itself is EINVAL");
  ERRNO(__wasi_path_rename(dir, "missing", dir, "x"), __WASI_ERRNO_NOENT, "rename of a missing name is ENOENT");
  ERRNO(__wasi_path_rename(dir, "moved", dir, "d/nested/file"), 0, "rename a file over a file");
  ERRNO(__wasi_path_rename(dir, "e", dir, "e2/"), 0, "rename a directory with a trailing slash");

  // Clean up what the test made.
  __wasi_path_unlink_file(dir, "d/nested/file");
  __wasi_path_remove_directory(dir, "d/nested");
  ERRNO(__wasi_path_remove_directory(dir, "d"), 0, "rmdir after emptying");
  ERRNO(__wasi_path_remove_directory(dir, "e2"), 0, "rmdir the renamed directory");
  return failures == 0 ? 0 : 1;
}
