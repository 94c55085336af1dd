// One measured run, in a process of its own (so no run inherits another's JIT state or
// cached wasm code): a program under node:wasi or under the sentry in one mode. Started by
// bench.ts with the same Node and V8 flags for every runtime; prints one JSON line
// `{ "ms", "setupMs", "runMs", "code" }` on stdout: the wall time from program bytes to exit,
// split into setup (read, compile, instantiate; for the sentry also the cache lookup and the
// kernel) and run (from the entry point to the exit). The guest's stdout goes to the file
// given, its stdin comes from the file given.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { Sandbox } from '@stasis/sentry';

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
let running: number;
if (request.runtime === 'node:wasi') {
  // node:wasi as tooling/scripts/node-wasi.mjs runs it, with compile and run timed apart.
  process.removeAllListeners('warning');
  const { WASI } = await import('node:wasi');
  const wasi = new WASI({ version: 'preview1', args: [argv0, ...request.args], env: request.env, preopens: request.preopens, returnOnExit: true, stdin, stdout, stderr: 2 });
  const module = await WebAssembly.compile(readFileSync(request.program));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
  running = performance.now();
  code = wasi.start(instance);
} else {
  const sandbox = await Sandbox.create({
    module: request.program,
    args: [argv0, ...request.args],
    env: Object.entries(request.env).map(([key, value]) => `${key}=${value}`),
    preopens: Object.entries(request.preopens).map(([guest, host]) => ({ guest, host })),
    stdio: { stdin, stdout },
    mode: request.runtime,
  });
  running = performance.now();
  sandbox.start();
  code = (await sandbox.wait()).code;
}
const ended = performance.now();
closeSync(stdout);
process.stdout.write(`${JSON.stringify({ ms: ended - started, setupMs: running - started, runMs: ended - running, code })}\n`);
process.exit(0);
