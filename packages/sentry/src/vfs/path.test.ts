// Path resolution and confinement, on a real host directory bind-mounted into the guest,
// with symlinks that point outside it.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../abi/wasi/errno.js';
import { Filetype } from '../abi/wasi/filetype.js';
import { isSysError } from '../errors/sys-error.js';
import { createTestKernel, newTmpfsRoot } from '../testing.js';
import type { DirectoryLocation } from './location.js';

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
  const outside = newTmpfsRoot('stasis-outside-');
  fs.writeFileSync(path.join(outside.path, 'secret'), 'host secret');
  const host = newTmpfsRoot('stasis-bind-');
  fs.mkdirSync(path.join(host.path, 'dir/sub'), { recursive: true });
  fs.writeFileSync(path.join(host.path, 'dir/file'), 'inside');
  fs.symlinkSync(path.join(outside.path, 'secret'), path.join(host.path, 'abs-out'));
  fs.symlinkSync('../../../../../../../../..' + outside.path + '/secret', path.join(host.path, 'dir/rel-out'));
  fs.symlinkSync('file', path.join(host.path, 'dir/rel-in'));
  fs.symlinkSync('/dir/file', path.join(host.path, 'abs-in'));
  fs.symlinkSync('loop2', path.join(host.path, 'loop1'));
  fs.symlinkSync('loop1', path.join(host.path, 'loop2'));
  const harness = createTestKernel({ mounts: [{ type: 'bind', source: host.path, target: '/mnt' }] });
  const vfs = harness.kernel.vfs;
  const mnt = vfs.resolve(vfs.root, 'mnt', true) as DirectoryLocation;
  return {
    vfs,
    mnt,
    host,
    dispose: () => {
      harness.dispose();
      host.dispose();
      outside.dispose();
    },
  };
}

const Path = suite('Path resolution');

Path('`..` inside the start directory resolves, and above it is EPERM', () => {
  const { vfs, mnt, dispose } = setup();
  try {
    assert.is(vfs.resolve(mnt, 'dir/sub/../file', true).inode.filetype, Filetype.REGULAR_FILE);
    assert.is(errnoOf(() => vfs.resolve(mnt, '..', true)), Errno.PERM);
    assert.is(errnoOf(() => vfs.resolve(mnt, 'dir/../../mnt/dir/file', true)), Errno.PERM);
    assert.is(errnoOf(() => vfs.resolve(mnt, '/etc/passwd', true)), Errno.PERM, 'an absolute path is EPERM');
  } finally {
    dispose();
  }
});

Path('a host symlink to an absolute host path never reaches the host file', () => {
  const { vfs, mnt, dispose } = setup();
  try {
    assert.is(errnoOf(() => vfs.resolve(mnt, 'abs-out', true)), Errno.PERM, 'from a non-root directory');
    const viaRoot = errnoOf(() => vfs.resolve(vfs.root, 'mnt/abs-out', true));
    assert.is(viaRoot, Errno.NOENT, 'from the root the target is resolved in the guest, where it does not exist');
    assert.is(vfs.resolve(mnt, 'abs-out', false).inode.filetype, Filetype.SYMBOLIC_LINK);
  } finally {
    dispose();
  }
});

Path('a relative symlink climbing out of the mount is confined', () => {
  const { vfs, mnt, dispose } = setup();
  try {
    assert.is(errnoOf(() => vfs.resolve(mnt, 'dir/rel-out', true)), Errno.PERM);
    const fromRoot = errnoOf(() => vfs.resolve(vfs.root, 'mnt/dir/rel-out', true));
    assert.ok(fromRoot === Errno.PERM || fromRoot === Errno.NOENT, `from the root: got ${fromRoot}, want PERM or NOENT`);
  } finally {
    dispose();
  }
});

Path('symlinks inside resolve; absolute ones only from the root; loops are ELOOP', () => {
  const { vfs, mnt, dispose } = setup();
  try {
    assert.is(vfs.resolve(mnt, 'dir/rel-in', true).inode.filetype, Filetype.REGULAR_FILE);
    assert.is(errnoOf(() => vfs.resolve(vfs.root, 'mnt/abs-in', true)), Errno.NOENT, '/dir/file does not exist at the guest root');
    vfs.mkdir(vfs.root, 'dir');
    const request = { followFinal: true, create: true, exclusive: true, directory: false, truncate: false, read: true, write: true, flags: 0 };
    vfs.open(vfs.root, 'dir/file', request).release();
    const target = vfs.resolve(vfs.root, 'mnt/abs-in', true).inode;
    assert.is(target.filesystem, vfs.root.inode.filesystem, 'the absolute target is the guest root file system, not the host mount');
    assert.is(errnoOf(() => vfs.resolve(mnt, 'loop1', true)), Errno.LOOP);
  } finally {
    dispose();
  }
});

Path('trailing slashes require a directory', () => {
  const { vfs, mnt, dispose } = setup();
  try {
    assert.is(errnoOf(() => vfs.resolve(mnt, 'dir/file/', true)), Errno.NOTDIR);
    assert.is(vfs.resolve(mnt, 'dir/sub/', false).inode.filetype, Filetype.DIRECTORY);
    assert.is(errnoOf(() => vfs.resolve(mnt, 'dir/file\0', true)), Errno.INVAL);
    assert.is(errnoOf(() => vfs.resolve(mnt, '', true)), Errno.NOENT);
    assert.is(errnoOf(() => vfs.resolve(mnt, 'x'.repeat(256), true)), Errno.NAMETOOLONG);
  } finally {
    dispose();
  }
});

Path('writes through the bind mount land in the host directory, and removal crosses no mount', () => {
  const { vfs, mnt, host, dispose } = setup();
  try {
    vfs.mkdir(mnt, 'made');
    assert.ok(fs.statSync(path.join(host.path, 'made')).isDirectory());
    vfs.symlink('../dir/file', mnt, 'made/link');
    assert.is(fs.readlinkSync(path.join(host.path, 'made/link')), '../dir/file');
    assert.is(errnoOf(() => vfs.rmdir(vfs.root, 'mnt')), Errno.BUSY, 'a mount point cannot be removed');
    assert.is(errnoOf(() => vfs.rename(mnt, 'dir/file', vfs.root, 'moved')), Errno.XDEV);
  } finally {
    dispose();
  }
});

Path('a read-only bind mount refuses writes with EROFS', () => {
  const host = newTmpfsRoot();
  fs.writeFileSync(path.join(host.path, 'f'), 'x');
  const harness = createTestKernel({ mounts: [{ type: 'bind', source: host.path, target: '/ro', readonly: true }] });
  try {
    const vfs = harness.kernel.vfs;
    const ro = vfs.resolve(vfs.root, 'ro', true) as DirectoryLocation;
    assert.is(errnoOf(() => vfs.mkdir(ro, 'd')), Errno.ROFS);
    assert.is(errnoOf(() => vfs.unlink(ro, 'f')), Errno.ROFS);
    const request = { followFinal: true, create: false, exclusive: false, directory: false, truncate: false, flags: 0 };
    assert.is(errnoOf(() => vfs.open(ro, 'f', { ...request, read: true, write: true })), Errno.ROFS);
    const description = vfs.open(ro, 'f', { ...request, read: true, write: false });
    const buffer = new Uint8Array(4);
    assert.is(description.read([buffer]), 1);
    description.release();
    assert.ok(fs.existsSync(path.join(host.path, 'f')));
  } finally {
    harness.dispose();
    host.dispose();
  }
});

Path('a single host file can be bind-mounted over a file, as Docker mounts /etc/hosts', () => {
  const rootfs = newTmpfsRoot('stasis-rootfs-');
  fs.mkdirSync(path.join(rootfs.path, 'etc'));
  fs.writeFileSync(path.join(rootfs.path, 'etc/hosts'), 'from the image');
  const host = newTmpfsRoot();
  const hostsFile = path.join(host.path, 'hosts');
  fs.writeFileSync(hostsFile, 'from the host');
  fs.writeFileSync(path.join(host.path, 'resolv.conf'), 'nameserver 10.0.0.1');
  const harness = createTestKernel({
    rootfs: rootfs.path,
    mounts: [
      { type: 'bind', source: hostsFile, target: '/etc/hosts' },
      { type: 'bind', source: path.join(host.path, 'resolv.conf'), target: '/etc/resolv.conf', readonly: true },
    ],
  });
  try {
    const vfs = harness.kernel.vfs;
    const request = { followFinal: true, create: false, exclusive: false, directory: false, truncate: false, flags: 0 };
    const read = (name: string) => {
      const description = vfs.open(vfs.root, name, { ...request, read: true, write: false });
      const buffer = new Uint8Array(64);
      const count = description.read([buffer]);
      description.release();
      return new TextDecoder().decode(buffer.subarray(0, count));
    };
    assert.is(read('etc/hosts'), 'from the host');
    assert.is(read('etc/resolv.conf'), 'nameserver 10.0.0.1', 'a missing mount point is created as a file');
    const writer = vfs.open(vfs.root, 'etc/hosts', { ...request, read: true, write: true });
    writer.pwrite([new TextEncoder().encode('FROM')], 0n);
    writer.release();
    assert.is(fs.readFileSync(hostsFile, 'utf8'), 'FROM the host', 'writes go to the host file');
    assert.is(errnoOf(() => vfs.unlink(vfs.root, 'etc/hosts')), Errno.BUSY);
    assert.is(errnoOf(() => vfs.open(vfs.root, 'etc/resolv.conf', { ...request, read: true, write: true })), Errno.ROFS);
    assert.is(fs.readFileSync(path.join(rootfs.path, 'etc/hosts'), 'utf8'), 'from the image', 'the image is untouched');
  } finally {
    harness.dispose();
    host.dispose();
    rootfs.dispose();
  }
});

Path.run();
