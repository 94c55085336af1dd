// Stasis as containerd's runtime binary (`ctr run --runc-binary <repo>/bin/stasis`), through the
// real containerd-shim-runc-v2. See harness/integration-suite.ts for when this runs.
import { existsSync, readdirSync, renameSync } from 'node:fs';
import * as assert from 'uvu/assert';
import {
  ctrRunArgs,
  readTicks,
  removeContainer,
  taskPids,
  taskStatus,
  waitForStatus,
  waitForTicks,
} from './harness/containerd.js';
import { integrationSuite } from './harness/integration-suite.js';
import type { Lab } from './harness/lab.js';
import { probeCommand } from './harness/images.js';
import { runOnTerminal } from './harness/terminal.js';
import { continuationProblem } from './harness/ticks.js';
import { expectStill } from './harness/wait.js';

const Containerd = integrationSuite('containerd', 'containerd (ctr --runc-binary bin/stasis)');

function assertStateRemoved(lab: Lab, id: string): void {
  const directory = lab.runtimeStateDirectory('containerd', id);
  assert.not.ok(existsSync(directory), `after deleting ${id}: runtime state ${directory} still exists, want it removed by delete`);
}

Containerd.scenario('ctr run: the exit code and stdout of the program', async ({ lab, probe, exitCode }) => {
  const exited = await lab.ctr(ctrRunArgs(lab, exitCode, 'run-exit', [exitCode.path, '3'], { remove: true }));
  assert.is(exited.code, 3, `ctr run ... exitcode 3: got exit status ${exited.code}, want 3; stderr: ${exited.stderr}`);
  assert.is(exited.stdout, 'exiting with status 3\n');
  const hello = await lab.ctr(ctrRunArgs(lab, probe, 'run-hello', [], { remove: true }));
  assert.is(hello.code, 0, `ctr run (image's default command): got exit status ${hello.code}, want 0; stderr: ${hello.stderr}`);
  assert.is(hello.stdout, 'hello from stasis\n');
  // --null-io hands the runtime /dev/null opened read-only; runc reopens it read-write for the
  // container (libcontainer reOpenDevNull), so programs may write to it.
  const nullIo = await lab.ctr(ctrRunArgs(lab, probe, 'run-null-io', [], { remove: true, nullIo: true }));
  assert.is(nullIo.code, 0, `ctr run --null-io: got exit status ${nullIo.code}, want 0 (the probe exits 120 when writing stdout fails)`);
  for (const id of ['run-exit', 'run-hello', 'run-null-io']) assertStateRemoved(lab, id);
});

Containerd.scenario('ctr run -d, task exec, task ps, pause and resume, kill', async ({ lab, probe }) => {
  const id = 'detached';
  const log = lab.path('detached.log');
  await lab.ctrChecked(ctrRunArgs(lab, probe, id, probeCommand(probe, 'tick'), { detach: true, logFile: log }));
  await waitForTicks(log, 2);
  assert.is(await taskStatus(lab, id), 'RUNNING');

  const exec = await lab.ctr(['tasks', 'exec', '--exec-id', 'exec-hello', id, ...probeCommand(probe, 'hello', 'exec')]);
  assert.is(exec.code, 0, `ctr task exec: got exit status ${exec.code}, want 0; stderr: ${exec.stderr}`);
  assert.is(exec.stdout, 'hello from stasis exec\n');
  const execExit = await lab.ctr(['tasks', 'exec', '--exec-id', 'exec-exit', id, ...probeCommand(probe, 'exit', '4')]);
  assert.is(execExit.code, 4, `ctr task exec ... exit 4: got exit status ${execExit.code}, want 4`);

  const pids = await taskPids(lab, id);
  assert.ok(pids.length > 0, 'ctr task ps: got no pids, want the container process');
  for (const pid of pids) assert.ok(existsSync(`/proc/${pid}`), `ctr task ps listed pid ${pid}, which does not exist`);

  await lab.ctrChecked(['tasks', 'pause', id]);
  assert.is(await taskStatus(lab, id), 'PAUSED');
  await expectStill('ticks in the task log', async () => (await readTicks(log)).length);
  const whilePaused = (await readTicks(log)).length;
  await lab.ctrChecked(['tasks', 'resume', id]);
  assert.is(await taskStatus(lab, id), 'RUNNING');
  await waitForTicks(log, whilePaused + 2);

  await lab.ctrChecked(['tasks', 'kill', id]);
  await waitForStatus(lab, id, 'STOPPED');
  const removal = await removeContainer(lab, id);
  assert.match(removal, 'exit code 143', `ctr task rm after SIGTERM: got ${JSON.stringify(removal)}, want exit code 143`);
  assertStateRemoved(lab, id);
});

// The checkpoint image the next two scenarios restore, and what the program had written by then.
const checkpoint = { reference: 'stasis.test/checkpoint/ticker:1', seenBefore: 0, lastBeforeRemoval: 0 };
let firstRestoredTick: number | undefined;

Containerd.scenario('ctr container checkpoint, remove, restore: the program continues where it stopped', async ({ lab, probe }) => {
  const id = 'ticker';
  const out = lab.path('out-ticker');
  const ticks = `${out}/ticks`;
  // After a restore the program's stdout goes to `ctr container restore`, which does not stay to
  // read it: the program also writes its ticks to a bind-mounted host file, restored with it.
  const run = ctrRunArgs(lab, probe, id, probeCommand(probe, 'tick', '/out/ticks'), {
    detach: true,
    logFile: lab.path('ticker.log'),
    outDirectory: out,
  });
  await lab.ctrChecked(run);
  checkpoint.seenBefore = (await waitForTicks(ticks, 3)).length;

  // pause, checkpoint --leave-running, resume: the container keeps running.
  await lab.ctrChecked(['containers', 'checkpoint', '--task', '--rw', '--image', id, checkpoint.reference], { timeoutMs: 120_000 });
  const images = await lab.ctrChecked(['images', 'ls', '--quiet']);
  assert.ok(images.stdout.split('\n').includes(checkpoint.reference), `ctr images ls: no ${checkpoint.reference}`);
  const afterCheckpoint = (await readTicks(ticks)).length;
  await waitForTicks(ticks, afterCheckpoint + 2);
  assert.is(await taskStatus(lab, id), 'RUNNING');

  await removeContainer(lab, id);
  assertStateRemoved(lab, id);
  const before = await readTicks(ticks);
  checkpoint.lastBeforeRemoval = before.at(-1)!;
  renameSync(ticks, `${ticks}.before-restore`);

  await lab.ctrChecked(['containers', 'restore', '--live', '--rw', id, checkpoint.reference], { timeoutMs: 120_000 });
  const after = await waitForTicks(ticks, 3);
  assert.is(continuationProblem(after, checkpoint.seenBefore, checkpoint.lastBeforeRemoval), undefined);
  firstRestoredTick = after[0];
  await removeContainer(lab, id);
  assertStateRemoved(lab, id);
});

Containerd.scenario('ctr container restore into a new container from a checkpoint made in another', async ({ lab }) => {
  assert.ok(firstRestoredTick !== undefined, 'needs the checkpoint image of the previous scenario');
  const id = 'ticker-copy';
  const ticks = lab.path('out-ticker', 'ticks');
  renameSync(ticks, `${ticks}.first-restore`);
  await lab.ctrChecked(['containers', 'restore', '--live', '--rw', id, checkpoint.reference], { timeoutMs: 120_000 });
  const after = await waitForTicks(ticks, 3);
  assert.is(continuationProblem(after, checkpoint.seenBefore, checkpoint.lastBeforeRemoval), undefined);
  assert.is(after[0], firstRestoredTick, `restoring the same image twice: first tick ${firstRestoredTick}, then ${after[0]}`);
  await removeContainer(lab, id);
  assertStateRemoved(lab, id);
});

Containerd.scenario('ctr task checkpoint --image-path, with and without --exit', async ({ lab, probe }) => {
  const id = 'task-checkpoint';
  const log = lab.path('task-checkpoint.log');
  await lab.ctrChecked(ctrRunArgs(lab, probe, id, probeCommand(probe, 'tick'), { detach: true, logFile: log }));
  await waitForTicks(log, 2);

  const image = lab.path('images', 'leave-running');
  await lab.ctrChecked(['tasks', 'checkpoint', '--image-path', image, id], { timeoutMs: 120_000 });
  assert.ok(existsSync(image) && readdirSync(image).length > 0, `ctr task checkpoint: ${image} holds no image`);
  const seen = (await readTicks(log)).length;
  await waitForTicks(log, seen + 2);
  assert.is(await taskStatus(lab, id), 'RUNNING');

  const exitImage = lab.path('images', 'exit');
  await lab.ctrChecked(['tasks', 'checkpoint', '--exit', '--image-path', exitImage, id], { timeoutMs: 120_000 });
  assert.ok(existsSync(exitImage) && readdirSync(exitImage).length > 0, `ctr task checkpoint --exit: ${exitImage} holds no image`);
  await waitForStatus(lab, id, 'STOPPED');
  await removeContainer(lab, id);
  assertStateRemoved(lab, id);
});

Containerd.scenario('ctr run -t: the program runs on the terminal passed through --console-socket', async ({ lab, probe }) => {
  const argv = lab.ctrArgv(ctrRunArgs(lab, probe, 'terminal', probeCommand(probe, 'tty'), { remove: true, terminal: true }));
  const shown = await runOnTerminal(argv);
  assert.is(shown.code, 0, `ctr run -t: got exit status ${shown.code}, want 0; output: ${JSON.stringify(shown.stdout)}`);
  // The probe asks isatty() of its own stdin and stdout: pipes would say "not a tty".
  assert.match(shown.stdout, /stdin: tty\r*\nstdout: tty\r*\n/, `ctr run -t: got ${JSON.stringify(shown.stdout)}`);
  assertStateRemoved(lab, 'terminal');
});

Containerd.scenario('a runtime failure reaches ctr as "OCI runtime create failed: <the runtime\'s message>"', async ({ lab, probe }) => {
  const id = 'missing-program';
  const failed = await lab.ctr(ctrRunArgs(lab, probe, id, ['/missing.wasm'], { remove: true }));
  assert.is.not(failed.code, 0, 'ctr run /missing.wasm: got exit status 0');
  assert.match(failed.stderr, /OCI runtime create failed: .*missing\.wasm/, `ctr run /missing.wasm: stderr ${JSON.stringify(failed.stderr)}`);
  const containers = await lab.ctrChecked(['containers', 'ls', '--quiet']);
  if (containers.stdout.split('\n').includes(id)) await lab.ctrChecked(['containers', 'rm', id]);
  assertStateRemoved(lab, id);
});

Containerd.run();
