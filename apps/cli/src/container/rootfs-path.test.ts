import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SymlinkLoopError, resolveInRootfs } from './rootfs-path.js';

const RootfsPath = suite('resolveInRootfs');
let rootfs = '';

RootfsPath.before(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'stasis-rootfs-'));
  mkdirSync(join(rootfs, 'usr/bin'), { recursive: true });
  writeFileSync(join(rootfs, 'usr/bin/app.wasm'), '');
  symlinkSync('/usr/bin', join(rootfs, 'bin'));
  symlinkSync('../../../../../../etc', join(rootfs, 'escape'));
  symlinkSync('/etc/passwd', join(rootfs, 'passwd'));
  symlinkSync('loop-b', join(rootfs, 'loop-a'));
  symlinkSync('loop-a', join(rootfs, 'loop-b'));
});

RootfsPath.after(() => rmSync(rootfs, { recursive: true, force: true }));

RootfsPath('plain paths and .. stay inside', () => {
  assert.is(resolveInRootfs(rootfs, '/usr/bin/app.wasm'), join(rootfs, 'usr/bin/app.wasm'));
  assert.is(resolveInRootfs(rootfs, '/../../usr/./bin/app.wasm'), join(rootfs, 'usr/bin/app.wasm'));
  assert.is(resolveInRootfs(rootfs, '/'), rootfs);
});

RootfsPath('absolute symlinks resolve from the rootfs, not the host root', () => {
  assert.is(resolveInRootfs(rootfs, '/bin/app.wasm'), join(rootfs, 'usr/bin/app.wasm'));
  assert.is(resolveInRootfs(rootfs, '/passwd'), join(rootfs, 'etc/passwd'));
});

RootfsPath('relative symlinks cannot climb out', () => {
  assert.is(resolveInRootfs(rootfs, '/escape/shadow'), join(rootfs, 'etc/shadow'));
});

RootfsPath('symlink loops are ELOOP', () => {
  assert.throws(() => resolveInRootfs(rootfs, '/loop-a'), (error: unknown) => error instanceof SymlinkLoopError);
});

const RootfsPathProperties = suite('resolveInRootfs properties');

RootfsPathProperties('any path of .., . and names resolves inside the rootfs', () => {
  const root = mkdtempSync(join(tmpdir(), 'stasis-rootfs-'));
  symlinkSync('../..', join(root, 'up'));
  symlinkSync('/', join(root, 'top'));
  try {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('..', '.', 'up', 'top', 'a', 'b'), { maxLength: 12 }), (components) => {
        const resolved = resolveInRootfs(root, `/${components.join('/')}`);
        assert.ok(resolved === root || resolved.startsWith(`${root}/`), `resolveInRootfs(/${components.join('/')}): got ${resolved}, outside ${root}`);
      }),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

RootfsPath.run();
RootfsPathProperties.run();
