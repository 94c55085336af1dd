// Checkpoint and restore through the real `bin/stasis`, in every form the issue names: the
// gVisor documentation's flow verbatim (`run` in one terminal, `checkpoint`, then `create` +
// `restore` continuing the program; a second checkpoint into the same directory refused), the
// shim's pause -> checkpoint --leave-running -> resume, runc's one-step `restore --bundle
// --detach --pid-file`, and `inspect`. The restored output must continue the original byte for
// byte: together they equal an uninterrupted run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab, isAlive, tickCount, waitUntil } from './harness.js';

/** LONG_TICKS: the ticker must still be running after several CLI commands on a loaded machine (at 40 ticks, 0.8 s, it could finish first). */
const LONG_TICKS = 300;
const tickerOutput = (count: number) => `${Array.from({ length: count }, (_, index) => `tick ${index + 1}\n`).join('')}ticker done\n`;

const Checkpoint = suite('checkpoint');
let lab: Lab;

Checkpoint.before.each(() => {
  lab = new Lab();
});
Checkpoint.after.each(() => lab.dispose());

Checkpoint('the gVisor flow: run, checkpoint, create + restore continues the program', async () => {
  // A ticker that never ends: the restored copy is still running when the second checkpoint comes.
  lab.config(['/ticker.wasm', '0', '20']);
  const image = join(lab.directory, 'image');
  const first = lab.start(['run', 'ID'], 'first');
  await first.output.waitFor((out) => tickCount(out) >= 5, 'five ticks');

  const checkpoint = lab.run(['checkpoint', `--image-path=${image}`, 'ID']);
  assert.is(checkpoint.code, 0, `checkpoint: ${checkpoint.stderr}`);
  assert.is(checkpoint.stdout, '', 'checkpoint prints nothing when not on a terminal');
  assert.is(checkpoint.stderr, '');
  assert.is(await first.exited, 137, 'the checkpointed container stopped as if killed');
  const before = first.output.stdout();
  assert.match(lab.run(['state', 'ID']).stderr, /does not exist/, 'a checkpoint without --leave-running removes the container');

  const second = lab.runDetached(['create', 'ID2'], 'second');
  assert.is(second.code, 0, second.stderr);
  const restore = lab.run(['restore', `--image-path=${image}`, 'ID2']);
  assert.is(restore.code, 0, `restore: ${restore.stderr}`);
  assert.is(lab.state('ID2').status, 'running');
  await second.output.waitFor((out) => tickCount(out) >= tickCount(before) + 3, 'three more ticks after the restore');

  // The image directory already holds an image: a second checkpoint into it is refused.
  const again = lab.run(['checkpoint', `--image-path=${image}`, 'ID2']);
  assert.is.not(again.code, 0, 'a second checkpoint into the same directory succeeded');
  assert.match(again.stderr, /already holds/);
  assert.is(lab.state('ID2').status, 'running', 'a refused checkpoint leaves the container running');

  assert.is(lab.run(['kill', 'ID2', 'KILL']).code, 0);
  await lab.waitForStatus('ID2', 'stopped');
  const combined = before + second.output.stdout();
  assert.is(combined, tickerOutput(tickCount(combined)).replace('ticker done\n', ''), 'the restored ticks continue the first run with none lost or repeated');
  assert.is(lab.run(['delete', 'ID2']).code, 0);
});

Checkpoint('checkpoint mid-computation: the restored program prints what an uninterrupted run prints', async () => {
  // About a quarter of a second per step: the checkpoint comes after the first, well before the end.
  const args = ['/crunch.wasm', '10', '60000000'];
  lab.config(args);
  const reference = lab.runDetached(['run', 'reference'], 'reference');
  assert.is(reference.code, 0, reference.stderr);
  const expected = reference.output.stdout();
  assert.match(expected, /crunch done\n$/);

  const image = join(lab.directory, 'image');
  const first = lab.runDetached(['run', '--detach', 'c1'], 'first');
  assert.is(first.code, 0, first.stderr);
  await first.output.waitFor((out) => out.includes('step 1/'), 'the first step');
  assert.is(lab.run(['checkpoint', '--image-path', image, 'c1']).code, 0);
  const before = first.output.stdout();
  assert.not.match(before, /crunch done/, 'checkpointed before the end');

  const restored = lab.runDetached(['restore', '--image-path', image, '--bundle', lab.bundle, 'c2'], 'restored');
  assert.is(restored.code, 0, `one-step restore in the foreground exits with the program status: ${restored.stderr}`);
  assert.is(before + restored.output.stdout(), expected);
});

Checkpoint("the shim's sequence: pause, checkpoint --leave-running, resume; then a one-step restore", async () => {
  // Long enough that the restored copy is still running when `state` is asked, even on a
  // loaded machine (at 40 ticks it could finish first and report pid 0).
  lab.config(['/ticker.wasm', String(LONG_TICKS), '20']);
  const image = join(lab.directory, 'image');
  const original = lab.runDetached(['run', '--detach', 'c1'], 'original');
  assert.is(original.code, 0, original.stderr);
  await original.output.waitFor((out) => tickCount(out) >= 5, 'five ticks');

  assert.is(lab.run(['pause', 'c1']).code, 0);
  const atCheckpoint = original.output.stdout();
  const checkpoint = lab.run(['checkpoint', '--image-path', image, '--work-path', join(lab.bundle, 'work'), '--file-locks', '--leave-running', 'c1']);
  assert.is(checkpoint.code, 0, checkpoint.stderr);
  assert.is(lab.state('c1').status, 'paused', 'leave-running keeps the container as it was');
  assert.is(lab.run(['resume', 'c1']).code, 0);

  const pidFile = join(lab.bundle, 'init.pid');
  const restored = lab.runDetached(['restore', '--image-path', image, '--work-path', join(lab.bundle, 'work'), '--detach', '--pid-file', pidFile, '-no-subreaper', '--bundle', lab.bundle, 'c2'], 'restored');
  assert.is(restored.code, 0, restored.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.is(lab.state('c2').pid, pid);
  await waitUntil(() => !isAlive(pid), 'the restored container to finish');
  await lab.waitForStatus('c1', 'stopped');
  assert.is(original.output.stdout(), tickerOutput(LONG_TICKS), 'the original ran on to the end');
  assert.is(atCheckpoint + restored.output.stdout(), tickerOutput(LONG_TICKS), 'the copy continued from the checkpoint');
});

Checkpoint('after a stopping checkpoint the shim sees "does not exist"', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  const image = join(lab.directory, 'image');
  const run = lab.runDetached(['run', '--detach', 'c1'], 'c1');
  await run.output.waitFor((out) => tickCount(out) >= 1, 'a tick');
  assert.is(lab.run(['pause', 'c1']).code, 0);
  assert.is(lab.run(['checkpoint', '--image-path', image, 'c1']).code, 0);
  assert.ok(existsSync(join(image, 'checkpoint.img')), 'the image holds checkpoint.img');
  assert.match(lab.run(['resume', 'c1']).stderr, /does not exist/);
  assert.match(lab.run(['delete', 'c1']).stderr, /does not exist/);
  assert.match(lab.run(['restore', '--image-path', join(lab.directory, 'nothing'), '--bundle', lab.bundle, '--detach', 'c2']).stderr, /nothing/);
  assert.is(lab.run(['list', '-q']).stdout, '', 'a failed restore leaves no container');
});

Checkpoint('inspect shows what an image holds', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  const image = join(lab.directory, 'image');
  const run = lab.runDetached(['run', '--detach', 'c1'], 'c1');
  await run.output.waitFor((out) => tickCount(out) >= 1, 'a tick');
  assert.is(lab.run(['checkpoint', '--image-path', image, '--leave-running', 'c1']).code, 0);
  const text = lab.run(['inspect', image]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /^container\s+c1$/m);
  assert.match(text.stdout, /^format\s+1\.\d+$/m);
  assert.match(text.stdout, /^tasks\s+1$/m);
  const json = JSON.parse(lab.run(['inspect', '--format', 'json', image]).stdout) as { container: string; tasks: number; sections: unknown[] };
  assert.is(json.container, 'c1');
  assert.is(json.tasks, 1);
  assert.ok(json.sections.length > 0, 'sections are listed');
  assert.is(lab.run(['delete', '--force', 'c1']).code, 0);
});

Checkpoint('incremental, compressed and keyed images restore and continue', async () => {
  // The ticker must still be running at `pause`, after two CLI commands.
  lab.config(['/ticker.wasm', String(LONG_TICKS), '20']);
  const key = join(lab.directory, 'image.key');
  writeFileSync(key, 'a key of at least sixteen bytes');
  const parent = join(lab.directory, 'images', 'parent');
  const child = join(lab.directory, 'images', 'child');
  const original = lab.runDetached(['run', '--detach', 'c1'], 'original');
  assert.is(original.code, 0, original.stderr);
  await original.output.waitFor((out) => tickCount(out) >= 3, 'three ticks');
  assert.is(lab.run(['pause', 'c1']).code, 0);
  const first = lab.run(['checkpoint', '--image-path', parent, '--leave-running', '--compression', 'gzip', '--image-key-file', key, 'c1']);
  assert.is(first.code, 0, first.stderr);
  // CRIU's convention, which runc keeps: a relative --parent-path is relative to the image directory.
  const second = lab.run(['checkpoint', '--image-path', child, '--parent-path', '../parent', '--leave-running', '--image-key-file', key, 'c1']);
  assert.is(second.code, 0, second.stderr);
  const atCheckpoint = original.output.stdout();
  assert.is(lab.run(['delete', '--force', 'c1']).code, 0);

  const described = JSON.parse(lab.run(['inspect', '--format', 'json', '--image-key-file', key, child]).stdout) as { authenticated: boolean; sections: { memory?: { parentPages: number } }[] };
  assert.ok(described.authenticated, 'the image is authenticated');
  assert.ok(described.sections.some((section) => (section.memory?.parentPages ?? 0) > 0), 'the child image refers to pages of its parent');
  assert.is.not(lab.run(['inspect', child]).code, 0, 'a keyed image does not open without its key');
  assert.match(lab.runDetached(['restore', '--image-path', child, '--bundle', lab.bundle, '--detach', 'c2'], 'refused').stderr, /key|authenticat/i);

  const restored = lab.runDetached(['restore', '--image-path', child, '--image-key-file', key, '--bundle', lab.bundle, 'c3'], 'restored');
  assert.is(restored.code, 0, restored.stderr);
  assert.is(atCheckpoint + restored.output.stdout(), tickerOutput(LONG_TICKS));
});

Checkpoint('restore on a terminal shows its progress, in both forms, as checkpoint does', async () => {
  lab.config(['/ticker.wasm', String(LONG_TICKS), '20']);
  const image = join(lab.directory, 'image');
  const original = lab.runDetached(['run', '--detach', 'c1'], 'original');
  assert.is(original.code, 0, original.stderr);
  await original.output.waitFor((out) => tickCount(out) >= 3, 'three ticks');
  const checkpoint = lab.runOnTerminal(['checkpoint', '--image-path', image, 'c1']);
  assert.is(checkpoint.code, 0, checkpoint.output);
  assert.match(checkpoint.output, /checkpoint: [\d.]+ (?:B|KiB|MiB) \/ [\d.]+ (?:B|KiB|MiB) \(100%\)/, `checkpoint on a terminal: ${JSON.stringify(checkpoint.output)}`);
  const progress = /restore: [\d.]+ (?:B|KiB|MiB) \/ [\d.]+ (?:B|KiB|MiB) \(100%\)/;

  // gVisor's form: create, then restore into the created container's sandbox process.
  const created = lab.runDetached(['create', 'c2'], 'created');
  assert.is(created.code, 0, created.stderr);
  const restore = lab.runOnTerminal(['restore', '--image-path', image, 'c2']);
  assert.is(restore.code, 0, restore.output);
  assert.match(restore.output, progress, `restore into a created container: ${JSON.stringify(restore.output)}`);
  // The ticker ends on its own (it may already have, under load).
  await lab.waitForStatus('c2', 'stopped');

  // runc's one step in the foreground: the progress line, cleared, then the program's output.
  const oneStep = lab.runOnTerminal(['restore', '--image-path', image, '--bundle', lab.bundle, 'c3']);
  assert.is(oneStep.code, 0, oneStep.output);
  assert.match(oneStep.output, progress, `one-step restore: ${JSON.stringify(oneStep.output)}`);
  assert.match(oneStep.output, /ticker done/);
});

Checkpoint.run();
