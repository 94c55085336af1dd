// Host bind mounts: what the guest may write into a host directory, and the exact
// timestamps it set, through the VFS as path_* calls reach it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../../abi/wasi/errno.js';
import { isSysError } from '../../errors/sys-error.js';
import { createTestKernel, newTmpfsRoot } from '../../testing.js';
import type { DirectoryLocation } from '../../vfs/location.js';

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
  const host = newTmpfsRoot('stasis-host-fs-');
  const harness = createTestKernel({
    mounts: [
      { type: 'bind', source: host.path, target: '/mnt' },
      { type: 'tmpfs', target: '/tmp' },
    ],
  });
  const vfs = harness.kernel.vfs;
  return {
    vfs,
    host: host.path,
    mnt: vfs.resolve(vfs.root, 'mnt', true) as DirectoryLocation,
    tmp: vfs.resolve(vfs.root, 'tmp', true) as DirectoryLocation,
    dispose: () => {
      harness.dispose();
      host.dispose();
    },
  };
}

const HostFs = suite('HostFilesystem');

HostFs('a symlink to an absolute path is EPERM in a host directory, allowed in the guest tmpfs', () => {
  const { vfs, host, mnt, tmp, dispose } = setup();
  try {
    const hostErrno = errnoOf(() => vfs.symlink('/etc/passwd', mnt, 'abs'));
    assert.is(hostErrno, Errno.PERM, `symlink('/etc/passwd') in a host directory: got ${hostErrno}, want EPERM`);
    assert.not.ok(fs.existsSync(path.join(host, 'abs')), 'the refused symlink was created on the host');
    vfs.symlink('../outside', mnt, 'relative');
    assert.is(fs.readlinkSync(path.join(host, 'relative')), '../outside', 'a relative target is written verbatim');
    vfs.symlink('/etc/passwd', tmp, 'abs');
    assert.is(vfs.readlink(tmp, 'abs'), '/etc/passwd', 'the guest tmpfs keeps an absolute symlink');
  } finally {
    dispose();
  }
});

HostFs('an mtime set to the nanosecond survives the host moving the atime', () => {
  const { vfs, host, mnt, dispose } = setup();
  try {
    fs.writeFileSync(path.join(host, 'file'), 'data');
    const mtim = 1_700_000_000_123_456_789n;
    vfs.setTimes(mnt, 'file', false, null, mtim);
    assert.is(vfs.stat(mnt, 'file', false).mtim, mtim, 'mtim right after setting it');
    // A host read (or a guest following a symlink) moves only the atime; touch -a does that
    // with utimensat's UTIME_OMIT for the mtime, which Node cannot express.
    execFileSync('touch', ['-a', '-d', '@2000000000', path.join(host, 'file')]);
    const after = vfs.stat(mnt, 'file', false);
    assert.is(after.mtim, mtim, `mtim after the atime moved: got ${after.mtim}, want ${mtim}`);
    assert.is(after.atim, 2_000_000_000_000_000_000n, 'the atime is the host one');
    fs.utimesSync(path.join(host, 'file'), new Date(2_000_000_000_000), new Date(1_000));
    assert.is(vfs.stat(mnt, 'file', false).mtim, 1_000_000_000n, 'an mtime changed by the host is reported as the host has it');
  } finally {
    dispose();
  }
});

HostFs.run();
