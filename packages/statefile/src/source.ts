// Where a reader gets its bytes: a file (positional reads, so concurrent section reads never share
// a cursor) or bytes already in memory. Every read is of an exact length at an exact position, and a
// short read is a TruncatedError: the file shrank under the reader.

import type { FileHandle } from 'node:fs/promises';
import { TruncatedError } from './errors.js';

/** ByteSource is random access to an image's bytes. */
export interface ByteSource {
  /** The path (or a name) that errors print. */
  readonly path: string;
  /** The byte length when the source was opened. */
  readonly size: number;
  /** ByteSource.readInto fills `target` with the bytes at `position`, or throws TruncatedError. */
  readInto(position: number, target: Uint8Array): Promise<void>;
  /** ByteSource.readIntoMany fills `targets` in order with the consecutive bytes at `position` (one readv for a file); optional. */
  readIntoMany?(position: number, targets: readonly Uint8Array[]): Promise<void>;
  /** ByteSource.close releases the source; further reads fail. */
  close(): Promise<void>;
}

/** FileSource reads an open file. */
export class FileSource implements ByteSource {
  readonly path: string;
  readonly size: number;
  readonly #handle: FileHandle;

  constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.#handle = handle;
    this.size = size;
  }

  /** Implements ByteSource.readInto. */
  async readInto(position: number, target: Uint8Array): Promise<void> {
    let done = 0;
    while (done < target.byteLength) {
      const { bytesRead } = await this.#handle.read(target, done, target.byteLength - done, position + done);
      if (bytesRead === 0) throw new TruncatedError(this.path, 'a read', position + target.byteLength, position + done);
      done += bytesRead;
    }
  }

  /** Implements ByteSource.readIntoMany. */
  async readIntoMany(position: number, targets: readonly Uint8Array[]): Promise<void> {
    let pending = targets.filter((target) => target.byteLength > 0);
    let at = position;
    while (pending.length > 0) {
      let { bytesRead } = await this.#handle.readv(pending.slice(0, 1024), at);
      if (bytesRead === 0) throw new TruncatedError(this.path, 'a read', at + pending.reduce((sum, target) => sum + target.byteLength, 0), at);
      at += bytesRead;
      let consumed = 0;
      while (consumed < pending.length && bytesRead >= pending[consumed]!.byteLength) bytesRead -= pending[consumed++]!.byteLength;
      const rest = pending.slice(consumed);
      if (bytesRead > 0) rest[0] = rest[0]!.subarray(bytesRead);
      pending = rest;
    }
  }

  /** Implements ByteSource.close. */
  close(): Promise<void> {
    return this.#handle.close();
  }
}

/** BytesSource reads an image held in memory, e.g. received over a socket. */
export class BytesSource implements ByteSource {
  readonly path: string;
  readonly size: number;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array, path = '<image in memory>') {
    this.#bytes = bytes;
    this.size = bytes.byteLength;
    this.path = path;
  }

  /** Implements ByteSource.readInto. */
  async readInto(position: number, target: Uint8Array): Promise<void> {
    if (position + target.byteLength > this.#bytes.byteLength) {
      throw new TruncatedError(this.path, 'a read', position + target.byteLength, this.#bytes.byteLength);
    }
    target.set(this.#bytes.subarray(position, position + target.byteLength));
  }

  /** Implements ByteSource.close. */
  async close(): Promise<void> {}
}

/** readIntoMany fills `targets` with the consecutive bytes of `source` at `position`. */
export async function readIntoMany(source: ByteSource, position: number, targets: readonly Uint8Array[]): Promise<void> {
  if (source.readIntoMany !== undefined) return source.readIntoMany(position, targets);
  let at = position;
  for (const target of targets) {
    await source.readInto(at, target);
    at += target.byteLength;
  }
}

/** readFresh allocates `length` bytes and reads them from `source`; the caller has checked `length` against the file size and the limits. */
export async function readFresh(source: ByteSource, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  await source.readInto(position, bytes);
  return bytes;
}
