// poll_oneoff with a FakeClock: a sleep blocks with WouldBlock before writing anything,
// wakes at its deadline, and keeps its original deadline when the call is made again.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EventType } from '../../abi/wasi/flags.js';
import * as layout from '../../abi/wasi/layouts.js';
import { WouldBlock } from '../../kernel/task-block.js';
import { eagainReads } from '../../../test/host/eagain-reads.js';
import { createTestKernel, newTmpfsRoot } from '../../testing.js';
import { WASI_SYSCALLS } from './table.js';
import { dispatch } from './dispatch.js';

const IN = 0;
const OUT = 1024;
const NEVENTS = 2048;

function sleepSubscription(view: DataView, index: number, userdata: bigint, timeout: bigint): void {
  const at = IN + index * layout.SUBSCRIPTION_SIZE;
  view.setBigUint64(at + layout.SUBSCRIPTION_USERDATA_OFFSET, userdata, true);
  view.setUint8(at + layout.SUBSCRIPTION_TAG_OFFSET, EventType.CLOCK);
  view.setUint32(at + layout.SUBSCRIPTION_CLOCK_ID_OFFSET, 1, true);
  view.setBigUint64(at + layout.SUBSCRIPTION_CLOCK_TIMEOUT_OFFSET, timeout, true);
}

function fdReadSubscription(view: DataView, index: number, userdata: bigint, fd: number): void {
  const at = IN + index * layout.SUBSCRIPTION_SIZE;
  view.setBigUint64(at + layout.SUBSCRIPTION_USERDATA_OFFSET, userdata, true);
  view.setUint8(at + layout.SUBSCRIPTION_TAG_OFFSET, EventType.FD_READ);
  view.setUint32(at + layout.SUBSCRIPTION_FD_OFFSET, fd, true);
}

function blocked(action: () => unknown): WouldBlock {
  try {
    action();
  } catch (error) {
    if (error instanceof WouldBlock) return error;
    throw error;
  }
  throw new Error('the call did not block');
}

/** Host timers alive in this process (Node's own view: what keeps the event loop running). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

const Poll = suite('poll_oneoff');

Poll('a relative sleep blocks, wakes at its deadline, and the restarted call keeps that deadline', async () => {
  const harness = createTestKernel();
  const task = harness.createTask();
  const buffer = new ArrayBuffer(65536);
  const view = new DataView(buffer);
  const poll = dispatch('poll_oneoff', task, { memory: () => ({ buffer }) }, WASI_SYSCALLS.poll_oneoff.handler);
  sleepSubscription(view, 0, 77n, 5_000_000n);
  view.setUint32(NEVENTS, 0xdead, true);

  const first = blocked(() => poll(IN, OUT, 1, NEVENTS));
  assert.is(view.getUint32(NEVENTS, true), 0xdead, 'nothing is written when the call blocks');
  let woken = false;
  void first.ready.then(() => {
    woken = true;
  });
  harness.clock.advance(3_000_000n);
  await Promise.resolve();
  assert.not.ok(woken, 'not before the deadline');
  const again = blocked(() => poll(IN, OUT, 1, NEVENTS));
  harness.clock.advance(2_000_000n);
  await first.ready;
  await again.ready;
  assert.ok(woken);
  assert.is(poll(IN, OUT, 1, NEVENTS), 0, 'after 5 ms in total the call completes (it did not restart its 5 ms)');
  assert.is(view.getUint32(NEVENTS, true), 1);
  assert.is(view.getBigUint64(OUT + layout.EVENT_USERDATA_OFFSET, true), 77n);
  assert.is(view.getUint8(OUT + layout.EVENT_TYPE_OFFSET), EventType.CLOCK);
  assert.is(task.restart, undefined, 'the restart block is cleared once the call completes');
  harness.dispose();
});

Poll('an fd subscription wakes the sleeper when the pipe gets data', async () => {
  const harness = createTestKernel();
  const { readEnd, writeEnd } = harness.kernel.createPipe();
  const task = harness.createTask({ stdio: [readEnd, harness.stdout, harness.stderr] });
  const buffer = new ArrayBuffer(65536);
  const view = new DataView(buffer);
  const poll = dispatch('poll_oneoff', task, { memory: () => ({ buffer }) }, WASI_SYSCALLS.poll_oneoff.handler);
  fdReadSubscription(view, 0, 5n, 0);
  sleepSubscription(view, 1, 6n, 60_000_000_000n);
  const wait = blocked(() => poll(IN, OUT, 2, NEVENTS));
  writeEnd.write([new TextEncoder().encode('hi')]);
  await wait.ready;
  assert.is(poll(IN, OUT, 2, NEVENTS), 0);
  assert.is(view.getUint32(NEVENTS, true), 1);
  assert.is(view.getBigUint64(OUT + layout.EVENT_USERDATA_OFFSET, true), 5n);
  assert.is(view.getBigUint64(OUT + layout.EVENT_NBYTES_OFFSET, true), 2n);
  assert.is(harness.clock.pendingTimers, 0, 'the sleep timer is cancelled when the fd wins');
  harness.dispose();
});

Poll('a poll on host stdin withdraws its read when the task ends: no EAGAIN retry timer is left', async () => {
  const directory = newTmpfsRoot();
  const file = path.join(directory.path, 'stdin');
  fs.writeFileSync(file, '');
  const hostFd = fs.openSync(file, 'r');
  const eagain = eagainReads(hostFd);
  const harness = createTestKernel();
  try {
    const before = activeTimers();
    const task = harness.createTask({ stdio: [hostFd, harness.stdout, harness.stderr] });
    const buffer = new ArrayBuffer(65536);
    const view = new DataView(buffer);
    const poll = dispatch('poll_oneoff', task, { memory: () => ({ buffer }) }, WASI_SYSCALLS.poll_oneoff.handler);
    fdReadSubscription(view, 0, 5n, 0);
    const wait = blocked(() => poll(IN, OUT, 1, NEVENTS));
    while (eagain.attempts() < 2) await turn();
    wait.cancel();
    await turn();
    await turn();
    assert.is(activeTimers(), before, `active timers after cancel: got ${activeTimers()}, want ${before}`);
  } finally {
    harness.dispose();
    eagain.restore();
    fs.closeSync(hostFd);
    directory.dispose();
  }
});

Poll.run();
