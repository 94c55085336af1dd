// Sparse, chunked storage for the bytes of an in-memory file. A chunk is allocated only
// when written and grows by doubling up to CHUNK_SIZE, so small files stay small and a
// file with a hole costs nothing for the hole; missing bytes read as zeros.
import { sysError } from '../../errors/sys-error.js';

/** CHUNK_SIZE is the span of file offsets one chunk covers. */
export const CHUNK_SIZE = 64 * 1024;

/** SpaceAccount charges the bytes file data allocates against a file system's limit. */
export interface SpaceAccount {
  /** Throws ENOSPC when `bytes` more would exceed the limit; otherwise records them. */
  charge(bytes: number): void;
  refund(bytes: number): void;
}

/** FileData is the content of one in-memory regular file. */
export class FileData {
  #chunks: (Uint8Array | undefined)[] = [];
  #size = 0;
  readonly #space: SpaceAccount;
  constructor(space: SpaceAccount) {
    this.#space = space;
  }

  /** size is the file length in bytes. */
  get size(): number {
    return this.#size;
  }

  /** allocatedBytes is what the chunks hold (the file's share of the limit). */
  get allocatedBytes(): number {
    let total = 0;
    for (const chunk of this.#chunks) total += chunk?.length ?? 0;
    return total;
  }

  /** read copies bytes at `position` into `target`, returning how many (0 at the end). */
  read(position: number, target: Uint8Array): number {
    const count = Math.max(0, Math.min(target.length, this.#size - position));
    let done = 0;
    while (done < count) {
      const at = position + done;
      const index = Math.floor(at / CHUNK_SIZE);
      const within = at - index * CHUNK_SIZE;
      const span = Math.min(count - done, CHUNK_SIZE - within);
      const chunk = this.#chunks[index];
      const available = chunk === undefined ? 0 : Math.max(0, Math.min(span, chunk.length - within));
      if (available > 0) target.set(chunk!.subarray(within, within + available), done);
      target.fill(0, done + available, done + span);
      done += span;
    }
    return count;
  }

  /** write stores `source` at `position`, growing the file; out of space, it stores what fit (ENOSPC when nothing did). */
  write(position: number, source: Uint8Array): number {
    if (!Number.isSafeInteger(position + source.length)) throw sysError.fbig();
    let done = 0;
    try {
      while (done < source.length) {
        const at = position + done;
        const index = Math.floor(at / CHUNK_SIZE);
        const within = at - index * CHUNK_SIZE;
        const span = Math.min(source.length - done, CHUNK_SIZE - within);
        const chunk = this.#grow(index, within + span);
        chunk.set(source.subarray(done, done + span), within);
        done += span;
      }
    } catch (error) {
      if (done === 0) throw error;
    }
    this.#size = Math.max(this.#size, position + done);
    return done;
  }

  /** truncate sets the length; bytes past a shrink are dropped so a later extension reads zeros. */
  truncate(size: number): void {
    if (!Number.isSafeInteger(size)) throw sysError.fbig();
    const keep = Math.ceil(size / CHUNK_SIZE);
    for (let index = keep; index < this.#chunks.length; index++) this.#space.refund(this.#chunks[index]?.length ?? 0);
    this.#chunks.length = Math.min(this.#chunks.length, keep);
    const last = keep > 0 ? this.#chunks[keep - 1] : undefined;
    const within = size - (keep - 1) * CHUNK_SIZE;
    if (last !== undefined && within < last.length) last.fill(0, within);
    this.#size = size;
  }

  /** replace loads whole contents at once (a copy-up, or a restore). */
  replace(bytes: Uint8Array): void {
    this.truncate(0);
    this.write(0, bytes);
    this.#size = bytes.length;
  }

  /** bytes returns the whole content as one array (for saving). */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.#size);
    this.read(0, out);
    return out;
  }

  /** release gives the data's space back to the limit. */
  release(): void {
    this.truncate(0);
  }

  #grow(index: number, needed: number): Uint8Array {
    const chunk = this.#chunks[index];
    if (chunk !== undefined && chunk.length >= needed) return chunk;
    const current = chunk?.length ?? 0;
    const length = Math.min(CHUNK_SIZE, Math.max(needed, current * 2, 64));
    this.#space.charge(length - current);
    const grown = new Uint8Array(length);
    if (chunk !== undefined) grown.set(chunk);
    while (this.#chunks.length < index) this.#chunks.push(undefined);
    this.#chunks[index] = grown;
    return grown;
  }
}
