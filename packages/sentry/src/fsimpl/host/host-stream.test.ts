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
