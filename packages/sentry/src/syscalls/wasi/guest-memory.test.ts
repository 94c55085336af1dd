import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../../abi/wasi/errno.js';
import { InternalError } from '../../errors/internal-error.js';
import { isSysError } from '../../errors/sys-error.js';
import { ProcExit } from '../../kernel/task-exit.js';
import { createTestKernel } from '../../testing.js';
import { dispatch } from './dispatch.js';
import { GuestMemory } from './guest-memory.js';
import { WASI_SYSCALLS } from './table.js';

function errnoOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (isSysError(error)) return error.errno;
    throw error;
  }
}

const Memory = suite('GuestMemory');

Memory('accesses outside memory are EFAULT, including wrapped negative pointers', () => {
  const memory = new GuestMemory(new ArrayBuffer(65536));
  assert.is(memory.u32(65532), 0);
  assert.is(errnoOf(() => memory.u32(65533)), Errno.FAULT);
  assert.is(errnoOf(() => memory.slice(-1, 1)), Errno.FAULT, 'pointer -1 is 0xffffffff');
  assert.is(errnoOf(() => memory.slice(65000, 1000)), Errno.FAULT);
  assert.is(memory.slice(65536, 0).length, 0, 'an empty range at the end is fine');
});

Memory('iovecs are checked entry by entry before any transfer', () => {
  const memory = new GuestMemory(new ArrayBuffer(65536));
  memory.setU32(0, 100);
  memory.setU32(4, 10);
  memory.setU32(8, 65530);
  memory.setU32(12, 100);
  assert.is(memory.readIovecs(0, 1)[0]!.length, 10);
  assert.is(errnoOf(() => memory.readIovecs(0, 2)), Errno.FAULT);
  assert.is(errnoOf(() => memory.readIovecs(0, 0x7fffffff)), Errno.FAULT);
});

Memory('strings must be UTF-8', () => {
  const memory = new GuestMemory(new ArrayBuffer(64));
  memory.bytes.set([0xff, 0xfe], 0);
  assert.is(errnoOf(() => memory.readString(0, 2)), Errno.ILSEQ);
  memory.bytes.set(new TextEncoder().encode('é'), 8);
  assert.is(memory.readString(8, 2), 'é');
});

Memory.run();

const Dispatch = suite('dispatch');

Dispatch('an out-of-bounds pointer is an errno, never a host exception, and memory is untouched', () => {
  const harness = createTestKernel();
  const task = harness.createTask();
  const buffer = new ArrayBuffer(65536);
  const fdWrite = dispatch('fd_write', task, { memory: () => ({ buffer }) }, WASI_SYSCALLS.fd_write.handler);
  assert.is(fdWrite(1, 65530, 4, 0), Errno.FAULT);
  assert.is(fdWrite(1, 0, 1, -4), Errno.FAULT);
  assert.is(harness.stdout.text(), '');
  harness.dispose();
});

Dispatch('control flow passes through and a kernel bug becomes an InternalError naming the call', () => {
  const harness = createTestKernel();
  const logged: string[] = [];
  const task = harness.kernel.createTask({ args: ['x'], stdio: ['null', 'null', 'null'] });
  (harness.kernel as { log: (message: string) => void }).log = (message) => logged.push(message);
  const guest = { memory: () => ({ buffer: new ArrayBuffer(16) }) };
  const exit = dispatch('proc_exit', task, guest, WASI_SYSCALLS.proc_exit.handler);
  try {
    exit(3);
    assert.unreachable('proc_exit returned');
  } catch (error) {
    assert.instance(error, ProcExit);
    assert.is((error as ProcExit).code, 3);
  }
  const broken = dispatch('fd_close', task, guest, (() => {
    throw new TypeError('boom');
  }) as never);
  try {
    broken();
    assert.unreachable('a kernel bug was swallowed');
  } catch (error) {
    assert.instance(error, InternalError);
    assert.is((error as InternalError).syscall, 'fd_close');
  }
  assert.ok(logged.some((line) => line.includes('fd_close') && line.includes('boom')), 'the bug is logged with the syscall name');
  harness.dispose();
});

Dispatch.run();
