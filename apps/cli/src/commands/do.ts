// `stasis do [--dir HOST[::GUEST]]... [--env KEY=VALUE]... [--mode anywhere|safepoint] PROGRAM.wasm [ARGS...]`:
// run a bare program in a fresh sandbox, the analogue of `runsc do` (and of `wasmtime run`).
// The program gets exactly the preopens and environment given (nothing inherited), the
// command's stdio, and this command exits with the program's status.
import { spawn } from 'node:child_process';
import { stackSwitchingAvailable, stackSwitchingNodeFlags } from '@stasis/sentry/stack-switching';
import type { GlobalOptions } from '../cli.js';
import { exitStatus } from '../container/sandbox-launcher.js';

/** DirMapping is one `--dir`: a host directory and the name the program sees it under. */
export interface DirMapping {
  readonly host: string;
  readonly guest: string;
}

/** DoOptions are the options of `stasis do`. */
export interface DoOptions {
  readonly globals: GlobalOptions;
  readonly program: string;
  /** Arguments after the program (argv[1...]); argv[0] is the program as given. */
  readonly args: readonly string[];
  readonly dirs: readonly DirMapping[];
  /** `KEY=VALUE` entries. */
  readonly env: readonly string[];
  readonly mode: 'anywhere' | 'safepoint';
}

/** FORWARDED_SIGNALS reach the program as a kill at its next safe point (the exit status is then 128 + N). */
const FORWARDED_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/** REEXEC_MARK is set in the environment of a `stasis do` started again with stack switching, so it is done once. */
const REEXEC_MARK = 'STASIS_DO_STACK_SWITCHING';

/** run runs the program to its end and resolves to its exit status. */
export async function run(options: DoOptions): Promise<number> {
  // The guest runs in this process: in anywhere mode, without stack switching every slice end
  // unwinds (SQLite 3.3x of node:wasi instead of ~1.6x), so a Node that can have it but was
  // started without it (bin/stasis cannot tell which Node it starts) runs the command again with it.
  const flags = stackSwitchingNodeFlags();
  if (options.mode === 'anywhere' && !stackSwitchingAvailable() && flags.length > 0 && process.env[REEXEC_MARK] === undefined) {
    return runAgainWith(flags);
  }
  const { Sandbox } = await import('@stasis/sentry');
  const sandbox = await Sandbox.create({
    module: options.program,
    args: [options.program, ...options.args],
    env: [...options.env],
    preopens: options.dirs.map((dir) => ({ guest: dir.guest, host: dir.host })),
    mode: options.mode,
  });
  // In anywhere mode the event loop runs every few ms, so a signal can end the program at a
  // safe point. In safepoint mode a computing program holds the thread: Node's default
  // action (exit at once) is the only one that works, so it is left alone.
  const forward = Object.entries(FORWARDED_SIGNALS).map(([name, number]) => [name, () => sandbox.kill(number)] as const);
  if (options.mode === 'anywhere') for (const [name, handler] of forward) process.on(name, handler);
  // Every task blocked on something nothing can complete: the event loop would empty and
  // Node exit with status 0. Say so instead.
  const deadlock = () => {
    process.stderr.write(`stasis: ${options.program} is blocked and nothing can wake it\n`);
    process.exitCode = 1;
  };
  process.once('beforeExit', deadlock);
  try {
    sandbox.start();
    const { code } = await sandbox.wait();
    return code;
  } finally {
    process.off('beforeExit', deadlock);
    for (const [name, handler] of forward) process.off(name, handler);
  }
}

/** runAgainWith runs this same command line in a child Node with `flags`, forwarding signals, and resolves to its status. */
function runAgainWith(flags: readonly string[]): Promise<number> {
  const script = process.argv[1] as string;
  const child = spawn(process.execPath, [...flags, script, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, [REEXEC_MARK]: '1' } });
  const forward = Object.keys(FORWARDED_SIGNALS).map((name) => [name, () => child.kill(name as NodeJS.Signals)] as const);
  for (const [name, handler] of forward) process.on(name, handler);
  return new Promise((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => {
      for (const [name, handler] of forward) process.off(name, handler);
      resolve(exitStatus(code, signal));
    });
  });
}
