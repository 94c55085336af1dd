// A sandbox's lineage across checkpoints: leave-running (the original runs on with no gap and
// its image restores to the same continuation), fork (one image restored many times gives
// independent copies), and what /proc/stasis/checkpoint tells each of them.
import { closeSync, openSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox } from '../../src/index.js';
import { CHECKPOINT_FIXTURES } from './fixtures.js';
import {
  cacheDirectory,
  continueFrom,
  createWorkspace,
  DriverFailure,
  describeDifference,
  PACKAGE_ROOT,
  type RunOutput,
  runDriver,
  runUninterrupted,
} from './harness.js';
import type { DriverRequest, TakenCheckpoint } from './protocol.js';

const RUNS = Number(process.env.STASIS_CHECKPOINT_RUNS ?? 2);
const FORKS = 10;
const BENCH_GUEST = join(PACKAGE_ROOT, 'bench/checkpoint-guest/checkpoint-guest.wasm');

function assertSame(got: RunOutput, want: RunOutput, context: string): void {
  const difference = describeDifference('stdout', got.stdout, want.stdout) ?? describeDifference('stderr', got.stderr, want.stderr);
  if (difference !== undefined) assert.unreachable(`${context}: ${difference}`);
  assert.is(got.code, want.code, `${context}: exit code`);
}

/** Runs a fixture with one leave-running checkpoint; returns the output of the run that went on, and the checkpoint. */
async function leaveRunning(name: keyof typeof CHECKPOINT_FIXTURES, directory: string, afterStdoutBytes: number, afterMs: number) {
  const prepared = await CHECKPOINT_FIXTURES[name].prepare({ directory, dispose: async () => {} });
  const stdout = `${directory}/stdout`;
  const stderr = `${directory}/stderr`;
  await writeFile(stdout, '');
  await writeFile(stderr, '');
  const request: DriverRequest = {
    start: { kind: 'create', options: prepared.recipe },
    stdout,
    stderr,
    cacheDir: cacheDirectory(),
    checkpoint: { imagePath: `${directory}/image`, afterStdoutBytes, afterMs, leaveRunning: true },
  };
  const { report, stderr: driverStderr } = await runDriver(request);
  if (report.outcome !== 'exited') throw new DriverFailure(report, driverStderr);
  const checkpoint = report.checkpoint !== undefined && 'imagePath' in report.checkpoint ? report.checkpoint : undefined;
  const output: RunOutput = { stdout: await readFile(stdout), stderr: await readFile(stderr), code: report.code, checkpoints: checkpoint ? [checkpoint] : [], reports: [report] };
  return { output, checkpoint };
}

const Lineage = suite('checkpoint lineage');

for (const name of ['counter', 'sleeper'] as const) {
  Lineage(`${name}: leave-running goes on without a gap, and its image restores to the same continuation`, async () => {
    const reference = await createWorkspace(`${name}-reference`);
    let want: RunOutput;
    try {
      want = await runUninterrupted(CHECKPOINT_FIXTURES[name], reference);
    } finally {
      await reference.dispose();
    }
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: Math.floor(want.stdout.length * 0.6) }), fc.integer({ min: 0, max: CHECKPOINT_FIXTURES[name].windowMs }), async (bytes, delay) => {
        const workspace = await createWorkspace(`${name}-leave-running`);
        try {
          const { output, checkpoint } = await leaveRunning(name, workspace.directory, bytes, delay);
          assertSame(output, want, `${name} leave-running at ${bytes} bytes + ${delay} ms`);
          if (checkpoint === undefined) return;
          taken++;
          const restored = await continueFrom(CHECKPOINT_FIXTURES[name], workspace, checkpoint.imagePath, checkpoint, want, 'restored');
          assertSame(restored, want, `${name} restored from the leave-running image taken at ${checkpoint.stdoutBytes} bytes`);
        } finally {
          await workspace.dispose();
        }
      }),
      { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
    );
    assert.ok(taken > 0, `${name}: the guest always exited before the leave-running checkpoint`);
  });
}

// fork-probe lines: "round R/N: state S,count C; log lines L; random HEX".
const PROBE_LINE = /^round (\d+)\/(\d+): state (\w+),count (\d+); log lines (\d+); random ([0-9a-f]{16})$/;

function probeLines(stdout: Buffer): RegExpExecArray[] {
  return stdout
    .toString()
    .trimEnd()
    .split('\n')
    .map((line) => {
      const match = PROBE_LINE.exec(line);
      if (match === null) assert.unreachable(`fork-probe printed an unexpected line: ${JSON.stringify(line)}`);
      return match as RegExpExecArray;
    });
}

/**
 * roundsAfter returns the probe lines a copy printed after the checkpoint, without the round that
 * straddled it: a checkpoint can land between a round's read of /proc/stasis/checkpoint (and its
 * random draw) and its printf, so that round prints "none" (and possibly random bytes drawn before
 * the checkpoint, the same in every copy) from the restored copy. Only the first round can do so.
 */
function roundsAfter(lines: readonly RegExpExecArray[], printedBefore: number): RegExpExecArray[] {
  const after = lines.slice(printedBefore);
  return after[0]?.[3] === 'none' ? after.slice(1) : after;
}

Lineage('fork-probe: /proc/stasis/checkpoint says none, then resume in the original and restore in the copy', async () => {
  const workspace = await createWorkspace('proc-status');
  try {
    const { output, checkpoint } = await leaveRunning('fork-probe', workspace.directory, 1, 10);
    assert.ok(checkpoint, 'the leave-running checkpoint was taken');
    const lines = probeLines(output.stdout);
    assert.is(lines.length, 10);
    assert.is(lines[0]![3], 'none', 'the first round ran before any checkpoint: state none');
    for (const line of lines) {
      const state = line[3];
      assert.ok(state === 'none' || state === 'resume', `the original reads ${state}, want none or resume`);
      assert.is(line[4], state === 'none' ? '0' : '1', `count after ${state}`);
    }
    assert.ok(lines.some((line) => line[3] === 'resume'), 'the original reads resume after a leave-running checkpoint');
    const copy = await continueFrom(CHECKPOINT_FIXTURES['fork-probe'], workspace, checkpoint!.imagePath, checkpoint!, output, 'copy');
    const copied = probeLines(copy.stdout);
    const prefixLines = probeLines(output.stdout.subarray(0, checkpoint!.stdoutBytes)).length;
    const restored = roundsAfter(copied, prefixLines);
    assert.ok(restored.length > 0, 'the copy ran rounds after the checkpoint');
    for (const line of restored) {
      assert.is(line[3], 'restore', `a restored copy reads restore: ${line[0]}`);
      assert.is(line[4], '1');
    }
  } finally {
    await workspace.dispose();
  }
});

Lineage(`fork: one image restored ${FORKS} times gives ${FORKS} independent copies that know they are copies`, async () => {
  const workspace = await createWorkspace('fork');
  try {
    const prepared = await CHECKPOINT_FIXTURES['fork-probe'].prepare(workspace);
    const stdout = `${workspace.directory}/stdout`;
    const stderr = `${workspace.directory}/stderr`;
    await writeFile(stdout, '');
    await writeFile(stderr, '');
    const { report, stderr: driverStderr } = await runDriver({
      start: { kind: 'create', options: prepared.recipe },
      stdout,
      stderr,
      cacheDir: cacheDirectory(),
      checkpoint: { imagePath: `${workspace.directory}/image`, afterStdoutBytes: 1, afterMs: 40 },
    });
    if (report.outcome !== 'checkpointed') throw new DriverFailure(report, driverStderr);
    const checkpoint: TakenCheckpoint = report.checkpoint;
    const prefix: RunOutput = { stdout: await readFile(stdout), stderr: await readFile(stderr), code: 0, checkpoints: [], reports: [] };
    const roundsBefore = probeLines(prefix.stdout).length;
    assert.ok(roundsBefore >= 1 && roundsBefore < 10, `rounds before the checkpoint: ${roundsBefore}`);
    const copies = await Promise.all(
      Array.from({ length: FORKS }, (_, index) => continueFrom(CHECKPOINT_FIXTURES['fork-probe'], workspace, checkpoint.imagePath, checkpoint, prefix, `copy-${index}`)),
    );
    const randomByCopy = new Map<string, number>();
    copies.forEach((copy, index) => {
      assert.is(copy.code, 0, `copy ${index} exit code`);
      const lines = probeLines(copy.stdout);
      assert.is(lines.length, 10, `copy ${index} ran every round`);
      assert.ok(copy.stdout.subarray(0, checkpoint.stdoutBytes).equals(prefix.stdout), `copy ${index} starts with the original's output`);
      const restored = roundsAfter(lines, roundsBefore);
      assert.ok(restored.length > 0, `copy ${index} ran rounds after the checkpoint`);
      for (const line of restored) {
        assert.is(line[3], 'restore', `copy ${index} knows it is a copy: ${line[0]}`);
        assert.is(line[4], '1', `copy ${index} counts one checkpoint`);
        assert.is(line[5], line[1], `copy ${index} sees only its own log lines (round ${line[1]}, lines ${line[5]})`);
        const random = line[6]!;
        const other = randomByCopy.get(random);
        assert.ok(other === undefined, `copies ${other} and ${index} drew the same random bytes ${random}: the random source was replayed`);
        randomByCopy.set(random, index);
      }
    });
  } finally {
    await workspace.dispose();
  }
});

Lineage('incremental: a child image stores only changed pages, restores through its parent, and refuses a replaced parent', async () => {
  const workspace = await createWorkspace('incremental');
  const signal = join(workspace.directory, 'signal');
  await mkdir(signal);
  const output = join(workspace.directory, 'stdout');
  await writeFile(output, '');
  const stdout = openSync(output, 'a');
  const mounts = [{ type: 'bind' as const, source: signal, destination: '/signal' }];
  try {
    // 8 MiB of touched memory, then a wait for the go file in 1 ms sleeps.
    const sandbox = await Sandbox.create({
      module: BENCH_GUEST,
      args: ['checkpoint-guest', '8', '/signal/go'],
      env: [],
      mounts,
      preopens: [{ guest: '/' }],
      stdio: { stdin: 'null', stdout, stderr: 2 },
      cacheDir: cacheDirectory(),
    });
    sandbox.start();
    while (!(await readFile(output, 'utf8')).includes('ready')) await new Promise((resolve) => setTimeout(resolve, 5));
    const parent = join(workspace.directory, 'parent');
    const child = join(workspace.directory, 'child');
    const full = await sandbox.checkpoint({ imagePath: parent, leaveRunning: true });
    const incremental = await sandbox.checkpoint({ imagePath: child, parent, leaveRunning: true });
    sandbox.kill(9);
    assert.ok(full.bytes > 8 << 20, `the parent holds the touched memory (${full.bytes} bytes)`);
    // Pages are stored in extents of up to 16 (1 MiB): the page that changed between the two
    // checkpoints (the stack, Asyncify's buffer) brings its whole extent along when that extent
    // holds data, so the child may hold about 1 MiB of the parent's 8; never most of it.
    assert.ok(incremental.bytes < full.bytes / 4, `the child stores only what changed: ${incremental.bytes} bytes against the parent's ${full.bytes}`);

    const finish = async (imagePath: string) => {
      const log = join(workspace.directory, `${imagePath.split('/').pop()}.out`);
      await writeFile(log, '');
      const fd = openSync(log, 'a');
      try {
        await writeFile(join(signal, 'go'), '');
        const restored = await Sandbox.restore({ imagePath, mounts, stdio: { stdin: 'null', stdout: fd, stderr: 2 } });
        restored.start();
        assert.equal(await restored.wait(), { code: 0 });
        return readFile(log, 'utf8');
      } finally {
        closeSync(fd);
        await rm(join(signal, 'go'), { force: true });
      }
    };
    const fromParent = await finish(parent);
    const fromChild = await finish(child);
    assert.match(fromParent, /^resumed\nchecksum [0-9a-f]{8}\n$/);
    assert.is(fromChild, fromParent, 'the child restores through its parent to the same memory');

    // Replace the parent with another image: the child names its parent by digest and refuses it.
    await rm(parent, { recursive: true });
    await cp(child, parent, { recursive: true });
    const refused = await Sandbox.restore({ imagePath: child, mounts, stdio: { stdin: 'null', stdout: 'null', stderr: 'null' } }).catch((error: Error) => error);
    assert.instance(refused, Error);
    assert.is((refused as Error).name, 'ParentMismatchError', `restore through a replaced parent: ${String(refused)}`);
  } finally {
    closeSync(stdout);
    await workspace.dispose();
  }
});

Lineage.run();
