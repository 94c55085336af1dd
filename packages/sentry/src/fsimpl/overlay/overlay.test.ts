// The overlay root over a real host directory: reads come from the host, writes stay in
// memory, deletes hide lower names (whiteouts), and the host is never changed.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../../abi/wasi/errno.js';
import { Filetype } from '../../abi/wasi/filetype.js';
import { isSysError } from '../../errors/sys-error.js';
import { createTestKernel, newTmpfsRoot } from '../../testing.js';

const READ = { followFinal: true, create: false, exclusive: false, directory: false, truncate: false, read: true, write: false, flags: 0 };
const WRITE = { ...READ, write: true };

function errnoOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (isSysError(error)) return error.errno;
    throw error;
  }
}

function setup() {
  const rootfs = newTmpfsRoot('stasis-rootfs-');
  const outside = newTmpfsRoot('stasis-outside-');
  fs.writeFileSync(path.join(outside.path, 'secret'), 'host secret');
  fs.mkdirSync(path.join(rootfs.path, 'etc'));
  fs.writeFileSync(path.join(rootfs.path, 'etc/hostname'), 'lower');
  fs.mkdirSync(path.join(rootfs.path, 'usr/lib'), { recursive: true });
  fs.writeFileSync(path.join(rootfs.path, 'usr/lib/libc.so'), 'elf');
  fs.symlinkSync('usr/lib', path.join(rootfs.path, 'lib'));
  fs.symlinkSync(path.join(outside.path, 'secret'), path.join(rootfs.path, 'escape'));
  fs.symlinkSync('../../../../../../..' + outside.path + '/secret', path.join(rootfs.path, 'etc/escape-relative'));
  const harness = createTestKernel({ rootfs: rootfs.path });
  const snapshot = () => execSnapshot(rootfs.path);
  const before = snapshot();
  return {
    vfs: harness.kernel.vfs,
    hostUnchanged: () => assert.equal(snapshot(), before, 'the host rootfs is unchanged'),
    dispose: () => {
      harness.dispose();
      rootfs.dispose();
      outside.dispose();
    },
  };
}

function execSnapshot(directory: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const name of fs.readdirSync(path.join(directory, relative)).sort()) {
      const child = path.join(relative, name);
      const stat = fs.lstatSync(path.join(directory, child));
      if (stat.isDirectory()) walk(child);
      out.push(`${child} ${stat.isFile() ? fs.readFileSync(path.join(directory, child), 'utf8') : stat.isSymbolicLink() ? `-> ${fs.readlinkSync(path.join(directory, child))}` : 'dir'}`);
    }
  };
  walk('');
  return out;
}

function readAll(description: { read(buffers: Uint8Array[]): number; release(): void }): string {
  const buffer = new Uint8Array(256);
  const count = description.read([buffer]);
  description.release();
  return new TextDecoder().decode(buffer.subarray(0, count));
}

const Overlay = suite('Overlay');

Overlay('reads come from the lower layer, symlinks resolve inside the rootfs', () => {
  const { vfs, dispose, hostUnchanged } = setup();
  try {
    assert.is(readAll(vfs.open(vfs.root, 'etc/hostname', READ)), 'lower');
    assert.is(readAll(vfs.open(vfs.root, 'lib/libc.so', READ)), 'elf');
    assert.is(errnoOf(() => vfs.open(vfs.root, 'escape', READ)), Errno.NOENT, 'an absolute host path does not exist in the guest');
    assert.is(errnoOf(() => vfs.open(vfs.root, 'etc/escape-relative', READ)), Errno.PERM);
    hostUnchanged();
  } finally {
    dispose();
  }
});

Overlay('writes copy up into memory and never reach the host', () => {
  const { vfs, dispose, hostUnchanged } = setup();
  try {
    const description = vfs.open(vfs.root, 'etc/hostname', WRITE);
    description.pwrite([new TextEncoder().encode('UP')], 0n);
    description.release();
    assert.is(readAll(vfs.open(vfs.root, 'etc/hostname', READ)), 'UPwer');
    vfs.mkdir(vfs.root, 'etc/new');
    vfs.open(vfs.root, 'etc/new/file', { ...WRITE, create: true }).release();
    assert.is(vfs.stat(vfs.root, 'etc/new/file', true).filetype, Filetype.REGULAR_FILE);
    hostUnchanged();
  } finally {
    dispose();
  }
});

Overlay('deleting a lower name hides it (a whiteout); re-creating it makes a new, empty file', () => {
  const { vfs, dispose, hostUnchanged } = setup();
  try {
    vfs.unlink(vfs.root, 'etc/hostname');
    assert.is(errnoOf(() => vfs.stat(vfs.root, 'etc/hostname', true)), Errno.NOENT);
    const etc = vfs.open(vfs.root, 'etc', { ...READ, directory: true });
    assert.not.ok(etc.readdir(0n).some((entry) => entry.name === 'hostname'), 'the listing hides the deleted name');
    etc.release();
    vfs.open(vfs.root, 'etc/hostname', { ...WRITE, create: true }).release();
    assert.is(vfs.stat(vfs.root, 'etc/hostname', true).size, 0n);
    hostUnchanged();
  } finally {
    dispose();
  }
});

Overlay('a lower directory removed and re-created is opaque', () => {
  const { vfs, dispose, hostUnchanged } = setup();
  try {
    vfs.unlink(vfs.root, 'usr/lib/libc.so');
    vfs.rmdir(vfs.root, 'usr/lib');
    vfs.mkdir(vfs.root, 'usr/lib');
    assert.is(errnoOf(() => vfs.stat(vfs.root, 'usr/lib/libc.so', true)), Errno.NOENT);
    hostUnchanged();
  } finally {
    dispose();
  }
});

Overlay('renames of lower files move them in the upper layer only', () => {
  const { vfs, dispose, hostUnchanged } = setup();
  try {
    vfs.rename(vfs.root, 'usr/lib/libc.so', vfs.root, 'etc/libc.so');
    assert.is(readAll(vfs.open(vfs.root, 'etc/libc.so', READ)), 'elf');
    assert.is(errnoOf(() => vfs.stat(vfs.root, 'usr/lib/libc.so', true)), Errno.NOENT);
    hostUnchanged();
  } finally {
    dispose();
  }
});

Overlay.run();
