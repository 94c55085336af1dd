import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eagainReads } from '../test/host/eagain-reads.js';
import { TEST_CACHE_DIR, fixturePath } from '../test/machine/fixtures.js';
import { SIGNALS } from './kernel/scheduler.js';
import { NotWebAssemblyError, UnknownImportsError } from './loader/errors.js';
import { Sandbox, SandboxStateError } from './sandbox.js';
import { type SandboxOptions, SandboxOptionsError } from './sandbox-options.js';

/** A sandbox whose stdout and stderr go to files, read back with output(). */
class Captured {
  readonly directory = mkdtempSync(join(tmpdir(), 'stasis-sandbox-test-'));
  readonly stdoutPath = join(this.directory, 'stdout');
  readonly stderrPath = join(this.directory, 'stderr');
  readonly stdout = openSync(this.stdoutPath, 'w');
  readonly stderr = openSync(this.stderrPath, 'w');
  stdin: number | 'null' = 'null';

  options(name: string, args: string[] = [], extra: Partial<SandboxOptions> = {}): SandboxOptions {
    return {
      module: fixturePath(name),
      args: [`${name}.wasm`, ...args],
      env: [],
      stdio: { stdin: this.stdin, stdout: this.stdout, stderr: this.stderr },
      cacheDir: TEST_CACHE_DIR,
      ...extra,
    };
  }

  output(): { stdout: string; stderr: string } {
    return { stdout: readFileSync(this.stdoutPath, 'utf8'), stderr: readFileSync(this.stderrPath, 'utf8') };
  }

  dispose(): void {
    closeSync(this.stdout);
    closeSync(this.stderr);
    // Closed even when a sandbox read it through a libuv stream: the stream had a private fd.
    if (typeof this.stdin === 'number') closeSync(this.stdin);
    rmSync(this.directory, { recursive: true, force: true });
  }
}

let io: Captured;
const SandboxSuite = suite('Sandbox');
SandboxSuite.before.each(() => {
  io = new Captured();
});
SandboxSuite.after.each(() => {
  io.dispose();
});

SandboxSuite('runs a program to its exit status, with its output on the bound fds', async () => {
  const sandbox = await Sandbox.create(io.options('exit-code', ['42'], { mode: 'safepoint' }));
  assert.is(sandbox.status, 'created');
  sandbox.start();
  assert.is(sandbox.status, 'running');
  assert.equal(await sandbox.wait(), { code: 42 });
  assert.is(sandbox.status, 'stopped');
  assert.is(io.output().stdout, 'exiting with 42\n');
  assert.equal(sandbox.tasks(), [{ tid: 1, args: ['exit-code.wasm', '42'], state: 'exited', exitCode: 42 }]);
});

SandboxSuite('a trap exits 134 with a wasmtime-style report on the sandbox stderr', async () => {
  const sandbox = await Sandbox.create(io.options('trap'));
  sandbox.start();
  assert.equal(await sandbox.wait(), { code: 134 });
  const { stdout, stderr } = io.output();
  assert.is(stdout, 'about to trap\n');
  assert.match(stderr, /^Error: failed to run main module `.*trap\.wasm`\n/);
  assert.match(stderr, /wasm trap: wasm `unreachable` instruction executed\n$/);
});

SandboxSuite('proc_raise ends the task with 128 + the signal, or returns for an ignored one', async () => {
  const killed = await Sandbox.create(io.options('raise', ['15']));
  killed.start();
  assert.equal(await killed.wait(), { code: 143, signal: 15 });
  const ignored = await Sandbox.create(io.options('raise', ['16']));
  ignored.start();
  assert.equal(await ignored.wait(), { code: 0 });
  assert.is(io.output().stdout, 'raising 15\nraising 16\nstill running (errno 0)\n');
});

SandboxSuite('the guest sees exactly the args, env and preopened directories it is given', async () => {
  const host = mkdtempSync(join(tmpdir(), 'stasis-preopen-'));
  writeFileSync(join(host, 'hello.txt'), 'hello from the host\n');
  try {
    // The fixtures do not print their environment; the kernel task shows what the guest gets.
    const sandbox = await Sandbox.create(io.options('exit-code', ['0'], { env: ['A=1'], preopens: [{ guest: 'data.dir', host }] }));
    const task = [...sandbox.kernel.tasks.values()][0];
    assert.equal(task?.env, ['A=1']);
    assert.equal(task?.args, ['exit-code.wasm', '0']);
    const preopen = task?.fdTable.get(3);
    assert.is(preopen?.preopen, 'data.dir');
    sandbox.kill(SIGNALS.SIGKILL);
    assert.equal(await sandbox.wait(), { code: 137, signal: 9 });
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

for (const stackSwitching of [true, false]) {
  SandboxSuite(`keeps the event loop running while a guest computes, and kill ends it at a safe point (slices end by ${stackSwitching ? 'suspending' : 'unwinding'})`, async () => {
    const sandbox = await Sandbox.create(io.options('spin', ['1000000', '1000000'], { stackSwitching }));
    sandbox.start();
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        ticks++;
        if (ticks === 3) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    assert.is(sandbox.status, 'running', 'the guest is still computing after three timer ticks');
    sandbox.kill(SIGNALS.SIGTERM);
    assert.equal(await sandbox.wait(), { code: 143, signal: 15 });
    assert.ok(sandbox.stats().cpuTimeMs > 0);
  });
}

for (const stackSwitching of [true, false]) {
  SandboxSuite(`pause freezes every task at a safe point until resume (slices end by ${stackSwitching ? 'suspending' : 'unwinding'})`, async () => {
    const sandbox = await Sandbox.create(io.options('spin', ['1000000', '1000000'], { stackSwitching }));
    sandbox.start();
    while (sandbox.stats().cpuTimeMs === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await sandbox.pause();
    assert.is(sandbox.status, 'paused');
    assert.equal(
      sandbox.tasks().map((task) => task.state),
      ['paused'],
    );
    const cpuAtPause = sandbox.stats().cpuTimeMs;
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
    assert.is(sandbox.stats().cpuTimeMs, cpuAtPause, 'no CPU time is used while paused');
    sandbox.resume();
    assert.is(sandbox.status, 'running');
    while (sandbox.stats().cpuTimeMs === cpuAtPause) await new Promise((resolve) => setTimeout(resolve, 1));
    sandbox.kill(SIGNALS.SIGTERM);
    assert.equal(await sandbox.wait(), { code: 143, signal: 15 });
  });
}

SandboxSuite('SIGKILL ends a paused sandbox; SIGTERM waits for resume', async () => {
  const sandbox = await Sandbox.create(io.options('spin', ['1000000', '1000000']));
  sandbox.start();
  await sandbox.pause();
  sandbox.kill(SIGNALS.SIGTERM);
  assert.is(sandbox.status, 'paused', 'SIGTERM is held while paused');
  sandbox.kill(SIGNALS.SIGKILL);
  assert.equal(await sandbox.wait(), { code: 137, signal: 9 });
  assert.is(sandbox.status, 'stopped');
});

SandboxSuite('stdin from a file reaches the guest and ends with end of file', async () => {
  const input = join(io.directory, 'input');
  writeFileSync(input, 'first line\n');
  io.stdin = openSync(input, 'r');
  const sandbox = await Sandbox.create(io.options('echo'));
  sandbox.start();
  assert.equal(await sandbox.wait(), { code: 0 });
  assert.is(io.output().stdout, '1: first line\neof after 1 lines\n');
});

SandboxSuite('a task blocked on an empty stdin pipe does not hold the thread, and SIGKILL ends it at once', async () => {
  const fifo = join(io.directory, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // Read-write, so opening does not wait for a writer and the pipe never reports EOF.
  io.stdin = openSync(fifo, 'r+');
  const sandbox = await Sandbox.create(io.options('echo'));
  sandbox.start();
  while (sandbox.tasks()[0]?.state !== 'blocked') await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(sandbox.tasks()[0], { tid: 1, args: ['echo.wasm'], state: 'blocked' });
  sandbox.kill(SIGNALS.SIGKILL);
  assert.equal(await sandbox.wait(), { code: 137, signal: 9 });
});

/** The sleeper fixture (tooling/fixtures): `sleeper 1 60000` sleeps once for 60 s. */
const SLEEPER = fileURLToPath(new URL('../../../tooling/fixtures/wasm/sleeper.wasm', import.meta.url));

/** Host timers alive in this process (Node's own view: what keeps the event loop running). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

async function sleepingSandbox(): Promise<{ sandbox: Sandbox; before: number }> {
  const before = activeTimers();
  const sandbox = await Sandbox.create(io.options('sleeper', ['1', '60000'], { module: SLEEPER }));
  sandbox.start();
  while (sandbox.tasks()[0]?.state !== 'blocked') await new Promise((resolve) => setImmediate(resolve));
  assert.is(activeTimers(), before + 1, `active timers while the guest sleeps: got ${activeTimers()}, want ${before + 1}`);
  return { sandbox, before };
}

SandboxSuite('a kill releases the timer of a pending sleep, so nothing keeps the host process alive', async () => {
  const { sandbox, before } = await sleepingSandbox();
  sandbox.kill(SIGNALS.SIGTERM);
  assert.equal(await sandbox.wait(), { code: 143, signal: 15 });
  assert.is(activeTimers(), before, `active timers after the kill: got ${activeTimers()}, want ${before}`);
});

SandboxSuite('signals ignored by default (SIGWINCH on a terminal resize) do not end the sandbox, created or running', async () => {
  const created = await Sandbox.create(io.options('exit-code', ['7']));
  created.kill(SIGNALS.SIGWINCH);
  assert.is(created.status, 'created', `status after SIGWINCH before start: got ${created.status}, want created`);
  created.start();
  assert.equal(await created.wait(), { code: 7 });
  const { sandbox } = await sleepingSandbox();
  for (const signal of [SIGNALS.SIGCHLD, SIGNALS.SIGCONT, SIGNALS.SIGURG, SIGNALS.SIGWINCH]) sandbox.kill(signal, { all: true });
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(sandbox.status, 'running');
  assert.equal(
    sandbox.tasks().map((task) => task.state),
    ['blocked'],
  );
  sandbox.kill(SIGNALS.SIGTERM);
  assert.equal(await sandbox.wait(), { code: 143, signal: 15 });
});

/** The pipes fixture (tooling/fixtures): `pipes rot13` reads its stdin to end of file. */
const PIPES = fileURLToPath(new URL('../../../tooling/fixtures/wasm/pipes.wasm', import.meta.url));

SandboxSuite('a kill ends a task blocked on a host stdin file that reports EAGAIN, and the retry timer with it', async () => {
  const file = join(io.directory, 'stdin');
  writeFileSync(file, '');
  io.stdin = openSync(file, 'r');
  const eagain = eagainReads(io.stdin);
  try {
    const before = activeTimers();
    const sandbox = await Sandbox.create(io.options('pipes', ['rot13'], { module: PIPES }));
    sandbox.start();
    while (sandbox.tasks()[0]?.state !== 'blocked' || eagain.attempts() < 2) await new Promise((resolve) => setImmediate(resolve));
    sandbox.kill(SIGNALS.SIGKILL);
    assert.equal(await sandbox.wait(), { code: 137, signal: 9 });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.is(activeTimers(), before, `active timers after the kill: got ${activeTimers()}, want ${before}`);
  } finally {
    eagain.restore();
  }
});

SandboxSuite('restore reports the memory it has restored, across tasks, up to the total checkpoint reported', async () => {
  const { sandbox } = await sleepingSandbox();
  await sandbox.exec({ args: ['sleeper', '1', '60000'] });
  while (sandbox.tasks().some((task) => task.state !== 'blocked')) await new Promise((resolve) => setImmediate(resolve));
  const memoryBytes = sandbox.stats().memoryBytes;
  const imagePath = join(io.directory, 'progress-image');
  const written: { bytes: number; total: number }[] = [];
  await sandbox.checkpoint({ imagePath, onProgress: (progress) => written.push({ ...progress }) });
  assert.equal(await sandbox.wait(), { code: 137, signal: 9 });
  const read: { bytes: number; total: number }[] = [];
  const restored = await Sandbox.restore({ imagePath, stdio: { stdin: 'null', stdout: io.stdout, stderr: io.stderr }, onProgress: (progress) => read.push({ ...progress }) });
  assert.is(written.at(-1)?.total, memoryBytes, 'checkpoint total: the memory of both tasks');
  assert.ok(read.length >= 2, `restore progress events: got ${read.length}, want one at least per task`);
  assert.ok(
    read.every((progress) => progress.total === memoryBytes),
    `restore totals: got ${[...new Set(read.map((progress) => progress.total))]}, want ${memoryBytes}`,
  );
  assert.ok(
    read.every((progress, index) => index === 0 || progress.bytes >= read[index - 1]!.bytes),
    `restore progress goes forward: ${read.map((progress) => progress.bytes)}`,
  );
  assert.is(read.at(-1)?.bytes, memoryBytes, 'the last report is the whole memory');
  restored.kill(SIGNALS.SIGKILL);
});

SandboxSuite('a stop checkpoint releases the timer of a pending sleep', async () => {
  const { sandbox, before } = await sleepingSandbox();
  await sandbox.checkpoint({ imagePath: join(io.directory, 'image') });
  assert.equal(await sandbox.wait(), { code: 137, signal: 9 });
  assert.is(activeTimers(), before, `active timers after the checkpoint: got ${activeTimers()}, want ${before}`);
});

SandboxSuite('stdin bytes read ahead but not consumed travel in the checkpoint image and come first after restore', async () => {
  const fifo = join(io.directory, 'fifo');
  execFileSync('mkfifo', [fifo]);
  io.stdin = openSync(fifo, 'r+');
  const lines = Array.from({ length: 200 }, (_, index) => `line ${String(index).padStart(3, '0')}\n`).join('');
  writeFileSync(io.stdin, lines);
  // One read of 10 bytes, then a sleep: the checkpoint lands while the sentry holds the rest.
  const sandbox = await Sandbox.create(io.options('stdin-sleep', ['10', '1000']));
  sandbox.start();
  // Blocked after the first line is out: asleep (before it, the task may block reading).
  while (sandbox.tasks()[0]?.state !== 'blocked' || !io.output().stdout.startsWith('first')) await new Promise((resolve) => setTimeout(resolve, 1));
  const imagePath = join(io.directory, 'image');
  await sandbox.checkpoint({ imagePath });
  assert.equal(await sandbox.wait(), { code: 137, signal: 9 });

  const tail = join(io.directory, 'tail');
  writeFileSync(tail, 'new stdin\n');
  const newStdin = openSync(tail, 'r');
  try {
    const restored = await Sandbox.restore({ imagePath, stdio: { stdin: newStdin, stdout: io.stdout, stderr: io.stderr } });
    restored.start();
    assert.equal(await restored.wait(), { code: 0 });
  } finally {
    closeSync(newStdin);
  }
  const rest = `${lines.slice(10)}new stdin\n`;
  const want = `first 10: ${lines.slice(0, 10)}\n${rest}rest ${rest.length} bytes\n`;
  const got = io.output().stdout;
  assert.ok(got === want, `stdout after restore: got ${got.length} bytes starting ${JSON.stringify(got.slice(0, 80))}, want ${want.length}`);
});

SandboxSuite('memory beyond the limit makes the guest memory.grow fail, not the sandbox', async () => {
  const sandbox = await Sandbox.create(io.options('grow', ['64'], { limits: { memoryPages: 80 } }));
  sandbox.start();
  assert.equal(await sandbox.wait(), { code: 0 });
  const got = Number(/allocated (\d+) MiB/.exec(io.output().stdout)?.[1]);
  assert.ok(got >= 1 && got < 5, `allocated ${got} MiB under a 5 MiB limit`);
  assert.ok(sandbox.stats().memoryBytes === 0, 'an exited task holds no memory in the stats');
});

for (const stackSwitching of [true, false]) {
  SandboxSuite(`a task over its CPU time limit is killed with SIGXCPU (slices end by ${stackSwitching ? 'suspending' : 'unwinding'})`, async () => {
    const sandbox = await Sandbox.create(io.options('spin', ['1000000', '1000000'], { limits: { cpuTimeMs: 30 }, stackSwitching }));
    sandbox.start();
    assert.equal(await sandbox.wait(), { code: 152, signal: SIGNALS.SIGXCPU });
  });
}

for (const stackSwitching of [true, false]) {
  SandboxSuite(`exec runs another task beside init; init exiting kills it (slices end by ${stackSwitching ? 'suspending' : 'unwinding'})`, async () => {
    const sandbox = await Sandbox.create(io.options('spin', ['1000000', '1000000'], { stackSwitching }));
    sandbox.start();
    const exec = await sandbox.exec({ module: fixturePath('exit-code'), args: ['exit-code.wasm', '5'] });
    assert.equal(await exec.wait(), { code: 5 });
    const spinner = await sandbox.exec({ args: ['spin.wasm', '1000000', '1000000'] });
    assert.equal(
      sandbox.tasks().map((task) => [task.tid, task.state === 'exited' ? task.exitCode : 'live']),
      [
        [1, 'live'],
        [exec.tid, 5],
        [spinner.tid, 'live'],
      ],
    );
    assert.is(sandbox.stats().tasks, 2);
    sandbox.kill(SIGNALS.SIGTERM);
    assert.equal(await sandbox.wait(), { code: 143, signal: 15 });
    assert.equal(await spinner.wait(), { code: 137, signal: 9 });
    try {
      await sandbox.exec({ args: ['x'] });
      assert.unreachable('exec in a stopped sandbox');
    } catch (error) {
      assert.instance(error, SandboxStateError);
    }
  });
}

SandboxSuite('refuses bad programs and bad options with typed errors, and the host stays healthy', async () => {
  const bad = join(io.directory, 'native');
  writeFileSync(bad, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  await Sandbox.create(io.options('exit-code', [], { module: bad })).then(
    () => assert.unreachable('an ELF file should be refused'),
    (error) => assert.instance(error, NotWebAssemblyError),
  );
  const foreign = new Uint8Array(readFileSync(fixturePath('exit-code')));
  // Rename the first import's module "wasi_snapshot_preview1" to "wasi_snapshot_preview0".
  const at = Buffer.from(foreign).indexOf('wasi_snapshot_preview1');
  foreign[at + 'wasi_snapshot_preview'.length] = '0'.charCodeAt(0);
  await Sandbox.create(io.options('exit-code', [], { module: foreign })).then(
    () => assert.unreachable('an unknown import should be refused'),
    (error) => assert.instance(error, UnknownImportsError),
  );
  await Sandbox.create(io.options('exit-code', [], { limits: { memoryPages: 0 } })).then(
    () => assert.unreachable('a zero memory limit should be refused'),
    (error) => {
      assert.instance(error, SandboxOptionsError);
      assert.is((error as SandboxOptionsError).path, 'limits.memoryPages');
    },
  );
  const sandbox = await Sandbox.create(io.options('exit-code', ['3']));
  sandbox.start();
  assert.throws(() => sandbox.start(), (error: unknown) => error instanceof SandboxStateError);
  assert.equal(await sandbox.wait(), { code: 3 });
});

SandboxSuite.run();
