#!/usr/bin/env node
// pnpm demo: checkpoint a running program in the middle of a computation, restore it in a new
// process, and show that the output continues exactly where it stopped: the two halves together
// equal an uninterrupted run (under node:wasi, another runtime, as the reference).
//
// Usage: node tooling/demo/demo.mjs [digits]   (default 40000 digits of pi)
// Everything runs through the real `bin/stasis` in a temporary --root; nothing is simulated.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeWasi } from '../scripts/node-wasi.mjs';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STASIS = join(repository, 'bin/stasis');
const PROGRAM = join(repository, 'tooling/fixtures/wasm/demo.wasm');
const digits = Number(process.argv[2] ?? 40000);
const LINE_DIGITS = 64;
const totalLines = Math.ceil((digits - (digits % 4)) / LINE_DIGITS);
// Checkpoint about a third of the way through.
const checkpointAfterLines = Math.max(1, Math.floor(totalLines / 3));

const lab = mkdtempSync(join(tmpdir(), 'stasis-demo-'));
const root = join(lab, 'root');
const bundle = join(lab, 'bundle');
const image = join(lab, 'image');
mkdirSync(join(bundle, 'rootfs'), { recursive: true });
copyFileSync(PROGRAM, join(bundle, 'rootfs/demo.wasm'));
writeFileSync(
  join(bundle, 'config.json'),
  JSON.stringify({ ociVersion: '1.0.2', process: { args: ['/demo.wasm', String(digits)], env: [], cwd: '/' }, root: { path: 'rootfs' } }, null, 2),
);

const say = (text) => process.stdout.write(`\n\x1b[1m==> ${text}\x1b[0m\n`);
const stasisArgs = (args) => ['--root', root, ...args];

// Runs a stasis command whose container prints to a pipe we read, echoing each line with a label.
function streamed(args, label, onLine = () => {}) {
  const child = spawn(STASIS, stasisArgs(args), { cwd: bundle, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      process.stdout.write(`  ${label} | ${line}\n`);
      onLine(output);
    }
  });
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : 255))));
  return { exited: exited.then((code) => ({ code, output })) };
}

// Asynchronous, so that the running container's output keeps being read meanwhile (a full
// pipe would block the program's write, and with it its sandbox).
function timed(args) {
  const started = process.hrtime.bigint();
  const child = spawn(STASIS, stasisArgs(args), { cwd: bundle, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  return new Promise((resolveRun, reject) =>
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolveRun({ ms, stdout });
      else reject(new Error(`stasis ${args.join(' ')} failed (${code}): ${stderr}`));
    }),
  );
}

try {
  say(`stasis run demo-1: ${digits} digits of pi (${totalLines} lines); checkpoint after line ${checkpointAfterLines}`);
  let checkpoint;
  const first = streamed(['run', 'demo-1'], 'run     ', (output) => {
    if (checkpoint === undefined && output.split('\n').length - 1 >= checkpointAfterLines) {
      checkpoint = timed(['checkpoint', '--image-path', image, 'demo-1']);
      // Awaited once the run ends; a failure must not count as unhandled before then.
      checkpoint.catch(() => {});
    }
  });
  const { code: firstCode, output: before } = await first.exited;
  if (checkpoint === undefined) throw new Error('the program finished before the checkpoint: give it more digits');
  const { ms: checkpointMs } = await checkpoint;
  say(`stasis checkpoint --image-path ${image} demo-1: ${checkpointMs.toFixed(0)} ms for the whole command; run exited with status ${firstCode}`);

  say(`stasis inspect ${image}`);
  process.stdout.write((await timed(['inspect', image])).stdout);

  say('stasis restore --image-path ... --bundle ... demo-2: a new sandbox process continues the computation');
  const restoreStarted = process.hrtime.bigint();
  let firstRestoredLineMs;
  const second = streamed(['restore', '--image-path', image, '--bundle', bundle, 'demo-2'], 'restored', () => {
    firstRestoredLineMs ??= Number(process.hrtime.bigint() - restoreStarted) / 1e6;
  });
  const { code: secondCode, output: after } = await second.exited;
  say(`restored program exited with status ${secondCode}; its first line came ${firstRestoredLineMs?.toFixed(0) ?? '-'} ms after the restore command started`);

  say('reference: the same program, uninterrupted, under node:wasi');
  const referenceFile = join(lab, 'reference.txt');
  const fd = openSync(referenceFile, 'w');
  try {
    await runNodeWasi({ program: PROGRAM, args: [String(digits)], stdout: fd });
  } finally {
    closeSync(fd);
  }
  const reference = readFileSync(referenceFile, 'utf8');
  const combined = before + after;
  const lastLine = reference.trimEnd().split('\n').at(-1);
  if (combined === reference) {
    say(`identical: ${before.split('\n').length - 1} lines before the checkpoint + ${after.split('\n').length - 1} after = the uninterrupted run (${lastLine})`);
  } else {
    say('DIFFERENT: the checkpointed and restored output does not equal the uninterrupted run');
    process.exitCode = 1;
  }
} finally {
  for (const id of ['demo-1', 'demo-2']) spawnSync(STASIS, stasisArgs(['delete', '--force', id]), { stdio: 'ignore' });
  rmSync(lab, { recursive: true, force: true });
}
