/*
 * POSIX functions SQLite calls that WASI lacks (declared in include/wasi-compat.h).
 * WASI has no users and no permission bits: ownership and mode changes succeed
 * without effect, as they would on a file system that ignores them.
 */
#include <sys/stat.h>
#include <sys/types.h>

int chmod(const char *path, mode_t mode) {
  (void)path;
  (void)mode;
  return 0;
}

int fchmod(int fd, mode_t mode) {
  (void)fd;
  (void)mode;
  return 0;
}

int fchown(int fd, uid_t owner, gid_t group) {
  (void)fd;
  (void)owner;
  (void)group;
  return 0;
}

uid_t geteuid(void) { return 0; }
