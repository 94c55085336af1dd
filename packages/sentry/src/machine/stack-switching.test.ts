import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runPlain, startFixture } from '../../test/machine/fixtures.js';
import { MinimalWasi } from '../../test/machine/minimal-wasi.js';
import type { SliceControl } from '../kernel/scheduler.js';
import type { MachineResult } from './machine.js';
import { loadMachine, saveMachine } from './machine.state.js';
import { STACK_SWITCHING_NODE_FLAG, stackSwitchingAvailable } from './stack-switching.js';

const here = dirname(fileURLToPath(import.meta.url));
/** 4M loop steps: about 50 preemption checks (see machine.test.ts). */
const SPIN = ['2', '2000000'];

/** A slice that is over at the first preemption check, without being a stop request. */
const tinySlice = (): number => performance.now();

function recordingControl(mustYield = false): SliceControl & { turns: number; resumes: number } {
  const control = {
    turns: 0,
    resumes: 0,
    mustYield: () => mustYield,
    suspended: () => {
      control.turns++;
    },
    resumed: () => {
      control.resumes++;
    },
  };
  return control;
}

/** eventLoopTurns counts setImmediate turns until stopped: the event loop's progress while a guest runs. */
function eventLoopTurns(): { readonly count: () => number; stop(): void } {
  let turns = 0;
  let timer: NodeJS.Immediate | undefined;
  const next = (): void => {
    turns++;
    timer = setImmediate(next);
  };
  timer = setImmediate(next);
  return { count: () => turns, stop: () => clearImmediate(timer) };
}

const StackSwitching = suite('Machine with stack switching');

StackSwitching('this test process has stack switching (the package test script passes the flag)', () => {
  assert.ok(stackSwitchingAvailable(), `run the tests with node ${STACK_SWITCHING_NODE_FLAG}`);
});

StackSwitching('slices end in suspensions, not unwinds: one run, the event loop turns meanwhile, same output', async () => {
  const oracle = await runPlain('spin', SPIN);
  const { machine, wasi } = await startFixture('spin', 'anywhere', SPIN, { stackSwitching: true });
  assert.ok(machine.suspends);
  const control = recordingControl();
  const loop = eventLoopTurns();
  const pending = machine.run(tinySlice(), control);
  assert.instance(pending, Promise, 'a run that suspends returns a promise');
  const result = await pending;
  loop.stop();
  assert.equal(result, { kind: 'exited', code: oracle.code } satisfies MachineResult);
  assert.is(wasi.stdout, oracle.stdout);
  assert.ok(control.turns >= 10, `suspended ${control.turns} times, want >= 10 (a check every ~10,000 iterations)`);
  assert.is(control.resumes, control.turns, 'every suspension resumed');
  assert.ok(loop.count() >= control.turns, `the event loop turned ${loop.count()} times during ${control.turns} suspensions`);
});

StackSwitching('a stop requested while suspended unwinds; the saved machine resumes exactly, in place or in a new instance', async () => {
  const oracle = await runPlain('spin', SPIN);
  for (const where of ['in place', 'new instance'] as const) {
    const started = await startFixture('spin', 'anywhere', SPIN, { stackSwitching: true });
    let machine = started.machine;
    let wasi = started.wasi;
    const control = recordingControl();
    setImmediate(() => machine.requestStop());
    const stopped = await machine.run(tinySlice(), control);
    assert.equal(stopped, { kind: 'stopped', stop: { kind: 'preempted' } } satisfies MachineResult, where);
    assert.ok(control.turns >= 1, `${where}: the stop arrived during a suspension`);
    if (where === 'new instance') {
      const program = started.program;
      const next = new MinimalWasi(['spin.wasm', ...SPIN]);
      next.stdout = wasi.stdout;
      wasi = next;
      machine = await loadMachine(saveMachine(machine), { module: program.module, info: program.info, imports: (memory) => next.imports(memory), stackSwitching: true });
    }
    const result = await machine.run(tinySlice(), recordingControl());
    assert.equal(result, { kind: 'exited', code: oracle.code } satisfies MachineResult, where);
    assert.is(wasi.stdout, oracle.stdout, where);
  }
});

StackSwitching('a task that must yield (another is runnable, or its CPU time is up) ends the slice in an unwind, with no suspension', async () => {
  const { machine } = await startFixture('spin', 'anywhere', SPIN, { stackSwitching: true });
  const control = recordingControl(true);
  const result = await machine.run(tinySlice(), control);
  assert.equal(result, { kind: 'stopped', stop: { kind: 'preempted' } } satisfies MachineResult);
  assert.is(control.turns, 0);
});

StackSwitching('a deadline of -Infinity still stops at the first safe point', async () => {
  const { machine } = await startFixture('spin', 'anywhere', SPIN, { stackSwitching: true });
  const control = recordingControl();
  const result = await machine.run(Number.NEGATIVE_INFINITY, control);
  assert.equal(result, { kind: 'stopped', stop: { kind: 'preempted' } } satisfies MachineResult);
  assert.is(control.turns, 0);
});

StackSwitching('a module without preemption checks (safepoint mode) never suspends', async () => {
  const { machine } = await startFixture('spin', 'safepoint', SPIN, { stackSwitching: true });
  assert.not.ok(machine.suspends);
  const result = machine.run(Number.POSITIVE_INFINITY);
  assert.not.instance(result, Promise);
});

StackSwitching('exhausting the engine stack after a suspension is a trap, on the switched stack too', async () => {
  const { machine } = await startFixture('overflow', 'anywhere', [], { stackSwitching: true });
  const control = recordingControl();
  const result = await machine.run(tinySlice(), control);
  if (result.kind !== 'trapped') throw new Error(`overflow.wasm: got ${result.kind}, want trapped`);
  assert.is(result.trap.message, 'call stack exhausted');
  assert.ok(control.turns >= 1, 'the recursion suspended at least once before the trap');
});

StackSwitching('requiring stack switching where Node lacks it is a typed error', () => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, '..', '..', 'test', 'machine', 'require-stack-switching.ts')], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stdout.trim(), 'StackSwitchingUnavailableError: stack switching (JSPI) is not available: start node with --experimental-wasm-stack-switching (Node 20)');
});

StackSwitching.run();
