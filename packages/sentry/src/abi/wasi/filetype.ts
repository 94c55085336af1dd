// WASI preview1 `filetype`; source: https://github.com/WebAssembly/WASI/blob/snapshot-01/phases/snapshot/docs.md#filetype

/** Filetype is the type of a file as WASI reports it in filestat, fdstat and dirent. */
export const Filetype = {
  UNKNOWN: 0,
  BLOCK_DEVICE: 1,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SOCKET_DGRAM: 5,
  SOCKET_STREAM: 6,
  SYMBOLIC_LINK: 7,
} as const;

/** Filetype is the numeric type of a filetype value. */
export type Filetype = (typeof Filetype)[keyof typeof Filetype];
