// Stdio bound to host file descriptors. Output is written synchronously (the guest is
// synchronous), retrying when Node left the host fd non-blocking (EAGAIN). Input is never
// read synchronously: a host stdin may be a terminal or a pipe that would block the whole
// sandbox, so a background reader fills a buffer and an empty buffer makes the call wait
// (WouldBlock) until bytes or end of file arrive. Pipes, sockets and terminals are read
// through an unreferenced libuv stream (epoll, no thread held, and a guest that exits while
// a read is pending does not keep Node alive); regular files through fs.read.
//
// The host fd belongs to the host, which closes it whenever it likes; libuv must never watch
// an fd closed under it (it aborts, or refuses the number once reused). So the stream reads a
// private descriptor of the same pipe or terminal (opened again through /proc/self/fd, which
// also keeps libuv's O_NONBLOCK off the host's file description), and release() destroys the
// stream, closing only that private fd. A socket cannot be opened again that way: its stream
// reads the host fd itself and release() only stops reading, so the host must not close it
// while the sandbox lives.
import fs from 'node:fs';
import { Socket } from 'node:net';
import { isatty, ReadStream } from 'node:tty';
import { Filetype } from '../../abi/wasi/filetype.js';
import { Fdflags } from '../../abi/wasi/flags.js';
import { fromHostError, sysError } from '../../errors/sys-error.js';
import { WouldBlock } from '../../kernel/task-block.js';
import type { FileStat, IoDirection, Readiness } from '../../vfs/file-description.js';
import { FileDescriptionDefaults } from '../../vfs/file-description-default.js';

/** hostFiletype classifies a host fd as WASI sees it (a terminal is a character device, a pipe has no WASI type). */
export function hostFiletype(fd: number): Filetype {
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
    if (stat.isFile()) return Filetype.REGULAR_FILE;
    if (stat.isSocket()) return Filetype.SOCKET_STREAM;
    if (stat.isDirectory()) return Filetype.DIRECTORY;
    return Filetype.UNKNOWN;
  } catch {
    return Filetype.UNKNOWN;
  }
}

function hostStat(fd: number, dev: bigint, filetype: Filetype): FileStat {
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    return {
      dev,
      ino: stat.ino,
      filetype,
      nlink: stat.nlink,
      size: filetype === Filetype.REGULAR_FILE ? stat.size : 0n,
      atim: stat.atimeNs,
      mtim: stat.mtimeNs,
      ctim: stat.ctimeNs,
    };
  } catch (error) {
    throw fromHostError(error, 'fstat');
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** HostOutput is a guest fd writing to a host fd (stdout, stderr). */
export class HostOutput extends FileDescriptionDefaults {
  readonly filetype: Filetype;
  readonly hostFd: number;
  readonly #dev: bigint;
  constructor(hostFd: number, dev: bigint) {
    super();
    this.hostFd = hostFd;
    this.#dev = dev;
    this.filetype = hostFiletype(hostFd);
  }
  /** Implements FileDescription.stat from the host fd. */
  stat(): FileStat {
    return hostStat(this.hostFd, this.#dev, this.filetype);
  }
  /** Like read(2) on a write-only fd: EBADF. */
  override read(_buffers: readonly Uint8Array[]): number {
    throw sysError.badf('stdout is write-only');
  }
  /** Writes every byte, waiting out EAGAIN when the host fd is non-blocking. */
  override write(buffers: readonly Uint8Array[]): number {
    let total = 0;
    for (const buffer of buffers) {
      let done = 0;
      while (done < buffer.length) {
        try {
          done += fs.writeSync(this.hostFd, buffer, done, buffer.length - done);
        } catch (error) {
          if ((error as { code?: string }).code === 'EAGAIN') {
            Atomics.wait(pause, 0, 0, 1);
            continue;
          }
          if (total + done > 0) return total + done;
          throw fromHostError(error, 'write');
        }
      }
      total += done;
    }
    return total;
  }
  /** Like fsync(2) on the host fd; EINVAL from a terminal or pipe means nothing to flush. */
  override sync(): void {
    try {
      fs.fsyncSync(this.hostFd);
    } catch {
      // A terminal or pipe cannot be synced; Linux reports EINVAL, and there is nothing to lose.
    }
  }
}

/** HostInput is a guest fd reading from a host fd (stdin) through an asynchronous buffer. */
export class HostInput extends FileDescriptionDefaults {
  readonly filetype: Filetype;
  readonly hostFd: number;
  readonly #dev: bigint;
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #failure: unknown;
  /** The background read under way, if any. @state nosave: a read is started again on demand */
  #fill: Fill | undefined;
  /** The libuv stream reading a pipe, socket or terminal. @state nosave: opened again on the next read */
  #stream: Socket | undefined;
  /** Whether the stream reads a private fd of its own (destroyed on release) rather than the host fd. */
  #streamOwnsFd = false;
  #streamWaiters: (() => void)[] = [];
  constructor(hostFd: number, dev: bigint) {
    super();
    this.hostFd = hostFd;
    this.#dev = dev;
    this.filetype = hostFiletype(hostFd);
  }
  /** Implements FileDescription.stat from the host fd. */
  stat(): FileStat {
    return hostStat(this.hostFd, this.#dev, this.filetype);
  }
  /** Like write(2) on a read-only fd: EBADF. */
  override write(_buffers: readonly Uint8Array[]): number {
    throw sysError.badf('stdin is read-only');
  }
  /** Reads buffered bytes; with none buffered, waits (or EAGAIN under NONBLOCK) until some arrive. */
  override read(buffers: readonly Uint8Array[]): number {
    if (this.#chunks.length === 0) {
      if (this.#ended) return 0;
      if (this.#failure !== undefined) throw fromHostError(this.#failure, 'read');
      if ((this.flags & Fdflags.NONBLOCK) !== 0) {
        this.#startFill();
        throw sysError.again('stdin has no data');
      }
      const wait = this.waitReadable();
      throw new WouldBlock(wait.ready, 'read', wait.cancel);
    }
    let total = 0;
    for (const buffer of buffers) {
      let done = 0;
      while (done < buffer.length && this.#chunks.length > 0) {
        const chunk = this.#chunks[0]!;
        const count = Math.min(chunk.length, buffer.length - done);
        buffer.set(chunk.subarray(0, count), done);
        done += count;
        if (count === chunk.length) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(count);
      }
      total += done;
      if (done < buffer.length) break;
    }
    return total;
  }
  /**
   * buffered returns the bytes read from the host fd that the guest has not read yet. They
   * exist only here, not on the host any more, so a checkpoint saves them with the description.
   */
  buffered(): Uint8Array<ArrayBuffer> {
    this.#drain();
    const total = this.#chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }
  /** unread puts bytes in front of what is buffered: a restore gives the guest the bytes its image kept before the new host input. */
  unread(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#chunks.unshift(bytes.slice());
  }
  /** Ready when bytes are buffered or the input ended. */
  override readiness(direction: IoDirection): Readiness {
    if (direction === 'write') return { ready: true, nbytes: 0n, hangup: false };
    let nbytes = 0n;
    for (const chunk of this.#chunks) nbytes += BigInt(chunk.length);
    const hangup = this.#ended || this.#failure !== undefined;
    return { ready: nbytes > 0n || hangup, nbytes, hangup };
  }
  /**
   * Starts a background read and settles when it completes. The caller cannot withdraw, so
   * the read goes on (a regular file retried on EAGAIN) until it completes or the input is
   * released; a caller that can withdraw uses waitReadable.
   */
  override whenReady(direction: IoDirection): Promise<void> {
    if (direction === 'write') return Promise.resolve();
    const fill = this.#startFill();
    if (fill === undefined) return Promise.resolve();
    fill.unwithdrawn = true;
    return fill.promise;
  }

  /**
   * waitReadable starts a background read like whenReady, with a `cancel` that withdraws this
   * waiter (idempotent). Once every waiter has withdrawn, the read stops holding the host
   * process: a stream is paused and unreferenced, a regular file's EAGAIN retry timer is
   * cleared, and the read settles so a later reader starts afresh. Syscalls pass `cancel` to
   * WouldBlock, which the scheduler calls when a blocked task is killed or stopped.
   */
  waitReadable(): { ready: Promise<void>; cancel: () => void } {
    const fill = this.#startFill();
    if (fill === undefined) return { ready: Promise.resolve(), cancel: () => undefined };
    const waiter = {};
    fill.waiters.add(waiter);
    return {
      ready: fill.promise,
      cancel: () => {
        if (fill.waiters.delete(waiter) && fill.waiters.size === 0 && !fill.unwithdrawn) this.#abandon(fill);
      },
    };
  }

  #startFill(): Fill | undefined {
    if (this.#chunks.length > 0 || this.#ended || this.#failure !== undefined) return undefined;
    if (this.#fill !== undefined) return this.#fill;
    let resolve!: () => void;
    const promise = new Promise<void>((settle) => {
      resolve = settle;
    });
    const fill: Fill = {
      promise,
      waiters: new Set(),
      unwithdrawn: false,
      retry: undefined,
      settle: () => {
        if (fill.retry !== undefined) clearTimeout(fill.retry);
        fill.retry = undefined;
        if (this.#fill === fill) this.#fill = undefined;
        resolve();
      },
    };
    this.#fill = fill;
    if (this.#stream === undefined && isStream(this.hostFd)) this.#stream = this.#openStream();
    if (this.#stream !== undefined) {
      this.#streamWaiters.push(fill.settle);
      // Referenced only while a guest waits on it: a waiting guest keeps Node alive, an idle stdin does not.
      this.#stream.ref();
      this.#stream.resume();
    } else {
      this.#readFile(fill);
    }
    return fill;
  }

  /** Nobody waits for `fill` any more: stop what keeps the host process busy or alive, and settle it. */
  #abandon(fill: Fill): void {
    if (this.#fill !== fill) return;
    const stream = this.#stream;
    if (stream !== undefined) {
      this.#streamWaiters = this.#streamWaiters.filter((waiter) => waiter !== fill.settle);
      stream.pause();
      stream.unref();
    }
    fill.settle();
  }

  /** A pipe, socket or terminal is read through a libuv stream, which holds no thread while it waits. */
  #openStream(): Socket {
    const privateFd = openPrivateFd(this.hostFd);
    const fd = privateFd ?? this.hostFd;
    this.#streamOwnsFd = privateFd !== undefined;
    const stream: Socket = isatty(fd) ? new ReadStream(fd) : new Socket({ fd, readable: true, writable: false });
    stream.pause();
    const wake = () => {
      stream.unref();
      const waiters = this.#streamWaiters;
      this.#streamWaiters = [];
      for (const waiter of waiters) waiter();
    };
    stream.on('data', (chunk: Buffer) => {
      this.#chunks.push(new Uint8Array(chunk));
      stream.pause();
      wake();
    });
    stream.on('end', () => {
      this.#ended = true;
      wake();
    });
    stream.on('error', (error) => {
      this.#failure = error;
      wake();
    });
    return stream;
  }

  /** Moves what the paused stream already read from the host (libuv reads ahead up to its high-water mark) into the buffer. */
  #drain(): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    // In paused mode read() emits 'data' with each chunk it returns, which the listener keeps.
    while (stream.readableLength > 0) {
      if (stream.read() === null) break;
    }
  }

  /**
   * A regular file (or anything not a stream) is read with positional-free fs.read calls;
   * EAGAIN (a non-blocking descriptor with nothing yet) is retried every 5 ms while a waiter
   * remains, and a read nobody waits for any more is not retried.
   */
  #readFile(fill: Fill): void {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const attempt = () => {
      fill.retry = undefined;
      fs.read(this.hostFd, buffer, 0, buffer.length, null, (error, count) => {
        if (error !== null && error.code === 'EAGAIN') {
          const wanted = this.#fill === fill && (fill.waiters.size > 0 || fill.unwithdrawn);
          if (wanted) fill.retry = setTimeout(attempt, 5);
          else fill.settle();
          return;
        }
        // Bytes read after the fill was abandoned are gone from the host: keep them all the same.
        if (error !== null) this.#failure = error;
        else if (count === 0) this.#ended = true;
        else this.#chunks.push(new Uint8Array(buffer.subarray(0, count)));
        fill.settle();
      });
    };
    attempt();
  }

  /**
   * Stops reading once no fd refers to this input; the host fd itself belongs to the host and
   * stays open. A stream on a private fd is destroyed (closing only that fd), so libuv watches
   * nothing the host may close next. A later reader opens a new stream.
   */
  override release(): void {
    const stream = this.#stream;
    if (stream !== undefined && !this.#streamOwnsFd) {
      stream.pause();
      stream.unref();
    } else if (stream !== undefined) {
      this.#drain();
      this.#stream = undefined;
      stream.destroy();
    }
    // Nobody reads this input any more; settle a pending fill (and clear a file's retry
    // timer) so a later reader starts afresh.
    const waiters = this.#streamWaiters;
    this.#streamWaiters = [];
    for (const waiter of waiters) waiter();
    this.#fill?.settle();
  }
}

/** Fill is one background read of a HostInput and who waits for it. */
interface Fill {
  /** Settles when the read completed or was given up. */
  readonly promise: Promise<void>;
  /** Settles the promise, clears the retry timer and ends the fill (idempotent). */
  readonly settle: () => void;
  /** Waiters that may withdraw (waitReadable). */
  readonly waiters: Set<object>;
  /** Whether a waiter that cannot withdraw (whenReady) waits too: the read then goes on. */
  unwithdrawn: boolean;
  /** The timer of a regular file's EAGAIN retry. */
  retry: ReturnType<typeof setTimeout> | undefined;
}

/**
 * openPrivateFd opens the pipe, FIFO or terminal behind `hostFd` again, as a new read-only
 * non-blocking file description (Linux /proc/self/fd); undefined when that cannot be done (a
 * socket: ENXIO), and the stream then reads the host fd itself. Non-blocking, so a FIFO with
 * no writer opens at once; the host fd is still open, so its writers keep the pipe alive.
 */
function openPrivateFd(hostFd: number): number | undefined {
  try {
    return fs.openSync(`/proc/self/fd/${hostFd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch {
    return undefined;
  }
}

function isStream(hostFd: number): boolean {
  try {
    const stat = fs.fstatSync(hostFd);
    return stat.isFIFO() || stat.isSocket() || stat.isCharacterDevice() && isatty(hostFd);
  } catch {
    return false;
  }
}
