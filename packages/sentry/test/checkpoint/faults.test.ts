// Faults: a checkpointing process killed at any moment (mid-write included), a full disk, and
// damaged images. The bar: never a half image that restores, never a crash of the restoring
// host, always a typed error that says what is wrong; a failed checkpoint leaves the guest
// running and the directory without an image.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageReader, isImageDirectory, isStatefileError } from '@stasis/statefile';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError, HostRebindError, Sandbox } from '../../src/index.js';
import { CHECKPOINT_FIXTURES } from './fixtures.js';
import {
  cacheDirectory,
  continueFrom,
  createWorkspace,
  DriverFailure,
  describeDifference,
  type RunOutput,
  runDriver,
  runDriverAndKill,
  runUninterrupted,
  type Workspace,
} from './harness.js';
import type { DriverRequest } from './protocol.js';

const RUNS = Number(process.env.STASIS_CHECKPOINT_RUNS ?? 2);
const CORRUPTIONS = Number(process.env.STASIS_CHECKPOINT_CORRUPTIONS ?? 60);

function assertSame(got: RunOutput, want: RunOutput, context: string): void {
  const difference = describeDifference('stdout', got.stdout, want.stdout) ?? describeDifference('stderr', got.stderr, want.stderr);
  if (difference !== undefined) assert.unreachable(`${context}: ${difference}`);
  assert.is(got.code, want.code, `${context}: exit code`);
}

/** A refusal the restore is allowed to give: a typed statefile or sentry error, never a TypeError or RangeError. */
function isTypedRefusal(error: unknown): boolean {
  return isStatefileError(error) || error instanceof CheckpointError;
}

async function reference(name: keyof typeof CHECKPOINT_FIXTURES): Promise<RunOutput> {
  const workspace = await createWorkspace(`${name}-reference`);
  try {
    return await runUninterrupted(CHECKPOINT_FIXTURES[name], workspace);
  } finally {
    await workspace.dispose();
  }
}

async function checkpointRequest(workspace: Workspace, name: keyof typeof CHECKPOINT_FIXTURES, checkpoint: DriverRequest['checkpoint']): Promise<DriverRequest> {
  const prepared = await CHECKPOINT_FIXTURES[name].prepare(workspace);
  const stdout = join(workspace.directory, 'stdout');
  const stderr = join(workspace.directory, 'stderr');
  await writeFile(stdout, '');
  await writeFile(stderr, '');
  return { start: { kind: 'create', options: prepared.recipe }, stdout, stderr, cacheDir: cacheDirectory(), ...(checkpoint ? { checkpoint } : {}) };
}

async function entries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch {
    return [];
  }
}

const Faults = suite('checkpoint faults');

Faults('a checkpointing process killed at any moment leaves no image or a whole one that restores', async () => {
  const want = await reference('grow');
  const outcomes = { 'no image': 0, 'whole image': 0, 'finished first': 0 };
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: Math.floor(want.stdout.length / 2) }), fc.integer({ min: 0, max: 120 }), async (afterStdoutBytes, killAfterMs) => {
      const workspace = await createWorkspace('kill');
      try {
        const imagePath = join(workspace.directory, 'image');
        const request = await checkpointRequest(workspace, 'grow', { imagePath, afterStdoutBytes, afterMs: 0 });
        const { event } = await runDriverAndKill(request, killAfterMs);
        if (event === undefined) {
          outcomes['finished first']++;
          return;
        }
        if (!(await isImageDirectory(imagePath))) {
          outcomes['no image']++;
          // Whatever the writer left behind (a temporary file) is not an image.
          const error = await Sandbox.restore({ imagePath }).then(
            () => undefined,
            (failure: unknown) => failure,
          );
          assert.ok(isTypedRefusal(error), `restoring a directory without an image: got ${String(error)}, want a typed refusal`);
          return;
        }
        outcomes['whole image']++;
        const reader = await ImageReader.open(imagePath);
        try {
          await reader.verify();
        } finally {
          await reader.close();
        }
        const restored = await continueFrom(CHECKPOINT_FIXTURES.grow, workspace, imagePath, event, want, 'restored');
        assertSame(restored, want, `grow restored from an image published just before the kill (${killAfterMs} ms)`);
      } finally {
        await workspace.dispose();
      }
    }),
    { numRuns: Math.max(4, RUNS * 2), endOnFailure: true, includeErrorInReport: true },
  );
  process.stderr.write(`  kill outcomes: ${JSON.stringify(outcomes)}\n`);
  assert.ok(outcomes['no image'] + outcomes['whole image'] > 0, 'the driver was never killed during a checkpoint');
});

async function mountSmallTmpfs(directory: string): Promise<string | undefined> {
  await mkdir(directory, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', directory], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a 2 MiB tmpfs (${(error as { stderr?: Buffer }).stderr?.toString().trim() || String(error)})`;
  }
}

async function assertFullDiskFailure(workspace: Workspace, imagePath: string, want: RunOutput, inject: number | undefined): Promise<void> {
  const request = await checkpointRequest(workspace, 'grow', {
    imagePath,
    afterStdoutBytes: Math.floor(want.stdout.length / 3),
    afterMs: 0,
    expectFailure: true,
    ...(inject === undefined ? {} : { injectEnospcAfterBytes: inject }),
  });
  const { report, stderr } = await runDriver(request);
  if (report.outcome !== 'exited') throw new DriverFailure(report, stderr);
  const failure = report.checkpoint !== undefined && 'failed' in report.checkpoint ? report.checkpoint.failed : undefined;
  assert.ok(failure, `the checkpoint did not fail: ${JSON.stringify(report.checkpoint)}`);
  assert.is(failure!.name, 'ImageWriteError', `failure ${failure!.name}: ${failure!.message}`);
  assert.is(failure!.systemCode, 'ENOSPC');
  assert.match(failure!.message, 'no image was written');
  const output: RunOutput = { stdout: await readFile(request.stdout), stderr: await readFile(request.stderr), code: report.code, checkpoints: [], reports: [report] };
  assertSame(output, want, 'grow after a checkpoint that hit a full disk (the guest runs on)');
  assert.not.ok(await isImageDirectory(imagePath), 'a failed checkpoint left an image');
  assert.equal(await entries(imagePath), [], 'a failed checkpoint left files behind');
}

Faults('a full disk fails the checkpoint with ENOSPC, leaves no image, and the guest runs on', async () => {
  const want = await reference('grow');
  const workspace = await createWorkspace('full-disk');
  const disk = join(workspace.directory, 'disk');
  const skipped = await mountSmallTmpfs(disk);
  try {
    if (skipped === undefined) {
      await assertFullDiskFailure(workspace, join(disk, 'image'), want, undefined);
    } else {
      process.stderr.write(`  full disk on tmpfs skipped: ${skipped}; testing an injected ENOSPC instead\n`);
    }
    // The same with the failure injected into the writer, where no tmpfs is needed.
    await assertFullDiskFailure(workspace, join(workspace.directory, 'injected'), want, 1 << 20);
  } finally {
    if (skipped === undefined) execFileSync('umount', [disk]);
    await workspace.dispose();
  }
});

/** Corruption is one way to damage an image file. */
type Corruption =
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'zero'; readonly at: number; readonly length: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array };

function corruption(size: number): fc.Arbitrary<Corruption> {
  const at = fc.integer({ min: 0, max: size - 1 });
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({ kind: fc.constant('zero' as const), at, length: fc.integer({ min: 1, max: 4096 }) }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  );
}

async function corruptCopy(image: Buffer, damage: Corruption, directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const file = join(directory, 'checkpoint.img');
  const bytes = Buffer.from(image);
  if (damage.kind === 'flip') bytes[damage.at] = bytes[damage.at]! ^ damage.mask;
  if (damage.kind === 'zero') {
    // A range already all zero would leave the image intact: damage it for real.
    const end = Math.min(bytes.length, damage.at + damage.length);
    const allZero = bytes.subarray(damage.at, end).every((byte) => byte === 0);
    bytes.fill(allZero ? 0xff : 0, damage.at, end);
  }
  await writeFile(file, damage.kind === 'append' ? Buffer.concat([bytes, damage.bytes]) : bytes);
  if (damage.kind === 'truncate') await truncate(file, damage.at);
}

Faults('a damaged image is refused with a typed error, never restored and never a crash', async () => {
  const workspace = await createWorkspace('corrupt');
  try {
    // One image of a counter stopped mid-loop, written in this process.
    const source = join(workspace.directory, 'source');
    const devNull = openSync('/dev/null', 'w');
    try {
      const prepared = await CHECKPOINT_FIXTURES.counter.prepare(workspace);
      const counter = await Sandbox.create({ ...prepared.recipe, stdio: { stdin: 'null', stdout: devNull, stderr: devNull }, cacheDir: cacheDirectory() });
      counter.start();
      await new Promise((resolve) => setTimeout(resolve, 60));
      await counter.checkpoint({ imagePath: source });
      await counter.wait();
    } finally {
      closeSync(devNull);
    }
    const image = await readFile(join(source, 'checkpoint.img'));
    // The intact image restores (so a refusal below is the damage's doing).
    const intact = await Sandbox.restore({ imagePath: source, stdio: { stdin: 'null', stdout: 'null', stderr: 'null' } });
    intact.kill(9);
    let index = 0;
    await fc.assert(
      fc.asyncProperty(corruption(image.length), async (damage) => {
        const directory = join(workspace.directory, `damaged-${index++}`);
        await corruptCopy(image, damage, directory);
        const outcome = await Sandbox.restore({ imagePath: directory, stdio: { stdin: 'null', stdout: 'null', stderr: 'null' } }).then(
          (sandbox) => {
            sandbox.kill(9);
            return 'restored' as const;
          },
          (error: unknown) => error,
        );
        assert.ok(outcome !== 'restored', `an image damaged by ${JSON.stringify(damage)} restored`);
        assert.ok(isTypedRefusal(outcome), `damage ${JSON.stringify(damage)} gave ${String(outcome)} (${(outcome as Error).name}), want a typed refusal`);
      }),
      { numRuns: CORRUPTIONS, endOnFailure: true, includeErrorInReport: true },
    );
    // And in a process of its own, the restoring host reports the refusal and exits normally.
    const directory = join(workspace.directory, 'damaged-process');
    await corruptCopy(image, { kind: 'flip', at: Math.floor(image.length / 2), mask: 0x10 }, directory);
    await writeFile(join(workspace.directory, 'out'), '');
    const { report } = await runDriver({ start: { kind: 'restore', imagePath: directory }, stdout: join(workspace.directory, 'out'), stderr: join(workspace.directory, 'out'), cacheDir: cacheDirectory() });
    assert.is(report.outcome, 'error', `restoring a damaged image in a new process: ${JSON.stringify(report)}`);
    if (report.outcome === 'error') assert.ok(['ChecksumMismatchError', 'CorruptImageError', 'ImageContentError'].includes(report.error.name), `error ${report.error.name}: ${report.error.message}`);
  } finally {
    await workspace.dispose();
  }
});

Faults('an image written with a key is refused without it and with another', async () => {
  const workspace = await createWorkspace('keyed');
  const devNull = openSync('/dev/null', 'w');
  try {
    const key = new Uint8Array(32).fill(7);
    const prepared = await CHECKPOINT_FIXTURES.counter.prepare(workspace);
    const counter = await Sandbox.create({ ...prepared.recipe, stdio: { stdin: 'null', stdout: devNull, stderr: devNull }, cacheDir: cacheDirectory() });
    counter.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const imagePath = join(workspace.directory, 'image');
    await counter.checkpoint({ imagePath, key });
    const refusal = (options: { key?: Uint8Array }) =>
      Sandbox.restore({ imagePath, stdio: { stdin: 'null', stdout: 'null', stderr: 'null' }, ...options }).then(
        (sandbox) => {
          sandbox.kill(9);
          return undefined;
        },
        (error: unknown) => error as Error,
      );
    assert.is((await refusal({}))?.name, 'AuthenticationError', 'restore without the key');
    assert.is((await refusal({ key: new Uint8Array(32).fill(8) }))?.name, 'AuthenticationError', 'restore with another key');
    assert.is(await refusal({ key }), undefined, 'restore with the key');
    assert.ok((await stat(join(imagePath, 'checkpoint.img'))).mode % 0o1000 === 0o600, 'the image is readable by its owner only');
  } finally {
    closeSync(devNull);
    await workspace.dispose();
  }
});

Faults('an image directory is created if missing and refused when it already holds an image', async () => {
  const workspace = await createWorkspace('directory');
  const devNull = openSync('/dev/null', 'w');
  try {
    const prepared = await CHECKPOINT_FIXTURES.counter.prepare(workspace);
    const counter = await Sandbox.create({ ...prepared.recipe, stdio: { stdin: 'null', stdout: devNull, stderr: devNull }, cacheDir: cacheDirectory() });
    counter.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const imagePath = join(workspace.directory, 'a/b/image');
    await counter.checkpoint({ imagePath, leaveRunning: true });
    const error = await counter.checkpoint({ imagePath, leaveRunning: true }).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    assert.is(error?.name, 'ImageExistsError', `a second checkpoint into ${imagePath}: ${String(error)}`);
    assert.match(error!.message, 'two checkpoints cannot be saved to the same directory');
    assert.is(counter.status, 'running', 'the refused checkpoint left the sandbox running');
    const second = join(workspace.directory, 'second');
    await counter.checkpoint({ imagePath: second });
    assert.is(counter.status, 'stopped', 'a stop checkpoint stops the sandbox');
    assert.equal(await counter.wait(), { code: 137, signal: 9 });
  } finally {
    closeSync(devNull);
    await workspace.dispose();
  }
});

Faults('a restore refuses a new rootfs in which a file the guest holds open is missing or changed size', async () => {
  const want = await reference('sqlite');
  const workspace = await createWorkspace('rebind');
  try {
    // The SQLite shell holds its script (a rootfs file, never copied up) open while it runs it.
    const imagePath = join(workspace.directory, 'image');
    const request = await checkpointRequest(workspace, 'sqlite', { imagePath, afterStdoutBytes: 1, afterMs: 0 });
    const { report, stderr } = await runDriver(request);
    if (report.outcome !== 'checkpointed') throw new DriverFailure(report, stderr);
    const rootfs = (request.start as { options: { rootfs: string } }).options.rootfs;
    const moved = join(workspace.directory, 'new-bundle-rootfs');
    await cp(rootfs, moved, { recursive: true });
    const script = join(moved, 'input/sqlite-work.sql');
    const restore = (root: string) =>
      Sandbox.restore({ imagePath, rootfs: root, stdio: { stdin: 'null', stdout: 'null', stderr: 'null' } }).then(
        (sandbox) => {
          sandbox.kill(9);
          return undefined;
        },
        (error: unknown) => error as Error,
      );
    assert.is(await restore(moved), undefined, 'the same files in another directory (a new bundle) restore');
    const original = await readFile(script);
    await writeFile(script, Buffer.concat([original, Buffer.from('SELECT 1;\n')]));
    const resized = await restore(moved);
    assert.instance(resized, HostRebindError, `a resized open file: ${String(resized)}`);
    assert.is((resized as HostRebindError).guestPath, '/input/sqlite-work.sql');
    assert.match((resized as Error).message, 'changed size');
    await rm(script);
    const missing = await restore(moved);
    assert.instance(missing, HostRebindError, `a missing open file: ${String(missing)}`);
    assert.match((missing as Error).message, 'missing');
    // And the image still restores to the right continuation on the intact rootfs.
    const restored = await continueFrom(CHECKPOINT_FIXTURES.sqlite, workspace, imagePath, report.checkpoint, want, 'intact');
    assertSame(restored, want, 'sqlite restored on its rootfs');
  } finally {
    await workspace.dispose();
  }
});

Faults.run();
