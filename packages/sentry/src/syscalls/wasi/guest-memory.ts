// Every access to a guest's linear memory goes through this module: it bounds-checks
// before any work (EFAULT, never a host exception, as Node's CHECK_BOUNDS_OR_RETURN) and
// reads and writes the WASI structs at their named offsets (uvwasi's wasi_serdes). Views
// are derived per call, since every memory.grow detaches the previous buffer.
import * as layout from '../../abi/wasi/layouts.js';
import { sysError } from '../../errors/sys-error.js';
import type { DirectoryEntry, FileStat } from '../../vfs/file-description.js';

/** GuestAccess gives the syscall layer the guest's memory, known only after instantiation (a WebAssembly.Memory satisfies it). */
export interface GuestAccess {
  memory(): { readonly buffer: ArrayBufferLike };
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** GuestMemory is one call's checked view of guest memory; wasm32 pointers are unsigned 32-bit. */
export class GuestMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(buffer: ArrayBufferLike) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  /** check throws EFAULT unless [pointer, pointer+length) lies inside memory. */
  check(pointer: number, length: number): number {
    const start = pointer >>> 0;
    if (length < 0 || start + length > this.bytes.length) {
      throw sysError.fault(`[${start}, +${length}) outside ${this.bytes.length} bytes of memory`);
    }
    return start;
  }

  u8(pointer: number): number {
    return this.view.getUint8(this.check(pointer, 1));
  }
  u16(pointer: number): number {
    return this.view.getUint16(this.check(pointer, 2), true);
  }
  u32(pointer: number): number {
    return this.view.getUint32(this.check(pointer, 4), true);
  }
  u64(pointer: number): bigint {
    return this.view.getBigUint64(this.check(pointer, 8), true);
  }
  setU8(pointer: number, value: number): void {
    this.view.setUint8(this.check(pointer, 1), value);
  }
  setU16(pointer: number, value: number): void {
    this.view.setUint16(this.check(pointer, 2), value, true);
  }
  setU32(pointer: number, value: number): void {
    this.view.setUint32(this.check(pointer, 4), value, true);
  }
  setU64(pointer: number, value: bigint): void {
    this.view.setBigUint64(this.check(pointer, 8), BigInt.asUintN(64, value), true);
  }

  /** slice is a live view of [pointer, pointer+length), bounds-checked. */
  slice(pointer: number, length: number): Uint8Array {
    const start = this.check(pointer, length >>> 0);
    return this.bytes.subarray(start, start + (length >>> 0));
  }

  /** readString decodes a UTF-8 string; invalid UTF-8 is EILSEQ. */
  readString(pointer: number, length: number): string {
    const bytes = this.slice(pointer, length);
    try {
      return decoder.decode(bytes);
    } catch (error) {
      throw sysError.ilseq('string is not UTF-8', { cause: error });
    }
  }

  /** readIovecs resolves an iovec array to views of the guest buffers, checking every one first. */
  readIovecs(pointer: number, count: number): Uint8Array[] {
    const length = count >>> 0;
    const start = this.check(pointer, length * layout.IOVEC_SIZE);
    const buffers: Uint8Array[] = [];
    for (let index = 0; index < length; index++) {
      const entry = start + index * layout.IOVEC_SIZE;
      const buffer = this.view.getUint32(entry + layout.IOVEC_BUF_OFFSET, true);
      const bufferLength = this.view.getUint32(entry + layout.IOVEC_LEN_OFFSET, true);
      buffers.push(this.slice(buffer, bufferLength));
    }
    return buffers;
  }

  /** writeFilestat stores a `filestat`. */
  writeFilestat(pointer: number, stat: FileStat): void {
    const at = this.check(pointer, layout.FILESTAT_SIZE);
    const view = this.view;
    this.bytes.fill(0, at, at + layout.FILESTAT_SIZE);
    view.setBigUint64(at + layout.FILESTAT_DEV_OFFSET, stat.dev, true);
    view.setBigUint64(at + layout.FILESTAT_INO_OFFSET, stat.ino, true);
    view.setUint8(at + layout.FILESTAT_FILETYPE_OFFSET, stat.filetype);
    view.setBigUint64(at + layout.FILESTAT_NLINK_OFFSET, stat.nlink, true);
    view.setBigUint64(at + layout.FILESTAT_SIZE_OFFSET, stat.size, true);
    view.setBigUint64(at + layout.FILESTAT_ATIM_OFFSET, BigInt.asUintN(64, stat.atim), true);
    view.setBigUint64(at + layout.FILESTAT_MTIM_OFFSET, BigInt.asUintN(64, stat.mtim), true);
    view.setBigUint64(at + layout.FILESTAT_CTIM_OFFSET, BigInt.asUintN(64, stat.ctim), true);
  }

  /** writeFdstat stores an `fdstat`. */
  writeFdstat(pointer: number, fdstat: { filetype: number; flags: number; rightsBase: bigint; rightsInheriting: bigint }): void {
    const at = this.check(pointer, layout.FDSTAT_SIZE);
    this.bytes.fill(0, at, at + layout.FDSTAT_SIZE);
    this.view.setUint8(at + layout.FDSTAT_FILETYPE_OFFSET, fdstat.filetype);
    this.view.setUint16(at + layout.FDSTAT_FLAGS_OFFSET, fdstat.flags, true);
    this.view.setBigUint64(at + layout.FDSTAT_RIGHTS_BASE_OFFSET, fdstat.rightsBase, true);
    this.view.setBigUint64(at + layout.FDSTAT_RIGHTS_INHERITING_OFFSET, fdstat.rightsInheriting, true);
  }

  /** writePrestat stores a directory `prestat` with the name's length. */
  writePrestat(pointer: number, nameLength: number): void {
    const at = this.check(pointer, layout.PRESTAT_SIZE);
    this.bytes.fill(0, at, at + layout.PRESTAT_SIZE);
    this.view.setUint32(at + layout.PRESTAT_NAME_LEN_OFFSET, nameLength, true);
  }
}

/** encodeString is the UTF-8 bytes of a string. */
export function encodeString(text: string): Uint8Array {
  return encoder.encode(text);
}

/** encodeDirents serializes directory entries from index `cookie` as fd_readdir returns them, d_next being the next index. */
export function encodeDirents(entries: readonly DirectoryEntry[], cookie: bigint, limit: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let index = Number(cookie); index < entries.length && total < limit; index++) {
    const entry = entries[index]!;
    const name = encoder.encode(entry.name);
    const record = new Uint8Array(layout.DIRENT_SIZE + name.length);
    const view = new DataView(record.buffer);
    view.setBigUint64(layout.DIRENT_NEXT_OFFSET, BigInt(index + 1), true);
    view.setBigUint64(layout.DIRENT_INO_OFFSET, entry.ino, true);
    view.setUint32(layout.DIRENT_NAMLEN_OFFSET, name.length, true);
    view.setUint8(layout.DIRENT_TYPE_OFFSET, entry.filetype);
    record.set(name, layout.DIRENT_SIZE);
    parts.push(record);
    total += record.length;
  }
  const out = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const part of parts) {
    const count = Math.min(part.length, out.length - at);
    out.set(part.subarray(0, count), at);
    at += count;
  }
  return out;
}
