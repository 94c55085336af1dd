import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from '../../test/machine/wat.js';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';
import { type LoopExitTest, MAX_UNCHECKED_TRIPS, boundedTrips, loopContext, planLoops } from './bounded-loops.js';
import { expressionChildren, scanModule } from './function-scan.js';
import { instrumentModule } from './instrument.js';
import { INSTRUMENTED_ABI } from './instrumented-abi.js';
import { versionLoops } from './loop-versioning.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Iterations after which a generated loop gives up (returns CAPPED): long enough to pass MAX_UNCHECKED_TRIPS, short enough for a wrap-around loop. */
const CAP = 3000;
const CAPPED = 0x7eadbeef;

async function loadBinaryen(): Promise<Binaryen> {
  return (await import('binaryen')).default as unknown as Binaryen;
}

/** LoopShape is a generated counted loop: `run(start, limit)` runs it from `start` and returns the counter's final value, or CAPPED. */
interface LoopShape {
  readonly test: LoopExitTest;
  readonly step: number;
  readonly topTested: boolean;
  /** The limit as a constant in the code, or undefined: the `limit` parameter. */
  readonly constantLimit: number | undefined;
  /** `br_if $loop (local.tee ...)` (needs test ne, constant limit 0). */
  readonly bare: boolean;
  /** Write the step as `i32.sub` of its negation. */
  readonly subtract: boolean;
  /** Bottom-tested as `local.set $i (step)` then `br_if $loop (test (local.get $i) limit)`. */
  readonly stepBefore: boolean;
}

const COMPARISON = { ne: 'i32.ne', lt_s: 'i32.lt_s', lt_u: 'i32.lt_u' } as const;

/** loopModule writes `run` with the loop of `shape`; every body execution adds one to the exported global `iterations`. */
function loopModule(shape: LoopShape): string {
  const limit = shape.constantLimit === undefined ? '(local.get $limit)' : `(i32.const ${shape.constantLimit})`;
  const increment = shape.subtract ? `(i32.sub (local.get $i) (i32.const ${-shape.step | 0}))` : `(i32.add (local.get $i) (i32.const ${shape.step}))`;
  const count = `(global.set $iterations (i32.add (global.get $iterations) (i32.const 1)))
      (if (i32.ge_u (global.get $iterations) (i32.const ${CAP})) (then (return (i32.const ${CAPPED}))))`;
  const loop = shape.topTested
    ? `(loop $again ${count}
        (if (${COMPARISON[shape.test]} (local.get $i) ${limit}) (then (local.set $i ${increment}) (br $again))))`
    : shape.stepBefore
      ? `(loop $again ${count} (local.set $i ${increment})
        (br_if $again ${shape.bare ? '(local.get $i)' : `(${COMPARISON[shape.test]} (local.get $i) ${limit})`}))`
      : `(loop $again ${count}
        (br_if $again ${shape.bare ? `(local.tee $i ${increment})` : `(${COMPARISON[shape.test]} (local.tee $i ${increment}) ${limit})`}))`;
  return `(module
    (global $iterations (export "iterations") (mut i32) (i32.const 0))
    (global $charged (export "charged") (mut i32) (i32.const 0))
    (global $unchecked (export "unchecked") (mut i32) (i32.const 0))
    (func (export "run") (param $start i32) (param $limit i32) (result i32) (local $i i32)
      (local.set $i (local.get $start))
      ${loop}
      (local.get $i)))`;
}

interface Outcome {
  readonly result: number;
  readonly iterations: number;
  readonly charged: number;
  readonly unchecked: number;
}

type Runner = (start: number, limit: number) => Outcome;

function runner(bytes: Uint8Array): Runner {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const exports = instance.exports as Record<string, WebAssembly.Global> & { run(start: number, limit: number): number };
  return (start, limit) => {
    for (const name of ['iterations', 'charged', 'unchecked'] as const) (exports[name] as WebAssembly.Global).value = 0;
    const result = exports.run(start, limit);
    const read = (name: string): number => (exports[name] as WebAssembly.Global).value as number;
    return { result, iterations: read('iterations'), charged: read('charged'), unchecked: read('unchecked') };
  };
}

/**
 * versioned parses `text`, versions its run-time counted loops with a check that adds its
 * amount to `charged` and counts unchecked entries, and returns the bytes and how many loops
 * it versioned.
 */
async function versioned(text: string): Promise<{ bytes: Uint8Array; count: number }> {
  const binaryen = await loadBinaryen();
  const module = (binaryen as unknown as { parseText(text: string): BinaryenModule }).parseText(text);
  try {
    module.setFeatures(binaryen.Features.MutableGlobals | binaryen.Features.SignExt);
    const scan = scanModule(binaryen, module);
    if ('feature' in scan) throw new Error(`scanModule refused the test module: ${scan.detail}`);
    const children = expressionChildren(binaryen);
    const check = (amount: number): number[] => [
      module.global.set('charged', module.i32.add(module.global.get('charged', binaryen.i32), amount)),
      module.global.set('unchecked', module.i32.add(module.global.get('unchecked', binaryen.i32), module.i32.const(1))),
    ];
    let count = 0;
    for (const facts of scan.functions) {
      const plan = planLoops(binaryen, loopContext(binaryen, module, facts, children));
      count += versionLoops(binaryen, module, { name: facts.name, loops: plan.runtimeCounted, check, children });
    }
    if (!module.validate()) throw new Error('the versioned module does not validate');
    return { bytes: module.emitBinary(), count };
  } finally {
    module.dispose();
  }
}

const LoopVersioning = suite('versionLoops');

LoopVersioning('versions the down-counting loop clang makes of nbody`s inner loop, and charges it once per entry', async () => {
  const shape: LoopShape = { test: 'ne', step: -1, topTested: false, constantLimit: 0, bare: true, subtract: true, stepBefore: false };
  const text = loopModule(shape);
  const { bytes, count } = await versioned(text);
  assert.is(count, 1, 'versioned loops');
  const run = runner(bytes);
  assert.equal(run(4, 0), { result: 0, iterations: 4, charged: 4, unchecked: 1 }, 'run(4): four iterations, charged 4 on one unchecked entry');
  assert.equal(run(MAX_UNCHECKED_TRIPS, 0), { result: 0, iterations: MAX_UNCHECKED_TRIPS, charged: MAX_UNCHECKED_TRIPS, unchecked: 1 }, 'run(MAX_UNCHECKED_TRIPS)');
  assert.equal(run(MAX_UNCHECKED_TRIPS + 1, 0), { result: 0, iterations: MAX_UNCHECKED_TRIPS + 1, charged: 0, unchecked: 0 }, 'run(MAX_UNCHECKED_TRIPS + 1) takes the checked loop');
  assert.equal(run(0, 0), { result: CAPPED, iterations: CAP, charged: 0, unchecked: 0 }, 'run(0) wraps around: checked loop');
  assert.equal(run(-3, 0), { result: CAPPED, iterations: CAP, charged: 0, unchecked: 0 }, 'run(-3) wraps around: checked loop');
});

LoopVersioning('leaves loops with a call, an inner loop or a limit the loop writes alone', async () => {
  const { count } = await versioned(`(module
    (func $leaf)
    (func $call (param $n i32) (loop $again (call $leaf) (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (func $inner (param $n i32) (param $m i32)
      (loop $again (loop $in (br_if $in (local.get $m))) (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (func $limit_written (param $n i32) (param $m i32) (local $i i32)
      (loop $again (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br_if $again (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $m)))))
    (func $not_a_counter (param $n i32) (loop $again (br_if $again (i32.eqz (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (func $constant_bound (local $i i32) (loop $again (br_if $again (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8))))))`);
  assert.is(count, 0, 'versioned loops');
});

LoopVersioning('the instrumenter charges the real counter once per short entry and keeps per-iteration checks for long ones', async () => {
  const source = await wat(`(module
    (memory (export "memory") 1)
    (func (export "spin") (param $n i32) (result i32) (local $total i32)
      (loop $again
        (local.set $total (i32.add (local.get $total) (local.get $n)))
        (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $total))
    (func (export "_start")))`);
  const { bytes, info } = await instrumentModule(source, { program: 'spin.wasm', mode: 'anywhere', wasmOpt: false });
  assert.is(info.stats.versionedLoops, 1, 'versionedLoops');
  assert.is(info.stats.preemptionChecks, 1, 'preemptionChecks: the checked copy');
  let preempts = 0;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    [INSTRUMENTED_ABI.importModule]: { [INSTRUMENTED_ABI.memoryImport]: new WebAssembly.Memory({ initial: 1 }), [INSTRUMENTED_ABI.preemptImport]: () => preempts++ },
  });
  const counter = instance.exports[INSTRUMENTED_ABI.counterExport] as WebAssembly.Global;
  const spin = instance.exports.spin as (n: number) => number;
  for (const n of [1, 100, MAX_UNCHECKED_TRIPS, MAX_UNCHECKED_TRIPS + 1, 5000]) {
    counter.value = 1_000_000;
    assert.is(spin(n), (n * (n + 1)) / 2, `spin(${n})`);
    assert.is(1_000_000 - (counter.value as number), n, `spin(${n}) charges ${n} iterations`);
  }
  counter.value = 50;
  spin(100);
  assert.is(preempts, 1, 'an entry charged past zero calls preempt before the loop');
});

LoopVersioning.run();

const LoopVersioningProperties = suite('versionLoops properties');

/** simulate runs a LoopShape in i32 arithmetic as the module does. */
function simulate(shape: LoopShape, start: number, limit: number): { result: number; iterations: number } {
  const holds = (value: number): boolean => (shape.test === 'ne' ? value !== limit : shape.test === 'lt_s' ? value < limit : value >>> 0 < limit >>> 0);
  let value = start;
  for (let iterations = 1; ; iterations++) {
    if (iterations >= CAP) return { result: CAPPED, iterations };
    if (shape.topTested) {
      if (!holds(value)) return { result: value, iterations };
      value = (value + shape.step) | 0;
    } else {
      value = (value + shape.step) | 0;
      if (!holds(value)) return { result: value, iterations };
    }
  }
}

/** mayVersion: whether planLoops can give the loop a run-time bound (its step fits in i32, and some entry value bounds it). */
function mayVersion(loop: LoopShape): boolean {
  const step = loop.subtract ? -(-loop.step | 0) : loop.step;
  if (step === 0 || step > INT32_MAX) return false;
  if (loop.test === 'ne') return true;
  if (step < 0) return false;
  if (loop.constantLimit === undefined) return true;
  return loop.test === 'lt_s' ? loop.constantLimit + step <= INT32_MAX : (loop.constantLimit >>> 0) + step <= 2 ** 32 - 1;
}

const edge = fc.constantFrom(0, 1, -1, 2, INT32_MIN, INT32_MAX, INT32_MAX - 3, INT32_MIN + 3, -(2 ** 31) + 1024, 2 ** 31 - 1024, 0x7fffff00);
const value = fc.oneof(fc.integer({ min: -2000, max: 2000 }), edge, fc.integer());

const shape: fc.Arbitrary<LoopShape> = fc
  .record({
    test: fc.constantFrom<LoopExitTest>('ne', 'lt_s', 'lt_u'),
    step: fc.oneof(fc.integer({ min: -7, max: 7 }), fc.constantFrom(INT32_MIN, INT32_MAX, 1 << 30, 1000, -1000)),
    topTested: fc.boolean(),
    constantLimit: fc.option(value, { nil: undefined }),
    bare: fc.boolean(),
    subtract: fc.boolean(),
    stepBefore: fc.boolean(),
  })
  .map((generated) => {
    const bare = generated.bare && !generated.topTested && generated.test === 'ne';
    return { ...generated, bare, stepBefore: generated.stepBefore && !generated.topTested, constantLimit: bare ? 0 : generated.constantLimit };
  });

/**
 * entries gives (start, limit) pairs for a loop: arbitrary ones, and ones a few steps either
 * side of MAX_UNCHECKED_TRIPS iterations and of none, where an off-by-one would show.
 */
function entries(loop: LoopShape): fc.Arbitrary<[number, number][]> {
  const step = loop.subtract ? -(-loop.step | 0) : loop.step;
  const steps = fc.oneof(fc.integer({ min: MAX_UNCHECKED_TRIPS - 3, max: MAX_UNCHECKED_TRIPS + 3 }), fc.integer({ min: -2, max: 4 }));
  const near = fc.tuple(value, steps, fc.nat({ max: Math.max(0, Math.abs(step) - 1) })).map(([from, count, offset]): [number, number] => {
    const distance = count * step - offset;
    return loop.constantLimit === undefined ? [from, (from + distance) | 0] : [(loop.constantLimit - distance) | 0, loop.constantLimit];
  });
  return fc.array(fc.oneof(fc.tuple(value, value), near), { minLength: 1, maxLength: 12 });
}

const shapeWithEntries = shape.chain((loop) => fc.tuple(fc.constant(loop), entries(loop)));

LoopVersioningProperties('versioned loops compute what the original does, and every unchecked entry is charged all the iterations it runs', async () => {
  await fc.assert(
    fc.asyncProperty(shapeWithEntries, async ([loop, entries]) => {
      const text = loopModule(loop);
      const original = runner(await wat(text));
      const { bytes, count } = await versioned(text);
      const versionedRun = runner(bytes);
      assert.is(count, mayVersion(loop) ? 1 : 0, `${text}: versioned loops`);
      for (const [start, generatedLimit] of entries) {
        const limit = loop.constantLimit ?? generatedLimit;
        const want = simulate(loop, start, limit);
        const before = original(start, limit);
        const after = versionedRun(start, limit);
        const label = `${JSON.stringify(loop)} run(${start}, ${limit})`;
        assert.equal({ result: before.result, iterations: before.iterations }, want, `${label}: the original module against the simulation`);
        assert.equal({ result: after.result, iterations: after.iterations }, want, `${label}: the versioned module`);
        const bound = boundedTrips(loop.test, start, loop.step, limit);
        const unchecked = count === 1 && bound !== undefined && bound + (loop.topTested ? 1 : 0) <= MAX_UNCHECKED_TRIPS;
        assert.is(after.unchecked, unchecked ? 1 : 0, `${label}: unchecked entries, boundedTrips gives ${bound}`);
        if (after.unchecked > 0) assert.ok(after.charged >= after.iterations, `${label}: charged ${after.charged} for ${after.iterations} iterations`);
      }
    }),
    { numRuns: 300 },
  );
});

LoopVersioningProperties.run();
