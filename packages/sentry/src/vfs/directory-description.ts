import { Filetype } from '../abi/wasi/filetype.js';
import { sysError } from '../errors/sys-error.js';
import type { DirectoryEntry, FileStat } from './file-description.js';
import { FileDescriptionDefaults } from './file-description-default.js';
import type { DirectoryLocation } from './location.js';

/**
 * DirectoryDescription is an open directory: the handle every path_* call starts from,
 * and the listing fd_readdir pages through by cookie (entry index).
 */
export class DirectoryDescription extends FileDescriptionDefaults {
  readonly filetype = Filetype.DIRECTORY;
  readonly #location: DirectoryLocation;
  /** Inode number reported for `..`: the directory this one was opened through. */
  readonly parentIno: bigint;
  constructor(location: DirectoryLocation, parent: DirectoryLocation | bigint, flags: number) {
    super();
    this.#location = location;
    this.parentIno = typeof parent === 'bigint' ? parent : parent.inode.ino;
    this.flags = flags;
  }
  override get location(): DirectoryLocation {
    return this.#location;
  }
  /** Implements FileDescription.stat. */
  stat(): FileStat {
    return this.#location.inode.stat();
  }
  /** Like read(2) on a directory: EISDIR. */
  override read(_buffers: readonly Uint8Array[]): number {
    throw sysError.isdir();
  }
  /** Like pread(2) on a directory: EISDIR. */
  override pread(_buffers: readonly Uint8Array[], _offset: bigint): number {
    throw sysError.isdir();
  }
  /** Like write(2) on a directory: EISDIR. */
  override write(_buffers: readonly Uint8Array[]): number {
    throw sysError.isdir();
  }
  /** Like pwrite(2) on a directory: EISDIR. */
  override pwrite(_buffers: readonly Uint8Array[], _offset: bigint): number {
    throw sysError.isdir();
  }
  /** Like lseek(2) on a directory, which only rewinds the listing; fd_readdir uses cookies instead, so any seek is EISDIR... as wasmtime reports. */
  override seek(_offset: bigint, _whence: number): bigint {
    throw sysError.isdir();
  }
  /** Like ftruncate(2) on a directory: EISDIR. */
  override setSize(_size: bigint): void {
    throw sysError.isdir();
  }
  /** Like fallocate(2) on a directory: EISDIR. */
  override allocate(_offset: bigint, _length: bigint): void {
    throw sysError.isdir();
  }
  /** Implements FileDescription.setTimes on the directory inode. */
  override setTimes(atim: bigint | null, mtim: bigint | null): void {
    if (this.#location.mount.filesystem.readonly) throw sysError.rofs();
    this.#location.inode.setTimes(atim, mtim);
  }
  /** The listing of the last readdir from cookie 0. @state nosave: taken again at the next cookie 0 */
  #listing: readonly DirectoryEntry[] | undefined;

  /** Implements FileDescription.readdir: `.` and `..` first, then the directory's names. */
  override readdir(cookie: bigint): readonly DirectoryEntry[] {
    if (cookie === 0n || this.#listing === undefined) this.#listing = this.#list();
    return this.#listing;
  }

  #list(): readonly DirectoryEntry[] {
    const inode = this.#location.inode;
    return [
      { name: '.', ino: inode.ino, filetype: Filetype.DIRECTORY },
      { name: '..', ino: this.parentIno, filetype: Filetype.DIRECTORY },
      ...inode.list(),
    ];
  }
}
