/*
 * WASI has no user database. The SQLite shell only calls getpwuid() to find the
 * home directory for ~/.sqliterc when $HOME is unset: report "no such user".
 */
#ifndef STASIS_WASI_PWD_H
#define STASIS_WASI_PWD_H
#include <sys/types.h>

struct passwd {
  char *pw_name;
  char *pw_dir;
};

static inline struct passwd *getpwuid(uid_t uid) {
  (void)uid;
  return 0;
}

static inline uid_t getuid(void) { return 0; }

#endif
