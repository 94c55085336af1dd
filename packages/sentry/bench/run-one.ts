// One measured run, in a process of its own (so no run inherits another's JIT state or
// cached wasm code): a program under node:wasi or under the sentry in one mode. Started by
// bench.ts with the same Node and V8 flags for every runtime; prints one JSON line
// `{ "ms", "setupMs", "runMs", "code" }` on stdout: the wall time from program bytes to exit,
// split into setup (read, compile, instantiate; for the sentry also the cache lookup and the
// kernel) and run (from the entry point to the exit). The guest's stdout goes to the file
// given, its stdin comes from the file given.
//
// With `pauseAt` (the sentry only), the run is not timed but probed: at each of those moments
// after the entry point a pause is requested through the public Sandbox API (the first step of
// a checkpoint: every task brought to a safe point), and the time from the moment the request was
// due to all tasks stopped is recorded, then the sandbox resumes. A request lands while the guest
// holds the event loop only when its slice ends, so `requestToStoppedMs` includes that wait; the
// `pauseMs` part is pause() alone. The samples are printed as `pauses`.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { Sandbox } from '@stasis/sentry';
import type { Runtime } from './benchmarks.js';

/** RunRequest is what bench.ts asks one child to run. */
export interface RunRequest {
  /** `anywhere-unwind`: anywhere mode with `stackSwitching: false` (slices end in an unwind). */
  readonly runtime: Runtime;
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** guest path -> host path */
  readonly preopens: Readonly<Record<string, string>>;
  readonly stdinFile?: string;
  readonly stdoutFile: string;
  /** Milliseconds after the entry point at which to request a pause (sentry runtimes only). */
  readonly pauseAt?: readonly number[];
}

/** PauseSample is one pause request of a probed run. */
export interface PauseSample {
  /** When the request was due, in milliseconds after the entry point. */
  readonly atMs: number;
  /** From the moment the request was due to every task stopped at a safe point. */
  readonly requestToStoppedMs: number;
  /** From the pause() call to its resolution. */
  readonly pauseMs: number;
}

const request = JSON.parse(process.argv[2] as string) as RunRequest;
const stdin = openSync(request.stdinFile ?? '/dev/null', 'r');
const stdout = openSync(request.stdoutFile, 'w');
const argv0 = request.program.split('/').pop()?.replace(/\.wasm$/, '') ?? 'program';
const started = performance.now();
let code: number;
let running: number;
let probed: PauseSample[] | undefined;
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
    mode: request.runtime === 'safepoint' ? 'safepoint' : 'anywhere',
    ...(request.runtime === 'anywhere-unwind' ? { stackSwitching: false } : {}),
  });
  const pauses: PauseSample[] = [];
  let previous = Promise.resolve();
  running = performance.now();
  const timers = (request.pauseAt ?? []).map((offset) =>
    setTimeout(() => {
      const due = running + offset;
      // One pause at a time: a request that comes while another is served waits for it, and that wait counts.
      previous = previous.then(async () => {
        if (sandbox.status !== 'running') return;
        const called = performance.now();
        try {
          await sandbox.pause();
        } catch {
          return; // The program ended meanwhile.
        }
        const stopped = performance.now();
        pauses.push({ atMs: offset, requestToStoppedMs: stopped - due, pauseMs: stopped - called });
        if (sandbox.status === 'paused') sandbox.resume();
      });
    }, offset),
  );
  sandbox.start();
  code = (await sandbox.wait()).code;
  for (const timer of timers) clearTimeout(timer);
  await previous;
  if (request.pauseAt) probed = pauses;
}
const ended = performance.now();
closeSync(stdout);
process.stdout.write(`${JSON.stringify({ ms: ended - started, setupMs: running - started, runMs: ended - running, code, ...(probed ? { pauses: probed } : {}) })}\n`);
process.exit(0);
