// Host stdin is read in the background: an empty buffer makes the call wait (WouldBlock)
// instead of blocking the Node thread, and end of file is reported once reached.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../../abi/wasi/errno.js';
import { Fdflags } from '../../abi/wasi/flags.js';
import { isSysError } from '../../errors/sys-error.js';
import { WouldBlock } from '../../kernel/task-block.js';
import { eagainReads } from '../../../test/host/eagain-reads.js';
import { newTmpfsRoot } from '../../testing.js';
import { HostInput, HostOutput } from './host-stream.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Host timers alive in this process (Node's own view: what keeps the event loop running). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

const HostStream = suite('Host stdio');

HostStream('stdin from a fifo waits for data instead of blocking the thread', async () => {
  const directory = newTmpfsRoot();
  const fifo = path.join(directory.path, 'stdin');
  execFileSync('mkfifo', [fifo]);
  const hostFd = fs.openSync(fifo, fs.constants.O_RDWR);
  try {
    const input = new HostInput(hostFd, 0n);
    const buffer = new Uint8Array(16);
    const blocked = thrown(() => input.read([buffer]));
    assert.instance(blocked, WouldBlock, 'an empty stdin blocks the call');
    assert.not.ok(input.readiness('read').ready);
    fs.writeSync(hostFd, 'hello');
    await (blocked as WouldBlock).ready;
    assert.ok(input.readiness('read').ready);
    assert.is(input.readiness('read').nbytes, 5n);
    assert.is(input.read([buffer]), 5);
    assert.is(new TextDecoder().decode(buffer.subarray(0, 5)), 'hello');
  } finally {
    fs.closeSync(hostFd);
    directory.dispose();
  }
});

HostStream('stdin from a file ends with end of file; NONBLOCK gives EAGAIN while empty', async () => {
  const directory = newTmpfsRoot();
  const file = path.join(directory.path, 'input');
  fs.writeFileSync(file, 'line\n');
  const hostFd = fs.openSync(file, 'r');
  try {
    const input = new HostInput(hostFd, 0n);
    input.flags = Fdflags.NONBLOCK;
    const again = thrown(() => input.read([new Uint8Array(8)]));
    assert.ok(isSysError(again, Errno.AGAIN), `non-blocking read of an empty buffer: got ${String(again)}, want EAGAIN`);
    await input.whenReady('read');
    input.flags = 0;
    assert.is(input.read([new Uint8Array(8)]), 5);
    const wait = thrown(() => input.read([new Uint8Array(8)]));
    assert.instance(wait, WouldBlock);
    await (wait as WouldBlock).ready;
    assert.is(input.read([new Uint8Array(8)]), 0, 'end of file');
    assert.ok(input.readiness('read').hangup);
  } finally {
    fs.closeSync(hostFd);
    directory.dispose();
  }
});

HostStream('a blocked read of a file reporting EAGAIN is retried until the bytes come', async () => {
  const directory = newTmpfsRoot();
  const file = path.join(directory.path, 'input');
  fs.writeFileSync(file, 'late');
  const hostFd = fs.openSync(file, 'r');
  const eagain = eagainReads(hostFd, 2);
  try {
    const input = new HostInput(hostFd, 0n);
    const buffer = new Uint8Array(8);
    const blocked = thrown(() => input.read([buffer]));
    assert.instance(blocked, WouldBlock);
    await (blocked as WouldBlock).ready;
    assert.is(eagain.attempts(), 2);
    assert.is(input.read([buffer]), 4, 'read after two EAGAINs: got no bytes, want the file');
  } finally {
    eagain.restore();
    fs.closeSync(hostFd);
    directory.dispose();
  }
});

HostStream('a blocked read of a file reporting EAGAIN stops retrying once its waiter withdraws (a killed task): no timer is left', async () => {
  const directory = newTmpfsRoot();
  const file = path.join(directory.path, 'input');
  fs.writeFileSync(file, '');
  const hostFd = fs.openSync(file, 'r');
  const eagain = eagainReads(hostFd);
  try {
    const before = activeTimers();
    const input = new HostInput(hostFd, 0n);
    const blocked = thrown(() => input.read([new Uint8Array(8)]));
    assert.instance(blocked, WouldBlock);
    let settled = false;
    void (blocked as WouldBlock).ready.then(() => {
      settled = true;
    });
    while (eagain.attempts() < 3) await turn();
    (blocked as WouldBlock).cancel();
    // An attempt in flight reports after the cancel and must not arm another.
    await turn();
    await turn();
    assert.ok(settled, 'the withdrawn wait settles, so a later reader starts afresh');
    assert.is(activeTimers(), before, `active timers after cancel: got ${activeTimers()}, want ${before}`);
    const attempts = eagain.attempts();
    await turn();
    assert.is(eagain.attempts(), attempts, 'no attempt after the waiter withdrew');
    // A new reader starts a new read, retried again.
    const again = thrown(() => input.read([new Uint8Array(8)]));
    assert.instance(again, WouldBlock);
    while (eagain.attempts() < attempts + 2) await turn();
    input.release();
    await turn();
    await turn();
    assert.is(activeTimers(), before, `active timers after release: got ${activeTimers()}, want ${before}`);
  } finally {
    eagain.restore();
    fs.closeSync(hostFd);
    directory.dispose();
  }
});

HostStream('the host may close a released stdin fifo and reuse its number (libuv never watches a closed fd)', () => {
  // In a child process: libuv aborts the whole process when an fd is closed under a stream.
  const script = fileURLToPath(new URL('../../../test/host/close-under-stream.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
  assert.is(child.status, 0, `close-under-stream: got status ${child.status} (signal ${child.signal}), want 0; stderr: ${child.stderr}`);
  assert.is(child.stdout, 'ok same-fd hello\n', 'the second fifo reuses the fd number and is read');
});

HostStream('stdout writes every byte to the host fd', () => {
  const directory = newTmpfsRoot();
  const file = path.join(directory.path, 'out');
  const hostFd = fs.openSync(file, 'w');
  try {
    const output = new HostOutput(hostFd, 0n);
    assert.is(output.write([new TextEncoder().encode('ab'), new TextEncoder().encode('c')]), 3);
    assert.is(fs.readFileSync(file, 'utf8'), 'abc');
    assert.ok(isSysError(thrown(() => output.read([new Uint8Array(1)])), Errno.BADF));
  } finally {
    fs.closeSync(hostFd);
    directory.dispose();
  }
});

HostStream.run();
