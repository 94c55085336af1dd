// `stasis do [--dir HOST[::GUEST]]... [--env KEY=VALUE]... [--mode anywhere|safepoint] PROGRAM.wasm [ARGS...]`:
// run a bare program in a fresh sandbox, the analogue of `runsc do` (and of `wasmtime run`).
// The program gets exactly the preopens and environment given (nothing inherited), the
// command's stdio, and this command exits with the program's status.
import type { GlobalOptions } from '../cli.js';

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

/** run runs the program to its end and resolves to its exit status. */
export async function run(options: DoOptions): Promise<number> {
  const { Sandbox } = await import('@stasis/sentry');
  const sandbox = await Sandbox.create({
    module: options.program,
    args: [options.program, ...options.args],
    env: [...options.env],
    preopens: options.dirs.map((dir) => ({ guest: dir.guest, host: dir.host })),
    mode: options.mode,
  });
  sandbox.start();
  const { code } = await sandbox.wait();
  return code;
}
