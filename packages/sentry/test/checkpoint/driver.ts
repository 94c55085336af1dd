// The differential driver: one process of a checkpoint experiment. It runs a sandbox (a fresh
// one, or a restore of an image) with stdout and stderr appended to host files, optionally
// checkpoints it when a trigger fires (after N bytes of stdout, after a delay, or both), and
// reports what happened as one JSON line on its own stdout. The harness chains such processes:
// each restore appends to the same output files, so their concatenation is the whole run.
//
//   node --import tsx test/checkpoint/driver.ts '<DriverRequest JSON>'
//
// A stop checkpoint (the default) ends the process as soon as the image is durable, as
// `stasis checkpoint` ends a container; a leave-running one waits for the guest to exit.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Sandbox, type SandboxOptions } from '../../src/index.js';
import { type CheckpointingEvent, type DriverReport, type DriverRequest, parseDriverRequest } from './protocol.js';

const POLL_MS = 1;

function hexKey(key: string | undefined): Uint8Array | undefined {
  return key === undefined ? undefined : new Uint8Array(Buffer.from(key, 'hex'));
}

async function startSandbox(request: DriverRequest, stdio: { stdin: number | 'null'; stdout: number; stderr: number }): Promise<Sandbox> {
  if (request.start.kind === 'restore') {
    const { imagePath, rootfs, mounts, key } = request.start;
    const sandbox = await Sandbox.restore({ imagePath, rootfs, mounts, stdio, key: hexKey(key), cacheDir: request.cacheDir });
    sandbox.start();
    return sandbox;
  }
  const { pipeline, ...recipe } = request.start.options;
  // `producer | init` through the sandbox's kernel pipe `pipeline`: the init task is the
  // consumer, so the sandbox ends when it does.
  const options: SandboxOptions = { ...recipe, stdio: pipeline === undefined ? stdio : { ...stdio, stdin: { pipe: 'pipeline' } }, cacheDir: request.cacheDir };
  const sandbox = await Sandbox.create(options);
  sandbox.start();
  if (pipeline !== undefined) await sandbox.exec({ args: pipeline.args, stdio: { stdin: 'null', stdout: { pipe: 'pipeline' }, stderr: stdio.stderr } });
  return sandbox;
}

// Resolves once the trigger fires, or with 'exited' if the guest ends first.
function waitForTrigger(request: DriverRequest, stdoutFd: number, exited: Promise<unknown>): Promise<'fire' | 'exited'> {
  const trigger = request.checkpoint!;
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: 'fire' | 'exited') => {
      if (done) return;
      done = true;
      clearInterval(poll);
      resolve(outcome);
    };
    void exited.then(() => finish('exited'));
    const startDelay = () => {
      if (trigger.afterMs === undefined || trigger.afterMs <= 0) finish('fire');
      else setTimeout(() => finish('fire'), trigger.afterMs);
    };
    const bytes = trigger.afterStdoutBytes ?? 0;
    // The guest writes synchronously during its slices and timers run between slices, so
    // polling the file size sees every byte it wrote before the checkpoint.
    const poll = setInterval(() => {
      if (done) return;
      if (fstatSync(stdoutFd).size >= bytes) {
        clearInterval(poll);
        startDelay();
      }
    }, POLL_MS);
  });
}

// A full disk where a small tmpfs cannot be mounted: every FileHandle write after the first
// `budget` bytes fails with ENOSPC, as write(2) does on a full file system.
async function injectEnospc(budget: number): Promise<void> {
  const handle = await open('/dev/null', 'r');
  const prototype = Object.getPrototypeOf(handle) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  await handle.close();
  let written = 0;
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  for (const name of ['write', 'writev'] as const) {
    const original = prototype[name]!;
    prototype[name] = async function (this: unknown, ...args: unknown[]) {
      const first = args[0];
      const size = Array.isArray(first) ? first.reduce((sum: number, buffer: Uint8Array) => sum + buffer.byteLength, 0) : ((first as Uint8Array)?.byteLength ?? 0);
      if (written + size > budget) throw enospc();
      written += size;
      return original.apply(this, args);
    };
  }
}

async function drive(request: DriverRequest): Promise<DriverReport> {
  const stdout = openSync(request.stdout, 'a');
  const stderr = openSync(request.stderr, 'a');
  const stdin = request.stdin === undefined ? 'null' : openSync(request.stdin, 'r');
  try {
    const sandbox = await startSandbox(request, { stdin, stdout, stderr });
    const exited = sandbox.wait();
    if (request.checkpoint === undefined) return { outcome: 'exited', ...(await exited) };
    const fired = await waitForTrigger(request, stdout, exited);
    if (fired === 'exited') return { outcome: 'exited', ...(await exited), checkpoint: { skipped: 'the guest exited before the trigger' } };
    // No guest code runs while this function runs, so the sizes read here are those at the
    // moment the checkpoint captures the tasks.
    const stdoutBytes = fstatSync(stdout).size;
    const stderrBytes = fstatSync(stderr).size;
    const { imagePath, leaveRunning, parent, compression, key, expectFailure, injectEnospcAfterBytes } = request.checkpoint;
    if (injectEnospcAfterBytes !== undefined) await injectEnospc(injectEnospcAfterBytes);
    const event: CheckpointingEvent = { event: 'checkpointing', stdoutBytes, stderrBytes };
    writeSync(1, `${JSON.stringify(event)}\n`);
    if (expectFailure) {
      try {
        await sandbox.checkpoint({ imagePath, leaveRunning, parent, compression, key: hexKey(key) });
      } catch (error) {
        const failed = { name: (error as Error).name, message: (error as Error).message, systemCode: (error as { systemCode?: string }).systemCode };
        return { outcome: 'exited', ...(await exited), checkpoint: { failed } };
      }
      throw new Error('the checkpoint was expected to fail but succeeded');
    }
    const result = await sandbox.checkpoint({ imagePath, leaveRunning, parent, compression, key: hexKey(key) });
    const taken = { imagePath, bytes: result.bytes, ms: result.ms, stdoutBytes, stderrBytes };
    if (!leaveRunning) return { outcome: 'checkpointed', checkpoint: taken };
    return { outcome: 'exited', ...(await exited), checkpoint: taken };
  } finally {
    closeSync(stdout);
    closeSync(stderr);
    if (typeof stdin === 'number') closeSync(stdin);
  }
}

try {
  const report = await drive(parseDriverRequest(process.argv[2]));
  writeSync(1, `${JSON.stringify(report)}\n`);
  process.exit(0);
} catch (error) {
  const report: DriverReport = {
    outcome: 'error',
    error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) },
  };
  writeSync(1, `${JSON.stringify(report)}\n`);
  process.exit(1);
}
