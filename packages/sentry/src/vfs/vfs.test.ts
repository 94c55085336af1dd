// The mount tree: a host directory mounted at `/` becomes the whole guest tree, and mount
// points are never made in a host directory.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../abi/wasi/errno.js';
import { Filetype } from '../abi/wasi/filetype.js';
import { isSysError } from '../errors/sys-error.js';
import { saveKernel } from '../kernel/kernel.state.js';
import { createTestKernel, newTmpfsRoot } from '../testing.js';

function errnoOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (isSysError(error)) return error.errno;
    throw error;
  }
}

const Mounts = suite('Vfs mounts');

Mounts('a host directory mounted at / is the whole guest tree', () => {
  const host = newTmpfsRoot('stasis-root-');
  fs.writeFileSync(path.join(host.path, 'file'), 'on the host');
  fs.symlinkSync('/file', path.join(host.path, 'absolute'));
  const harness = createTestKernel({ mounts: [{ type: 'bind', source: host.path, target: '/' }] });
  try {
    const { vfs } = harness.kernel;
    assert.is(vfs.root.inode.filesystem.type, 'bind', 'the root is the host directory');
    assert.is(vfs.stat(vfs.root, 'file', false).filetype, Filetype.REGULAR_FILE, 'its files are at /');
    assert.is(errnoOf(() => vfs.resolve(vfs.root, 'proc', true)), Errno.NOENT, '/proc of the old root is not reachable');
    assert.not.ok(fs.existsSync(path.join(host.path, 'proc')), 'nothing was made on the host for /proc');
    const followed = vfs.resolve(vfs.root, 'absolute', true);
    assert.is(followed.inode.ino, fs.statSync(path.join(host.path, 'file'), { bigint: true }).ino, 'an absolute symlink starts at the new root');
    vfs.mkdir(vfs.root, 'made');
    assert.ok(fs.statSync(path.join(host.path, 'made')).isDirectory(), 'a directory made at / lands on the host');
    const task = harness.createTask({ preopens: [{ path: '/' }] });
    const preopen = task.fdTable.get(3);
    assert.is(preopen.preopen, '/', 'the preopen is named /');
    assert.is(preopen.description.stat().ino, fs.statSync(host.path, { bigint: true }).ino, 'the preopen is the host directory');
    assert.ok(saveKernel(harness.kernel).mounts.some((mount) => mount.type === 'bind' && mount.target === '/'), 'a checkpoint records the root bind mount');
  } finally {
    harness.dispose();
    host.dispose();
  }
});

Mounts('a mount point missing in a host directory is ENOENT, not made on the host', () => {
  const host = newTmpfsRoot('stasis-root-');
  const other = newTmpfsRoot('stasis-other-');
  try {
    const made = () => createTestKernel({
      mounts: [
        { type: 'bind', source: host.path, target: '/' },
        { type: 'bind', source: other.path, target: '/data' },
      ],
    });
    assert.is(errnoOf(made), Errno.NOENT, 'mounting at a missing /data in a host root');
    assert.not.ok(fs.existsSync(path.join(host.path, 'data')), 'no mount point was made on the host');
    fs.mkdirSync(path.join(host.path, 'data'));
    const harness = made();
    assert.is(harness.kernel.vfs.resolve(harness.kernel.vfs.root, 'data', true).inode.filesystem.type, 'bind', 'an existing directory takes the mount');
    harness.dispose();
  } finally {
    host.dispose();
    other.dispose();
  }
});

Mounts.run();
