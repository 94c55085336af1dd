// An ordered, bounded write pipeline: payloads (or promises of payloads still being compressed on
// the thread pool) are written one after the other at increasing offsets, while the caller goes on
// hashing and compressing the next ones. At most `window` payloads are in flight, so memory use is
// bounded whatever the image size, and the first failure stops every later write.

import type { FileHandle } from 'node:fs/promises';

/** Placed is called once a payload's offset is known, just before it is written. */
export type Placed = (offset: number, bytes: Uint8Array) => void;

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

/** WriteQueue writes payloads in order at consecutive offsets of a file. */
export class WriteQueue {
  readonly #handle: FileHandle;
  readonly #window: number;
  #position: number;
  #tail: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;
  readonly #pending: Promise<void>[] = [];

  constructor(handle: FileHandle, position: number, window = 8) {
    this.#handle = handle;
    this.#position = position;
    this.#window = window;
  }

  /** WriteQueue.push queues `payload` after everything queued before; it waits while `window` payloads are in flight. */
  async push(payload: Uint8Array | Promise<Uint8Array>, placed?: Placed): Promise<void> {
    this.#throwIfFailed();
    // Mark a rejected payload as handled now: if an earlier write fails, this one is never awaited.
    if (payload instanceof Promise) payload.catch(() => {});
    const job = this.#tail.then(async () => {
      this.#throwIfFailed();
      const bytes = await payload;
      const offset = this.#position;
      this.#position += bytes.byteLength;
      placed?.(offset, bytes);
      await writeFully(this.#handle, bytes, offset);
    });
    this.#tail = job.catch((error: unknown) => {
      this.#failure ??= { error };
    });
    this.#pending.push(this.#tail);
    if (this.#pending.length >= this.#window) await this.#pending.shift();
    this.#throwIfFailed();
  }

  /** WriteQueue.drain waits for every queued write and returns the offset after the last one. */
  async drain(): Promise<number> {
    await this.#tail;
    this.#pending.length = 0;
    this.#throwIfFailed();
    return this.#position;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}
