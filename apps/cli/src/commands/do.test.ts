// `stasis do`: the argv it accepts (parsed, nothing run), then end to end through the built
// `bin/stasis` with the shared fixtures, compared with their recorded node:wasi outputs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stackSwitchingNodeFlags } from '@stasis/sentry/stack-switching';
import { UsageError } from '../errors.js';
import { resolveInvocation } from '../main.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const fixture = (name: string): string => join(repository, 'tooling', 'fixtures', 'wasm', `${name}.wasm`);
const expected = (name: string): string => readFileSync(join(repository, 'tooling', 'fixtures', 'expected', `${name}.txt`), 'utf8');
const cacheDir = join(repository, 'packages', 'sentry', '.cache', 'test');

function parse(argv: readonly string[]): unknown {
  const invocation = resolveInvocation(argv);
  if (invocation.kind !== 'command' || !invocation.command.parse) throw new Error(`${argv.join(' ')}: not a command`);
  return invocation.command.parse(invocation.args, invocation.globals);
}

function stasis(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repository, 'apps', 'cli', 'dist', 'bin.js'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, STASIS_CACHE_DIR: cacheDir, SECRET_HOST_VARIABLE: 'must not leak' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const Argv = suite('stasis do argv');

Argv('flags before the program belong to stasis, everything after it to the program', () => {
  const options = parse(['do', '--dir', '/tmp/a::/work', '--dir', 'fs-tests.dir', '--env', 'A=1', '--mode', 'safepoint', 'prog.wasm', '--env', 'x', '-v']) as Record<string, unknown>;
  assert.equal(options.program, 'prog.wasm');
  assert.equal(options.args, ['--env', 'x', '-v']);
  assert.equal(options.dirs, [
    { host: '/tmp/a', guest: '/work' },
    { host: 'fs-tests.dir', guest: 'fs-tests.dir' },
  ]);
  assert.equal(options.env, ['A=1']);
  assert.is(options.mode, 'safepoint');
  assert.is((parse(['do', 'prog.wasm']) as Record<string, unknown>).mode, 'anywhere');
});

Argv('refuses a missing program, a malformed --env and an unknown mode', () => {
  for (const argv of [['do'], ['do', '--env', 'NOEQUALS', 'p.wasm'], ['do', '--mode', 'fast', 'p.wasm']]) {
    assert.throws(() => parse(argv), (error: unknown) => error instanceof UsageError, argv.join(' '));
  }
});

Argv.run();

const EndToEnd = suite('stasis do end to end');

EndToEnd('passes argv and exactly the given environment, and exits with the program status', () => {
  const env = stasis(['do', '--env', 'STASIS_FIXTURE=1', '--env', 'EMPTY=', '--env', 'WITH_EQUALS=a=b', fixture('env'), 'hello', 'two words', '']);
  assert.is(env.status, 0, env.stderr);
  // argv[0] is the program as given; the recorded output used the file name.
  assert.is(env.stdout.replace(`argv[0]=${fixture('env')}`, 'argv[0]=env'), expected('env'));
  const exit = stasis(['do', '--mode', 'safepoint', fixture('exitcode'), '7']);
  assert.is(exit.status, 7);
  assert.is(exit.stdout, expected('exitcode'));
});

EndToEnd('maps --dir HOST::GUEST and --dir NAME (relative, as given) to host directories, both ways', () => {
  const host = mkdtempSync(join(tmpdir(), 'stasis-do-'));
  try {
    writeFileSync(join(host, 'from-host.txt'), 'written by the host\n');
    const touch = join(repository, 'packages', 'sentry', 'test', 'machine', 'wasm', 'touch.wasm');
    const mapped = stasis(['do', '--dir', `${host}::/work`, touch, '/work/from-guest.txt', 'written by the guest', '/work/from-host.txt']);
    assert.is(mapped.status, 0, mapped.stderr);
    assert.is(mapped.stdout, 'written by the host\n');
    assert.is(readFileSync(join(host, 'from-guest.txt'), 'utf8'), 'written by the guest\n');
    const relative = spawnSync(process.execPath, [join(repository, 'apps', 'cli', 'dist', 'bin.js'), 'do', '--dir', 'data.dir', touch, 'data.dir/relative.txt', 'relative'], {
      cwd: host,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, STASIS_CACHE_DIR: cacheDir },
    });
    mkdirSync(join(host, 'data.dir'), { recursive: true });
    assert.is(relative.status, 1, 'data.dir does not exist yet: refused');
    const again = spawnSync(process.execPath, [join(repository, 'apps', 'cli', 'dist', 'bin.js'), 'do', '--dir', 'data.dir', touch, 'data.dir/relative.txt', 'relative'], {
      cwd: host,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, STASIS_CACHE_DIR: cacheDir },
    });
    assert.is(again.status, 0, again.stderr);
    assert.is(readFileSync(join(host, 'data.dir', 'relative.txt'), 'utf8'), 'relative\n');
    const fileio = stasis(['do', '--dir', `${host}::/work`, fixture('fileio'), '/work', '12']);
    assert.is(fileio.status, 0, fileio.stderr);
    assert.is(fileio.stdout, expected('fileio'));
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

EndToEnd('a trap exits 134 with the report on stderr; a native executable is refused by name', () => {
  const trap = stasis(['do', fixture('trap')]);
  assert.is(trap.status, 134);
  assert.is(trap.stdout, expected('trap'));
  assert.match(trap.stderr, /wasm trap: wasm `unreachable` instruction executed/);
  const native = stasis(['do', process.execPath]);
  assert.is(native.status, 1);
  assert.match(native.stderr, new RegExp(`stasis runs WebAssembly programs; ${process.execPath.replaceAll('/', '\\/')} is an ELF executable`));
});

EndToEnd('in anywhere mode the program runs in a Node with stack switching, and SIGTERM still ends it (143)', async () => {
  const flags = stackSwitchingNodeFlags();
  const child = spawn(process.execPath, [join(repository, 'apps', 'cli', 'dist', 'bin.js'), 'do', fixture('sleeper'), '1000', '20'], {
    env: { PATH: process.env.PATH, STASIS_CACHE_DIR: cacheDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  // The first line of output means the guest runs; its Node is this command's child when it had to start one with the flag.
  while (!output.includes('\n')) await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  const runner = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
  const argv = runner === '' ? readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0') : readFileSync(`/proc/${runner}/cmdline`, 'utf8').split('\0');
  for (const flag of flags) assert.ok(argv.includes(flag), `the guest's Node runs without ${flag}: ${argv.join(' ')}`);
  child.kill('SIGTERM');
  assert.is(await exited, 143);
});

EndToEnd.run();
