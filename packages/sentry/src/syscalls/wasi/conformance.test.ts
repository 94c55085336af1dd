// The conformance runner: each C program in test/conformance is run under the sentry and
// under Node's node:wasi, as gVisor runs each syscall test natively and under runsc. The
// sentry must pass every case (exit status as expected, every check printed `ok`); every
// check node:wasi also gets right must print the same under both. The cases and single
// checks where node:wasi is known wrong are listed in test/conformance/skip.json, each with
// the reason.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestKernel, newTmpfsRoot, runWasiDirect, type WebAssemblyModuleLike, webAssembly } from '../../testing.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const conformance = path.resolve(here, '../../../test/conformance');
/** NodeSkips are the known node:wasi defects: whole cases it cannot run, and single checks it fails. */
interface NodeSkips {
  readonly cases: Readonly<Record<string, string>>;
  readonly checks: Readonly<Record<string, Readonly<Record<string, string>>>>;
}
const skip = (JSON.parse(fs.readFileSync(path.join(conformance, 'skip.json'), 'utf8')) as { node: NodeSkips }).node;

/** checksOf maps each `ok NAME` / `FAIL NAME...` line of a program's output to whether it passed. */
function checksOf(stdout: string): Map<string, boolean> {
  const checks = new Map<string, boolean>();
  for (const line of stdout.split('\n')) {
    if (line.startsWith('ok ')) checks.set(line.slice(3), true);
    else if (line.startsWith('FAIL ')) checks.set(line.slice(5).replace(/(: got .*)? \(line \d+\)$/, ''), false);
  }
  return checks;
}

/** ConformanceCase says how to run one program. */
interface ConformanceCase {
  readonly name: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** 'sandbox' preopens a fresh host directory as /sandbox; 'root' preopens the guest's `/`. */
  readonly preopen: 'sandbox' | 'root';
  /** Files of a host rootfs for the overlay root (path to content; `-> target` makes a symlink; `{outside}` is a host file outside the rootfs). */
  readonly rootfs?: Readonly<Record<string, string>>;
  readonly exitCode?: number;
}

const CASES: readonly ConformanceCase[] = [
  { name: 'args_environ', args: ['alpha', 'two words'], env: { A: '1', EMPTY: '', UNICODE: 'é' }, preopen: 'sandbox' },
  { name: 'clock_random', preopen: 'sandbox' },
  { name: 'stdio_fds', preopen: 'sandbox' },
  { name: 'file_io', preopen: 'sandbox' },
  { name: 'paths', preopen: 'sandbox' },
  { name: 'prestat', preopen: 'sandbox' },
  { name: 'poll', preopen: 'sandbox' },
  { name: 'sock', preopen: 'sandbox' },
  { name: 'bad_input', preopen: 'sandbox' },
  { name: 'exit_code', args: ['42'], preopen: 'sandbox', exitCode: 42 },
  { name: 'proc_dev', preopen: 'root' },
  {
    name: 'overlay',
    preopen: 'root',
    rootfs: {
      'etc/motd': 'from the image\n',
      'etc/os-release': 'ID=test\n',
      'usr/bin/tool': 'tool\n',
      bin: '-> usr/bin',
      escape: '-> {outside}',
    },
  },
];

/** makeRootfs writes a case's rootfs to a host directory; returns it and a snapshot function of its contents. */
function makeRootfs(files: Readonly<Record<string, string>>, outside: string): { path: string; snapshot: () => string; dispose: () => void } {
  const rootfs = newTmpfsRoot('stasis-rootfs-');
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(rootfs.path, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (content.startsWith('-> ')) fs.symlinkSync(content.slice(3).replace('{outside}', outside), target);
    else fs.writeFileSync(target, content);
  }
  const snapshot = () =>
    (fs.readdirSync(rootfs.path, { recursive: true }) as string[])
      .sort()
      .map((name) => {
        const stat = fs.lstatSync(path.join(rootfs.path, name));
        return `${name}:${stat.isFile() ? fs.readFileSync(path.join(rootfs.path, name), 'utf8') : stat.isSymbolicLink() ? fs.readlinkSync(path.join(rootfs.path, name)) : 'dir'}`;
      })
      .join('\n');
  return { path: rootfs.path, snapshot, dispose: rootfs.dispose };
}

interface Outcome {
  readonly exitCode: number;
  readonly stdout: string;
}

function argv(testCase: ConformanceCase, preopenName: string): string[] {
  return [`${testCase.name}.wasm`, preopenName, ...(testCase.args ?? [])];
}

function runSentry(testCase: ConformanceCase, module: WebAssemblyModuleLike): Outcome {
  const scratch = newTmpfsRoot();
  const outside = path.join(scratch.path, 'host-secret');
  fs.writeFileSync(outside, 'a host file the guest must not read');
  const rootfs = testCase.rootfs === undefined ? undefined : makeRootfs(testCase.rootfs, outside);
  const before = rootfs?.snapshot();
  const harness =
    testCase.preopen === 'sandbox'
      ? createTestKernel({ mounts: [{ type: 'bind', source: scratch.path, target: '/sandbox' }], limits: { openFiles: 512 } })
      : createTestKernel({
          ...(rootfs === undefined ? {} : { rootfs: rootfs.path }),
          cpu: { features: { names: () => ['fpu', 'sse2'] }, renderCpuinfo: (features) => `processor\t: 0\nflags\t\t: ${features.names().join(' ')}\n` },
        });
  try {
    const preopenName = testCase.preopen === 'sandbox' ? '/sandbox' : '/';
    const task = harness.createTask({ args: argv(testCase, preopenName), env: testCase.env ?? {}, preopens: [{ path: preopenName }] });
    const { exitCode } = runWasiDirect(module, task, { clock: harness.clock });
    if (rootfs !== undefined) assert.is(rootfs.snapshot(), before, `${testCase.name}: the host rootfs changed`);
    return { exitCode, stdout: harness.stdout.text() };
  } finally {
    harness.dispose();
    rootfs?.dispose();
    scratch.dispose();
  }
}

function runNode(testCase: ConformanceCase, module: WebAssemblyModuleLike): Outcome {
  const scratch = newTmpfsRoot();
  const output = path.join(scratch.path, '..', `${path.basename(scratch.path)}.stdout`);
  const stdout = fs.openSync(output, 'w+');
  const stdin = fs.openSync('/dev/null', 'r');
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: argv(testCase, '/sandbox'),
      env: { ...testCase.env },
      preopens: { '/sandbox': scratch.path },
      returnOnExit: true,
      stdin,
      stdout,
      stderr: stdout,
    });
    const instance = new (webAssembly().Instance)(module, wasi.getImportObject());
    const exitCode = wasi.start(instance as Parameters<WASI['start']>[0]);
    return { exitCode, stdout: fs.readFileSync(output, 'utf8') };
  } finally {
    fs.closeSync(stdout);
    fs.closeSync(stdin);
    fs.rmSync(output, { force: true });
    scratch.dispose();
  }
}

const Conformance = suite('Conformance');

for (const testCase of CASES) {
  const file = path.join(conformance, 'wasm', `${testCase.name}.wasm`);
  Conformance(`${testCase.name} passes under the sentry`, () => {
    const module = new (webAssembly().Module)(fs.readFileSync(file));
    const sentry = runSentry(testCase, module);
    const failed = sentry.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
    assert.equal(failed, [], `${testCase.name}: failing checks under the sentry`);
    assert.ok(/^ok /m.test(sentry.stdout), `${testCase.name}: printed no ok line: ${sentry.stdout}`);
    assert.is(sentry.exitCode, testCase.exitCode ?? 0, `${testCase.name}: exit status: got ${sentry.exitCode}, want ${testCase.exitCode ?? 0}`);
    if (skip.cases[testCase.name] !== undefined) return;
    const node = runNode(testCase, module);
    const knownWrong = skip.checks[testCase.name] ?? {};
    if (Object.keys(knownWrong).length === 0) {
      assert.is(sentry.stdout, node.stdout, `${testCase.name}: stdout differs from node:wasi`);
      assert.is(sentry.exitCode, node.exitCode, `${testCase.name}: exit status differs from node:wasi`);
      return;
    }
    const nodeChecks = checksOf(node.stdout);
    const disagreements = [...checksOf(sentry.stdout).keys()].filter((check) => knownWrong[check] === undefined && nodeChecks.get(check) !== true);
    assert.equal(disagreements, [], `${testCase.name}: checks node:wasi gets wrong that skip.json does not list`);
    const stale = Object.keys(knownWrong).filter((check) => nodeChecks.get(check) !== false);
    assert.equal(stale, [], `${testCase.name}: skip.json lists checks node:wasi passes`);
  });
}

Conformance('every C program has a case and every skip names a case', () => {
  const programs = fs.readdirSync(path.join(conformance, 'c')).map((name) => name.replace(/\.c$/, '')).sort();
  assert.equal(programs, CASES.map((testCase) => testCase.name).sort());
  const reasons = [...Object.entries(skip.cases), ...Object.entries(skip.checks).flatMap(([name, checks]) => Object.values(checks).map((reason) => [name, reason] as const))];
  for (const [name, reason] of reasons) {
    assert.ok(programs.includes(name), `skip.json names unknown case ${name}`);
    assert.ok(reason.length > 20 && reason.endsWith('.'), `skip.json reason for ${name} should be a sentence`);
  }
});

Conformance.run();
