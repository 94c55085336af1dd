import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EntrypointError, launchSpecFor, loadBundle, mapMounts, resolveEntrypoint } from './bundle.js';
import { ConfigError } from './oci-spec.js';

const WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

const Bundle = suite('Bundle');
let bundle = '';
let rootfs = '';

function writeConfig(config: unknown): void {
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
}

Bundle.before.each(() => {
  bundle = mkdtempSync(join(tmpdir(), 'stasis-bundle-'));
  rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  writeFileSync(join(rootfs, 'hello.wasm'), WASM);
  writeFileSync(join(rootfs, 'bin/tool.wasm'), WASM);
  writeFileSync(join(rootfs, 'bin/sh'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  writeFileSync(join(rootfs, 'bin/script'), '#!/bin/sh\necho hi\n');
  writeFileSync(join(rootfs, 'notes.txt'), 'hello');
  chmodSync(join(rootfs, 'bin/sh'), 0o755);
  symlinkSync('/hello.wasm', join(rootfs, 'bin/hello-link'));
});

Bundle.after.each(() => rmSync(bundle, { recursive: true, force: true }));

const process = (args: string[], env: string[] = []) => ({ args, env, cwd: '/' });

Bundle('resolves args[0] by path, through symlinks, and by PATH', () => {
  assert.is(resolveEntrypoint(rootfs, process(['/hello.wasm'])), join(rootfs, 'hello.wasm'));
  assert.is(resolveEntrypoint(rootfs, process(['/bin/hello-link'])), join(rootfs, 'hello.wasm'));
  assert.is(resolveEntrypoint(rootfs, process(['tool.wasm'], ['PATH=/nowhere:/bin'])), join(rootfs, 'bin/tool.wasm'));
  assert.is(resolveEntrypoint(rootfs, { args: ['./tool.wasm'], env: [], cwd: '/bin' }), join(rootfs, 'bin/tool.wasm'));
});

Bundle('explains entrypoints that are not WebAssembly', () => {
  const cases: readonly [string, string, RegExp][] = [
    ['/bin/sh', 'native', /native executable \(ELF\); stasis runs WebAssembly/],
    ['/bin/script', 'script', /is a script .*stasis runs WebAssembly/],
    ['/notes.txt', 'not-wasm', /not a WebAssembly module/],
    ['/bin', 'directory', /is a directory/],
    ['/missing.wasm', 'not-found', /not found in the rootfs/],
    ['missing', 'not-found', /not found in PATH/],
  ];
  for (const [program, problem, message] of cases) {
    try {
      resolveEntrypoint(rootfs, process([program]));
      assert.unreachable(`resolveEntrypoint(${program}) succeeded`);
    } catch (error) {
      assert.instance(error, EntrypointError);
      assert.is((error as EntrypointError).problem, problem, `resolveEntrypoint(${program}): got ${(error as EntrypointError).problem}, want ${problem}`);
      assert.match((error as Error).message, /^config\.json: process\.args\[0\]: /);
      assert.match((error as Error).message, message);
    }
  }
});

Bundle('loadBundle reads config.json and resolves a relative root.path against the bundle', () => {
  writeConfig({ ociVersion: '1.0.2', process: { args: ['/hello.wasm'], cwd: '/' }, root: { path: 'rootfs' } });
  const loaded = loadBundle(bundle);
  assert.is(loaded.rootfs, rootfs);
  assert.is(loaded.directory, bundle);
});

Bundle('loadBundle errors name config.json and the field', () => {
  assert.throws(() => loadBundle(bundle), (error: unknown) => error instanceof ConfigError && /config\.json: no such file/.test(error.message));
  writeConfig({ ociVersion: '1.0.2', root: { path: 'rootfs' } });
  assert.throws(() => loadBundle(bundle), (error: unknown) => error instanceof ConfigError && error.field === 'process');
  writeConfig({ ociVersion: '1.0.2', process: { args: ['/hello.wasm'] }, root: { path: 'nope' } });
  assert.throws(() => loadBundle(bundle), (error: unknown) => error instanceof ConfigError && error.field === 'root.path');
});

Bundle('launchSpecFor maps limits, mounts and the CPU feature annotation', () => {
  writeConfig({
    ociVersion: '1.0.2',
    process: { args: ['/hello.wasm', 'x'], env: ['A=1'], cwd: '/tmp', rlimits: [{ type: 'RLIMIT_NOFILE', soft: 256, hard: 1024 }, { type: 'RLIMIT_CPU', soft: 2, hard: 2 }] },
    root: { path: 'rootfs' },
    annotations: { 'dev.gvisor.internal.cpufeatures': 'sse,sse2' },
    linux: { resources: { memory: { limit: 64 * 1024 * 1024 } } },
  });
  const launch = launchSpecFor(loadBundle(bundle), { 'container.id': 'c1' });
  assert.is(launch.module, join(rootfs, 'hello.wasm'));
  assert.equal(launch.args, ['/hello.wasm', 'x']);
  assert.is(launch.cwd, '/tmp');
  assert.equal(launch.limits, { memoryPages: 1024, openFiles: 256, cpuTimeMs: 2000 });
  assert.is(launch.cpuFeatures, 'sse,sse2');
  assert.equal(launch.labels, { 'container.id': 'c1' });
});

Bundle('an unknown CPU feature is an error naming the annotation', () => {
  writeConfig({ ociVersion: '1.0.2', process: { args: ['/hello.wasm'] }, root: { path: 'rootfs' }, annotations: { 'dev.gvisor.internal.cpufeatures': 'sse,warp-drive' } });
  // On arm64 the annotation itself is refused, as in gVisor; the error names the field either way.
  assert.throws(
    () => launchSpecFor(loadBundle(bundle), {}),
    (error: unknown) => error instanceof ConfigError && error.field === 'annotations["dev.gvisor.internal.cpufeatures"]' && /warp-drive|arm64/.test(error.message),
  );
});

Bundle('mapMounts keeps tmpfs and binds (directories and files), skips what the sentry provides, refuses the rest', () => {
  mkdirSync(join(bundle, 'data'));
  writeFileSync(join(bundle, 'hosts'), '');
  const mapped = mapMounts(
    [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts' },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
      { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro'] },
      { destination: '/etc/hosts', source: join(bundle, 'hosts'), options: ['rbind', 'rprivate'] },
    ],
    bundle,
  );
  assert.equal(mapped, [
    { type: 'tmpfs', destination: '/tmp', readonly: false },
    { type: 'bind', destination: '/data', source: join(bundle, 'data'), readonly: true },
    { type: 'bind', destination: '/etc/hosts', source: join(bundle, 'hosts'), readonly: false },
  ]);
  assert.throws(
    () => mapMounts([{ destination: '/mnt', type: 'nfs', source: 'server:/x' }], bundle),
    (error: unknown) => error instanceof ConfigError && error.field === 'mounts[0].type',
  );
});

Bundle.run();
