import type { SyscallCall } from './dispatch.js';

/** randomGet implements random_get(buf, buf_len) from the kernel's random source. */
export function randomGet(call: SyscallCall, pointer: number, length: number): void {
  const target = call.memory.slice(pointer, length);
  // node:crypto fills at most 64 KiB per call from a view into a resizable buffer; go in steps.
  for (let offset = 0; offset < target.length; offset += 65536) {
    call.kernel.random(target.subarray(offset, Math.min(target.length, offset + 65536)));
  }
}
