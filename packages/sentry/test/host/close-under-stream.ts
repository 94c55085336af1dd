// TEST HARNESS ONLY, run in a child process by host-stream.test.ts (libuv aborts the whole
// process on failure): a HostInput reading a FIFO through a libuv stream is released (its
// reader task ended), the host then closes the fd, and the fd number is reused by another
// FIFO read the same way. Prints `ok <bytes>` when the second read gets its data.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostInput } from '../../src/fsimpl/host/host-stream.js';
import { WouldBlock } from '../../src/kernel/task-block.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'stasis-close-under-stream-'));
try {
  const first = path.join(directory, 'first');
  const second = path.join(directory, 'second');
  execFileSync('mkfifo', [first, second]);
  const firstFd = fs.openSync(first, fs.constants.O_RDWR);
  const reader = new HostInput(firstFd, 0n);
  try {
    reader.read([new Uint8Array(16)]);
    throw new Error('an empty FIFO should block the read');
  } catch (error) {
    if (!(error instanceof WouldBlock)) throw error;
  }
  // The reader's task is killed: its last fd closes, then the host closes the FIFO.
  reader.release();
  fs.closeSync(firstFd);

  const secondFd = fs.openSync(second, fs.constants.O_RDWR);
  const next = new HostInput(secondFd, 0n);
  const buffer = new Uint8Array(16);
  let count = 0;
  for (;;) {
    try {
      count = next.read([buffer]);
      break;
    } catch (error) {
      if (!(error instanceof WouldBlock)) throw error;
      fs.writeSync(secondFd, 'hello');
      await error.ready;
    }
  }
  next.release();
  fs.closeSync(secondFd);
  process.stdout.write(`ok ${secondFd === firstFd ? 'same-fd' : 'other-fd'} ${new TextDecoder().decode(buffer.subarray(0, count))}\n`);
} finally {
  fs.rmSync(directory, { recursive: true, force: true });
}
