// WASI preview1 flag sets and small enums; source:
// https://github.com/WebAssembly/WASI/blob/snapshot-01/phases/snapshot/docs.md

/** Fdflags are the file status flags of an open file description (`fdflags`). */
export const Fdflags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;

/** Oflags are the open flags of path_open (`oflags`). */
export const Oflags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;

/** Lookupflags say whether the last path component follows a symlink (`lookupflags`). */
export const Lookupflags = { SYMLINK_FOLLOW: 1 } as const;

/** Fstflags select which timestamps a set_times call changes (`fstflags`). */
export const Fstflags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;

/** Whence is the origin of fd_seek (`whence`). */
export const Whence = { SET: 0, CUR: 1, END: 2 } as const;

/** ClockId names the clocks of clock_time_get and poll subscriptions (`clockid`). */
export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, THREAD_CPUTIME_ID: 3 } as const;

/** ClockId is the numeric type of a clock id. */
export type ClockId = (typeof ClockId)[keyof typeof ClockId];

/** EventType is the kind of a poll subscription and event (`eventtype`). */
export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;

/** Eventrwflags are the flags of an fd_read/fd_write event (`eventrwflags`). */
export const Eventrwflags = { FD_READWRITE_HANGUP: 1 } as const;

/** Subclockflags are the flags of a clock subscription (`subclockflags`). */
export const Subclockflags = { SUBSCRIPTION_CLOCK_ABSTIME: 1 } as const;

/** Advice is the access-pattern hint of fd_advise (`advice`). */
export const Advice = { NORMAL: 0, SEQUENTIAL: 1, RANDOM: 2, WILLNEED: 3, DONTNEED: 4, NOREUSE: 5 } as const;

/** Riflags are the flags of sock_recv (`riflags`). */
export const Riflags = { RECV_PEEK: 1, RECV_WAITALL: 2 } as const;

/** Roflags are the result flags of sock_recv (`roflags`). */
export const Roflags = { RECV_DATA_TRUNCATED: 1 } as const;

/** Sdflags select the directions sock_shutdown closes (`sdflags`). */
export const Sdflags = { RD: 1, WR: 2 } as const;

/** PreopenType is the tag of a prestat (`preopentype`). */
export const PreopenType = { DIR: 0 } as const;

/** Signal lists the WASI signal numbers proc_raise accepts, with Linux's numbering. */
export const Signal = {
  NONE: 0,
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  CHLD: 16,
  CONT: 17,
  STOP: 18,
  TSTP: 19,
  TTIN: 20,
  TTOU: 21,
  URG: 22,
  XCPU: 23,
  XFSZ: 24,
  VTALRM: 25,
  PROF: 26,
  WINCH: 27,
  POLL: 28,
  PWR: 29,
  SYS: 30,
} as const;
