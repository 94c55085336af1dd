// A pipe between tasks: a bounded byte buffer with a read end and a write end, after
// Linux fs/pipe.c. A reader with nothing to read waits while a writer exists and gets
// end of file after the last writer closes; a writer with no reader gets EPIPE.
import { Filetype } from '../../abi/wasi/filetype.js';
import { Fdflags } from '../../abi/wasi/flags.js';
import { sysError } from '../../errors/sys-error.js';
import type { FileStat, IoDirection, Readiness } from '../../vfs/file-description.js';
import { FileDescriptionDefaults } from '../../vfs/file-description-default.js';
import { WouldBlock } from '../task-block.js';

/** PIPE_CAPACITY is Linux's default pipe buffer size (16 pages). */
export const PIPE_CAPACITY = 64 * 1024;

/** Pipe is the shared buffer of a pipe and the count of open ends. */
export class Pipe {
  readonly ino: bigint;
  readonly dev: bigint;
  readonly capacity: number;
  readonly createdAt: bigint;
  /** Bytes written and not yet read, oldest first. */
  chunks: Uint8Array[] = [];
  buffered = 0;
  readers = 0;
  writers = 0;
  #waiters: (() => void)[] = [];
  constructor(ino: bigint, dev: bigint, createdAt: bigint, capacity = PIPE_CAPACITY) {
    this.ino = ino;
    this.dev = dev;
    this.createdAt = createdAt;
    this.capacity = capacity;
  }
  /** changed settles when the buffer or the set of open ends changes. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  /** wake settles every pending `changed()`. */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
  stat(): FileStat {
    const time = this.createdAt;
    return { dev: this.dev, ino: this.ino, filetype: Filetype.UNKNOWN, nlink: 1n, size: BigInt(this.buffered), atim: time, mtim: time, ctim: time };
  }
}

/** PipeReadEnd is the read end of a pipe. */
export class PipeReadEnd extends FileDescriptionDefaults {
  readonly filetype = Filetype.UNKNOWN;
  readonly pipe: Pipe;
  /** Whether the last fd referring to this end was closed (it no longer counts as a reader). */
  released = false;
  constructor(pipe: Pipe) {
    super();
    this.pipe = pipe;
    pipe.readers += 1;
  }
  /** Implements FileDescription.stat. */
  stat(): FileStat {
    return this.pipe.stat();
  }
  /** Like pipe_read(): data if any, else EOF with no writer, else wait (EAGAIN under NONBLOCK). */
  override read(buffers: readonly Uint8Array[]): number {
    const pipe = this.pipe;
    if (pipe.buffered === 0) {
      if (pipe.writers === 0) return 0;
      if ((this.flags & Fdflags.NONBLOCK) !== 0) throw sysError.again('pipe empty');
      throw new WouldBlock(pipe.changed(), 'pipe read');
    }
    let total = 0;
    for (const buffer of buffers) {
      let done = 0;
      while (done < buffer.length && pipe.chunks.length > 0) {
        const chunk = pipe.chunks[0]!;
        const count = Math.min(chunk.length, buffer.length - done);
        buffer.set(chunk.subarray(0, count), done);
        done += count;
        if (count === chunk.length) pipe.chunks.shift();
        else pipe.chunks[0] = chunk.subarray(count);
      }
      total += done;
      if (done < buffer.length) break;
    }
    pipe.buffered -= total;
    pipe.wake();
    return total;
  }
  /** Like write(2) on a read end: EBADF. */
  override write(_buffers: readonly Uint8Array[]): number {
    throw sysError.badf('read end of a pipe');
  }
  /** Readable when bytes are buffered or every writer closed. */
  override readiness(direction: IoDirection): Readiness {
    if (direction === 'write') return { ready: false, nbytes: 0n, hangup: false };
    const hangup = this.pipe.writers === 0;
    return { ready: this.pipe.buffered > 0 || hangup, nbytes: BigInt(this.pipe.buffered), hangup };
  }
  /** Implements FileDescription.whenReady. */
  override whenReady(_direction: IoDirection): Promise<void> {
    return this.pipe.changed();
  }
  /** Closing the last read end makes writers fail with EPIPE. */
  override release(): void {
    if (this.released) return;
    this.released = true;
    this.pipe.readers -= 1;
    this.pipe.wake();
  }
}

/** PipeWriteEnd is the write end of a pipe. */
export class PipeWriteEnd extends FileDescriptionDefaults {
  readonly filetype = Filetype.UNKNOWN;
  readonly pipe: Pipe;
  /** Whether the last fd referring to this end was closed (it no longer counts as a writer). */
  released = false;
  constructor(pipe: Pipe) {
    super();
    this.pipe = pipe;
    pipe.writers += 1;
  }
  /** Implements FileDescription.stat. */
  stat(): FileStat {
    return this.pipe.stat();
  }
  /** Like read(2) on a write end: EBADF. */
  override read(_buffers: readonly Uint8Array[]): number {
    throw sysError.badf('write end of a pipe');
  }
  /** Like pipe_write(): EPIPE with no reader; writes what fits; waits (or EAGAIN) when full. */
  override write(buffers: readonly Uint8Array[]): number {
    const pipe = this.pipe;
    if (pipe.readers === 0) throw sysError.pipe('no reader');
    let length = 0;
    for (const buffer of buffers) length += buffer.length;
    if (length === 0) return 0;
    const room = pipe.capacity - pipe.buffered;
    if (room === 0) {
      if ((this.flags & Fdflags.NONBLOCK) !== 0) throw sysError.again('pipe full');
      throw new WouldBlock(pipe.changed(), 'pipe write');
    }
    let total = 0;
    for (const buffer of buffers) {
      const count = Math.min(buffer.length, room - total);
      if (count > 0) pipe.chunks.push(buffer.slice(0, count));
      total += count;
      if (total === room) break;
    }
    pipe.buffered += total;
    pipe.wake();
    return total;
  }
  /** Writable when there is room, or when the reader is gone (the write then fails at once). */
  override readiness(direction: IoDirection): Readiness {
    if (direction === 'read') return { ready: false, nbytes: 0n, hangup: false };
    const room = this.pipe.capacity - this.pipe.buffered;
    const hangup = this.pipe.readers === 0;
    return { ready: room > 0 || hangup, nbytes: BigInt(room), hangup };
  }
  /** Implements FileDescription.whenReady. */
  override whenReady(_direction: IoDirection): Promise<void> {
    return this.pipe.changed();
  }
  /** Closing the last write end gives readers end of file. */
  override release(): void {
    if (this.released) return;
    this.released = true;
    this.pipe.writers -= 1;
    this.pipe.wake();
  }
}
