// An open file description: what an fd refers to, shared by every fd that refers to it
// (Linux `struct file`). It owns the offset and the status flags; the fd owns the rights.
import type { Filetype } from '../abi/wasi/filetype.js';
import type { Location } from './location.js';

/** FileStat is the guest-visible status of a file, with timestamps in nanoseconds. */
export interface FileStat {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly filetype: Filetype;
  readonly nlink: bigint;
  readonly size: bigint;
  readonly atim: bigint;
  readonly mtim: bigint;
  readonly ctim: bigint;
}

/** DirectoryEntry is one name in a directory listing. */
export interface DirectoryEntry {
  readonly name: string;
  readonly ino: bigint;
  readonly filetype: Filetype;
}

/** Readiness tells poll_oneoff whether a read or write would make progress now. */
export interface Readiness {
  readonly ready: boolean;
  /** Bytes available to read or room to write, as reported in the poll event. */
  readonly nbytes: bigint;
  /** The other end is gone (FD_READWRITE_HANGUP). */
  readonly hangup: boolean;
}

/** IoDirection selects the side of an fd that poll_oneoff asks about. */
export type IoDirection = 'read' | 'write';

/**
 * FileDescription is the interface every kind of open file implements. Methods a kind
 * does not support come from FileDescriptionDefaults with Linux's errno for that case.
 * Reads and writes that must wait throw WouldBlock before any side effect.
 */
export interface FileDescription {
  /** The file type reported by fdstat. */
  readonly filetype: Filetype;
  /** Fdflags (APPEND, NONBLOCK, SYNC...), as requested at open and changed by fdstat_set_flags. */
  flags: number;
  /** Number of fd table slots referring to this description; released at zero. */
  references: number;
  /** The directory this description is, for the path_* calls; undefined for non-directories. */
  readonly location: Location | undefined;

  read(buffers: readonly Uint8Array[]): number;
  pread(buffers: readonly Uint8Array[], offset: bigint): number;
  write(buffers: readonly Uint8Array[]): number;
  pwrite(buffers: readonly Uint8Array[], offset: bigint): number;
  seek(offset: bigint, whence: number): bigint;
  stat(): FileStat;
  setSize(size: bigint): void;
  setTimes(atim: bigint | null, mtim: bigint | null): void;
  setFlags(flags: number): void;
  allocate(offset: bigint, length: bigint): void;
  advise(offset: bigint, length: bigint, advice: number): void;
  sync(): void;
  datasync(): void;
  /**
   * Entries including `.` and `..`, in the order cookies index. The listing is taken afresh
   * at cookie 0 and reused for later cookies, so paging through a directory sees one
   * snapshot (as Linux's getdents continues from its position).
   */
  readdir(cookie: bigint): readonly DirectoryEntry[];
  readiness(direction: IoDirection): Readiness;
  /** Settles when readiness(direction) may have changed. */
  whenReady(direction: IoDirection): Promise<void>;
  /** Called once when the last fd referring to the description is closed. */
  release(): void;
}
