// load(save(kernel)) ≅ kernel, through the real state-file graph codec, which keeps shared
// objects shared: file contents, copy-ups and whiteouts, hard links, fd offsets and
// rights, pipes with buffered bytes, counters, clocks and blocked calls' deadlines.
import fs from 'node:fs';
import path from 'node:path';
import { decodeGraph, encodeGraph } from '@stasis/statefile';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Rights } from '../abi/wasi/rights.js';
import { CaptureSink, createTestKernel, FakeClock, newTmpfsRoot } from '../testing.js';
import type { FileDescription } from '../vfs/file-description.js';
import type { DirectoryLocation } from '../vfs/location.js';
import type { Kernel } from './kernel.js';
import { KernelStateV1, loadKernel, saveKernel } from './kernel.state.js';

const OPEN = { followFinal: true, create: false, exclusive: false, directory: false, truncate: false, read: true, write: true, flags: 0 };
const text = (value: string) => new TextEncoder().encode(value);

function roundTrip(kernel: Kernel, options: { rootfs?: string; clock?: FakeClock; sink?: CaptureSink } = {}): Kernel {
  const state = saveKernel(kernel);
  const decoded = decodeGraph(encodeGraph(state).bytes) as KernelStateV1;
  const checked = KernelStateV1.safeParse(decoded);
  assert.ok(checked.success, checked.success ? '' : checked.error.message);
  const sink = options.sink ?? new CaptureSink();
  return loadKernel(decoded, {
    ...(options.rootfs === undefined ? {} : { rootfs: options.rootfs }),
    clock: options.clock ?? new FakeClock(),
    log: () => {},
    stdio: (_tid, fd) => (fd === 0 ? 'null' : sink),
  });
}

function readText(description: FileDescription, size = 64): string {
  const buffer = new Uint8Array(size);
  const count = description.read([buffer]);
  return new TextDecoder().decode(buffer.subarray(0, count));
}

function readFile(kernel: Kernel, name: string): string {
  const description = kernel.vfs.open(kernel.vfs.root, name, { ...OPEN, write: false });
  try {
    return readText(description, 4096);
  } finally {
    description.release();
  }
}

const State = suite('Kernel state');

State('files, copy-ups, whiteouts, hard links and symlinks survive a round trip', () => {
  const rootfs = newTmpfsRoot('stasis-rootfs-');
  fs.mkdirSync(path.join(rootfs.path, 'etc'));
  fs.writeFileSync(path.join(rootfs.path, 'etc/motd'), 'lower motd');
  fs.writeFileSync(path.join(rootfs.path, 'etc/gone'), 'deleted in the upper layer');
  fs.mkdirSync(path.join(rootfs.path, 'usr/share'), { recursive: true });
  fs.writeFileSync(path.join(rootfs.path, 'usr/share/untouched'), 'never read before the save');
  const harness = createTestKernel({ rootfs: rootfs.path, mounts: [{ type: 'tmpfs', target: '/tmp' }] });
  try {
    const { vfs } = harness.kernel;
    const motd = vfs.open(vfs.root, 'etc/motd', OPEN);
    motd.pwrite([text('UPPER')], 0n);
    motd.release();
    vfs.unlink(vfs.root, 'etc/gone');
    const created = vfs.open(vfs.root, 'tmp/made', { ...OPEN, create: true });
    created.write([text('in a tmpfs mount')]);
    created.release();
    vfs.link(vfs.root, 'tmp/made', false, vfs.root, 'tmp/also');
    vfs.symlink('../etc/motd', vfs.root, 'tmp/link');

    const restored = roundTrip(harness.kernel, { rootfs: rootfs.path });
    assert.is(restored.nextIno, harness.kernel.nextIno, 'the inode counter is restored');
    assert.is(readFile(restored, 'etc/motd'), 'UPPER motd');
    assert.throws(() => restored.vfs.stat(restored.vfs.root, 'etc/gone', true), 'the whiteout survives');
    assert.is(readFile(restored, 'usr/share/untouched'), 'never read before the save', 'unread lower directories bind to the rootfs again');
    assert.is(readFile(restored, 'tmp/also'), 'in a tmpfs mount');
    assert.is(restored.vfs.stat(restored.vfs.root, 'tmp/made', true).nlink, 2n);
    const appended = restored.vfs.open(restored.vfs.root, 'tmp/made', OPEN);
    appended.pwrite([text('!')], 16n);
    appended.release();
    assert.is(readFile(restored, 'tmp/also'), 'in a tmpfs mount!', 'hard links still share one inode');
    assert.is(restored.vfs.readlink(restored.vfs.root, 'tmp/link'), '../etc/motd');
    assert.is(readFile(restored, 'tmp/link'), 'UPPER motd');
    assert.is(restored.vfs.stat(restored.vfs.root, 'etc/motd', true).ino, harness.kernel.vfs.stat(harness.kernel.vfs.root, 'etc/motd', true).ino);
  } finally {
    harness.dispose();
    rootfs.dispose();
  }
});

State('tasks keep their fds: offsets, rights, preopens, pipes with buffered bytes, devices', () => {
  const host = newTmpfsRoot();
  fs.writeFileSync(path.join(host.path, 'data'), 'abcdefghij');
  const harness = createTestKernel({ mounts: [{ type: 'bind', source: host.path, target: '/host' }] });
  try {
    const { kernel } = harness;
    const { readEnd, writeEnd } = kernel.createPipe();
    const producer = harness.createTask({ args: ['producer'], stdio: ['null', writeEnd, harness.stderr], preopens: [{ path: '/' }] });
    const consumer = harness.createTask({ args: ['consumer', 'x'], env: { K: 'V' }, stdio: [readEnd, harness.stdout, harness.stderr], preopens: [{ path: '/host', name: 'host' }] });
    writeEnd.write([text('buffered')]);
    const data = kernel.vfs.open(kernel.vfs.root, 'host/data', OPEN);
    assert.is(readText(data, 3), 'abc');
    const fd = consumer.fdTable.insert({ description: data, rightsBase: Rights.FD_READ, rightsInheriting: 0n });
    const zero = kernel.dev.openDevice('zero', { read: true, write: false, truncate: false, flags: 0 });
    consumer.fdTable.insert({ description: zero, rightsBase: Rights.FD_READ, rightsInheriting: 0n });
    consumer.restart = { key: 'poll_oneoff:1:2:3', deadlines: [kernel.clock.monotonic() + 5_000n, undefined] };

    const clock = new FakeClock({ monotonic: 5n, realtime: harness.clock.realtime() + 1_000_000n });
    const restored = roundTrip(kernel, { clock });
    const again = restored.tasks.get(consumer.tid)!;
    assert.equal(again.args, ['consumer', 'x']);
    assert.equal(again.env, ['K=V']);
    const restoredData = again.fdTable.get(fd, Rights.FD_READ).description;
    assert.is(readText(restoredData, 3), 'def', 'the offset continues where it was');
    assert.is(again.fdTable.get(3).preopen, 'host');
    assert.is(readText(again.fdTable.get(0).description), 'buffered', 'the pipe kept its bytes');
    const producerAgain = restored.tasks.get(producer.tid)!;
    producerAgain.fdTable.get(1).description.write([text('more')]);
    assert.is(readText(again.fdTable.get(0).description), 'more', 'both ends are one pipe again, across tasks');
    const zeros = new Uint8Array(4).fill(9);
    again.fdTable.get(fd + 1).description.read([zeros]);
    assert.equal([...zeros], [0, 0, 0, 0]);
    assert.ok(restored.clock.monotonic() >= kernel.clock.monotonic(), 'the monotonic clock does not go back');
    const remaining = again.restart!.deadlines[0]! - restored.clock.monotonic();
    assert.is(remaining, 5_000n, `a blocked poll keeps its remaining time: ${remaining}`);
    assert.is(restored.nextTid, kernel.nextTid);
  } finally {
    harness.dispose();
    host.dispose();
  }
});

State('named pipes survive with their bytes, shared with the tasks, an end no task has taken yet included', () => {
  const harness = createTestKernel();
  try {
    const { kernel } = harness;
    const consumer = harness.createTask({ args: ['consumer'], stdio: [kernel.namedPipeEnd('lines', 'read'), harness.stdout, harness.stderr] });
    // The writer task has not been made yet: its end is open in the kernel alone.
    kernel.namedPipeEnd('lines', 'write').write([text('buffered')]);
    const restored = roundTrip(kernel);
    const named = restored.namedPipes.get('lines');
    assert.ok(named !== undefined, 'namedPipes.get(lines) after load: got undefined, want the pipe');
    assert.is(named.readEnd, restored.tasks.get(consumer.tid)!.fdTable.get(0).description, 'the read end is the consumer stdin');
    assert.is(named.writeEnd.pipe, named.readEnd.pipe);
    assert.is(named.readEnd.pipe.writers, 1, 'the writer end no task holds still counts');
    const writer = restored.createTask({ args: ['producer'], stdio: ['null', restored.namedPipeEnd('lines', 'write'), 'null'] });
    writer.fdTable.get(1).description.write([text(' more')]);
    writer.exit(0);
    const input = named.readEnd;
    assert.is(readText(input), 'buffered more');
    assert.is(readText(input), '', 'end of file once the writer task exited');
  } finally {
    harness.dispose();
  }
});

State('a named pipe whose write end was closed is saved with its read end only', () => {
  const harness = createTestKernel();
  try {
    const { kernel } = harness;
    const consumer = harness.createTask({ args: ['consumer'], stdio: [kernel.namedPipeEnd('p', 'read'), harness.stdout, harness.stderr] });
    const writer = harness.createTask({ args: ['producer'], stdio: ['null', kernel.namedPipeEnd('p', 'write'), harness.stderr] });
    writer.fdTable.get(1).description.write([text('last')]);
    writer.exit(0);
    const restored = roundTrip(kernel);
    const input = restored.tasks.get(consumer.tid)!.fdTable.get(0).description;
    assert.is(readText(input), 'last');
    assert.is(readText(input), '', 'end of file: no writer came back');
    assert.ok(restored.namedPipes.get('p')!.writeEnd.released);
  } finally {
    harness.dispose();
  }
});

State.run();

const StateProperties = suite('Kernel state properties');

StateProperties('load(save(k)) has the same tree and contents for random file operations', () => {
  const name = fc.constantFrom('a', 'b', 'c', 'd/e', 'd/f');
  const operation = fc.oneof(
    fc.record({ kind: fc.constant<'write'>('write'), name, at: fc.nat(200_000), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant<'unlink'>('unlink'), name }),
    fc.record({ kind: fc.constant<'link'>('link'), from: name, to: name }),
    fc.record({ kind: fc.constant<'truncate'>('truncate'), name, size: fc.nat(1000) }),
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 20 }), (operations) => {
      const harness = createTestKernel();
      const { vfs } = harness.kernel;
      vfs.mkdir(vfs.root, 'd');
      for (const step of operations) {
        try {
          if (step.kind === 'write') {
            const description = vfs.open(vfs.root, step.name, { ...OPEN, create: true });
            description.pwrite([step.bytes], BigInt(step.at));
            description.release();
          } else if (step.kind === 'unlink') vfs.unlink(vfs.root, step.name);
          else if (step.kind === 'link') vfs.link(vfs.root, step.from, false, vfs.root, step.to);
          else vfs.resolve(vfs.root, step.name, true).inode.setSize(BigInt(step.size));
        } catch {
          // ENOENT and EEXIST are expected outcomes of random operations.
        }
      }
      const describe = (kernel: Kernel) => {
        const out: string[] = [];
        for (const directory of ['', 'd']) {
          const location = (directory === '' ? kernel.vfs.root : kernel.vfs.resolve(kernel.vfs.root, directory, true)) as DirectoryLocation;
          for (const entry of location.inode.list()) {
            const stat = location.inode.lookup(entry.name)!.stat();
            const content = entry.filetype === 4 ? Buffer.from(readFile(kernel, directory === '' ? entry.name : `${directory}/${entry.name}`)).toString('base64') : '';
            out.push(`${directory}/${entry.name} ino=${stat.ino} nlink=${stat.nlink} size=${stat.size} mtim=${stat.mtim} ${content}`);
          }
        }
        return out;
      };
      const before = describe(harness.kernel);
      const after = describe(roundTrip(harness.kernel));
      harness.dispose();
      assert.equal(after, before);
    }),
    { verbose: true, numRuns: 40 },
  );
});

StateProperties.run();
