// Symbolic links: creating them (and the targets refused), opening through and without
// following them (dangling, to a file, to a directory, loops), lstat against stat,
// timestamps set on the link or on its target, readlink into short buffers, and trailing
// slashes on the new name.
// Run as: symlinks.wasm SCRATCH, where SCRATCH names a preopened host directory.
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
    __WASI_RIGHTS_PATH_LINK_SOURCE | __WASI_RIGHTS_PATH_LINK_TARGET | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR |
    __WASI_RIGHTS_PATH_READLINK | __WASI_RIGHTS_PATH_RENAME_SOURCE | __WASI_RIGHTS_PATH_RENAME_TARGET |
    __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE | __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES |
    __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY |
    __WASI_RIGHTS_PATH_UNLINK_FILE;
static const __wasi_rights_t ALL_RIGHTS = ((__wasi_rights_t)1 << 28) - 1;
static const __wasi_lookupflags_t FOLLOW = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;

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

static __wasi_filetype_t type_of(__wasi_fd_t dir, __wasi_lookupflags_t flags, const char *name) {
  __wasi_filestat_t st;
  if (__wasi_path_filestat_get(dir, flags, name, &st) != 0) return 0xff;
  return st.filetype;
}

// Opening a symlink without SYMLINK_FOLLOW fails; with it, the target opens.
static void open_through(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  ERRNO(__wasi_path_symlink("target", dir, "dangling"), 0, "create a dangling symlink");
  ERRNO(__wasi_path_open(dir, 0, "dangling", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a dangling symlink opened as a directory without follow is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "dangling", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "a dangling symlink opened without follow is ELOOP");
  ERRNO(__wasi_path_open(dir, FOLLOW, "dangling", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "following a dangling symlink is ENOENT");
  ERRNO(__wasi_path_unlink_file(dir, "dangling"), 0, "unlink the dangling symlink");

  ERRNO(__wasi_path_create_directory(dir, "target"), 0, "mkdir the target");
  ERRNO(__wasi_path_symlink("target", dir, "symlink"), 0, "symlink to the directory");
  ERRNO(__wasi_path_open(dir, 0, "symlink", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a directory symlink opened as a directory without follow is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "symlink", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "a directory symlink opened without follow is ELOOP");
  ERRNO(__wasi_path_open(dir, FOLLOW, "symlink", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), 0, "a directory symlink followed opens as a directory");
  CHECK(fd > 2, "the new fd is above stdio");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "symlink/", 0, 0, 0, 0, &fd), 0, "a trailing slash follows a directory symlink");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink the directory symlink");
  ERRNO(__wasi_path_remove_directory(dir, "target"), 0, "rmdir the target");

  ERRNO(touch(dir, "target"), 0, "create a file target");
  ERRNO(__wasi_path_symlink("target", dir, "symlink"), 0, "symlink to the file");
  ERRNO(__wasi_path_open(dir, 0, "symlink", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file symlink opened as a directory without follow is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "symlink", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "a file symlink opened without follow is ELOOP");
  ERRNO(__wasi_path_open(dir, FOLLOW, "symlink", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file symlink followed as a directory is ENOTDIR");
  ERRNO(__wasi_path_open(dir, FOLLOW, "symlink", 0, 0, 0, 0, &fd), 0, "a file symlink followed opens the file");
  (void)__wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink the file symlink");
  ERRNO(__wasi_path_unlink_file(dir, "target"), 0, "unlink the file target");

  ERRNO(__wasi_path_symlink("self", dir, "self"), 0, "create a symlink to itself");
  ERRNO(__wasi_path_open(dir, 0, "self", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "opening a self-referencing symlink is ELOOP");
  ERRNO(__wasi_path_open(dir, FOLLOW, "self", 0, 0, 0, 0, &fd), __WASI_ERRNO_LOOP, "following a self-referencing symlink is ELOOP");
  ERRNO(__wasi_path_unlink_file(dir, "self"), 0, "unlink the loop");
}

// Symlinks whose targets would lead out of the sandbox.
static void escaping_targets(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  ERRNO(__wasi_path_symlink("/", dir, "root"), __WASI_ERRNO_PERM, "a symlink to an absolute path is EPERM");
  CHECK(type_of(dir, 0, "root") == 0xff, "and nothing was created");
  ERRNO(__wasi_path_symlink("../..", dir, "up"), 0, "a symlink climbing out can be created");
  ERRNO(__wasi_path_open(dir, FOLLOW, "up", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "but following it is EPERM");
  ERRNO(__wasi_path_open(dir, FOLLOW, "up/x", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "even in the middle of a path");
  ERRNO(__wasi_path_unlink_file(dir, "up"), 0, "unlink it");
}

// path_filestat_get with and without following.
static void exists(__wasi_fd_t dir) {
  ERRNO(__wasi_path_create_directory(dir, "subdir"), 0, "mkdir subdir");
  CHECK(type_of(dir, 0, "subdir") == __WASI_FILETYPE_DIRECTORY, "lstat of a directory");
  CHECK(type_of(dir, FOLLOW, "subdir") == __WASI_FILETYPE_DIRECTORY, "stat of a directory");
  ERRNO(touch(dir, "subdir/file"), 0, "create subdir/file");
  CHECK(type_of(dir, 0, "subdir/file") == __WASI_FILETYPE_REGULAR_FILE, "lstat of a file");
  CHECK(type_of(dir, FOLLOW, "subdir/file") == __WASI_FILETYPE_REGULAR_FILE, "stat of a file");
  ERRNO(__wasi_path_symlink("subdir/file", dir, "link1"), 0, "symlink to the file");
  CHECK(type_of(dir, 0, "link1") == __WASI_FILETYPE_SYMBOLIC_LINK, "lstat of a file symlink is the symlink");
  CHECK(type_of(dir, FOLLOW, "link1") == __WASI_FILETYPE_REGULAR_FILE, "stat of a file symlink is the file");
  ERRNO(__wasi_path_symlink("subdir", dir, "link2"), 0, "symlink to the directory");
  CHECK(type_of(dir, 0, "link2") == __WASI_FILETYPE_SYMBOLIC_LINK, "lstat of a directory symlink is the symlink");
  CHECK(type_of(dir, FOLLOW, "link2") == __WASI_FILETYPE_DIRECTORY, "stat of a directory symlink is the directory");
  CHECK(type_of(dir, 0, "link2/file") == __WASI_FILETYPE_REGULAR_FILE, "a symlink in the middle of a path is followed");
  ERRNO(__wasi_path_unlink_file(dir, "link1"), 0, "unlink link1");
  ERRNO(__wasi_path_unlink_file(dir, "link2"), 0, "unlink link2");
  ERRNO(__wasi_path_unlink_file(dir, "subdir/file"), 0, "unlink subdir/file");
  ERRNO(__wasi_path_remove_directory(dir, "subdir"), 0, "rmdir subdir");
}

// Timestamps of the link itself and of its target are separate.
static void times(__wasi_fd_t dir) {
  __wasi_fd_t file;
  __wasi_filestat_t file_stat, link_stat, st;
  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &file), 0, "create a file");
  ERRNO(__wasi_path_filestat_get(dir, 0, "file", &file_stat), 0, "stat the file");
  CHECK(file_stat.size == 0, "the new file is empty");
  ERRNO(__wasi_path_symlink("file", dir, "symlink"), 0, "symlink to the file");
  ERRNO(__wasi_path_filestat_get(dir, 0, "symlink", &link_stat), 0, "lstat the symlink");
  CHECK(link_stat.size == 4, "a symlink's size is its target's length");
  __wasi_timestamp_t link_mtim = link_stat.mtim - 200;
  ERRNO(__wasi_path_filestat_set_times(dir, 0, "symlink", 0, link_mtim, __WASI_FSTFLAGS_MTIM), 0, "set the symlink's own mtim");
  CHECK(__wasi_path_filestat_get(dir, 0, "symlink", &st) == 0 && st.mtim == link_mtim, "the symlink's mtim changed to the nanosecond");
  CHECK(__wasi_path_filestat_get(dir, 0, "file", &st) == 0 && st.mtim == file_stat.mtim, "the target's mtim did not");
  CHECK(__wasi_path_filestat_get(dir, FOLLOW, "symlink", &st) == 0 && st.mtim == file_stat.mtim && st.ino == file_stat.ino, "stat through the symlink reports the target");
  ERRNO(__wasi_path_filestat_set_times(dir, FOLLOW, "symlink", 0, link_stat.mtim, __WASI_FSTFLAGS_MTIM), 0, "set mtim through the symlink");
  CHECK(__wasi_path_filestat_get(dir, 0, "file", &st) == 0 && st.mtim == link_stat.mtim, "the target's mtim changed");
  CHECK(__wasi_path_filestat_get(dir, 0, "symlink", &st) == 0 && st.mtim == link_mtim, "the symlink's stayed");
  (void)__wasi_fd_close(file);
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink the symlink");
  ERRNO(__wasi_path_unlink_file(dir, "file"), 0, "unlink the file");
}

static void readlink_buffers(__wasi_fd_t dir) {
  uint8_t buffer[10];
  __wasi_size_t used = 0;
  ERRNO(touch(dir, "target"), 0, "create the readlink target");
  ERRNO(__wasi_path_symlink("target", dir, "symlink"), 0, "symlink to it");
  memset(buffer, 0, sizeof buffer);
  ERRNO(__wasi_path_readlink(dir, "symlink", buffer, sizeof buffer, &used), 0, "readlink into a larger buffer");
  CHECK(used == 6 && memcmp(buffer, "target", 6) == 0, "readlink returns the target's 6 bytes");
  CHECK(buffer[6] == 0 && buffer[7] == 0 && buffer[8] == 0 && buffer[9] == 0, "readlink leaves the rest of the buffer alone");
  memset(buffer, 0, sizeof buffer);
  ERRNO(__wasi_path_readlink(dir, "symlink", buffer, 4, &used), 0, "readlink into a buffer shorter than the target");
  CHECK(used == 4 && memcmp(buffer, "targ", 4) == 0 && buffer[4] == 0, "a short buffer gets the first bytes of the target");
  ERRNO(__wasi_path_readlink(dir, "target", buffer, sizeof buffer, &used), __WASI_ERRNO_INVAL, "readlink of a file is EINVAL");
  ERRNO(__wasi_path_readlink(dir, "missing", buffer, sizeof buffer, &used), __WASI_ERRNO_NOENT, "readlink of a missing name is ENOENT");
  ERRNO(__wasi_path_unlink_file(dir, "target"), 0, "unlink the readlink target");
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink its symlink");
}

static void trailing_slashes(__wasi_fd_t dir) {
  ERRNO(__wasi_path_symlink("source", dir, "target/"), __WASI_ERRNO_NOENT, "a new symlink name with a trailing slash is ENOENT");
  ERRNO(__wasi_path_symlink("source", dir, "target"), 0, "without the slash the dangling symlink is made");
  ERRNO(__wasi_path_unlink_file(dir, "target"), 0, "unlink it");
  ERRNO(__wasi_path_create_directory(dir, "target"), 0, "mkdir target");
  ERRNO(__wasi_path_symlink("source", dir, "target/"), __WASI_ERRNO_EXIST, "symlink over a directory named with a slash is EEXIST");
  ERRNO(__wasi_path_symlink("source", dir, "target"), __WASI_ERRNO_EXIST, "symlink over a directory is EEXIST");
  ERRNO(__wasi_path_remove_directory(dir, "target"), 0, "rmdir target");
  ERRNO(touch(dir, "target"), 0, "create a file target");
  ERRNO(__wasi_path_symlink("source", dir, "target/"), __WASI_ERRNO_NOTDIR, "symlink over a file named with a slash is ENOTDIR");
  ERRNO(__wasi_path_symlink("source", dir, "target"), __WASI_ERRNO_EXIST, "symlink over a file is EEXIST");
  ERRNO(__wasi_path_unlink_file(dir, "target"), 0, "unlink the file target");
}

int main(int argc, char **argv) {
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  __wasi_fd_t base = preopen(scratch);
  CHECK(base != (__wasi_fd_t)-1, "the scratch directory is preopened");
  __wasi_fd_t dir;
  ERRNO(__wasi_path_create_directory(base, "symlinks.work"), 0, "mkdir a work directory");
  ERRNO(__wasi_path_open(base, 0, "symlinks.work", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0, &dir), 0, "open it");
  open_through(dir);
  escaping_targets(dir);
  exists(dir);
  times(dir);
  readlink_buffers(dir);
  trailing_slashes(dir);
  ERRNO(__wasi_fd_close(dir), 0, "close the work directory");
  ERRNO(__wasi_path_remove_directory(base, "symlinks.work"), 0, "the work directory is empty again");
  return failures == 0 ? 0 : 1;
}
