import { Whence } from '../abi/wasi/flags.js';
import { Fdflags } from '../abi/wasi/flags.js';
import { Filetype } from '../abi/wasi/filetype.js';
import { sysError } from '../errors/sys-error.js';
import type { FileStat, IoDirection, Readiness } from './file-description.js';
import { FileDescriptionDefaults } from './file-description-default.js';
import type { Inode, OpenIntent } from './inode.js';

/** MAX_FILE_SIZE is the largest file offset the kernel accepts (Linux's MAX_LFS_FILESIZE for 64-bit signed offsets). */
export const MAX_FILE_SIZE = (1n << 63n) - 1n;

/** FileContents is random access to a regular file's bytes, as a file system provides it. */
export interface FileContents {
  size(): bigint;
  /** Copies bytes at `position` into `target`; returns how many (0 at or past the end). */
  readAt(position: bigint, target: Uint8Array): number;
  /** Writes `source` at `position`, growing the file; returns how many bytes were written. */
  writeAt(position: bigint, source: Uint8Array): number;
  setSize(size: bigint): void;
  sync(): void;
  /** Called when the description is released (a host fd is closed here). */
  close(): void;
  /** The status of the open file itself, when it can differ from its path's (a host file renamed or unlinked while open). */
  stat?(): FileStat;
  /** Sets timestamps through the open file rather than its path. */
  setTimes?(atim: bigint | null, mtim: bigint | null): void;
}

/**
 * RegularFileDescription is an open regular file: an offset over FileContents, with
 * read/write permission fixed at open as in Linux's f_mode.
 */
export class RegularFileDescription extends FileDescriptionDefaults {
  readonly filetype: Filetype = Filetype.REGULAR_FILE;
  readonly inode: Inode;
  readonly contents: FileContents;
  readonly readable: boolean;
  readonly writable: boolean;
  /** The file offset, shared by every fd referring to this description. */
  offset = 0n;
  constructor(inode: Inode, contents: FileContents, intent: OpenIntent) {
    super();
    this.inode = inode;
    this.contents = contents;
    this.readable = intent.read;
    this.writable = intent.write;
    this.flags = intent.flags;
  }

  /** Implements FileDescription.stat, through the open file when the file system can. */
  stat(): FileStat {
    return this.contents.stat?.() ?? this.inode.stat();
  }

  /** Like read(2): reads at the offset and advances it; EBADF when not open for reading. */
  override read(buffers: readonly Uint8Array[]): number {
    const count = this.pread(buffers, this.offset);
    this.offset += BigInt(count);
    return count;
  }

  /** Like pread(2). */
  override pread(buffers: readonly Uint8Array[], offset: bigint): number {
    if (!this.readable) throw sysError.badf('not open for reading');
    if (offset < 0n) throw sysError.inval('negative offset');
    let total = 0;
    let position = offset;
    for (const buffer of buffers) {
      if (buffer.length === 0) continue;
      const count = this.contents.readAt(position, buffer);
      total += count;
      position += BigInt(count);
      if (count < buffer.length) break;
    }
    return total;
  }

  /** Like write(2): writes at the offset (at the end with APPEND) and advances it. */
  override write(buffers: readonly Uint8Array[]): number {
    if (!this.writable) throw sysError.badf('not open for writing');
    if ((this.flags & Fdflags.APPEND) !== 0) this.offset = this.contents.size();
    const count = this.#writeAt(buffers, this.offset);
    this.offset += BigInt(count);
    return count;
  }

  /** Like pwrite(2); as on Linux, APPEND makes pwrite append too. */
  override pwrite(buffers: readonly Uint8Array[], offset: bigint): number {
    if (!this.writable) throw sysError.badf('not open for writing');
    if (offset < 0n) throw sysError.inval('negative offset');
    const position = (this.flags & Fdflags.APPEND) !== 0 ? this.contents.size() : offset;
    return this.#writeAt(buffers, position);
  }

  #writeAt(buffers: readonly Uint8Array[], position: bigint): number {
    let length = 0n;
    for (const buffer of buffers) length += BigInt(buffer.length);
    if (position + length > MAX_FILE_SIZE) throw sysError.fbig();
    let total = 0;
    let at = position;
    for (const buffer of buffers) {
      if (buffer.length === 0) continue;
      const count = this.contents.writeAt(at, buffer);
      total += count;
      at += BigInt(count);
      if (count < buffer.length) break;
    }
    return total;
  }

  /** Like lseek(2); a resulting negative offset is EINVAL. */
  override seek(offset: bigint, whence: number): bigint {
    let base: bigint;
    if (whence === Whence.SET) base = 0n;
    else if (whence === Whence.CUR) base = this.offset;
    else if (whence === Whence.END) base = this.contents.size();
    else throw sysError.inval(`whence ${whence}`);
    const next = base + offset;
    if (next < 0n) throw sysError.inval('seek before the start');
    if (next > MAX_FILE_SIZE) throw sysError.overflow();
    this.offset = next;
    return next;
  }

  /** Like ftruncate(2): EINVAL when not open for writing. */
  override setSize(size: bigint): void {
    if (!this.writable) throw sysError.inval('not open for writing');
    if (size < 0n) throw sysError.inval('negative size');
    if (size > MAX_FILE_SIZE) throw sysError.fbig();
    this.contents.setSize(size);
  }

  /** Like posix_fallocate(3): makes the file at least offset+length long. */
  override allocate(offset: bigint, length: bigint): void {
    if (!this.writable) throw sysError.badf('not open for writing');
    if (offset < 0n || length <= 0n) throw sysError.inval('allocate range');
    const end = offset + length;
    if (end > MAX_FILE_SIZE) throw sysError.fbig();
    if (end > this.contents.size()) this.contents.setSize(end);
  }

  /** Implements FileDescription.setTimes, through the open file when the file system can. */
  override setTimes(atim: bigint | null, mtim: bigint | null): void {
    if (this.contents.setTimes !== undefined) this.contents.setTimes(atim, mtim);
    else this.inode.setTimes(atim, mtim);
  }

  /** Like fsync(2). */
  override sync(): void {
    this.contents.sync();
  }

  /** Like fdatasync(2). */
  override datasync(): void {
    this.contents.sync();
  }

  /** A regular file is always ready; a read reports the bytes left before the end. */
  override readiness(direction: IoDirection): Readiness {
    if (direction === 'write') return { ready: true, nbytes: 0n, hangup: false };
    const left = this.contents.size() - this.offset;
    return { ready: true, nbytes: left > 0n ? left : 0n, hangup: false };
  }

  /** Implements FileDescription.release. */
  override release(): void {
    this.contents.close();
  }
}
