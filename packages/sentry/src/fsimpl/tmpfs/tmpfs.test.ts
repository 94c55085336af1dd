import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../../abi/wasi/errno.js';
import { isSysError } from '../../errors/sys-error.js';
import { CHUNK_SIZE, FileData } from './file-data.js';
import type { TmpfsDirectory, TmpfsFile } from './node.js';
import { TmpfsFilesystem } from './tmpfs.js';

function filesystem(limitBytes = 1 << 20) {
  let ino = 10n;
  let now = 1_000_000_123n;
  return new TmpfsFilesystem({ dev: 7n, allocateIno: () => ino++, now: () => (now += 1n), limitBytes });
}

function errnoOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (isSysError(error)) return error.errno;
    throw error;
  }
}

const Tmpfs = suite('Tmpfs');

Tmpfs('files keep their bytes, holes read as zeros, and timestamps are nanoseconds', () => {
  const fs = filesystem();
  const file = fs.root.create('f', { kind: 'file' }) as TmpfsFile;
  file.writeAt(3n, new TextEncoder().encode('abc'));
  const buffer = new Uint8Array(8).fill(9);
  assert.is(file.readAt(0n, buffer), 6);
  assert.equal([...buffer.subarray(0, 6)], [0, 0, 0, 97, 98, 99]);
  const stat = file.stat();
  assert.is(stat.size, 6n);
  assert.ok(stat.mtim > 1_000_000_123n && stat.mtim % 1000n !== 0n, `mtim keeps nanoseconds: ${stat.mtim}`);
  file.setTimes(5n, null);
  assert.is(file.stat().atim, 5n);
});

Tmpfs('the byte limit is ENOSPC and freeing gives space back', () => {
  const fs = filesystem(4 * CHUNK_SIZE);
  const file = fs.root.create('big', { kind: 'file' }) as TmpfsFile;
  const written = file.writeAt(0n, new Uint8Array(5 * CHUNK_SIZE));
  assert.ok(written > 0 && written < 5 * CHUNK_SIZE, `a write past the limit stores what fits: wrote ${written}`);
  assert.is(file.stat().size, BigInt(written));
  assert.is(errnoOf(() => file.writeAt(BigInt(written), new Uint8Array(CHUNK_SIZE))), Errno.NOSPC, 'with no room left: ENOSPC');
  file.setSize(0n);
  const used = fs.usedBytes;
  file.writeAt(0n, new Uint8Array(CHUNK_SIZE));
  assert.ok(fs.usedBytes > used);
  fs.root.unlink('big');
  assert.ok(fs.usedBytes <= used, `unlink refunds the data: used ${fs.usedBytes}, before ${used}`);
});

Tmpfs('directories count links and refuse a move beneath themselves', () => {
  const fs = filesystem();
  const a = fs.root.create('a', { kind: 'directory' }) as TmpfsDirectory;
  const b = a.create('b', { kind: 'directory' }) as TmpfsDirectory;
  assert.is(fs.root.nlink, 3);
  assert.is(errnoOf(() => fs.root.rename('a', b, 'moved')), Errno.INVAL);
  assert.is(errnoOf(() => fs.root.rmdir('a')), Errno.NOTEMPTY);
  a.rename('b', fs.root, 'b');
  assert.is(fs.root.nlink, 4);
  assert.is(b.parent, fs.root);
  fs.root.rmdir('a');
  assert.is(fs.root.lookup('a'), undefined);
});

Tmpfs('hard links share the inode and an unlinked file stays readable through an open description', () => {
  const fs = filesystem();
  const file = fs.root.create('f', { kind: 'file' }) as TmpfsFile;
  fs.root.link('g', file);
  assert.is(file.nlink, 2);
  const description = file.open({ read: true, write: true, truncate: false, flags: 0 });
  description.write([new TextEncoder().encode('kept')]);
  fs.root.unlink('f');
  assert.is(file.nlink, 1);
  assert.is(fs.root.lookup('g'), file);
  assert.is(description.pread([new Uint8Array(4)], 0n), 4);
});

Tmpfs.run();

const FileDataProperties = suite('FileData properties');

FileDataProperties('behaves like a flat byte array under writes and truncates', () => {
  const operation = fc.oneof(
    fc.record({ kind: fc.constant<'write'>('write'), at: fc.nat(3 * CHUNK_SIZE), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
    fc.record({ kind: fc.constant<'truncate'>('truncate'), size: fc.nat(3 * CHUNK_SIZE) }),
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 25 }), (operations) => {
      const data = new FileData({ charge: () => {}, refund: () => {} });
      let model = new Uint8Array(0);
      for (const step of operations) {
        if (step.kind === 'write') {
          data.write(step.at, step.bytes);
          const grown = new Uint8Array(Math.max(model.length, step.at + step.bytes.length));
          grown.set(model);
          grown.set(step.bytes, step.at);
          model = grown;
        } else {
          data.truncate(step.size);
          const resized = new Uint8Array(step.size);
          resized.set(model.subarray(0, Math.min(model.length, step.size)));
          model = resized;
        }
      }
      return data.size === model.length && Buffer.compare(Buffer.from(data.bytes()), Buffer.from(model)) === 0;
    }),
    { verbose: true },
  );
});

FileDataProperties.run();
