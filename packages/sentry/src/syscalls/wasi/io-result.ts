// The partial-result policy of the I/O calls, in one place (gVisor's HandleIOError).
//
// Rule: once a read or write has transferred any bytes, the call succeeds with that
// count, and an error met after them is dropped: the guest sees it on its next call if
// it persists (EFAULT, EAGAIN and EINTR never persist; ENOSPC and EPIPE will). Linux's
// generic read/write paths behave the same. A wait (WouldBlock) after some bytes is the
// same case: the call returns what it moved instead of blocking with a side effect done.
// With no bytes transferred the error stands.
import { SysError } from '../../errors/sys-error.js';
import { WouldBlock } from '../../kernel/task-block.js';

/** transferAll runs `step` over each buffer in order, applying the partial-result rule; `step` returns the bytes it moved. */
export function transferAll(buffers: readonly Uint8Array[], step: (buffer: Uint8Array) => number): number {
  let total = 0;
  for (const buffer of buffers) {
    let count: number;
    try {
      count = step(buffer);
    } catch (error) {
      if (total > 0 && (error instanceof SysError || error instanceof WouldBlock)) return total;
      throw error;
    }
    total += count;
    if (count < buffer.length) break;
  }
  return total;
}
