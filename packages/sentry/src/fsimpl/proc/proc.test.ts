import { FeatureSet } from '@stasis/cpuid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Filetype } from '../../abi/wasi/filetype.js';
import { cpuInfoFor } from '../../kernel/cpuinfo.js';
import { createTestKernel } from '../../testing.js';
import type { FileDescription } from '../../vfs/file-description.js';

const READ = { followFinal: true, create: false, exclusive: false, directory: false, truncate: false, read: true, write: false, flags: 0 };

function readAll(description: FileDescription): string {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const buffer = new Uint8Array(4096);
    const count = description.read([buffer]);
    if (count === 0) break;
    chunks.push(buffer.subarray(0, count));
  }
  description.release();
  return Buffer.concat(chunks).toString('utf8');
}

const Proc = suite('/proc');

Proc('cpuinfo lists the sandbox feature set, not the host one', () => {
  const set = FeatureSet.of('x86_64', ['fpu', 'sse2', 'avx2']);
  const harness = createTestKernel({ cpu: cpuInfoFor(set, { cpus: 2 }) });
  const text = readAll(harness.kernel.vfs.open(harness.kernel.vfs.root, 'proc/cpuinfo', READ));
  assert.is(text.match(/^processor\s*:/gm)?.length, 2);
  const flags = text.match(/^flags\s*: (.*)$/m)?.[1]?.split(' ');
  assert.equal(flags, ['fpu', 'sse2', 'avx2'], 'exactly the sandbox set, in Linux order');
  harness.dispose();
});

Proc('stasis/checkpoint follows the kernel status, and self is the calling task', () => {
  const harness = createTestKernel();
  const { kernel } = harness;
  const read = () => readAll(kernel.vfs.open(kernel.vfs.root, 'proc/stasis/checkpoint', READ));
  assert.is(read(), 'state none\ncount 0\n');
  kernel.checkpoint = { state: 'restore', count: 2 };
  assert.is(read(), 'state restore\ncount 2\n');
  const task = harness.createTask({ args: ['prog', 'arg'] });
  kernel.currentTask = task;
  assert.is(kernel.vfs.readlink(kernel.vfs.root, 'proc/self'), String(task.tid));
  assert.is(readAll(kernel.vfs.open(kernel.vfs.root, 'proc/self/cmdline', READ)), 'prog\0arg\0');
  assert.is(kernel.vfs.stat(kernel.vfs.root, 'proc/self', false).filetype, Filetype.SYMBOLIC_LINK);
  task.exit(0);
  assert.throws(() => kernel.vfs.stat(kernel.vfs.root, `proc/${task.tid}`, true), 'an exited task leaves /proc');
  harness.dispose();
});

Proc('meminfo reports the memory limit', () => {
  const harness = createTestKernel({ limits: { memoryPages: 16384 } });
  const text = readAll(harness.kernel.vfs.open(harness.kernel.vfs.root, 'proc/meminfo', READ));
  assert.match(text, /^MemTotal:\s+1048576 kB$/m);
  harness.dispose();
});

Proc.run();
