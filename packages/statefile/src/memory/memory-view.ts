// The shapes a linear memory comes in, seen as bytes without copying. A WebAssembly.Memory is
// re-read at every use: each memory.grow() detaches the previous memory.buffer.

import { InvalidArgumentError } from '../errors.js';

/** WebAssemblyMemoryLike is a WebAssembly.Memory as this package uses it: its current buffer. */
export interface WebAssemblyMemoryLike {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** MemorySource is a linear memory to save or restore: the buffer itself, a view of it, or a WebAssembly.Memory. */
export type MemorySource = ArrayBuffer | SharedArrayBuffer | Uint8Array | WebAssemblyMemoryLike;

/** memoryView is a Uint8Array over the current bytes of `memory`, without a copy. */
export function memoryView(memory: MemorySource, argument: string): Uint8Array {
  if (memory instanceof Uint8Array) return memory;
  if (memory instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && memory instanceof SharedArrayBuffer)) return new Uint8Array(memory);
  const buffer = (memory as Partial<WebAssemblyMemoryLike> | null)?.buffer;
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer)) return new Uint8Array(buffer);
  throw new InvalidArgumentError(argument, 'expected an ArrayBuffer, a Uint8Array or a WebAssembly.Memory');
}
