// exec: a new task in a running container, with the caller's stdio; from a command line (the
// container's env and cwd, plus --env and --cwd) or an OCI process file with --detach and
// --pid-file, as the shim calls it; and its exit status.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab, isAlive, tickCount, waitUntil } from './harness.js';

const Exec = suite('exec');
let lab: Lab;

Exec.before.each(async () => {
  lab = new Lab();
  lab.config(['/ticker.wasm', '0', '20']);
  const run = lab.runDetached(['run', '--detach', 'c1'], 'c1');
  assert.is(run.code, 0, run.stderr);
  await run.output.waitFor((out) => tickCount(out) >= 1, 'the first tick');
});
Exec.after.each(() => lab.dispose());

Exec('a command line inherits the container environment, with --env, and its status', () => {
  const input = join(lab.directory, 'input.txt');
  writeFileSync(input, 'through stdin\n');
  const result = lab.runDetached(['exec', '--env', 'EXTRA=1', '--env', 'GREETING=bye', '--cwd', '/tmp', 'c1', '/probe.wasm', 'cat', 'exit=5'], 'exec', { stdin: input });
  assert.is(result.code, 5, `exec status: got ${result.code}, want 5; stderr: ${result.stderr}`);
  const stdout = result.output.stdout();
  assert.match(stdout, /^arg \/probe\.wasm\narg cat\narg exit=5\n/);
  assert.match(stdout, /^env PATH=\/$/m);
  assert.match(stdout, /^env GREETING=bye$/m);
  assert.match(stdout, /^env EXTRA=1$/m);
  assert.not.match(stdout, /GREETING=hello/);
  assert.match(stdout, /through stdin\n$/);
});

Exec('--process FILE --detach --pid-file, as the shim calls it', async () => {
  const processFile = join(lab.directory, 'process.json');
  writeFileSync(processFile, JSON.stringify({ terminal: false, user: { uid: 0, gid: 0 }, args: ['/probe.wasm', 'exit=7'], env: ['ONLY=this'], cwd: '/' }));
  const pidFile = join(lab.bundle, 'exec1.pid');
  const result = lab.runDetached(['exec', '--process', processFile, '--detach', '--pid-file', pidFile, 'c1'], 'exec');
  assert.is(result.code, 0, result.stderr);
  const pidText = readFileSync(pidFile, 'utf8');
  assert.match(pidText, /^\d+$/);
  const pid = Number(pidText);
  await waitUntil(() => !isAlive(pid), 'the exec process to exit');
  const stdout = result.output.stdout();
  assert.match(stdout, /^arg \/probe\.wasm\narg exit=7\nenv ONLY=this\ncwd \/\n$/);
});

Exec('ps lists the exec attach process while the task runs', async () => {
  const pidFile = join(lab.bundle, 'exec2.pid');
  const result = lab.runDetached(['exec', '--detach', '--pid-file', pidFile, 'c1', '/ticker.wasm', '0', '20'], 'exec2');
  assert.is(result.code, 0, result.stderr);
  const execPid = Number(readFileSync(pidFile, 'utf8'));
  await result.output.waitFor((out) => tickCount(out) >= 1, 'the exec task to tick');
  const pids = JSON.parse(lab.run(['ps', '--format', 'json', 'c1']).stdout) as number[];
  const byNumber = (a: number, b: number) => a - b;
  assert.equal([...pids].sort(byNumber), [lab.state('c1').pid, execPid].sort(byNumber));
  assert.is(lab.run(['delete', '--force', 'c1']).code, 0);
  await waitUntil(() => !isAlive(execPid), 'the exec process to end with its container');
});

Exec('problems with the program are reported before anything runs', () => {
  writeFileSync(join(lab.rootfs, 'native'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  const result = lab.run(['exec', 'c1', '/native']);
  assert.is.not(result.code, 0);
  assert.match(result.stderr, /exec: command: "\/native" is a native executable \(ELF\); stasis runs WebAssembly/);
  const processFile = join(lab.directory, 'bad.json');
  writeFileSync(processFile, JSON.stringify({ args: [], cwd: '/' }));
  assert.match(lab.run(['exec', '--process', processFile, 'c1']).stderr, /bad\.json: args: must name the program/);
});

Exec.run();
