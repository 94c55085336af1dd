// An ordered, bounded write pipeline: batches of payloads (or promises of payloads still being
// compressed on the thread pool) are placed one batch after the other at increasing offsets, and
// each batch is written with one positional writev as soon as it is placed, without waiting for
// the batches before it to land. Writes in flight at once keep the thread pool copying into the
// page cache while the calling thread hashes: chaining each write on the previous one left the pool
// idle whenever the calling thread was busy when a write completed. At most `window` batches are in
// flight, so memory use is bounded whatever the image size, and the first failure stops every
// later write.

import type { FileHandle } from 'node:fs/promises';

/** Placed is called for each payload once its offset is known, just before it is written. */
export type Placed = (index: number, offset: number, bytes: Uint8Array) => void;

// Linux takes at most IOV_MAX (1024) buffers per writev.
const MAX_BUFFERS_PER_WRITE = 1024;

// After this many bytes, a background fdatasync starts writing them back while later payloads are
// hashed and written, so that the final fsync of a large image has little left to do.
const WRITE_BACK_BYTES = 64 << 20;

async function writeFully(handle: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.byteLength > 0);
  let at = position;
  while (pending.length > 0) {
    const batch = pending.slice(0, MAX_BUFFERS_PER_WRITE);
    let { bytesWritten } = await handle.writev(batch, at);
    at += bytesWritten;
    // A short write: drop what was written and go on with the rest.
    let consumed = 0;
    while (consumed < batch.length && bytesWritten >= batch[consumed]!.byteLength) bytesWritten -= batch[consumed++]!.byteLength;
    const rest = pending.slice(consumed);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
    pending = rest;
  }
}

/** WriteQueue writes payloads in order at consecutive offsets of a file. */
export class WriteQueue {
  readonly #handle: FileHandle;
  readonly #window: number;
  #position: number;
  // Settles when the last batch queued has been placed (its offset known), not written.
  #placedTail: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;
  readonly #pending: Promise<void>[] = [];
  readonly #writes = new Set<Promise<void>>();
  #unsyncedBytes = 0;
  #writeBack: Promise<void> | undefined;

  constructor(handle: FileHandle, position: number, window = 3) {
    this.#handle = handle;
    this.#position = position;
    this.#window = window;
  }

  /** WriteQueue.push queues a batch of payloads after everything queued before; it waits while `window` batches are in flight. */
  async push(payloads: readonly (Uint8Array | Promise<Uint8Array>)[], placed?: Placed): Promise<void> {
    this.#throwIfFailed();
    // Mark a rejected payload as handled now: if an earlier write fails, this one is never awaited.
    for (const payload of payloads) if (payload instanceof Promise) payload.catch(() => {});
    const placement = this.#placedTail.then(async () => {
      this.#throwIfFailed();
      const buffers = await Promise.all(payloads);
      this.#throwIfFailed();
      const start = this.#position;
      for (const [index, bytes] of buffers.entries()) {
        placed?.(index, this.#position, bytes);
        this.#position += bytes.byteLength;
      }
      return { buffers, start };
    });
    const written = placement.then(async ({ buffers, start }) => {
      await writeFully(this.#handle, buffers, start);
      this.#unsyncedBytes += buffers.reduce((sum, bytes) => sum + bytes.byteLength, 0);
      if (this.#unsyncedBytes >= WRITE_BACK_BYTES && this.#writeBack === undefined) this.#startWriteBack();
    });
    const settled = written.catch((error: unknown) => {
      this.#failure ??= { error };
    });
    this.#placedTail = placement.then(
      () => {},
      () => {},
    );
    this.#writes.add(settled);
    void settled.then(() => this.#writes.delete(settled));
    this.#pending.push(settled);
    if (this.#pending.length >= this.#window) await this.#pending.shift();
    this.#throwIfFailed();
  }

  /** WriteQueue.drain waits for every queued write (and background write-back) and returns the offset after the last one. */
  async drain(): Promise<number> {
    await this.#placedTail;
    await Promise.all(this.#writes);
    await this.#writeBack;
    this.#pending.length = 0;
    this.#throwIfFailed();
    return this.#position;
  }

  #startWriteBack(): void {
    this.#unsyncedBytes = 0;
    this.#writeBack = this.#handle.datasync().then(
      () => {
        this.#writeBack = undefined;
      },
      (error: unknown) => {
        this.#writeBack = undefined;
        this.#failure ??= { error };
      },
    );
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}
