// The argv table: every command line from reference/runc-shim-argv.md (containerd's runc
// shim, Docker, go-runc's optional flags) and gVisor's documented checkpoint/restore flow,
// parsed into the options its command would run with; nothing is run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from './errors.js';
import { resolveInvocation } from './main.js';

const B = '/run/containerd/io.containerd.runtime.v2.task/default/c1';
const ROOT = '/run/containerd/runc/default';
const shim = ['--root', ROOT, '--log', `${B}/log.json`, '--log-format', 'json'];
const globals = { root: ROOT, log: `${B}/log.json`, logFormat: 'json', debug: false };

function parse(argv: readonly string[]): { name: string; options: unknown } {
  const invocation = resolveInvocation(argv);
  if (invocation.kind !== 'command') throw new Error(`${argv.join(' ')}: got ${invocation.kind}, want a command`);
  const { command, args } = invocation;
  if (!command.parse) throw new Error(`${command.name} has no parse step`);
  return { name: command.name, options: command.parse(args, invocation.globals) };
}

const Argv = suite('argv table');

const table: readonly { argv: readonly string[]; name: string; options: Record<string, unknown> }[] = [
  {
    argv: [...shim, 'create', '--bundle', B, '--pid-file', `${B}/init.pid`, 'c1'],
    name: 'create',
    options: { globals, id: 'c1', bundle: B, pidFile: `${B}/init.pid`, consoleSocket: undefined },
  },
  {
    argv: [...shim, 'create', '--bundle', B, '--pid-file', `${B}/init.pid`, '--console-socket', '/tmp/pty.sock', 'c1'],
    name: 'create',
    options: { globals, id: 'c1', bundle: B, pidFile: `${B}/init.pid`, consoleSocket: '/tmp/pty.sock' },
  },
  {
    argv: [...shim, 'create', '--bundle', B, '--pid-file', `${B}/init.pid`, '--no-pivot', '--no-new-keyring', '--detach', '--preserve-fds', '2', 'c1'],
    name: 'create',
    options: { globals, id: 'c1', bundle: B, pidFile: `${B}/init.pid`, consoleSocket: undefined },
  },
  { argv: [...shim, 'start', 'c1'], name: 'start', options: { globals, id: 'c1' } },
  { argv: [...shim, 'state', 'c1'], name: 'state', options: { globals, id: 'c1' } },
  { argv: [...shim, 'ps', '--format', 'json', 'c1'], name: 'ps', options: { globals, id: 'c1', format: 'json' } },
  { argv: [...shim, 'pause', 'c1'], name: 'pause', options: { globals, id: 'c1' } },
  { argv: [...shim, 'resume', 'c1'], name: 'resume', options: { globals, id: 'c1' } },
  { argv: [...shim, 'kill', 'c1', '15'], name: 'kill', options: { globals, id: 'c1', signal: '15', all: false } },
  { argv: [...shim, 'kill', 'c1', '9'], name: 'kill', options: { globals, id: 'c1', signal: '9', all: false } },
  { argv: [...shim, 'kill', '--all', 'c1', '9'], name: 'kill', options: { globals, id: 'c1', signal: '9', all: true } },
  { argv: [...shim, 'delete', 'c1'], name: 'delete', options: { globals, id: 'c1', force: false } },
  { argv: [...shim, 'delete', '--force', 'c1'], name: 'delete', options: { globals, id: 'c1', force: true } },
  {
    argv: [...shim, 'exec', '--process', '/tmp/runc-process123', '--detach', '--pid-file', `${B}/exec1.pid`, 'c1'],
    name: 'exec',
    options: { globals, id: 'c1', processFile: '/tmp/runc-process123', args: [], cwd: undefined, env: [], tty: false, detach: true, pidFile: `${B}/exec1.pid`, consoleSocket: undefined },
  },
  {
    argv: [...shim, 'exec', '--process', '/tmp/runc-process123', '--console-socket', '/tmp/pty.sock', '--detach', '--pid-file', `${B}/exec1.pid`, 'c1'],
    name: 'exec',
    options: { globals, id: 'c1', processFile: '/tmp/runc-process123', args: [], cwd: undefined, env: [], tty: false, detach: true, pidFile: `${B}/exec1.pid`, consoleSocket: '/tmp/pty.sock' },
  },
  { argv: [...shim, 'update', '--resources', '-', 'c1'], name: 'update', options: { globals, id: 'c1', resources: '-', memory: undefined } },
  {
    argv: [...shim, 'checkpoint', '--image-path', '/var/lib/cp', '--work-path', `${B}/work/criu-work`, 'c1'],
    name: 'checkpoint',
    options: { globals, id: 'c1', imagePath: '/var/lib/cp', leaveRunning: false, parentPath: undefined, compression: undefined, imageKeyFile: undefined },
  },
  {
    argv: [...shim, 'checkpoint', '--image-path', '/var/lib/cp', '--work-path', `${B}/work/criu-work`, '--file-locks', '--leave-running', 'c1'],
    name: 'checkpoint',
    options: { globals, id: 'c1', imagePath: '/var/lib/cp', leaveRunning: true, parentPath: undefined, compression: undefined, imageKeyFile: undefined },
  },
  {
    // Every other flag go-runc's CheckpointOpts may add.
    argv: [
      ...shim,
      'checkpoint',
      '--image-path',
      '/var/lib/cp',
      '--work-path',
      '/w',
      '--parent-path',
      '../cp0',
      '--tcp-established',
      '--ext-unix-sk',
      '--shell-job',
      '--page-server',
      '127.0.0.1:9999',
      '--manage-cgroups-mode',
      'soft',
      '--empty-ns',
      'network',
      'c1',
    ],
    name: 'checkpoint',
    options: { globals, id: 'c1', imagePath: '/var/lib/cp', leaveRunning: false, parentPath: '../cp0', compression: undefined, imageKeyFile: undefined },
  },
  {
    argv: [...shim, 'restore', '--image-path', '/tmp/cp', '--work-path', `${B}/work`, '--detach', '--pid-file', `${B}/init.pid`, '-no-subreaper', '--bundle', B, 'c1'],
    name: 'restore',
    options: { globals, id: 'c1', imagePath: '/tmp/cp', bundle: B, detach: true, pidFile: `${B}/init.pid`, consoleSocket: undefined, imageKeyFile: undefined },
  },
  {
    argv: [
      ...shim,
      'restore',
      '--image-path',
      '/tmp/cp',
      '--work-path',
      `${B}/work`,
      '--detach',
      '--pid-file',
      `${B}/init.pid`,
      '-no-subreaper',
      '--no-pivot',
      '--console-socket',
      '/tmp/pty.sock',
      '--tcp-established',
      '--ext-unix-sk',
      '--shell-job',
      '--file-locks',
      '--manage-cgroups-mode',
      'soft',
      '--empty-ns',
      'network',
      '--bundle',
      B,
      'c1',
    ],
    name: 'restore',
    options: { globals, id: 'c1', imagePath: '/tmp/cp', bundle: B, detach: true, pidFile: `${B}/init.pid`, consoleSocket: '/tmp/pty.sock', imageKeyFile: undefined },
  },
  { argv: [...shim, 'features'], name: 'features', options: { globals } },
  {
    argv: ['--root', ROOT, '--debug', '--systemd-cgroup', '--log', `${B}/log.json`, '--log-format', 'json', 'start', 'c1'],
    name: 'start',
    options: { globals: { ...globals, debug: true }, id: 'c1' },
  },
  // gVisor's documented flow, with its `--flag=value` spelling.
  {
    argv: ['checkpoint', '--image-path=/tmp/img', 'c1'],
    name: 'checkpoint',
    options: { globals: { root: '/var/run/stasis', log: undefined, logFormat: 'text', debug: false }, id: 'c1', imagePath: '/tmp/img', leaveRunning: false, parentPath: undefined, compression: undefined, imageKeyFile: undefined },
  },
  {
    argv: ['restore', '--image-path=/tmp/img', 'c2'],
    name: 'restore',
    options: { globals: { root: '/var/run/stasis', log: undefined, logFormat: 'text', debug: false }, id: 'c2', imagePath: '/tmp/img', bundle: undefined, detach: false, pidFile: undefined, consoleSocket: undefined, imageKeyFile: undefined },
  },
  {
    argv: ['--root', '/tmp/r', 'checkpoint', '--image-path', 'img', '--leave-running', '--parent-path', '/tmp/img0', '--compression', 'zstd', '--image-key-file', 'k', 'c1'],
    name: 'checkpoint',
    options: { globals: { root: '/tmp/r', log: undefined, logFormat: 'text', debug: false }, id: 'c1', imagePath: 'img', leaveRunning: true, parentPath: '/tmp/img0', compression: 'zstd', imageKeyFile: 'k' },
  },
  {
    argv: ['--root', '/tmp/r', 'run', '-d', '-b', '/b', '--pid-file', 'p', 'c1'],
    name: 'run',
    options: { globals: { root: '/tmp/r', log: undefined, logFormat: 'text', debug: false }, id: 'c1', bundle: '/b', detach: true, pidFile: 'p', consoleSocket: undefined, keep: false },
  },
  {
    argv: ['--root', '/tmp/r', 'exec', '-e', 'A=1', '--env=B=2', '--cwd', '/tmp', 'c1', '/probe.wasm', '-h', '--flag'],
    name: 'exec',
    options: { globals: { root: '/tmp/r', log: undefined, logFormat: 'text', debug: false }, id: 'c1', processFile: undefined, args: ['/probe.wasm', '-h', '--flag'], cwd: '/tmp', env: ['A=1', 'B=2'], tty: false, detach: false, pidFile: undefined, consoleSocket: undefined },
  },
  {
    argv: ['--root', '/tmp/r', 'events', '--stats', 'c1'],
    name: 'events',
    options: { globals: { root: '/tmp/r', log: undefined, logFormat: 'text', debug: false }, id: 'c1', once: true, intervalMs: 5000 },
  },
  {
    argv: ['--root', '/tmp/r', 'events', '--interval', '250ms', 'c1'],
    name: 'events',
    options: { globals: { root: '/tmp/r', log: undefined, logFormat: 'text', debug: false }, id: 'c1', once: false, intervalMs: 250 },
  },
  {
    argv: ['--root', '/tmp/r', 'list', '--format', 'json'],
    name: 'list',
    options: { globals: { root: '/tmp/r', log: undefined, logFormat: 'text', debug: false }, format: 'json', quiet: false },
  },
  {
    argv: ['inspect', '--format', 'json', '--image-key-file', 'k', '/tmp/img'],
    name: 'inspect',
    options: { globals: { root: '/var/run/stasis', log: undefined, logFormat: 'text', debug: false }, imagePath: '/tmp/img', format: 'json', imageKeyFile: 'k' },
  },
  { argv: ['spec', '--bundle', '/b', '/hello.wasm', 'world'], name: 'spec', options: { globals: { root: '/var/run/stasis', log: undefined, logFormat: 'text', debug: false }, bundle: '/b', args: ['/hello.wasm', 'world'] } },
];

for (const { argv, name, options } of table) {
  Argv(argv.slice(6).join(' ') || argv.join(' '), () => {
    const parsed = parse(argv);
    assert.is(parsed.name, name, `resolveInvocation(${JSON.stringify(argv)}): got command ${parsed.name}, want ${name}`);
    assert.equal(parsed.options, options);
  });
}

const Mistakes = suite('argv mistakes');

const mistakes: readonly { argv: readonly string[]; message: RegExp }[] = [
  { argv: ['start'], message: /requires exactly 1 argument/ },
  { argv: ['start', 'a', 'b'], message: /requires exactly 1 argument/ },
  { argv: ['checkpoint', 'c1'], message: /requires --image-path/ },
  { argv: ['restore', 'c1'], message: /requires --image-path/ },
  { argv: ['checkpoint', '--image-path', 'd', '--compression', 'lzma', 'c1'], message: /--compression must be one of/ },
  { argv: ['kill'], message: /container id/ },
  { argv: ['exec', 'c1'], message: /--process FILE or a command/ },
  { argv: ['exec', '--process', 'p.json', 'c1', 'extra'], message: /not both/ },
  { argv: ['create', '--no-such-flag', 'c1'], message: /flag provided but not defined: -no-such-flag/ },
  { argv: ['events', '--interval', 'soon', 'c1'], message: /invalid duration/ },
  { argv: ['list', '--format', 'yaml'], message: /table or json/ },
  { argv: ['frobnicate'], message: /unknown command "frobnicate"/ },
  { argv: ['--log-format', 'xml', 'list'], message: /--log-format must be text or json/ },
];

for (const { argv, message } of mistakes) {
  Mistakes(argv.join(' '), () => {
    try {
      parse(argv);
    } catch (error) {
      assert.instance(error, UsageError, `${argv.join(' ')}: got ${String(error)}, want a UsageError`);
      assert.match((error as Error).message, message);
      return;
    }
    assert.unreachable(`${argv.join(' ')}: parsed, want a UsageError`);
  });
}

Mistakes('help and version are not commands', () => {
  assert.is(resolveInvocation([]).kind, 'help');
  assert.is(resolveInvocation(['--help']).kind, 'help');
  assert.is(resolveInvocation(['--version']).kind, 'version');
  assert.is(resolveInvocation(['checkpoint', '--help']).kind, 'command-help');
  // After exec's container id, -h belongs to the guest program.
  assert.is(resolveInvocation(['exec', 'c1', '/p.wasm', '-h']).kind, 'command');
});

Argv.run();
Mistakes.run();
