// Defaults for FileDescription, each returning the errno Linux gives when a file type
// lacks the operation (file_operations member == NULL), as gVisor's
// vfs.FileDescriptionDefaultImpl does.
import { Errno } from '../abi/wasi/errno.js';
import { Advice } from '../abi/wasi/flags.js';
import type { Filetype } from '../abi/wasi/filetype.js';
import { SysError, sysError } from '../errors/sys-error.js';
import type { DirectoryEntry, FileDescription, FileStat, IoDirection, Readiness } from './file-description.js';
import type { Location } from './location.js';

/** ALWAYS_READY is the readiness of files that never block (regular files, /dev/null). */
export const ALWAYS_READY: Readiness = { ready: true, nbytes: 0n, hangup: false };

/** FileDescriptionDefaults supplies every FileDescription method with Linux's answer for a file type that lacks it. */
export abstract class FileDescriptionDefaults implements FileDescription {
  abstract readonly filetype: Filetype;
  flags = 0;
  references = 0;
  get location(): Location | undefined {
    return undefined;
  }
  abstract stat(): FileStat;

  /** Like read(2) on a file without f_op->read: EINVAL (a directory overrides with EISDIR). */
  read(_buffers: readonly Uint8Array[]): number {
    throw sysError.inval('read not supported');
  }
  /** Like pread(2) on a stream: ESPIPE. */
  pread(_buffers: readonly Uint8Array[], _offset: bigint): number {
    throw sysError.spipe();
  }
  /** Like write(2) on a file without f_op->write: EINVAL. */
  write(_buffers: readonly Uint8Array[]): number {
    throw sysError.inval('write not supported');
  }
  /** Like pwrite(2) on a stream: ESPIPE. */
  pwrite(_buffers: readonly Uint8Array[], _offset: bigint): number {
    throw sysError.spipe();
  }
  /** Like file_operations::llseek == NULL in Linux: seeking a pipe is ESPIPE. */
  seek(_offset: bigint, _whence: number): bigint {
    throw sysError.spipe();
  }
  /** Like ftruncate(2) on a non-regular file: EINVAL. */
  setSize(_size: bigint): void {
    throw sysError.inval('not a regular file');
  }
  /** Timestamps of synthetic files are not settable: EPERM, as on Linux pipes' anonymous inodes. */
  setTimes(_atim: bigint | null, _mtim: bigint | null): void {
    throw sysError.perm('timestamps are fixed');
  }
  /** Like fcntl(F_SETFL): keeps APPEND/NONBLOCK/SYNC-style bits as given. */
  setFlags(flags: number): void {
    this.flags = flags;
  }
  /** Like fallocate(2) on a file that is neither regular nor a directory: ENODEV. */
  allocate(_offset: bigint, _length: bigint): void {
    throw new SysError(Errno.NODEV, 'allocate needs a regular file');
  }
  /** Like posix_fadvise(2): advice is a hint, validated and ignored (ESPIPE for pipes comes from overrides). */
  advise(_offset: bigint, _length: bigint, advice: number): void {
    if (advice > Advice.NOREUSE) throw sysError.inval(`advice ${advice}`);
  }
  /** Like fsync(2) on a file with nothing to flush. */
  sync(): void {}
  /** Like fdatasync(2) on a file with nothing to flush. */
  datasync(): void {}
  /** Like getdents(2) on a non-directory: ENOTDIR. */
  readdir(_cookie: bigint): readonly DirectoryEntry[] {
    throw sysError.notdir();
  }
  /** Files that never block are always ready. */
  readiness(_direction: IoDirection): Readiness {
    return ALWAYS_READY;
  }
  /** Never settles early: an always-ready file needs no wake-up. */
  whenReady(_direction: IoDirection): Promise<void> {
    return Promise.resolve();
  }
  /** Nothing to free. */
  release(): void {}
}
