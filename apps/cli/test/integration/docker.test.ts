// Stasis as a Docker runtime (`dockerd --add-runtime stasis=<repo>/bin/stasis`, experimental
// mode for checkpoints), through containerd and its runc shim. See harness/integration-suite.ts
// for when this runs.
import { cpSync, existsSync } from 'node:fs';
import * as assert from 'uvu/assert';
import {
  checkpointDirectory,
  containerId,
  containerState,
  logTicks,
  startFromCheckpoint,
  waitForContainerStatus,
  waitForLogTicks,
} from './harness/docker.js';
import { integrationSuite } from './harness/integration-suite.js';
import type { Lab } from './harness/lab.js';
import { probeCommand } from './harness/images.js';
import { END_OF_INPUT, runOnTerminal } from './harness/terminal.js';
import { continuationProblem, describeTicks, findGap } from './harness/ticks.js';
import { expectStill } from './harness/wait.js';

const Docker = integrationSuite('docker', 'docker (dockerd --add-runtime stasis=bin/stasis)');
const RUNTIME = '--runtime=stasis';

async function removeContainer(lab: Lab, name: string): Promise<void> {
  const id = await containerId(lab, name);
  await lab.dockerChecked(['rm', '--force', name]);
  const directory = lab.runtimeStateDirectory('docker', id);
  assert.not.ok(existsSync(directory), `after docker rm ${name}: runtime state ${directory} still exists, want it removed by delete`);
}

Docker.scenario('docker run: the exit code and stdout of the program', async ({ lab, probe, exitCode }) => {
  const exited = await lab.docker(['run', '--rm', RUNTIME, exitCode.image, exitCode.path, '3']);
  assert.is(exited.code, 3, `docker run ... exitcode 3: got exit status ${exited.code}, want 3; stderr: ${exited.stderr}`);
  assert.is(exited.stdout, 'exiting with status 3\n');
  const hello = await lab.docker(['run', '--rm', RUNTIME, probe.image]);
  assert.is(hello.code, 0, `docker run (image's default command): got exit status ${hello.code}, want 0; stderr: ${hello.stderr}`);
  assert.is(hello.stdout, 'hello from stasis\n');
});

Docker.scenario('docker run -i: the program reads the client\'s stdin to its end', async ({ lab, probe }) => {
  const input = 'hello stdin\nsecond line\n';
  const upcased = await lab.docker(['run', '--rm', '--interactive', RUNTIME, probe.image, ...probeCommand(probe, 'upcase')], { input });
  assert.is(upcased.code, 0, `docker run -i: got exit status ${upcased.code}, want 0; stderr: ${upcased.stderr}`);
  assert.is(upcased.stdout, 'HELLO STDIN\nSECOND LINE\n');
});

Docker.scenario('docker run -t and -it: the program runs on the terminal passed through --console-socket', async ({ lab, probe }) => {
  const shown = await runOnTerminal(lab.dockerArgv(['run', '--rm', '--tty', RUNTIME, probe.image, ...probeCommand(probe, 'tty')]));
  assert.is(shown.code, 0, `docker run -t: got exit status ${shown.code}, want 0; output: ${JSON.stringify(shown.stdout)}`);
  // The probe asks isatty() of its own stdin and stdout: pipes would say "not a tty".
  assert.match(shown.stdout, /stdin: tty\r*\nstdout: tty\r*\n/, `docker run -t: got ${JSON.stringify(shown.stdout)}`);

  const argv = lab.dockerArgv(['run', '--rm', '--interactive', '--tty', RUNTIME, probe.image, ...probeCommand(probe, 'upcase')]);
  // Typed on the terminal: a line, then, once the program has answered (so the client relays
  // keys raw by now), end of input on a line of its own.
  const typed = await runOnTerminal(argv, {
    conversation: [{ send: 'typed on a terminal\n' }, { after: 'TYPED ON A TERMINAL', send: END_OF_INPUT }],
  });
  assert.is(typed.code, 0, `docker run -it: got exit status ${typed.code}, want 0; output: ${JSON.stringify(typed.stdout)}`);
  assert.match(typed.stdout, 'TYPED ON A TERMINAL', `docker run -it: got ${JSON.stringify(typed.stdout)}`);
});

Docker.scenario('docker run -d, exec, top, pause and unpause, stop', async ({ lab, probe }) => {
  const name = 'ticker';
  await lab.dockerChecked(['run', '--detach', '--name', name, RUNTIME, probe.image, ...probeCommand(probe, 'tick')]);
  await waitForLogTicks(lab, name, 2);

  const exec = await lab.docker(['exec', name, ...probeCommand(probe, 'hello', 'exec')]);
  assert.is(exec.code, 0, `docker exec: got exit status ${exec.code}, want 0; stderr: ${exec.stderr}`);
  assert.is(exec.stdout, 'hello from stasis exec\n');
  const execExit = await lab.docker(['exec', name, ...probeCommand(probe, 'exit', '4')]);
  assert.is(execExit.code, 4, `docker exec ... exit 4: got exit status ${execExit.code}, want 4`);
  const execInput = await lab.docker(['exec', '--interactive', name, ...probeCommand(probe, 'upcase')], { input: 'exec input\n' });
  assert.is(execInput.stdout, 'EXEC INPUT\n', `docker exec -i: got ${JSON.stringify(execInput.stdout)}; stderr: ${execInput.stderr}`);

  const top = await lab.docker(['top', name]);
  assert.is(top.code, 0, `docker top: got exit status ${top.code}, want 0; stderr: ${top.stderr}`);
  const rows = top.stdout.trim().split('\n');
  assert.ok(rows.length >= 2 && rows[0]!.includes('PID'), `docker top: got ${JSON.stringify(top.stdout)}, want a header and a process`);

  await lab.dockerChecked(['pause', name]);
  assert.is((await containerState(lab, name)).Status, 'paused');
  await expectStill('ticks in docker logs', async () => (await logTicks(lab, name)).length);
  const whilePaused = (await logTicks(lab, name)).length;
  await lab.dockerChecked(['unpause', name]);
  assert.is((await containerState(lab, name)).Status, 'running');
  await waitForLogTicks(lab, name, whilePaused + 2);

  await lab.dockerChecked(['stop', '--time', '10', name], { timeoutMs: 30_000 });
  const stopped = await containerState(lab, name);
  assert.is(stopped.Status, 'exited');
  // 128 + SIGTERM: the program ended on docker stop's SIGTERM, not on the SIGKILL after --time.
  assert.is(stopped.ExitCode, 143, `after docker stop: exit code ${stopped.ExitCode}, want 143`);
  await removeContainer(lab, name);
});

// What the restore-into-another-container scenario reuses of the first checkpoint scenario.
const firstCheckpoint = { container: 'checkpointed', name: 'first', firstRestoredTick: 0 };

Docker.scenario('docker checkpoint create, then docker start --checkpoint: the program continues where it stopped', async ({ lab, probe }) => {
  const name = firstCheckpoint.container;
  await lab.dockerChecked(['run', '--detach', '--name', name, RUNTIME, probe.image, ...probeCommand(probe, 'tick')]);
  await waitForLogTicks(lab, name, 3);

  await lab.dockerChecked(['checkpoint', 'create', name, firstCheckpoint.name], { timeoutMs: 120_000 });
  const checkpointed = await waitForContainerStatus(lab, name, 'exited');
  assert.not.ok(checkpointed.Running);
  const listed = await lab.dockerChecked(['checkpoint', 'ls', name]);
  assert.match(listed.stdout, firstCheckpoint.name);
  const before = await logTicks(lab, name);

  await startFromCheckpoint(lab, ['--checkpoint', firstCheckpoint.name, name]);
  const all = await waitForLogTicks(lab, name, before.length + 3);
  // Checkpointed without --leave-running, the program stopped for good at its last tick: the
  // restored one writes the next, so the log counts up by one from 1 with no second start.
  assert.is(findGap(all), undefined, `docker logs across the restore: ticks ${describeTicks(all)}, want one unbroken count`);
  firstCheckpoint.firstRestoredTick = all[before.length]!;
  await lab.dockerChecked(['stop', '--time', '10', name], { timeoutMs: 30_000 });
});

Docker.scenario('docker checkpoint create --leave-running, docker stop, docker start --checkpoint', async ({ lab, probe }) => {
  const name = 'left-running';
  await lab.dockerChecked(['run', '--detach', '--name', name, RUNTIME, probe.image, ...probeCommand(probe, 'tick')]);
  const seenBefore = (await waitForLogTicks(lab, name, 3)).length;

  await lab.dockerChecked(['checkpoint', 'create', '--leave-running', name, 'running'], { timeoutMs: 120_000 });
  const afterCheckpoint = (await logTicks(lab, name)).length;
  await waitForLogTicks(lab, name, afterCheckpoint + 2);
  assert.is((await containerState(lab, name)).Status, 'running');

  await lab.dockerChecked(['stop', '--time', '10', name], { timeoutMs: 30_000 });
  const before = await logTicks(lab, name);
  await startFromCheckpoint(lab, ['--checkpoint', 'running', name]);
  const after = (await waitForLogTicks(lab, name, before.length + 3)).slice(before.length);
  assert.is(continuationProblem(after, seenBefore, before.at(-1)!), undefined);
  await removeContainer(lab, name);
});

Docker.scenario('restore into another container: --checkpoint-dir is refused by Docker, a copied checkpoint directory works', async ({ lab, probe }) => {
  assert.ok(firstCheckpoint.firstRestoredTick > 0, 'needs the checkpoint of the first checkpoint scenario');
  const sourceId = await containerId(lab, firstCheckpoint.container);
  const source = checkpointDirectory(lab, sourceId, firstCheckpoint.name);
  const name = 'copy';
  await lab.dockerChecked(['create', '--name', name, RUNTIME, probe.image, ...probeCommand(probe, 'tick')]);

  // Docker 20.10 and later refuse a checkpoint from another directory (moby/moby#37344).
  const refused = await lab.docker(['start', '--checkpoint-dir', `${source}/..`, '--checkpoint', firstCheckpoint.name, name]);
  assert.is.not(refused.code, 0, 'docker start --checkpoint-dir: got exit status 0, want the known refusal');
  assert.match(refused.stderr, 'custom checkpointdir is not supported');

  // What works: put the checkpoint where dockerd looks for the new container's checkpoints.
  cpSync(source, checkpointDirectory(lab, await containerId(lab, name), firstCheckpoint.name), { recursive: true });
  await startFromCheckpoint(lab, ['--checkpoint', firstCheckpoint.name, name]);
  const ticks = await waitForLogTicks(lab, name, 3);
  assert.is(ticks[0], firstCheckpoint.firstRestoredTick, `restored copy: ticks ${describeTicks(ticks)}, want them to start at ${firstCheckpoint.firstRestoredTick} as the first restore did`);
  assert.is(findGap(ticks), undefined, `restored copy: ticks ${describeTicks(ticks)} skip or repeat`);
  await removeContainer(lab, name);
  await removeContainer(lab, firstCheckpoint.container);
});

Docker.scenario('a runtime failure reaches docker as "OCI runtime create failed: <the runtime\'s message>"', async ({ lab, probe }) => {
  const failed = await lab.docker(['run', '--rm', RUNTIME, probe.image, '/missing.wasm']);
  assert.is.not(failed.code, 0, 'docker run /missing.wasm: got exit status 0');
  assert.match(failed.stderr, /OCI runtime create failed: .*missing\.wasm/, `docker run /missing.wasm: stderr ${JSON.stringify(failed.stderr)}`);
});

Docker.run();
