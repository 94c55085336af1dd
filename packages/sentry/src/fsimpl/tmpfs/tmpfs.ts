// tmpfs: a file system held entirely in memory, sized against a byte limit. The
// overlay's upper layer is a tmpfs whose directories and files can be backed by a lower
// layer until first written (see fsimpl/overlay).
import { sysError } from '../../errors/sys-error.js';
import type { Filesystem } from '../../vfs/inode.js';
import type { SpaceAccount } from './file-data.js';
import { TmpfsDirectory } from './node.js';

/** TmpfsOptions configure a tmpfs instance; the kernel supplies them. */
export interface TmpfsOptions {
  readonly dev: bigint;
  /** Allocates inode numbers from the kernel's counter (saved with the kernel). */
  readonly allocateIno: () => bigint;
  /** Realtime clock in nanoseconds, for timestamps. */
  readonly now: () => bigint;
  /** Byte limit on file data and entries (ENOSPC beyond). */
  readonly limitBytes?: number;
  /** Reported file system type ('tmpfs', or 'overlay' for an overlay's upper layer). */
  readonly type?: string;
}

/** DEFAULT_TMPFS_LIMIT is the size of a tmpfs when none is given: 256 MiB. */
export const DEFAULT_TMPFS_LIMIT = 256 * 1024 * 1024;

/** ENTRY_COST is what one directory entry or inode is charged against the limit. */
export const ENTRY_COST = 128;

/** TmpfsFilesystem is one mounted tmpfs: its root, its counters and its space limit. */
export class TmpfsFilesystem implements Filesystem, SpaceAccount {
  readonly dev: bigint;
  readonly readonly = false;
  readonly type: string;
  readonly limitBytes: number;
  usedBytes = 0;
  readonly allocateIno: () => bigint;
  readonly now: () => bigint;
  readonly root: TmpfsDirectory;
  constructor(options: TmpfsOptions) {
    this.dev = options.dev;
    this.type = options.type ?? 'tmpfs';
    this.limitBytes = options.limitBytes ?? DEFAULT_TMPFS_LIMIT;
    this.allocateIno = options.allocateIno;
    this.now = options.now;
    this.root = new TmpfsDirectory(this, undefined);
  }

  /** Implements SpaceAccount.charge: ENOSPC past the limit. */
  charge(bytes: number): void {
    if (this.usedBytes + bytes > this.limitBytes) throw sysError.nospc(`tmpfs limit ${this.limitBytes} bytes`);
    this.usedBytes += bytes;
  }

  /** Implements SpaceAccount.refund. */
  refund(bytes: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - bytes);
  }
}
