// One measured run, in a process of its own (so no run inherits another's JIT state or
// cached wasm code): a program under node:wasi or under the sentry in one mode. Started by
// bench.ts with the same Node and V8 flags for every runtime; prints one JSON line
// `{ "ms": <wall time from program bytes to exit>, "code": <exit status> }` on stdout. The
// guest's stdout goes to the file given, its stdin comes from the file given.
import { closeSync, openSync } from 'node:fs';
import { Sandbox } from '@stasis/sentry';
// @ts-expect-error: the tooling runner is plain JavaScript without declarations.
import { runNodeWasi } from '../../../tooling/scripts/node-wasi.mjs';

/** RunRequest is what bench.ts asks one child to run. */
export interface RunRequest {
  readonly runtime: 'node:wasi' | 'anywhere' | 'safepoint';
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** guest path -> host path */
  readonly preopens: Readonly<Record<string, string>>;
  readonly stdinFile?: string;
  readonly stdoutFile: string;
}

const request = JSON.parse(process.argv[2] as string) as RunRequest;
const stdin = openSync(request.stdinFile ?? '/dev/null', 'r');
const stdout = openSync(request.stdoutFile, 'w');
const argv0 = request.program.split('/').pop()?.replace(/\.wasm$/, '') ?? 'program';
const started = performance.now();
let code: number;
if (request.runtime === 'node:wasi') {
  code = (await runNodeWasi({ program: request.program, argv0, args: [...request.args], env: request.env, preopens: request.preopens, stdin, stdout })) as number;
} else {
  const sandbox = await Sandbox.create({
    module: request.program,
    args: [argv0, ...request.args],
    env: Object.entries(request.env).map(([key, value]) => `${key}=${value}`),
    preopens: Object.entries(request.preopens).map(([guest, host]) => ({ guest, host })),
    stdio: { stdin, stdout },
    mode: request.runtime,
  });
  sandbox.start();
  code = (await sandbox.wait()).code;
}
const ms = performance.now() - started;
closeSync(stdout);
process.stdout.write(`${JSON.stringify({ ms, code })}\n`);
process.exit(0);
