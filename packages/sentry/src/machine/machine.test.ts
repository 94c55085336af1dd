import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFixture, runPlain, runUntilDone, startFixture } from '../../test/machine/fixtures.js';
import { MinimalWasi } from '../../test/machine/minimal-wasi.js';
import type { InstrumentMode } from '../loader/instrument.js';
import { AsyncifyStackOverflowError } from './asyncify-buffer.js';
import { MemoryLimitError } from './errors.js';
import { Machine, type MachineResult } from './machine.js';
import { loadMachine, saveMachine } from './machine.state.js';
import { formatTrapReport } from './trap.js';

const EVERY_SAFE_POINT = (): number => Number.NEGATIVE_INFINITY;
const NEVER = (): number => Number.POSITIVE_INFINITY;
const MODES: readonly InstrumentMode[] = ['anywhere', 'safepoint'];

/** Programs and arguments small enough to stop at every safe point in a test. */
const CASES: readonly { name: string; args: string[] }[] = [
  { name: 'spin', args: ['3', '200000'] },
  { name: 'fib', args: ['22'] },
  { name: 'deep', args: ['2000'] },
  { name: 'indirect', args: ['300'] },
  { name: 'exit-code', args: ['7'] },
];

function exitCode(result: MachineResult): number {
  if (result.kind === 'exited') return result.code;
  throw new Error(`expected an exit, got ${JSON.stringify(result, (key, value) => (key === 'cause' ? undefined : value))}`);
}

const MachineSuite = suite('Machine');

MachineSuite('runs a program to its exit status and output in both modes', async () => {
  for (const mode of MODES) {
    const { machine, wasi } = await startFixture('exit-code', mode, ['7']);
    const { result } = await runUntilDone(machine, NEVER);
    assert.is(exitCode(result), 7, `exit-code 7 (${mode}): exit status`);
    assert.is(wasi.stdout, 'exiting with 7\n');
    assert.is(machine.phase, 'finished');
  }
});

MachineSuite('stopping at every safe point does not change any output', async () => {
  for (const { name, args } of CASES) {
    const oracle = await runPlain(name, args);
    for (const mode of MODES) {
      const { machine, wasi } = await startFixture(name, mode, args);
      const { result, stops } = await runUntilDone(machine, EVERY_SAFE_POINT);
      assert.is(exitCode(result), oracle.code, `${name} (${mode}) exit status`);
      assert.is(wasi.stdout, oracle.stdout, `${name} (${mode}) output after ${stops} stops`);
      assert.ok(stops > 0, `${name} (${mode}): got ${stops} stops, want at least one`);
    }
  }
});

MachineSuite('anywhere mode stops a pure compute loop between syscalls; safepoint mode cannot', async () => {
  const args = ['2', '2000000'];
  const anywhere = await startFixture('spin', 'anywhere', args);
  const safepoint = await startFixture('spin', 'safepoint', args);
  const anywhereRun = await runUntilDone(anywhere.machine, EVERY_SAFE_POINT);
  const safepointRun = await runUntilDone(safepoint.machine, EVERY_SAFE_POINT);
  // 4M steps; LLVM unrolls the loop 8 times, so a check every 10,000 loop iterations stops it
  // about 50 times. In safepoint mode the only stops are the program's few syscalls.
  assert.ok(anywhereRun.stops >= 40, `spin anywhere: got ${anywhereRun.stops} stops, want >= 40`);
  assert.ok(safepointRun.stops < 15, `spin safepoint: got ${safepointRun.stops} stops, want < 15 (syscalls only)`);
  assert.is(anywhere.wasi.stdout, safepoint.wasi.stdout);
});

MachineSuite('recursion without loops is preempted at function entries (fib)', async () => {
  const { machine, wasi } = await startFixture('fib', 'anywhere', ['25']);
  const { result, stops } = await runUntilDone(machine, EVERY_SAFE_POINT);
  assert.is(exitCode(result), 0);
  assert.is(wasi.stdout, 'fib(25) = 75025\n');
  // clang makes one of fib's two recursive calls a loop: fib(25) then makes ~160,000 calls, each
  // from that loop, whose check also covers the recursion (loader/uncovered-calls.ts): one check
  // per call, a preempt call per 10,000 checks.
  assert.ok(stops >= 10, `fib anywhere: got ${stops} stops, want >= 10`);
});

MachineSuite('a blocked read unwinds, waits for its promise, and is restarted', async () => {
  const lines = ['alpha\n', 'beta\n', 'gamma\n'];
  const oracle = await runPlain('echo', [], lines.join(''));
  for (const mode of MODES) {
    const { machine, wasi } = await startFixture('echo', mode);
    let fed = 0;
    const { result, blocks } = await runUntilDone(machine, NEVER, () => {
      // Deliver stdin later, from the event loop, as a host pipe would.
      setTimeout(() => wasi.feed(fed < lines.length ? (lines[fed++] as string) : null), 0);
    });
    assert.is(exitCode(result), 0);
    assert.is(wasi.stdout, oracle.stdout, `echo (${mode}) output`);
    assert.is(blocks, lines.length + 1, `echo (${mode}): one block per line plus end of file`);
  }
});

MachineSuite('a trap ends the task with a wasmtime-style report', async () => {
  const { machine, wasi } = await startFixture('trap', 'anywhere');
  const { result } = await runUntilDone(machine, NEVER);
  if (result.kind !== 'trapped') throw new Error(`trap.wasm: got ${result.kind}, want trapped`);
  assert.is(result.trap.message, 'wasm `unreachable` instruction executed');
  assert.ok(result.trap.backtrace.length >= 1, 'the report names at least one guest frame');
  const report = formatTrapReport('trap.wasm', result.trap);
  assert.match(report, /^Error: failed to run main module `trap\.wasm`\n/);
  assert.match(report, /wasm trap: wasm `unreachable` instruction executed\n$/);
  assert.is(wasi.stdout, 'about to trap\n');
  assert.is(machine.phase, 'finished');
  assert.throws(() => machine.run(NEVER()), /finished/);
});

MachineSuite('exhausting the engine stack is a trap, and the host keeps working', async () => {
  for (const mode of MODES) {
    const { machine, wasi } = await startFixture('overflow', mode);
    const { result } = await runUntilDone(machine, NEVER);
    if (result.kind !== 'trapped') throw new Error(`overflow.wasm (${mode}): got ${result.kind}, want trapped`);
    assert.is(result.trap.message, 'call stack exhausted');
    assert.is(wasi.stdout, 'descending 100000000\n');
  }
  const after = await startFixture('exit-code', 'anywhere', ['1']);
  assert.is(exitCode((await runUntilDone(after.machine, NEVER)).result), 1, 'a new machine runs after the overflow');
});

MachineSuite('memory.grow fails at the memory limit and the program sees it fail', async () => {
  const limited = await startFixture('grow', 'safepoint', ['64'], { memoryLimitPages: 64 });
  assert.is(exitCode((await runUntilDone(limited.machine, NEVER)).result), 0);
  const got = Number(/allocated (\d+) MiB/.exec(limited.wasi.stdout)?.[1]);
  assert.ok(got >= 1 && got < 4, `grow under a 4 MiB limit: allocated ${got} MiB, want 1-3`);
  assert.ok(limited.machine.memory.buffer.byteLength <= 64 * 65536, 'memory stayed within the limit');
  const free = await startFixture('grow', 'safepoint', ['64']);
  assert.is(exitCode((await runUntilDone(free.machine, NEVER)).result), 0);
  assert.is(free.wasi.stdout, 'allocated 64 MiB (sum 2016)\n');
});

MachineSuite('a memory limit below the initial memory is refused', async () => {
  const program = await loadFixture('spin', 'safepoint');
  const wasi = new MinimalWasi(['spin.wasm']);
  try {
    await Machine.create({ module: program.module, info: program.info, imports: (memory) => wasi.imports(memory), memoryLimitPages: 1 });
    assert.unreachable('Machine.create with a 1-page limit should fail');
  } catch (error) {
    assert.instance(error, MemoryLimitError);
    assert.is((error as MemoryLimitError).neededPages, program.info.memory.minimum);
  }
});

MachineSuite('a deep stack survives unwind and rewind', async () => {
  const oracle = await runPlain('deep', ['3000']);
  const { machine, wasi } = await startFixture('deep', 'anywhere', ['3000']);
  let deepest = 0;
  for (;;) {
    const result = await machine.run(EVERY_SAFE_POINT());
    if (result.kind !== 'stopped') {
      assert.is(exitCode(result), 0);
      break;
    }
    deepest = Math.max(deepest, machine.snapshot().frames.length);
  }
  assert.is(wasi.stdout, oracle.stdout);
  assert.ok(deepest > 3000 * 8, `deep 3000: deepest Asyncify stack ${deepest} bytes, want > 24000`);
});

MachineSuite('an unwind deeper than the borrowed buffer fails the task cleanly', async () => {
  const { machine } = await startFixture('deep', 'safepoint', ['3000'], { asyncifyBufferBytes: 1024 });
  const { result } = await runUntilDone(machine, EVERY_SAFE_POINT);
  if (result.kind !== 'failed') throw new Error(`got ${result.kind}, want failed`);
  assert.instance(result.error, AsyncifyStackOverflowError);
  assert.is(machine.phase, 'finished');
});

MachineSuite('state copied into a fresh instance of the same bytes continues with identical output', async () => {
  for (const [name, args, mode, stopsBefore] of [
    ['spin', ['3', '2000000'], 'anywhere', 40],
    ['deep', ['3000'], 'safepoint', 3],
    ['indirect', ['300'], 'anywhere', 4],
  ] as const) {
    const oracle = await runPlain(name, [...args]);
    const first = await startFixture(name, mode, [...args]);
    for (let slice = 0; slice < stopsBefore; slice++) {
      const result = await first.machine.run(EVERY_SAFE_POINT());
      assert.is(result.kind, 'stopped', `${name}: slice ${slice} should stop, not end`);
    }
    const state = saveMachine(first.machine);
    const wasi = new MinimalWasi([`${name}.wasm`, ...args]);
    wasi.stdout = first.wasi.stdout;
    const copy = await loadMachine(state, { module: new WebAssembly.Module(first.program.bytes), info: first.program.info, imports: (memory) => wasi.imports(memory) });
    assert.is(copy.memory.buffer.byteLength, state.memory.length);
    const { result } = await runUntilDone(copy, NEVER);
    assert.is(exitCode(result), oracle.code);
    assert.is(wasi.stdout, oracle.stdout, `${name} (${mode}) restored after ${stopsBefore} stops`);
  }
});

MachineSuite('state is refused by a machine of different bytes', async () => {
  const spin = await startFixture('spin', 'anywhere', ['1', '1000']);
  const other = await loadFixture('fib', 'anywhere');
  const state = saveMachine(spin.machine);
  const wasi = new MinimalWasi(['fib.wasm']);
  try {
    await loadMachine(state, { module: other.module, info: other.info, imports: (memory) => wasi.imports(memory) });
    assert.unreachable('loading spin state into fib should fail');
  } catch (error) {
    assert.match(String(error), /belongs to module/);
  }
});

MachineSuite.run();

const MachineProperties = suite('Machine properties');

MachineProperties('any schedule of stops and restores leaves the output of indirect.wasm unchanged', async () => {
  const args = ['120'];
  const oracle = await runPlain('indirect', args);
  const program = await loadFixture('indirect', 'anywhere');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom('stop', 'slice', 'restore'), { minLength: 1, maxLength: 40 }), async (schedule) => {
      let wasi = new MinimalWasi(['indirect.wasm', ...args]);
      let machine = await Machine.create({ module: program.module, info: program.info, imports: (memory) => wasi.imports(memory) });
      for (let step = 0; ; step++) {
        const action = schedule[step % schedule.length];
        if (action === 'restore' && machine.phase !== 'ready') {
          const state = saveMachine(machine);
          const next = new MinimalWasi(['indirect.wasm', ...args]);
          next.stdout = wasi.stdout;
          wasi = next;
          machine = await loadMachine(state, { module: program.module, info: program.info, imports: (memory) => next.imports(memory) });
        }
        const result = await machine.run(action === 'slice' ? performance.now() + 0.05 : EVERY_SAFE_POINT());
        if (result.kind !== 'stopped') {
          assert.is(exitCode(result), oracle.code);
          break;
        }
      }
      assert.is(wasi.stdout, oracle.stdout, `schedule ${JSON.stringify(schedule)}`);
    }),
    { numRuns: 15, seed: Number(process.env.FC_SEED ?? 20261128) },
  );
});

MachineProperties.run();
