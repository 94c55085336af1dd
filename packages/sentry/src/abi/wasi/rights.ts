// WASI preview1 rights bits; source: https://github.com/WebAssembly/WASI/blob/snapshot-01/phases/snapshot/docs.md#rights

/** Rights are the capability bits of an fd, one `bigint` mask per right. */
export const Rights = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_FDSTAT_SET_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  FD_ADVISE: 1n << 7n,
  FD_ALLOCATE: 1n << 8n,
  PATH_CREATE_DIRECTORY: 1n << 9n,
  PATH_CREATE_FILE: 1n << 10n,
  PATH_LINK_SOURCE: 1n << 11n,
  PATH_LINK_TARGET: 1n << 12n,
  PATH_OPEN: 1n << 13n,
  FD_READDIR: 1n << 14n,
  PATH_READLINK: 1n << 15n,
  PATH_RENAME_SOURCE: 1n << 16n,
  PATH_RENAME_TARGET: 1n << 17n,
  PATH_FILESTAT_GET: 1n << 18n,
  PATH_FILESTAT_SET_SIZE: 1n << 19n,
  PATH_FILESTAT_SET_TIMES: 1n << 20n,
  FD_FILESTAT_GET: 1n << 21n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
  FD_FILESTAT_SET_TIMES: 1n << 23n,
  PATH_SYMLINK: 1n << 24n,
  PATH_REMOVE_DIRECTORY: 1n << 25n,
  PATH_UNLINK_FILE: 1n << 26n,
  POLL_FD_READWRITE: 1n << 27n,
  SOCK_SHUTDOWN: 1n << 28n,
  SOCK_ACCEPT: 1n << 29n,
} as const;

/** RightsName is the spec name of one right. */
export type RightsName = keyof typeof Rights;

/** ALL_RIGHTS is every defined right. */
export const ALL_RIGHTS: bigint = Object.values(Rights).reduce((all, right) => all | right, 0n);

/**
 * RightSets are the maximal rights each kind of fd can hold, as uvwasi's
 * `UVWASI_RIGHTS_*` sets: a path_open request is narrowed to the set of the opened
 * file's type, so a regular file never reports `path_*` rights.
 */
export const RightSets = {
  REGULAR_FILE_BASE:
    Rights.FD_DATASYNC |
    Rights.FD_READ |
    Rights.FD_SEEK |
    Rights.FD_FDSTAT_SET_FLAGS |
    Rights.FD_SYNC |
    Rights.FD_TELL |
    Rights.FD_WRITE |
    Rights.FD_ADVISE |
    Rights.FD_ALLOCATE |
    Rights.FD_FILESTAT_GET |
    Rights.FD_FILESTAT_SET_SIZE |
    Rights.FD_FILESTAT_SET_TIMES |
    Rights.POLL_FD_READWRITE,
  REGULAR_FILE_INHERITING: 0n,
  DIRECTORY_BASE:
    Rights.FD_FDSTAT_SET_FLAGS |
    Rights.FD_SYNC |
    Rights.FD_ADVISE |
    Rights.PATH_CREATE_DIRECTORY |
    Rights.PATH_CREATE_FILE |
    Rights.PATH_LINK_SOURCE |
    Rights.PATH_LINK_TARGET |
    Rights.PATH_OPEN |
    Rights.FD_READDIR |
    Rights.PATH_READLINK |
    Rights.PATH_RENAME_SOURCE |
    Rights.PATH_RENAME_TARGET |
    Rights.PATH_FILESTAT_GET |
    Rights.PATH_FILESTAT_SET_SIZE |
    Rights.PATH_FILESTAT_SET_TIMES |
    Rights.FD_FILESTAT_GET |
    Rights.FD_FILESTAT_SET_TIMES |
    Rights.PATH_SYMLINK |
    Rights.PATH_REMOVE_DIRECTORY |
    Rights.PATH_UNLINK_FILE |
    Rights.POLL_FD_READWRITE,
  DIRECTORY_INHERITING: ALL_RIGHTS,
  CHARACTER_DEVICE_BASE:
    Rights.FD_READ |
    Rights.FD_FDSTAT_SET_FLAGS |
    Rights.FD_WRITE |
    Rights.FD_FILESTAT_GET |
    Rights.POLL_FD_READWRITE,
  CHARACTER_DEVICE_INHERITING: 0n,
  SOCKET_BASE:
    Rights.FD_READ |
    Rights.FD_FDSTAT_SET_FLAGS |
    Rights.FD_WRITE |
    Rights.FD_FILESTAT_GET |
    Rights.POLL_FD_READWRITE |
    Rights.SOCK_SHUTDOWN |
    Rights.SOCK_ACCEPT,
  SOCKET_INHERITING: ALL_RIGHTS,
} as const;
