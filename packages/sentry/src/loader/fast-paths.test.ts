import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from '../../test/machine/wat.js';
import type { Binaryen } from './binaryen-api.js';
import { addFastPaths, addFastPathsToBinary } from './fast-paths.js';
import { findWasmOpt } from './native-asyncify.js';
import { EVERY_CLONE } from './unwind-liveness.js';

/**
 * A program with what the transform must route and keep resumable: a loop whose locals live
 * across calls (`main`), direct recursion (`fib`), indirect calls through the table (`twice`,
 * and `fib` by index), an i64 local, a function of no result (`note`), and operands a resumed
 * call evaluates again from locals dead after it: the import's argument in `note` and `fib`
 * (the driver's tick records it), and a table index (`pick`). `env.tick` is the only import;
 * the driver may unwind at any of its calls.
 */
const PROGRAM = `(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $notes (mut i32) (i32.const 0))
  (table 2 2 funcref)
  (elem (i32.const 0) $twice $fib)
  (func $twice (param $x i32) (result i32) (i32.add (call $tick (local.get $x)) (local.get $x)))
  (func $note (param $x i32) (global.set $notes (i32.add (global.get $notes) (call $tick (local.get $x)))))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (call $tick (local.get $n)))
      (else (i32.add
        (call $fib (i32.sub (local.get $n) (i32.const 1)))
        (call_indirect (type $unary) (i32.sub (local.get $n) (i32.const 2)) (i32.const 1))))))
  (func $pick (param $k i32) (result i32)
    (call_indirect (type $unary) (local.get $k) (i32.and (i32.shr_u (local.get $k) (i32.const 1)) (i32.const 1))))
  (func (export "main") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $again
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (i64.add
          (i64.mul (local.get $acc) (i64.const 31))
          (i64.extend_i32_u (i32.add
            (call_indirect (type $unary) (local.get $i) (i32.const 0))
            (i32.add
              (call $fib (i32.rem_u (local.get $i) (i32.const 7)))
              (call $pick (local.get $i)))))))
        (call $note (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (i64.add (local.get $acc) (i64.extend_i32_u (global.get $notes)))))`;

/** Where the driver keeps Asyncify's data: a header {start, end} at DATA, the frames after it. */
const DATA = 16;
const DATA_END = 16 * 1024;

let binaryenPromise: Promise<Binaryen> | undefined;
const loadBinaryen = (): Promise<Binaryen> => {
  binaryenPromise ??= import('binaryen').then((namespace) => namespace.default as unknown as Binaryen);
  return binaryenPromise;
};

/**
 * The program after Asyncify (binaryen.js, level 1), without fast paths, or with them cleaned up
 * by binaryen.js or a native wasm-opt and per-exit saves in every clone (the instrumenter's rule
 * would pick none of these small functions).
 */
async function asyncified(fastPaths: false | 'binaryen.js' | 'wasm-opt', program = PROGRAM): Promise<Uint8Array> {
  const binaryen = await loadBinaryen();
  const module = binaryen.readBinary(await wat(program), binaryen.Features.All);
  let bytes: Uint8Array;
  try {
    binaryen.setPassArgument('asyncify-imports', 'env.tick');
    binaryen.setOptimizeLevel(1);
    module.runPasses(['asyncify']);
    bytes = module.emitBinary();
  } finally {
    module.dispose();
    binaryen.clearPassArguments();
  }
  if (fastPaths === false) return bytes;
  const native = fastPaths === 'wasm-opt' ? await findWasmOpt() : undefined;
  const { bytes: output, stats } = await addFastPathsToBinary(binaryen, bytes, binaryen.Features.All, native, EVERY_CLONE);
  assert.ok(stats.ownSaveExits > 0, `${fastPaths}: exits with their own save: ${stats.ownSaveExits}`);
  return output;
}

interface Run {
  readonly result: bigint;
  /** Every tick argument, in order, as the program saw them (a resumed call counts once). */
  readonly ticks: number[];
  readonly unwinds: number;
}

/** run calls main(n), unwinding at the tick calls whose ordinal is in `unwindAt` and rewinding straight after. */
async function run(bytes: Uint8Array, n: number, unwindAt: ReadonlySet<number>): Promise<Run> {
  const ticks: number[] = [];
  let rewinding = false;
  let unwinds = 0;
  let exports: Record<string, (...args: number[]) => unknown> = {};
  const tick = (x: number): number => {
    if (rewinding) {
      rewinding = false;
      exports.asyncify_stop_rewind?.();
    } else if (unwindAt.has(ticks.length) && exports.asyncify_start_unwind) {
      unwinds++;
      unwindAt = new Set([...unwindAt].filter((ordinal) => ordinal !== ticks.length));
      const view = new Int32Array((exports.memory as unknown as WebAssembly.Memory).buffer);
      view[DATA / 4] = DATA + 8;
      view[DATA / 4 + 1] = DATA_END;
      exports.asyncify_start_unwind(DATA);
      return 0;
    }
    ticks.push(x);
    return (x * 7 + ticks.length) & 0xffff;
  };
  const { instance } = await WebAssembly.instantiate(bytes, { env: { tick } });
  exports = instance.exports as typeof exports;
  const main = exports.main as (n: number) => bigint;
  let result = main(n);
  for (;;) {
    const state = exports.asyncify_get_state?.();
    if (state !== 1) break;
    exports.asyncify_stop_unwind?.();
    exports.asyncify_start_rewind?.(DATA);
    rewinding = true;
    result = main(n);
  }
  return { result, ticks, unwinds };
}

const FastPaths = suite('addFastPaths');

FastPaths('clones every asyncified function and routes the export and the table to the clones', async () => {
  const binaryen = await loadBinaryen();
  const module = binaryen.readBinary(await asyncified(false), binaryen.Features.All);
  try {
    const stats = addFastPaths(binaryen, module);
    // twice, note, fib, pick, main: each can reach tick.
    assert.is(stats.fastFunctions, 5);
    assert.ok(stats.foldedStateReads > 0 && stats.foldedStateReads < stats.stateReads, `folded ${stats.foldedStateReads} of ${stats.stateReads}`);
    const main = module.getExport('main');
    assert.match(binaryen.getExportInfo(main).value, /\$fast$/);
    const table = binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(0)).data;
    assert.ok(
      table.every((name) => name.endsWith('$fast')),
      `table ${table.join(' ')}`,
    );
    // The slow fib first forwards to its clone, then calls itself directly (its other call is
    // indirect): a rewind of a deep recursion takes one frame per level, as before the clones.
    const fib = (table[1] as string).slice(0, -'$fast'.length);
    const targets = (binaryen.emitText(binaryen.getFunctionInfo(module.getFunction(fib)).body).match(/call \$[^\s)]+/g) ?? []).map((call) => call.slice('call $'.length));
    assert.equal(targets.filter((target) => target.startsWith(fib)), [`${fib}$fast`, fib]);
    assert.ok(module.validate(), 'the module validates');
  } finally {
    module.dispose();
  }
});

FastPaths('unwind exits that need less than every local share save blocks by need; without the step the clones keep the shared one', async () => {
  const binaryen = await loadBinaryen();
  const module = binaryen.readBinary(await asyncified(false), binaryen.Features.All);
  try {
    const stats = addFastPaths(binaryen, module, true, EVERY_CLONE);
    assert.ok(stats.ownSaveExits > 0, `exits with their own save: ${stats.ownSaveExits}`);
    assert.ok(stats.saveBlocks > 0 && stats.saveBlocks <= stats.ownSaveExits, `save blocks: ${stats.saveBlocks}`);
    assert.ok(stats.droppedStores > 0, `stores left out: ${stats.droppedStores}`);
    // Every save block, Asyncify's own included, is a function of its own, and the clones store nothing themselves.
    assert.ok(stats.saveFunctions > stats.saveBlocks, `save functions: ${stats.saveFunctions}`);
    for (const fast of stats.fastNames.values()) {
      const text = binaryen.emitText(binaryen.getFunctionInfo(module.getFunction(fast)).body);
      assert.not.match(text, /\.store/, `${fast} stores`);
      assert.match(text, new RegExp(`call \\$${fast.replaceAll('$', '\\$')}\\$save`), `${fast} calls its save function`);
    }
    assert.ok(module.validate(), 'the module validates');
  } finally {
    module.dispose();
  }
  const plain = binaryen.readBinary(await asyncified(false), binaryen.Features.All);
  try {
    const without = addFastPaths(binaryen, plain, true, false);
    assert.is(without.ownSaveExits, 0, `addFastPaths(saves false): got ${without.ownSaveExits} exits with their own save, want 0`);
    assert.is(without.droppedStores, 0);
  } finally {
    plain.dispose();
  }
});

FastPaths('without unwinds, the program computes what the uninstrumented one does', async () => {
  const plain = await run(await wat(PROGRAM), 12, new Set());
  const fast = await run(await asyncified('binaryen.js'), 12, new Set());
  assert.is(fast.result, plain.result);
  assert.equal(fast.ticks, plain.ticks);
});

FastPaths('a module Asyncify did not instrument is left alone', async () => {
  const binaryen = await loadBinaryen();
  const module = binaryen.parseText(`(module
    (func $f (result i32) (i32.const 1))
    (global $state (mut i32) (i32.const 0))
    (func (export "asyncify_get_state") (result i32) (global.get $state)))`);
  try {
    assert.equal(addFastPaths(binaryen, module), { fastFunctions: 0, stateReads: 0, foldedStateReads: 0, ownSaveExits: 0, saveBlocks: 0, droppedStores: 0, saveFunctions: 0, chainedBlocks: 0, fastNames: new Map() });
  } finally {
    module.dispose();
  }
});

/**
 * `main` makes an indirect call whose argument is dead after it: slot 1 of the table holds
 * `$id`, or the import itself, which a resume runs in the host again with that argument.
 */
const indirectProgram = (slot1: '$id' | '$tick'): string => `(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 2 funcref)
  (elem (i32.const 0) $twice ${slot1})
  (func $twice (param $x i32) (result i32) (i32.add (call $tick (local.get $x)) (local.get $x)))
  (func $id (param $x i32) (result i32) (local.get $x))
  (func (export "main") (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $arg i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $arg (i32.add (i32.mul (local.get $i) (i32.const 3)) (i32.const 1)))
        (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31))
          (i64.extend_i32_u (call_indirect (type $unary) (local.get $arg) (i32.and (local.get $i) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (local.get $acc)))`;

FastPaths("a call_indirect's arguments are saved only when the table holds an import", async () => {
  const binaryen = await loadBinaryen();
  const dropped = async (slot1: '$id' | '$tick'): Promise<number> => {
    const module = binaryen.readBinary(await asyncified(false, indirectProgram(slot1)), binaryen.Features.All);
    try {
      return addFastPaths(binaryen, module, true, EVERY_CLONE).droppedStores;
    } finally {
      module.dispose();
    }
  };
  // Through $id the callee restores its own parameter: the argument need not be saved.
  assert.ok((await dropped('$id')) > (await dropped('$tick')), 'more stores left out when no import is in the table');
  // Through the import, a resumed call runs in the host again: the argument it sees must be the one saved.
  for (const slot1 of ['$id', '$tick'] as const) {
    const plain = await run(await wat(indirectProgram(slot1)), 9, new Set());
    const bytes = await asyncified('binaryen.js', indirectProgram(slot1));
    for (let ordinal = 0; ordinal < plain.ticks.length; ordinal++) {
      const fast = await run(bytes, 9, new Set([ordinal]));
      assert.is(fast.unwinds, 1);
      assert.is(fast.result, plain.result, `${slot1}, unwound at tick ${ordinal}`);
      assert.equal(fast.ticks, plain.ticks, `${slot1}, unwound at tick ${ordinal}`);
    }
  }
});

/** `$chain`'s exits need nested sets of locals ({x, a} within {x, a, b} within ...), so its save blocks chain. */
const CHAIN_PROGRAM = `(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (memory (export "memory") 1)
  (func $chain (param $x i32) (result i32) (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (call $tick (local.get $x)))
    (local.set $b (call $tick (i32.add (local.get $a) (i32.const 1))))
    (local.set $c (call $tick (i32.add (local.get $b) (i32.const 2))))
    (drop (call $tick (i32.add (local.get $c) (i32.const 3))))
    (i32.add (i32.add (local.get $a) (i32.mul (local.get $b) (i32.const 3))) (i32.add (i32.mul (local.get $c) (i32.const 5)) (local.get $x))))
  (func (export "main") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $again
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31)) (i64.extend_i32_u (call $chain (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (local.get $acc)))`;

FastPaths('a save set that contains another stores what it adds and continues in the smaller set\'s save; frames are whole', async () => {
  const binaryen = await loadBinaryen();
  const module = binaryen.readBinary(await asyncified(false, CHAIN_PROGRAM), binaryen.Features.All);
  try {
    const stats = addFastPaths(binaryen, module, true, EVERY_CLONE);
    assert.ok(stats.chainedBlocks > 0, `chained save blocks: ${stats.chainedBlocks} of ${stats.saveBlocks}`);
    assert.ok(module.validate(), 'the module validates');
  } finally {
    module.dispose();
  }
  const plain = await run(await wat(CHAIN_PROGRAM), 5, new Set());
  for (const variant of ['binaryen.js', 'wasm-opt'] as const) {
    const bytes = await asyncified(variant, CHAIN_PROGRAM);
    for (let ordinal = 0; ordinal < plain.ticks.length; ordinal++) {
      const fast = await run(bytes, 5, new Set([ordinal]));
      assert.is(fast.unwinds, 1);
      assert.is(fast.result, plain.result, `${variant}, unwound at tick ${ordinal}`);
      assert.equal(fast.ticks, plain.ticks, `${variant}, unwound at tick ${ordinal}`);
    }
  }
});

FastPaths.run();

const Properties = suite('addFastPaths properties');

Properties('unwound anywhere and rewound, fast paths compute what the plain program and plain Asyncify do', async () => {
  const plainBytes = await wat(PROGRAM);
  const asyncifyBytes = await asyncified(false);
  const fastBytes = await asyncified('binaryen.js');
  // Without a native wasm-opt the second variant is the first again.
  const nativeBytes = await asyncified('wasm-opt');
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 14 }), fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }), async (n, ordinals) => {
      const plain = await run(plainBytes, n, new Set());
      const unwindAt = new Set(ordinals.filter((ordinal) => ordinal < plain.ticks.length));
      const reference = await run(asyncifyBytes, n, unwindAt);
      assert.is(reference.result, plain.result);
      for (const bytes of [fastBytes, nativeBytes]) {
        const fast = await run(bytes, n, unwindAt);
        assert.is(fast.unwinds, unwindAt.size);
        assert.is(fast.result, plain.result);
        assert.equal(fast.ticks, plain.ticks);
      }
    }),
    { numRuns: 60 },
  );
});

Properties.run();
