// Asyncify needs a buffer in linear memory while it unwinds or rewinds a stack: a header
// `{ i32 current, i32 end }` followed by the saved frames (Binaryen Asyncify.cpp). No guest
// memory is reserved for it. While Asyncify code runs nothing else touches memory, so the
// machine borrows a region of the guest's memory: it copies the region's bytes aside, lets
// Asyncify use it, copies the frames out, and puts the bytes back before guest code runs
// again. Asyncify does not check the end while unwinding (only when unwinding stops), so an
// overflow is detected afterwards and reported as an error, never left as silent corruption.

/** BUFFER_BASE is where the borrowed region starts: low, 16-byte aligned, and inside any memory. */
export const BUFFER_BASE = 16;

/** DEFAULT_BUFFER_BYTES bounds the region borrowed for an unwind (deep recursion needs a lot; a 1 MiB copy takes ~25 us). */
export const DEFAULT_BUFFER_BYTES = 1 << 20;

const HEADER_BYTES = 8;

/** AsyncifyStackOverflowError: a stack was too deep for the borrowed buffer; guest memory beyond it was overwritten. */
export class AsyncifyStackOverflowError extends Error {
  override name = 'AsyncifyStackOverflowError';
  readonly needed: number;
  readonly available: number;
  constructor(needed: number, available: number) {
    super(`the task's stack needs ${needed} bytes to be saved but the unwind buffer holds ${available}; raise the machine's asyncifyBufferBytes`);
    this.needed = needed;
    this.available = available;
  }
}

/** BorrowedBuffer lends Asyncify a region of guest memory and gives it back intact. */
export class BorrowedBuffer {
  private readonly memory: WebAssembly.Memory;
  private readonly limit: number;
  /** The guest's own bytes of the region while it is lent. */
  private saved: Uint8Array;
  private lentBytes = 0;

  constructor(memory: WebAssembly.Memory, limit = DEFAULT_BUFFER_BYTES) {
    this.memory = memory;
    this.limit = limit;
    this.saved = new Uint8Array(0);
  }

  /** lendForUnwind lends the largest allowed region and returns the data pointer for asyncify_start_unwind. */
  lendForUnwind(): number {
    const size = Math.min(this.limit, this.memory.buffer.byteLength - BUFFER_BASE) & ~3;
    this.lend(size);
    const header = new Int32Array(this.memory.buffer, BUFFER_BASE, 2);
    header[0] = BUFFER_BASE + HEADER_BYTES;
    header[1] = BUFFER_BASE + size;
    return BUFFER_BASE;
  }

  /**
   * allowStop makes the header acceptable to asyncify_stop_unwind, which traps when the
   * current position is past the end; an overflow is reported by takeFrames instead.
   */
  allowStop(): void {
    const header = new Int32Array(this.memory.buffer, BUFFER_BASE, 2);
    if ((header[0] as number) > (header[1] as number)) header[1] = header[0] as number;
  }

  /** takeFrames copies the saved frames out and gives the region back; call it after asyncify_stop_unwind. */
  takeFrames(): Uint8Array {
    const header = new Int32Array(this.memory.buffer, BUFFER_BASE, 2);
    const current = header[0] as number;
    const used = current - BUFFER_BASE;
    if (used > this.lentBytes) {
      this.giveBack(this.lentBytes);
      throw new AsyncifyStackOverflowError(used - HEADER_BYTES, this.lentBytes - HEADER_BYTES);
    }
    const frames = new Uint8Array(this.memory.buffer).slice(BUFFER_BASE + HEADER_BYTES, current);
    this.giveBack(used);
    return frames;
  }

  /** lendForRewind lends a region holding `frames` and returns the data pointer for asyncify_start_rewind. */
  lendForRewind(frames: Uint8Array): number {
    const size = HEADER_BYTES + frames.length;
    if (size > this.memory.buffer.byteLength - BUFFER_BASE) throw new AsyncifyStackOverflowError(frames.length, this.memory.buffer.byteLength - BUFFER_BASE - HEADER_BYTES);
    this.lend(size);
    new Uint8Array(this.memory.buffer).set(frames, BUFFER_BASE + HEADER_BYTES);
    // Rewinding pops frames from the top: the current position starts at the end of the data.
    const header = new Int32Array(this.memory.buffer, BUFFER_BASE, 2);
    header[0] = BUFFER_BASE + size;
    header[1] = BUFFER_BASE + size;
    return BUFFER_BASE;
  }

  /** finishRewind returns the region to the guest once the rewind has reached its import call. */
  finishRewind(): void {
    this.giveBack(this.lentBytes);
  }

  private lend(size: number): void {
    if (this.saved.length < size) this.saved = new Uint8Array(Math.max(size, Math.min(this.limit, this.saved.length * 2)));
    this.saved.set(new Uint8Array(this.memory.buffer, BUFFER_BASE, size));
    this.lentBytes = size;
  }

  private giveBack(used: number): void {
    new Uint8Array(this.memory.buffer).set(this.saved.subarray(0, Math.min(used, this.lentBytes)), BUFFER_BASE);
    this.lentBytes = 0;
  }
}
