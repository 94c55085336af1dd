// Running a conformance case three ways: through the real `bin/stasis do` (the bar),
// in process against the syscall layer (no machine: it tells a kernel bug from a machine
// or CLI one, in milliseconds), and under node:wasi (the comparison). Each run gets fresh
// host copies of the case's directories.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';
import { createTestKernel, newTmpfsRoot, runWasiDirect, type WebAssemblyModuleLike, webAssembly } from '../../src/testing.js';
import { type ConformanceCase, type FixtureTree, programOf } from './cases.js';

/** CONFORMANCE_DIRECTORY is test/conformance. */
export const CONFORMANCE_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIRECTORY = path.join(CONFORMANCE_DIRECTORY, 'wasm');
/** STASIS_BIN is the repository's launcher of the built CLI. */
export const STASIS_BIN = path.resolve(CONFORMANCE_DIRECTORY, '../../../../bin/stasis');
/** CLI_ENTRY is what STASIS_BIN runs; it exists once the CLI is built. */
export const CLI_ENTRY = path.resolve(CONFORMANCE_DIRECTORY, '../../../../apps/cli/dist/bin.js');
/** A run that takes longer is killed: a hang is a failure, not a stuck test suite. */
const CLI_TIMEOUT_MS = 120_000;

/** Outcome is how a run ended. */
export interface Outcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** wasmPath is the built program of a case. */
export function wasmPath(testCase: ConformanceCase): string {
  return path.join(WASM_DIRECTORY, `${programOf(testCase)}.wasm`);
}

/** argvOf is the full argv a case runs with, argv[0] included. */
function argvOf(testCase: ConformanceCase): string[] {
  return [`${programOf(testCase)}.wasm`, ...(testCase.args ?? [])];
}

/** HostTree is a fixture written to a host directory, with a snapshot of its contents and its remover. */
export interface HostTree {
  readonly path: string;
  snapshot(): string;
  dispose(): void;
}

/** makeTree writes a fixture tree to a new host directory; `outside` replaces `{outside}` in symlink targets. */
export function makeTree(tree: FixtureTree, outside = '/nonexistent'): HostTree {
  const root = newTmpfsRoot('stasis-conformance-');
  for (const [name, content] of Object.entries(tree)) {
    const target = path.join(root.path, name);
    if (name.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (content.startsWith('-> ')) fs.symlinkSync(content.slice(3).replace('{outside}', outside), target);
    else fs.writeFileSync(target, content);
  }
  const snapshot = () =>
    (fs.readdirSync(root.path, { recursive: true }) as string[])
      .sort()
      .map((name) => {
        const file = path.join(root.path, name);
        const stat = fs.lstatSync(file);
        return `${name}:${stat.isFile() ? fs.readFileSync(file, 'utf8') : stat.isSymbolicLink() ? fs.readlinkSync(file) : 'dir'}`;
      })
      .join('\n');
  return { path: root.path, snapshot, dispose: root.dispose };
}

/** guestPath is where a preopen's directory is in the guest: `/` + its name, or the name when it is absolute. */
function guestPath(guest: string): string {
  return guest.startsWith('/') ? guest : `/${guest}`;
}

function makeTrees(testCase: ConformanceCase): { trees: [string, HostTree][]; dispose: () => void } {
  const trees = Object.entries(testCase.dirs ?? {}).map(([guest, tree]) => [guest, makeTree(tree)] as [string, HostTree]);
  const dispose = () => {
    for (const [, tree] of trees) tree.dispose();
  };
  return { trees, dispose };
}

/** runInProcess runs a case against the syscall layer with createWasiImports, timers in virtual time. */
export function runInProcess(testCase: ConformanceCase, module: WebAssemblyModuleLike): Outcome & { readonly rootfsChanged: boolean } {
  const { trees, dispose } = makeTrees(testCase);
  const outside = newTmpfsRoot();
  const secret = path.join(outside.path, 'host-secret');
  fs.writeFileSync(secret, 'a host file the guest must not read');
  const rootfs = testCase.rootfs === undefined ? undefined : makeTree(testCase.rootfs, secret);
  const before = rootfs?.snapshot();
  const harness = createTestKernel({
    ...(rootfs === undefined ? {} : { rootfs: rootfs.path }),
    mounts: trees.map(([guest, tree]) => ({ type: 'bind' as const, source: tree.path, target: guestPath(guest) })),
    cpu: { features: { names: () => ['fpu', 'sse2'] }, renderCpuinfo: (features) => `processor\t: 0\nflags\t\t: ${features.names().join(' ')}\n` },
  });
  try {
    let stdin: 'null' | ReturnType<typeof harness.kernel.createPipe>['readEnd'] = 'null';
    if (testCase.stdin !== undefined) {
      const { readEnd, writeEnd } = harness.kernel.createPipe();
      writeEnd.write([Buffer.from(testCase.stdin)]);
      writeEnd.release();
      stdin = readEnd;
    }
    const rootPreopen = testCase.rootPreopen === true || rootfs !== undefined;
    const task = harness.createTask({
      args: argvOf(testCase),
      env: testCase.env ?? {},
      stdio: [stdin, harness.stdout, harness.stderr],
      preopens: rootPreopen ? [{ path: '/' }] : trees.map(([guest]) => ({ path: guestPath(guest), name: guest })),
    });
    const { exitCode } = runWasiDirect(module, task, { clock: harness.clock });
    return { exitCode, stdout: harness.stdout.text(), stderr: harness.stderr.text(), rootfsChanged: rootfs !== undefined && rootfs.snapshot() !== before };
  } finally {
    harness.dispose();
    rootfs?.dispose();
    outside.dispose();
    dispose();
  }
}

/** cliArguments is the `stasis do` command line of a case, given where its directories are. */
export function cliArguments(testCase: ConformanceCase, hostDirectories: readonly (readonly [string, string])[]): string[] {
  return [
    'do',
    ...hostDirectories.flatMap(([guest, host]) => ['--dir', `${host}::${guest}`]),
    ...Object.entries(testCase.env ?? {}).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    `${programOf(testCase)}.wasm`,
    ...(testCase.args ?? []),
  ];
}

/**
 * hostStdin gives a case's stdin as a host fd: /dev/null, or a FIFO holding its bytes with
 * the write end already closed (a real pipe, as `printf ... | stasis do` gives, and as the
 * official suite's runner gives; Node's own `pipe` stdio would be a socket pair).
 */
function hostStdin(testCase: ConformanceCase, scratch: string): number {
  if (testCase.stdin === undefined) return fs.openSync('/dev/null', 'r');
  const fifo = path.join(scratch, 'stdin');
  execFileSync('mkfifo', [fifo]);
  // Opening the read end first (non-blocking) lets the write end open without waiting.
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
  fs.writeSync(writer, testCase.stdin);
  fs.closeSync(writer);
  return reader;
}

/**
 * runCli runs a case as `bin/stasis do [--dir HOST::GUEST]... [--env K=V]... PROGRAM.wasm
 * ARGS...` in the wasm directory. stdout and stderr go to files: Node's `pipe` stdio would
 * hand the guest sockets, which the official suite's runner (real pipes) never does.
 */
export function runCli(testCase: ConformanceCase): Promise<Outcome> {
  const { trees, dispose } = makeTrees(testCase);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stasis-cli-'));
  const stdin = hostStdin(testCase, scratch);
  const stdout = fs.openSync(path.join(scratch, 'stdout'), 'w+');
  const stderr = fs.openSync(path.join(scratch, 'stderr'), 'w+');
  const child = spawn(STASIS_BIN, cliArguments(testCase, trees.map(([guest, tree]) => [guest, tree.path] as const)), {
    cwd: WASM_DIRECTORY,
    stdio: [stdin, stdout, stderr],
  });
  for (const fd of [stdin, stdout, stderr]) fs.closeSync(fd);
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  return new Promise<Outcome>((resolve) => {
    const finish = (exitCode: number, note: string) => {
      clearTimeout(timer);
      const errors = fs.readFileSync(path.join(scratch, 'stderr'), 'utf8');
      const output = fs.readFileSync(path.join(scratch, 'stdout'), 'utf8');
      fs.rmSync(scratch, { recursive: true, force: true });
      dispose();
      resolve({ exitCode, stdout: output, stderr: note === '' ? errors : `${errors}\n${note}` });
    };
    child.on('error', (error) => finish(-1, `spawn failed: ${error.message}`));
    child.on('close', (code, signal) => finish(code ?? -1, signal === null ? '' : `(killed by ${signal})`));
  });
}

/** runAllCli runs cases through the CLI, `concurrency` at a time, keyed by case name. */
export function runAllCli(cases: readonly ConformanceCase[], concurrency: number): Map<string, Promise<Outcome>> {
  const results = new Map<string, Promise<Outcome>>();
  const queue = [...cases];
  const settle = new Map<string, (outcome: Outcome) => void>();
  for (const testCase of cases) results.set(testCase.name, new Promise((resolve) => settle.set(testCase.name, resolve)));
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) settle.get(next.name)!(await runCli(next));
  };
  for (let index = 0; index < concurrency; index++) void worker();
  return results;
}

/** runNode runs a case under Node's node:wasi, with the same directories, environment and stdin. */
export function runNode(testCase: ConformanceCase, module: WebAssemblyModuleLike): Outcome {
  const { trees, dispose } = makeTrees(testCase);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stasis-node-wasi-'));
  const output = path.join(scratch, 'stdout');
  const errors = path.join(scratch, 'stderr');
  const input = path.join(scratch, 'stdin');
  if (testCase.stdin !== undefined) fs.writeFileSync(input, testCase.stdin);
  const stdout = fs.openSync(output, 'w+');
  const stderr = fs.openSync(errors, 'w+');
  const stdin = fs.openSync(testCase.stdin === undefined ? '/dev/null' : input, 'r');
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: argvOf(testCase),
      env: { ...testCase.env },
      preopens: Object.fromEntries(trees.map(([guest, tree]) => [guest, tree.path])),
      returnOnExit: true,
      stdin,
      stdout,
      stderr,
    });
    const instance = new (webAssembly().Instance)(module, wasi.getImportObject());
    const exitCode = wasi.start(instance as Parameters<WASI['start']>[0]);
    return { exitCode, stdout: fs.readFileSync(output, 'utf8'), stderr: fs.readFileSync(errors, 'utf8') };
  } finally {
    fs.closeSync(stdout);
    fs.closeSync(stderr);
    fs.closeSync(stdin);
    fs.rmSync(scratch, { recursive: true, force: true });
    dispose();
  }
}

/** checksOf maps each `ok NAME` / `FAIL NAME...` line of a program's output to whether it passed. */
export function checksOf(stdout: string): Map<string, boolean> {
  const checks = new Map<string, boolean>();
  for (const line of stdout.split('\n')) {
    if (line.startsWith('ok ')) checks.set(line.slice(3), true);
    else if (line.startsWith('FAIL ')) checks.set(line.slice(5).replace(/(: got .*)? \(line \d+\)$/, ''), false);
  }
  return checks;
}

/** problemsOf lists what is wrong with an outcome, or nothing when the case passed. */
export function problemsOf(testCase: ConformanceCase, outcome: Outcome): string[] {
  const problems: string[] = [];
  const want = testCase.exitCode ?? 0;
  if (outcome.exitCode !== want) problems.push(`exit status: got ${outcome.exitCode}, want ${want}`);
  if (testCase.stdout !== undefined) {
    if (outcome.stdout !== testCase.stdout) problems.push(`stdout: got ${JSON.stringify(outcome.stdout)}, want ${JSON.stringify(testCase.stdout)}`);
  } else {
    const failed = outcome.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
    problems.push(...failed);
    if (!/^ok /m.test(outcome.stdout)) problems.push('printed no ok line');
  }
  if (problems.length > 0 && outcome.stderr.trim() !== '') problems.push(`stderr: ${outcome.stderr.trim()}`);
  return problems;
}
