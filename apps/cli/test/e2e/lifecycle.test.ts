// The OCI lifecycle through the real `bin/stasis`, as containerd's shim drives it: create
// (pid file), start, state, list, ps, kill, delete; run in the foreground and detached; the
// errors and their runc wording; a crashed sandbox process reported as stopped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stackSwitchingNodeFlags } from '@stasis/sentry/stack-switching';
import { Lab, isAlive, tickCount, waitUntil } from './harness.js';

const Lifecycle = suite('lifecycle');
let lab: Lab;

Lifecycle.before.each(() => {
  lab = new Lab();
});
Lifecycle.after.each(() => lab.dispose());

Lifecycle('run in the foreground exits with the program status and removes the container', () => {
  lab.config(['/probe.wasm', 'one', 'exit=3']);
  const result = lab.runDetached(['run', 'c1'], 'run');
  assert.is(result.code, 3, `stasis run: got status ${result.code}, want 3; stderr: ${result.stderr}`);
  const stdout = result.output.stdout();
  assert.match(stdout, /^arg \/probe\.wasm\narg one\narg exit=3\n/);
  assert.match(stdout, /^env GREETING=hello$/m);
  assert.is(lab.run(['list', '--quiet']).stdout, '', 'run removes the container after it exits');
});

Lifecycle('create, start, state, list, ps, kill, delete', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  const pidFile = join(lab.bundle, 'init.pid');
  const created = lab.runDetached(['create', '--bundle', lab.bundle, '--pid-file', pidFile, 'c1'], 'c1');
  assert.is(created.code, 0, `create: ${created.stderr}`);
  const pidText = readFileSync(pidFile, 'utf8');
  assert.match(pidText, /^\d+$/, `pid file ${JSON.stringify(pidText)}: want decimal digits and no newline`);
  const pid = Number(pidText);
  assert.ok(isAlive(pid), 'the pid file names a live process after create exits');
  // Node 20 gives the sandbox process stack switching, so its slices end without unwinding.
  const nodeArguments = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  assert.equal(nodeArguments.slice(1, 1 + stackSwitchingNodeFlags().length), stackSwitchingNodeFlags(), `sandbox process argv: ${nodeArguments.join(' ')}`);
  assert.ok(stackSwitchingNodeFlags().length > 0 || Number(process.versions.v8.split('.')[0]) !== 11, 'Node 20 (V8 11) has stack switching');

  const state = lab.state('c1');
  assert.equal(
    { ...state, created: undefined },
    { ociVersion: '1.0.2', id: 'c1', pid, status: 'created', bundle: lab.bundle, rootfs: lab.rootfs, created: undefined, owner: '', annotations: {} },
  );
  assert.ok(!Number.isNaN(Date.parse(state.created as string)), 'created is RFC 3339');
  assert.is(created.output.stdout(), '', 'nothing runs before start');

  assert.is(lab.run(['start', 'c1']).code, 0);
  assert.is(lab.state('c1').status, 'running');
  await created.output.waitFor((out) => tickCount(out) >= 2, 'two ticks');

  const list = JSON.parse(lab.run(['list', '--format', 'json']).stdout) as { id: string; status: string; pid: number }[];
  assert.equal(
    list.map(({ id, status, pid: listed }) => ({ id, status, pid: listed })),
    [{ id: 'c1', status: 'running', pid }],
  );
  assert.match(lab.run(['list']).stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\nc1\s+\d+\s+running\s/);
  assert.equal(JSON.parse(lab.run(['ps', '--format', 'json', 'c1']).stdout), [pid]);
  assert.match(lab.run(['ps', 'c1']).stdout, /\/ticker\.wasm 0 20/);

  assert.is(lab.run(['kill', 'c1', 'TERM']).code, 0);
  await waitUntil(() => !isAlive(pid), 'the sandbox process to exit after SIGTERM');
  const stopped = lab.state('c1');
  assert.is(stopped.status, 'stopped');
  assert.is(stopped.pid, 0, 'pid is 0 once stopped');

  assert.is(lab.run(['delete', 'c1']).code, 0);
  assert.match(lab.run(['state', 'c1']).stderr, /does not exist/);
});

Lifecycle('the sandbox process exits with the workload status (what the shim reports)', async () => {
  lab.config(['/probe.wasm', 'exit=42']);
  const shim = lab.start(['run', '--detach', '--pid-file', join(lab.bundle, 'init.pid'), 'c1'], 'c1');
  assert.is(await shim.exited, 0, 'run --detach returns once started');
  const pid = Number(readFileSync(join(lab.bundle, 'init.pid'), 'utf8'));
  await waitUntil(() => !isAlive(pid), 'the workload to finish');
  await lab.waitForStatus('c1', 'stopped');
  assert.match(shim.output.stdout(), /arg exit=42/);
  assert.is(lab.run(['delete', 'c1']).code, 0);
});

Lifecycle('kill --all; a created container can be killed and deleted', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  assert.is(lab.runDetached(['create', 'c1'], 'c1').code, 0);
  const pid = lab.state('c1').pid;
  assert.is(lab.run(['kill', '--all', 'c1', '9']).code, 0);
  await waitUntil(() => !isAlive(pid), 'the created container to die of SIGKILL');
  assert.is(lab.state('c1').status, 'stopped');
  assert.is(lab.run(['delete', 'c1']).code, 0);

  assert.is(lab.runDetached(['create', 'c2'], 'c2').code, 0);
  assert.is(lab.run(['delete', 'c2']).code, 0, 'delete removes a created container, as runc does');
  assert.match(lab.run(['state', 'c2']).stderr, /does not exist/);
});

Lifecycle('signals whose default action is to ignore (SIGWINCH on a terminal resize) leave a created or running container alive', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  const created = lab.runDetached(['create', 'c1'], 'c1');
  assert.is(created.code, 0, created.stderr);
  const pid = lab.state('c1').pid;
  for (const signal of ['WINCH', '28', 'SIGCHLD', 'URG', 'CONT']) assert.is(lab.run(['kill', 'c1', signal]).code, 0, `kill c1 ${signal}`);
  assert.is(lab.state('c1').status, 'created', 'still created after SIGWINCH, SIGCHLD, SIGURG, SIGCONT');
  assert.ok(isAlive(pid), 'the created container survives them');
  const started = lab.run(['start', 'c1']);
  assert.is(started.code, 0, started.stderr);
  for (const signal of ['WINCH', '28', 'SIGCHLD', 'URG', 'CONT']) assert.is(lab.run(['kill', '--all', 'c1', signal]).code, 0, `kill --all c1 ${signal}`);
  const ticks = tickCount(created.output.stdout());
  await created.output.waitFor((out) => tickCount(out) >= ticks + 2, 'two more ticks after the signals');
  assert.is(lab.state('c1').status, 'running', 'still running after SIGWINCH, SIGCHLD, SIGURG, SIGCONT');
  assert.is(lab.run(['kill', 'c1', 'TERM']).code, 0);
  await waitUntil(() => !isAlive(pid), 'the sandbox process to exit after SIGTERM');
  assert.is(lab.run(['delete', 'c1']).code, 0);
});

Lifecycle('a Kubernetes pod sandbox container (CRI annotation, native pause binary) runs a placeholder until killed', async () => {
  writeFileSync(join(lab.rootfs, 'pause'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  lab.config(['/pause'], { annotations: { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': 'pod1' } });
  const created = lab.runDetached(['create', '--bundle', lab.bundle, 'pod1'], 'pod1');
  assert.is(created.code, 0, `create of a pod sandbox: ${created.stderr}`);
  const pid = lab.state('pod1').pid;
  assert.is(lab.run(['start', 'pod1']).code, 0);
  await waitUntil(() => JSON.parse(lab.run(['ps', '--format', 'json', 'pod1']).stdout).length === 1, 'the placeholder task');
  assert.match(lab.run(['ps', 'pod1']).stdout, /\/pause/);
  assert.is(lab.state('pod1').status, 'running');
  assert.is(lab.run(['kill', 'pod1', 'WINCH']).code, 0);
  assert.is(lab.run(['kill', 'pod1', 'TERM']).code, 0);
  await waitUntil(() => !isAlive(pid), 'the pod sandbox to exit after SIGTERM');
  assert.is(lab.state('pod1').status, 'stopped');
  assert.is(lab.run(['delete', 'pod1']).code, 0);

  // Without the annotation the same bundle is refused, naming the native binary.
  lab.config(['/pause']);
  const refused = lab.runDetached(['create', '--bundle', lab.bundle, 'plain'], 'plain');
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, /native executable/);
});

Lifecycle('pause and resume', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  const created = lab.runDetached(['run', '--detach', 'c1'], 'c1');
  assert.is(created.code, 0, created.stderr);
  await created.output.waitFor((out) => tickCount(out) >= 2, 'two ticks');
  assert.is(lab.run(['pause', 'c1']).code, 0);
  assert.is(lab.state('c1').status, 'paused');
  assert.match(lab.run(['pause', 'c1']).stderr, /container not running/);
  const frozen = created.output.stdout();
  // Every task is parked at a safe point once pause returns: nothing more can be written.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.is(created.output.stdout(), frozen, 'a paused container printed more');
  assert.is(lab.run(['resume', 'c1']).code, 0);
  assert.is(lab.state('c1').status, 'running');
  assert.match(lab.run(['resume', 'c1']).stderr, /container not paused/);
  await created.output.waitFor((out) => tickCount(out) > tickCount(frozen), 'ticks after resume');
  assert.is(lab.run(['delete', '--force', 'c1']).code, 0);
});

Lifecycle('a crashed sandbox process is reported as stopped', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  assert.is(lab.runDetached(['run', '-d', 'c1'], 'c1').code, 0);
  const pid = lab.state('c1').pid;
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the sandbox process to die');
  assert.equal({ status: lab.state('c1').status, pid: lab.state('c1').pid }, { status: 'stopped', pid: 0 });
  assert.match(lab.run(['kill', 'c1', '9']).stderr, /container not running/);
  assert.is(lab.run(['delete', 'c1']).code, 0);
});

Lifecycle.run();
