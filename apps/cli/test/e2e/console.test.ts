// --console-socket: the native helper allocates a pty, sends its master over the socket with
// SCM_RIGHTS (received here by a small Python program, as the shim would), and the container's
// program runs with the slave as its stdio.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const HELPER = resolve(here, '../../dist/native/stasis-console');

const Console = suite('console socket');
let lab: Lab;

Console.before.each(() => {
  lab = new Lab();
});
Console.after.each(() => lab.dispose());

function receiver(socketPath: string, input?: string) {
  const child = spawn('python3', [join(here, 'console-receiver.py'), socketPath, ...(input === undefined ? [] : [input])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const listening = new Promise<void>((resolveListening, reject) => {
    child.stdout.on('data', () => stdout.startsWith('listening') && resolveListening());
    child.once('exit', (code) => reject(new Error(`console receiver exited with ${code}: ${stderr}`)));
  });
  const done = new Promise<{ output: string; name: string }>((resolveDone) =>
    child.once('exit', () => resolveDone({ output: stdout.replace(/^listening\n/, ''), name: stderr.match(/^name (.*)$/m)?.[1] ?? '' })),
  );
  return { listening, done, kill: () => child.kill('SIGKILL') };
}

Console('the helper is built with the package', () => {
  accessSync(HELPER, constants.X_OK);
});

Console('run --console-socket: the program gets a terminal', async () => {
  lab.config(['/probe.wasm', 'cat', 'exit=4'], { process: { terminal: true, args: ['/probe.wasm', 'cat', 'exit=4'], env: ['TERM=xterm'], cwd: '/' } });
  const socketPath = join(lab.directory, 'console.sock');
  const terminal = receiver(socketPath, 'typed at the terminal');
  try {
    await terminal.listening;
    const run = lab.runDetached(['run', '--console-socket', socketPath, 'c1'], 'run');
    assert.is(run.code, 4, `run: got ${run.code}, want 4; stderr: ${run.stderr}`);
    const { output, name } = await terminal.done;
    assert.match(name, /^\/dev\/pts\/\d+$/, `the pts name is sent with the fd: ${JSON.stringify(name)}`);
    // A terminal turns \n into \r\n and echoes what was typed.
    assert.match(output, /arg \/probe\.wasm\r\narg cat\r\narg exit=4\r\n/);
    assert.match(output, /typed at the terminal/);
  } finally {
    terminal.kill();
  }
});

Console('a terminal without a console socket, or the reverse, is refused when detached', () => {
  lab.config(['/probe.wasm'], { process: { terminal: true, args: ['/probe.wasm'], cwd: '/' } });
  assert.match(lab.runDetached(['create', 'c1'], 'create').stderr, /needs --console-socket/);
  lab.config(['/probe.wasm']);
  assert.match(lab.runDetached(['create', '--console-socket', join(lab.directory, 'x.sock'), 'c1'], 'create').stderr, /process\.terminal false/);
});

Console.run();
