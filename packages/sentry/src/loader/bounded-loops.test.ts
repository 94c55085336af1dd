import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Binaryen } from './binaryen-api.js';
import { type LoopExitTest, MAX_UNCHECKED_TRIPS, boundedTrips, loopContext, planLoops, uncheckedLoops } from './bounded-loops.js';
import { expressionChildren, scanModule } from './function-scan.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A bottom-tested counted loop `for (i = start; i != limit; i += step)` over a declared local. */
const counted = (name: string, prelude: string, limit: number, body = '', test = 'i32.ne', limitExpression = `(i32.const ${limit})`) => `
  (func $${name} (param $p i32) (local $i i32) (local $other i32)
    ${prelude}
    (loop $again
      ${body}
      (br_if $again (${test} (local.tee $i (i32.add (local.get $i) (i32.const 4))) ${limitExpression}))))`;

/**
 * Every function is named for what planLoops must conclude: `free_*` loops need no check,
 * `versioned_*` loops are bounded on entry at run time, `checked_*` loops keep their check
 * (EXPECTED says how many of each where a function mixes them).
 */
const MODULE = `(module
  (func $leaf)
  ${counted('free_zero_default', '', 64)}
  ${counted('free_constant_start', '(local.set $i (i32.const 16)) (local.set $other (i32.const 1))', 64)}
  ${counted('free_less_than', '', 4000, '', 'i32.lt_u')}
  ${counted('checked_too_many', '', 400_000)}
  ${counted('checked_misses_limit', '', 65)}
  ${counted('checked_call_inside', '', 64, '(call $leaf)')}
  ${counted('checked_second_write', '', 64, '(local.set $i (i32.const 0))')}
  ${counted('versioned_from_parameter', '(local.set $i (local.get $p))', 64)}
  ${counted('versioned_nested_write_before', '(if (local.get $p) (then (local.set $i (i32.const 32))))', 64)}
  ${counted('checked_inner_loop', '', 64, '(loop $inner (br_if $inner (local.get $p)))')}
  ${counted('free_enclosing_versioned', '', 64, '(local.set $other (local.get $p)) (loop $inner (br_if $inner (local.tee $other (i32.sub (local.get $other) (i32.const 1)))))')}
  ${counted('versioned_local_limit', '', 64, '', 'i32.lt_s', '(local.get $p)')}
  ${counted('checked_limit_written', '', 64, '(local.set $p (i32.const 1))', 'i32.lt_s', '(local.get $p)')}
  (func $versioned_parameter_counter (param $i i32)
    (loop $again (br_if $again (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8)))))
  (func $versioned_bare_tee (param $n i32)
    (loop $again (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func $versioned_step_before_test (param $n i32) (local $i i32) (local $old i32)
    (loop $again
      (local.set $i (i32.add (local.tee $old (local.get $i)) (i32.const 1)))
      (br_if $again (i32.ne (local.get $i) (local.get $n)))))
  (func $checked_unknown_test (param $n i32)
    (loop $again (br_if $again (i32.eqz (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  (func $free_while (local $i i32)
    (loop $again
      (if (i32.eqz (i32.eq (local.get $i) (i32.const 252)))
        (then (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $again)))))
  (func $checked_while_conditional_step (param $p i32) (local $i i32)
    (loop $again
      (if (i32.ne (local.get $i) (i32.const 252))
        (then (if (local.get $p) (then (local.set $i (i32.add (local.get $i) (i32.const 4))))) (br $again)))))
  (func $checked_enclosing_loop (param $p i32) (local $i i32)
    (loop $outer
      (loop $again (br_if $again (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8))))
      (br_if $outer (local.get $p))))
  (func $free_no_back_edge (loop $once (nop)))
  (memory 1))`;

/** EXPECTED gives [unchecked, versioned] for the functions whose loops are not all of one kind. */
const EXPECTED: Record<string, readonly [number, number]> = {
  // The outer loop is unbounded; the inner one starts from a value the outer back edge changes.
  checked_enclosing_loop: [0, 1],
  // The inner loop is versioned, so the outer one of 16 iterations needs no check.
  free_enclosing_versioned: [1, 1],
};

const BoundedLoops = suite('uncheckedLoops');

BoundedLoops('leaves out exactly the counted, call-free loops of bounded trip count, and versions those bounded on entry', async () => {
  const binaryen = (await import('binaryen')).default as unknown as Binaryen;
  // Through the binary format, with the name section, as the instrumenter reads real programs.
  const parsed = (binaryen as unknown as { parseText(text: string): ReturnType<Binaryen['readBinary']> }).parseText(MODULE);
  binaryen.setDebugInfo(true);
  const bytes = parsed.emitBinary();
  parsed.dispose();
  const module = binaryen.readBinary(bytes, binaryen.Features.All);
  try {
    const scan = scanModule(binaryen, module);
    if ('feature' in scan) throw new Error(`scanModule refused the test module: ${scan.detail}`);
    const children = expressionChildren(binaryen);
    let functions = 0;
    for (const facts of scan.functions) {
      if (facts.loops.length === 0) continue;
      functions++;
      const context = loopContext(binaryen, module, facts, children);
      const plan = planLoops(binaryen, context);
      const all = facts.loops.length;
      const want = EXPECTED[facts.name] ?? (facts.name.startsWith('free_') ? [all, 0] : facts.name.startsWith('versioned_') ? [0, all] : [0, 0]);
      const got = [plan.unchecked.size, plan.runtimeCounted.length];
      assert.equal(got, want, `planLoops(${facts.name}): [unchecked, versioned] of ${all} loops`);
      assert.is(uncheckedLoops(binaryen, context).size, got[0], `uncheckedLoops(${facts.name})`);
    }
    assert.is(functions, 21, `functions with loops: got ${functions}, want 21`);
  } finally {
    module.dispose();
  }
});

BoundedLoops('boundedTrips counts the iterations of typical loops', () => {
  assert.is(boundedTrips('ne', 0, 4, 64), 16, 'boundedTrips(ne, 0, +4, 64)');
  assert.is(boundedTrips('ne', 10, -1, 0), 10, 'boundedTrips(ne, 10, -1, 0)');
  assert.is(boundedTrips('ne', 0, 4, 65), undefined, 'boundedTrips(ne, 0, +4, 65) wraps around');
  assert.is(boundedTrips('ne', 64, 4, 0), undefined, 'boundedTrips(ne, 64, +4, 0) wraps around');
  assert.is(boundedTrips('lt_s', 100, 1, 10), 1, 'boundedTrips(lt_s, 100, +1, 10)');
  assert.is(boundedTrips('lt_s', INT32_MAX, 1, 10), undefined, 'boundedTrips(lt_s, INT32_MAX, +1, 10) overflows');
  assert.is(boundedTrips('lt_u', -1, 1, 10), undefined, 'boundedTrips(lt_u, 0xffffffff, +1, 10) wraps to 0');
  assert.is(boundedTrips('lt_u', 100, 1, 10), 1, 'boundedTrips(lt_u, 100, +1, 10)');
  assert.is(boundedTrips('lt_u', 0, 2, -1), undefined, 'boundedTrips(lt_u, 0, +2, 0xffffffff) overflows');
  assert.ok(MAX_UNCHECKED_TRIPS >= 64 && MAX_UNCHECKED_TRIPS <= 65536, `MAX_UNCHECKED_TRIPS = ${MAX_UNCHECKED_TRIPS}`);
});

BoundedLoops.run();

const BoundedLoopsProperties = suite('uncheckedLoops properties');

/** runs simulates `do { i += step } while (i <test> limit)` in i32 arithmetic, stopping after `cap` iterations. */
function runs(test: LoopExitTest, start: number, step: number, limit: number, cap: number): number {
  let value = start;
  for (let trips = 1; trips <= cap; trips++) {
    value = (value + step) | 0;
    const again = test === 'ne' ? value !== limit : test === 'lt_s' ? value < limit : value >>> 0 < limit >>> 0;
    if (!again) return trips;
  }
  return cap + 1;
}

BoundedLoopsProperties('a loop given a bound never runs more iterations than it', () => {
  const edge = fc.constantFrom(0, 1, -1, INT32_MIN, INT32_MAX, INT32_MAX - 3, INT32_MIN + 3);
  const value = fc.oneof(fc.integer({ min: -3000, max: 3000 }), edge);
  const step = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(INT32_MIN, INT32_MAX, 1 << 30));
  fc.assert(
    fc.property(fc.constantFrom<LoopExitTest>('ne', 'lt_s', 'lt_u'), value, step, value, (test, start, increment, limit) => {
      const bound = boundedTrips(test, start, increment, limit);
      if (bound === undefined || bound > 10_000) return;
      const actual = runs(test, start, increment, limit, bound);
      assert.ok(actual <= bound, `boundedTrips(${test}, ${start}, ${increment}, ${limit}): got ${bound}, but the loop ran ${actual > bound ? 'more' : actual} times`);
    }),
    { numRuns: 3000 },
  );
});

BoundedLoopsProperties.run();
