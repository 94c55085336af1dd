// Names in a directory: opening through odd paths (dots, repeated and trailing slashes, a
// NUL, escapes), hard links, renames and removals, each refusal with Linux's errno.
// Run as: names.wasm SCRATCH, where SCRATCH names a preopened, writable, empty directory.
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

// path_open with an explicit length, to pass a path whose last byte is a NUL.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t result);

static const __wasi_rights_t LINK_RIGHTS = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_PATH_LINK_SOURCE |
    __WASI_RIGHTS_PATH_LINK_TARGET | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_UNLINK_FILE;

// What a program asks for a directory it will work in: every path right, listing and stat,
// but no read or write of bytes (requesting FD_WRITE on a directory is EISDIR).
static const __wasi_rights_t DIRECTORY_RIGHTS = __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE |
    __WASI_RIGHTS_PATH_LINK_SOURCE | __WASI_RIGHTS_PATH_LINK_TARGET | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR |
    __WASI_RIGHTS_PATH_READLINK | __WASI_RIGHTS_PATH_RENAME_SOURCE | __WASI_RIGHTS_PATH_RENAME_TARGET |
    __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE | __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES |
    __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_PATH_SYMLINK |
    __WASI_RIGHTS_PATH_REMOVE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE;

// Every file and path right (bits 0 to 27; the socket rights are not a directory's to give).
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
  if (error == 0) __wasi_fd_close(fd);
  return error;
}

static int exists(__wasi_fd_t dir, const char *name) {
  __wasi_filestat_t st;
  return __wasi_path_filestat_get(dir, 0, name, &st) == 0;
}

// Odd spellings of a path: dots, repeated slashes, trailing slashes, a NUL, and escapes.
static void odd_paths(__wasi_fd_t dir, const char *scratch) {
  __wasi_fd_t fd;
  ERRNO(__wasi_path_create_directory(dir, "dir"), 0, "mkdir dir");
  ERRNO(__wasi_path_create_directory(dir, "dir/nested"), 0, "mkdir through a relative path");
  ERRNO(touch(dir, "dir/nested/file"), 0, "create a file two levels down");
  ERRNO(__wasi_path_open(dir, 0, "/dir/nested/file", 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "an absolute path is EPERM");
  ERRNO(__wasi_path_open(dir, 0, "dir/.//nested/../../dir/nested/../nested///./file", 0, 0, 0, 0, &fd), 0, "dots and repeated slashes that stay inside resolve");
  CHECK(fd > 2, "the new fd is above stdio");
  __wasi_fd_close(fd);
  static const char with_nul[] = "dir/nested/file\0";
  ERRNO(raw_path_open(dir, 0, (int32_t)(uintptr_t)with_nul, sizeof with_nul - 1, 0, 0, 0, 0, (int32_t)(uintptr_t)&fd), __WASI_ERRNO_INVAL, "a path ending in a NUL byte is EINVAL");
  ERRNO(__wasi_path_open(dir, 0, "dir/nested/file/", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "dir/nested/file///", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file with several trailing slashes is ENOTDIR");
  ERRNO(__wasi_path_open(dir, 0, "dir/nested/", 0, 0, 0, 0, &fd), 0, "a directory with a trailing slash opens without O_DIRECTORY");
  __wasi_fd_close(fd);
  ERRNO(__wasi_path_open(dir, 0, "dir/nested///", 0, 0, 0, 0, &fd), 0, "a directory with several trailing slashes opens");
  __wasi_fd_close(fd);
  char escape[300];
  snprintf(escape, sizeof escape, "dir/nested/../../../%s/dir/nested/file", scratch);
  ERRNO(__wasi_path_open(dir, 0, escape, 0, 0, 0, 0, &fd), __WASI_ERRNO_PERM, "more .. than levels is EPERM, even coming back in");
  ERRNO(__wasi_path_open(dir, 0, "missing", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "opening a missing name without CREAT is ENOENT");
  ERRNO(__wasi_path_open(dir, 0, "dir/nested/file", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, 0, 0, &fd), __WASI_ERRNO_EXIST, "CREAT|EXCL over an existing file is EEXIST");
  __wasi_fd_t file;
  ERRNO(__wasi_path_open(dir, 0, "dir/nested/file", 0, 0, 0, 0, &file), 0, "open a file");
  ERRNO(__wasi_path_open(file, 0, "foo", __WASI_OFLAGS_CREAT, 0, 0, 0, &fd), __WASI_ERRNO_NOTDIR, "a file used as the directory fd is ENOTDIR");
  __wasi_fd_close(file);
  ERRNO(__wasi_path_remove_directory(dir, "dir"), __WASI_ERRNO_NOTEMPTY, "rmdir of a non-empty directory is ENOTEMPTY");
  ERRNO(__wasi_path_unlink_file(dir, "dir/nested/file"), 0, "unlink the file");
  ERRNO(__wasi_path_remove_directory(dir, "dir/nested"), 0, "rmdir the emptied nested directory");
  ERRNO(__wasi_path_remove_directory(dir, "dir"), 0, "rmdir its parent");
}

// Trailing slashes on rmdir and unlink.
static void removal(__wasi_fd_t dir) {
  ERRNO(__wasi_path_create_directory(dir, "gone"), 0, "mkdir gone");
  ERRNO(__wasi_path_remove_directory(dir, "gone"), 0, "rmdir gone");
  ERRNO(__wasi_path_create_directory(dir, "gone"), 0, "mkdir gone again");
  ERRNO(__wasi_path_remove_directory(dir, "gone/"), 0, "rmdir with a trailing slash");
  ERRNO(__wasi_path_create_directory(dir, "kept"), 0, "mkdir kept");
  ERRNO(__wasi_path_unlink_file(dir, "kept"), __WASI_ERRNO_ISDIR, "unlink of a directory is EISDIR");
  ERRNO(__wasi_path_unlink_file(dir, "kept/"), __WASI_ERRNO_ISDIR, "unlink of a directory with a trailing slash is EISDIR");
  ERRNO(__wasi_path_remove_directory(dir, "kept"), 0, "rmdir kept");
  ERRNO(touch(dir, "plain"), 0, "create plain");
  ERRNO(__wasi_path_remove_directory(dir, "plain"), __WASI_ERRNO_NOTDIR, "rmdir of a file is ENOTDIR");
  ERRNO(__wasi_path_remove_directory(dir, "plain/"), __WASI_ERRNO_NOTDIR, "rmdir of a file with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_unlink_file(dir, "plain/"), __WASI_ERRNO_NOTDIR, "unlink of a file with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_unlink_file(dir, "plain"), 0, "unlink plain");
  ERRNO(__wasi_path_unlink_file(dir, "plain"), __WASI_ERRNO_NOENT, "unlink of a missing name is ENOENT");
}

// A name freed while its file or directory is still open can be made again at once.
static void reuse_while_open(__wasi_fd_t dir) {
  __wasi_fd_t fd, again, sub;
  ERRNO(__wasi_path_open(dir, 0, "reused", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd), 0, "create a file and keep it open");
  ERRNO(__wasi_path_unlink_file(dir, "reused"), 0, "unlink it while open");
  ERRNO(__wasi_path_open(dir, 0, "reused", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, 0, 0, &again), 0, "the name can be created again while the old file is open");
  __wasi_fd_close(again);
  __wasi_fd_close(fd);
  ERRNO(__wasi_path_unlink_file(dir, "reused"), 0, "unlink the new file");
  ERRNO(__wasi_path_create_directory(dir, "reused-dir"), 0, "mkdir and keep it open");
  ERRNO(__wasi_path_open(dir, 0, "reused-dir", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &sub), 0, "open the directory");
  ERRNO(__wasi_path_remove_directory(dir, "reused-dir"), 0, "rmdir it while open");
  ERRNO(__wasi_path_create_directory(dir, "reused-dir"), 0, "the directory name can be made again while the old one is open");
  __wasi_fd_close(sub);
  ERRNO(__wasi_path_remove_directory(dir, "reused-dir"), 0, "rmdir the new directory");
}

static void renames(__wasi_fd_t dir) {
  __wasi_fd_t fd;
  ERRNO(__wasi_path_create_directory(dir, "source"), 0, "mkdir source");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target"), 0, "rename a directory to a new name");
  ERRNO(__wasi_path_open(dir, 0, "source", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "the old directory name is gone");
  ERRNO(__wasi_path_open(dir, 0, "target", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd), 0, "the new directory name opens");
  __wasi_fd_close(fd);
  ERRNO(__wasi_path_create_directory(dir, "source"), 0, "mkdir source again");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target"), 0, "rename a directory over an empty directory");
  CHECK(!exists(dir, "source") && exists(dir, "target"), "the empty directory was replaced");
  ERRNO(__wasi_path_create_directory(dir, "source"), 0, "mkdir source a third time");
  ERRNO(touch(dir, "target/file"), 0, "put a file in target");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target"), __WASI_ERRNO_NOTEMPTY, "rename over a non-empty directory is ENOTEMPTY");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target/file"), __WASI_ERRNO_NOTDIR, "rename a directory over a file is ENOTDIR");
  CHECK(exists(dir, "target/file") && exists(dir, "source"), "a refused rename changes nothing");
  ERRNO(__wasi_path_rename(dir, "source", dir, "source/inside"), __WASI_ERRNO_INVAL, "rename a directory beneath itself is EINVAL");
  ERRNO(__wasi_path_unlink_file(dir, "target/file"), 0, "unlink target/file");
  ERRNO(__wasi_path_remove_directory(dir, "target"), 0, "rmdir target");

  // Trailing slashes are allowed on directories, on either side.
  ERRNO(__wasi_path_rename(dir, "source/", dir, "target"), 0, "rename a directory named with a trailing slash");
  ERRNO(__wasi_path_rename(dir, "target", dir, "source/"), 0, "rename a directory to a name with a trailing slash");
  ERRNO(__wasi_path_rename(dir, "source/", dir, "target/"), 0, "rename with trailing slashes on both names");
  ERRNO(__wasi_path_rename(dir, "target", dir, "source"), 0, "rename back without slashes");
  ERRNO(__wasi_path_remove_directory(dir, "source"), 0, "rmdir source");

  ERRNO(touch(dir, "source"), 0, "create a file source");
  ERRNO(__wasi_path_rename(dir, "source/", dir, "target"), __WASI_ERRNO_NOTDIR, "a file named with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target/"), __WASI_ERRNO_NOTDIR, "renaming a file to a name with a trailing slash is ENOTDIR");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target"), 0, "rename a file to a new name");
  ERRNO(__wasi_path_open(dir, 0, "source", 0, 0, 0, 0, &fd), __WASI_ERRNO_NOENT, "the old file name is gone");
  ERRNO(__wasi_path_open(dir, 0, "target", 0, 0, 0, 0, &fd), 0, "the new file name opens");
  __wasi_fd_close(fd);
  ERRNO(touch(dir, "source"), 0, "create source again");
  ERRNO(__wasi_path_rename(dir, "source", dir, "target"), 0, "rename a file over a file");
  CHECK(!exists(dir, "source") && exists(dir, "target"), "the old target was replaced");
  ERRNO(__wasi_path_rename(dir, "target", dir, "target"), 0, "rename a file onto itself does nothing");
  ERRNO(__wasi_path_create_directory(dir, "empty"), 0, "mkdir empty");
  ERRNO(__wasi_path_rename(dir, "target", dir, "empty"), __WASI_ERRNO_ISDIR, "rename a file over an empty directory is EISDIR");
  ERRNO(__wasi_path_rename(dir, "missing", dir, "other"), __WASI_ERRNO_NOENT, "rename of a missing name is ENOENT");
  ERRNO(__wasi_path_rename(dir, "target", dir, "nowhere/target"), __WASI_ERRNO_NOENT, "rename into a missing directory is ENOENT");
  ERRNO(__wasi_path_remove_directory(dir, "empty"), 0, "rmdir empty");
  ERRNO(__wasi_path_unlink_file(dir, "target"), 0, "unlink target");
}

static int same_stat(const __wasi_filestat_t *a, const __wasi_filestat_t *b) {
  return a->dev == b->dev && a->ino == b->ino && a->filetype == b->filetype && a->nlink == b->nlink &&
         a->size == b->size && a->atim == b->atim && a->mtim == b->mtim && a->ctim == b->ctim;
}

static int same_fdstat(const __wasi_fdstat_t *a, const __wasi_fdstat_t *b) {
  return a->fs_filetype == b->fs_filetype && a->fs_flags == b->fs_flags && a->fs_rights_base == b->fs_rights_base &&
         a->fs_rights_inheriting == b->fs_rights_inheriting;
}

// Compares what an fd to the original and an fd to its hard link report.
static void same_file(__wasi_fd_t original, __wasi_fd_t link, const char *stat_name, const char *fdstat_name) {
  __wasi_filestat_t a, b;
  __wasi_fdstat_t c, d;
  CHECK(__wasi_fd_filestat_get(original, &a) == 0 && __wasi_fd_filestat_get(link, &b) == 0 && same_stat(&a, &b), stat_name);
  CHECK(__wasi_fd_fdstat_get(original, &c) == 0 && __wasi_fd_fdstat_get(link, &d) == 0 && same_fdstat(&c, &d), fdstat_name);
}

static void hard_links(__wasi_fd_t dir) {
  __wasi_fd_t file, link, sub;
  __wasi_filestat_t st;
  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_CREAT, LINK_RIGHTS, LINK_RIGHTS, 0, &file), 0, "create the link source");
  ERRNO(__wasi_path_link(dir, 0, "file", dir, "link"), 0, "link in the same directory");
  ERRNO(__wasi_path_open(dir, 0, "link", 0, LINK_RIGHTS, LINK_RIGHTS, 0, &link), 0, "open the link");
  same_file(file, link, "the link has the source's filestat", "an fd opened through the link has the same fdstat");
  CHECK(__wasi_fd_filestat_get(file, &st) == 0 && st.nlink == 2, "nlink counts both names");
  __wasi_fd_close(link);
  ERRNO(__wasi_path_unlink_file(dir, "link"), 0, "unlink the link");
  CHECK(__wasi_fd_filestat_get(file, &st) == 0 && st.nlink == 1, "nlink drops back to 1");

  ERRNO(__wasi_path_create_directory(dir, "subdir"), 0, "mkdir subdir");
  ERRNO(__wasi_path_open(dir, 0, "subdir", __WASI_OFLAGS_DIRECTORY, LINK_RIGHTS, LINK_RIGHTS, 0, &sub), 0, "open subdir");
  ERRNO(__wasi_path_link(dir, 0, "file", sub, "link"), 0, "link into another directory fd");
  ERRNO(__wasi_path_open(sub, 0, "link", 0, LINK_RIGHTS, LINK_RIGHTS, 0, &link), 0, "open the link in subdir");
  same_file(file, link, "the link in subdir has the source's filestat", "an fd opened in subdir has the same fdstat");
  __wasi_fd_close(link);
  __wasi_fd_close(file);
  ERRNO(__wasi_path_unlink_file(sub, "link"), 0, "unlink the link in subdir");
  __wasi_fd_close(sub);
  ERRNO(__wasi_path_remove_directory(dir, "subdir"), 0, "rmdir subdir");

  ERRNO(touch(dir, "link"), 0, "create a file where the link would go");
  ERRNO(__wasi_path_link(dir, 0, "file", dir, "link"), __WASI_ERRNO_EXIST, "link over an existing file is EEXIST");
  ERRNO(__wasi_path_unlink_file(dir, "link"), 0, "unlink it");
  ERRNO(__wasi_path_link(dir, 0, "file", dir, "file"), __WASI_ERRNO_EXIST, "link a file to its own name is EEXIST");
  ERRNO(__wasi_path_create_directory(dir, "link"), 0, "mkdir where the link would go");
  ERRNO(__wasi_path_link(dir, 0, "file", dir, "link"), __WASI_ERRNO_EXIST, "link over a directory is EEXIST");
  ERRNO(__wasi_path_remove_directory(dir, "link"), 0, "rmdir it");
  ERRNO(__wasi_path_create_directory(dir, "subdir"), 0, "mkdir subdir again");
  ERRNO(__wasi_path_link(dir, 0, "subdir", dir, "link"), __WASI_ERRNO_PERM, "a hard link to a directory is EPERM");
  ERRNO(__wasi_path_remove_directory(dir, "subdir"), 0, "rmdir subdir again");
  ERRNO(__wasi_path_link(dir, 0, "file", dir, "link/"), __WASI_ERRNO_NOENT, "a new link name with a trailing slash is ENOENT");
  ERRNO(__wasi_path_link(dir, 0, "missing", dir, "link"), __WASI_ERRNO_NOENT, "link of a missing name is ENOENT");

  // Without SYMLINK_FOLLOW, path_link links the symlink itself, whatever it points to.
  ERRNO(__wasi_path_symlink("target", dir, "symlink"), 0, "make a dangling symlink");
  ERRNO(__wasi_path_link(dir, 0, "symlink", dir, "link"), 0, "link a dangling symlink");
  CHECK(__wasi_path_filestat_get(dir, 0, "link", &st) == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK && st.nlink == 2, "the link is the symlink itself");
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink the symlink");
  ERRNO(__wasi_path_unlink_file(dir, "link"), 0, "unlink its hard link");
  ERRNO(__wasi_path_symlink("symlink", dir, "symlink"), 0, "make a symlink to itself");
  ERRNO(__wasi_path_link(dir, 0, "symlink", dir, "link"), 0, "link a symlink loop");
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink the loop");
  ERRNO(__wasi_path_unlink_file(dir, "link"), 0, "unlink the loop's hard link");
  ERRNO(__wasi_path_symlink("target", dir, "symlink"), 0, "make a dangling symlink again");
  ERRNO(__wasi_path_link(dir, 0, "file", dir, "symlink"), __WASI_ERRNO_EXIST, "link over a dangling symlink is EEXIST");
  ERRNO(__wasi_path_link(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "symlink", dir, "link"), __WASI_ERRNO_NOENT, "link following a dangling symlink is ENOENT");
  CHECK(!exists(dir, "link"), "no link was made");
  ERRNO(__wasi_path_unlink_file(dir, "symlink"), 0, "unlink the dangling symlink");
  ERRNO(__wasi_path_unlink_file(dir, "file"), 0, "unlink the link source");
}

int main(int argc, char **argv) {
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  __wasi_fd_t base = preopen(scratch);
  CHECK(base != (__wasi_fd_t)-1, "the scratch directory is preopened");
  __wasi_fd_t dir;
  ERRNO(__wasi_path_create_directory(base, "names.work"), 0, "mkdir a work directory");
  ERRNO(__wasi_path_open(base, 0, "names.work", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0, &dir), 0, "open it");
  odd_paths(dir, "names.work");
  removal(dir);
  reuse_while_open(dir);
  renames(dir);
  hard_links(dir);
  ERRNO(__wasi_fd_close(dir), 0, "close the work directory");
  ERRNO(__wasi_path_remove_directory(base, "names.work"), 0, "the work directory is empty again");
  return failures == 0 ? 0 : 1;
}
