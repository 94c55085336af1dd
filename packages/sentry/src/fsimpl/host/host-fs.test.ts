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

HostFs('a path stat answers from its own lookup only: later host changes show through paths and held directories', () => {
  const { vfs, host, mnt, dispose } = setup();
  try {
    fs.mkdirSync(path.join(host, 'sub'));
    fs.writeFileSync(path.join(host, 'sub', 'file'), 'data');
    const held = vfs.open(mnt, 'sub', { read: true, write: false, truncate: false, flags: 0, followFinal: true, create: false, exclusive: false, directory: true });
    const sub = held.location as DirectoryLocation;
    assert.is(vfs.stat(sub, 'file', false).size, 4n, 'size through the held directory');
    fs.writeFileSync(path.join(host, 'sub', 'file'), 'longer data');
    assert.is(vfs.stat(mnt, 'sub/file', false).size, 11n, 'a second path stat sees the host write');
    assert.is(vfs.stat(sub, 'file', false).size, 11n, 'so does a stat through the held directory');
    fs.utimesSync(path.join(host, 'sub'), new Date(2_000_000_000_000), new Date(1_000));
    assert.is(vfs.stat(sub, '.', false).mtim, 1_000_000_000n, "'.' of a directory looked up by an earlier call is stat'ed afresh");
    assert.is(vfs.stat(mnt, 'sub', false).mtim, 1_000_000_000n, 'and so is its path');
    held.release();
  } finally {
    dispose();
  }
});

HostFs('O_CREAT on an existing host file opens it once found: truncation, writes, and a symlink still followed', () => {
  const { vfs, host, mnt, dispose } = setup();
  try {
    fs.writeFileSync(path.join(host, 'file'), 'old contents');
    fs.symlinkSync('file', path.join(host, 'link'));
    const request = { read: true, write: true, truncate: true, flags: 0, followFinal: true, create: true, exclusive: false, directory: false };
    const opened = vfs.open(mnt, 'file', request);
    assert.is(opened.write([new TextEncoder().encode('new')]), 3, 'bytes written');
    opened.release();
    assert.is(fs.readFileSync(path.join(host, 'file'), 'utf8'), 'new', 'truncated, then written');
    const throughLink = vfs.open(mnt, 'link', request);
    throughLink.write([new TextEncoder().encode('via link')]);
    throughLink.release();
    assert.is(fs.readFileSync(path.join(host, 'file'), 'utf8'), 'via link', 'O_CREAT on a symlink opens its target');
    assert.is(errnoOf(() => vfs.open(mnt, 'link', { ...request, followFinal: false })), Errno.LOOP, 'unless the symlink is not to be followed');
    assert.is(errnoOf(() => vfs.open(mnt, 'file', { ...request, exclusive: true })), Errno.EXIST, 'O_EXCL on an existing file');
  } finally {
    dispose();
  }
});

HostFs.run();
