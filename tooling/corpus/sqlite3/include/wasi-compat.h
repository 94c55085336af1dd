/*
 * What SQLite 3.40.1 (os_unix.c and the shell) expects from POSIX and WASI lacks,
 * force-included into the build with -include; wasi-compat.c defines the functions.
 * SQLite 3.41 added equivalent __wasi__ blocks upstream.
 *
 * WASI has no byte-range locks: the build makes the lock-free "unix-none" VFS the
 * default, so the F_*LK constants only have to compile.
 */
#ifndef STASIS_WASI_COMPAT_H
#define STASIS_WASI_COMPAT_H
#include <fcntl.h>
#include <sys/types.h>

#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif

int fchmod(int fd, mode_t mode);
int fchown(int fd, uid_t owner, gid_t group);
uid_t geteuid(void);

#endif
