import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wat } from '../../test/machine/wat.js';
import type { Binaryen } from './binaryen-api.js';
import { expressionChildren, scanModule } from './function-scan.js';
import { instrumentModule } from './instrument.js';
import { INSTRUMENTED_ABI } from './instrumented-abi.js';
import { uncoveredCalls } from './uncovered-calls.js';

async function loadBinaryen(): Promise<Binaryen> {
  return (await import('binaryen')).default as unknown as Binaryen;
}

/** FIB is clang's shape of `fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)`: the second call became the loop. */
const FIB = `(func $fib (param $n i32) (result i32) (local $sum i32)
    (if (i32.ge_s (local.get $n) (i32.const 2))
      (then (loop $again
        (local.set $sum (i32.add (local.get $sum) (call $fib (i32.sub (local.get $n) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))
        (br_if $again (i32.ge_s (local.get $n) (i32.const 2))))))
    (i32.add (local.get $sum) (local.get $n)))`;

const UncoveredCalls = suite('uncoveredCalls');

UncoveredCalls('reports the calls outside checked loops only', async () => {
  const binaryen = await loadBinaryen();
  const module = (binaryen as unknown as { parseText(text: string): ReturnType<Binaryen['readBinary']> }).parseText(
    `(module
      (type $unary (func (param i32) (result i32)))
      (table 1 1 funcref) (elem (i32.const 0) $leaf)
      (func $leaf (param i32) (result i32) (local.get 0))
      (func $before (param i32) (result i32) (local.get 0))
      (func $mixed (param $n i32) (result i32)
        (drop (call $before (local.get $n)))
        (loop $again
          (drop (call $leaf (local.get $n)))
          (drop (call_indirect (type $unary) (local.get $n) (i32.const 0)))
          (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (call_indirect (type $unary) (local.get $n) (i32.const 0)))
      (memory 1) (func (export "_start")))`,
  );
  try {
    const scan = scanModule(binaryen, module);
    if ('feature' in scan) throw new Error(`scanModule refused the test module: ${scan.detail}`);
    const mixed = scan.functions.find((facts) => facts.name === 'mixed');
    if (!mixed) throw new Error('no function mixed');
    const body = binaryen.Function.getBody(module.getFunction('mixed'));
    const children = expressionChildren(binaryen);
    const checked = uncoveredCalls(binaryen, body, new Set(mixed.loops), children);
    assert.equal([...(checked?.directCallees ?? [])], ['before'], 'uncoveredCalls(mixed, its loop checked): direct callees');
    assert.is(checked?.indirectSignatures.size, 1, 'the call_indirect after the loop is uncovered');
    const unchecked = uncoveredCalls(binaryen, body, new Set(), children);
    assert.equal([...(unchecked?.directCallees ?? [])].sort(), ['before', 'leaf'], 'uncoveredCalls(mixed, no loop checked): every direct callee');
  } finally {
    module.dispose();
  }
});

UncoveredCalls('recursion through a checked loop gets no entry check; other cycles keep theirs', async () => {
  const source = await wat(`(module
    (memory (export "memory") 1)
    ${FIB}
    (func $even (param $n i32) (result i32) (if (result i32) (local.get $n) (then (call $odd (i32.sub (local.get $n) (i32.const 1)))) (else (i32.const 1))))
    (func $odd (param $n i32) (result i32) (if (result i32) (local.get $n) (then (call $even (i32.sub (local.get $n) (i32.const 1)))) (else (i32.const 0))))
    (func $outer (param $n i32) (result i32)
      (loop $again (drop (call $inner (local.get $n))) (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $n))
    (func $inner (param $n i32) (result i32) (if (result i32) (local.get $n) (then (call $outer (i32.const 0))) (else (i32.const 0))))
    (func (export "_start")
      (drop (call $fib (i32.const 5))) (drop (call $even (i32.const 4))) (drop (call $outer (i32.const 2)))))`);
  const { info } = await instrumentModule(source, { program: 'cycles.wasm', mode: 'anywhere' });
  // fib, even, odd, outer and inner lie on cycles; only even and odd form one with no loop check on it.
  assert.is(info.stats.recursiveFunctions, 5, `recursiveFunctions: got ${info.stats.recursiveFunctions}, want 5`);
  assert.is(info.stats.loops, 2);
  assert.is(info.stats.preemptionChecks, 4, `preemptionChecks: got ${info.stats.preemptionChecks}, want 4 (two loops, entries of even and odd)`);
});

UncoveredCalls.run();

const UncoveredCallsProperties = suite('uncoveredCalls properties');

/** CallSite is one call of a generated function: its target, and whether a loop of `trips` iterations encloses it. */
interface CallSite {
  readonly target: number;
  readonly trips: number;
}

const FUNCTIONS = 4;
const FUEL = 40;

/**
 * programText writes a module whose function i makes the calls sites[i]. Every function reports
 * its entry and exit to the host and burns one unit of a global fuel, returning at once when it
 * is out, so any call graph (cycles included) terminates.
 */
function programText(sites: readonly (readonly CallSite[])[]): string {
  const functions = sites.map((calls, index) => {
    const body = calls
      .map((site, position) => {
        const call = `(call $f${site.target})`;
        if (site.trips === 0) return call;
        const counter = `$c${position}`;
        return `(local.set ${counter} (i32.const ${site.trips})) (loop $l${position} ${call} (br_if $l${position} (local.tee ${counter} (i32.sub (local.get ${counter}) (i32.const 1)))))`;
      })
      .join(' ');
    const locals = calls.map((_, position) => `(local $c${position} i32)`).join(' ');
    return `(func $f${index} ${locals} (call $enter (i32.const ${index}))
      (if (i32.gt_s (global.get $fuel) (i32.const 0)) (then (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1))) ${body}))
      (call $leave (i32.const ${index})))`;
  });
  return `(module
    (import "env" "enter" (func $enter (param i32)))
    (import "env" "leave" (func $leave (param i32)))
    (memory (export "memory") 1)
    (global $fuel (mut i32) (i32.const ${FUEL}))
    ${functions.join('\n')}
    (func (export "_start") (call $f0)))`;
}

interface Trace {
  readonly entries: number[];
  /** A function entered while an activation of it begun since the last preemption check was still running. */
  readonly uncheckedRecursion?: string;
}

/** run runs a module; an instrumented one gets a preempt import that makes every check call it. */
async function run(bytes: Uint8Array, instrumented: boolean): Promise<Trace> {
  const entries: number[] = [];
  // Activations on the stack, each with the preemption epoch it began in.
  const stack: { id: number; epoch: number }[] = [];
  let epoch = 0;
  let uncheckedRecursion: string | undefined;
  let counter: WebAssembly.Global | undefined;
  const env = {
    enter: (id: number) => {
      entries.push(id);
      const again = stack.find((frame) => frame.id === id && frame.epoch === epoch);
      if (again && uncheckedRecursion === undefined) uncheckedRecursion = `f${id} entered again with no check since its activation at depth ${stack.indexOf(again)} (stack ${stack.map((frame) => `f${frame.id}`).join(' ')})`;
      stack.push({ id, epoch });
    },
    leave: () => {
      stack.pop();
    },
  };
  const imports: WebAssembly.Imports = { env };
  if (instrumented) {
    imports[INSTRUMENTED_ABI.importModule] = {
      [INSTRUMENTED_ABI.memoryImport]: new WebAssembly.Memory({ initial: 1 }),
      [INSTRUMENTED_ABI.preemptImport]: () => {
        epoch++;
        (counter as WebAssembly.Global).value = 1;
      },
    };
  }
  const { instance } = (await WebAssembly.instantiate(bytes, imports)) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
  if (instrumented) {
    counter = instance.exports[INSTRUMENTED_ABI.counterExport] as WebAssembly.Global;
    counter.value = 1;
  }
  (instance.exports._start as () => void)();
  return { entries, ...(uncheckedRecursion ? { uncheckedRecursion } : {}) };
}

const callSite = fc.record({ target: fc.nat(FUNCTIONS - 1), trips: fc.constantFrom(0, 0, 1, 2, 3) });

UncoveredCallsProperties('no function recurses without passing a check, and checks change nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(callSite, { maxLength: 3 }), { minLength: FUNCTIONS, maxLength: FUNCTIONS }), async (sites) => {
      const source = await wat(programText(sites));
      const plain = await run(source, false);
      const { bytes } = await instrumentModule(source, { program: 'generated.wasm', mode: 'anywhere', wasmOpt: false });
      const checked = await run(bytes, true);
      const program = programText(sites);
      assert.equal(checked.entries, plain.entries, `entries differ from the uninstrumented run of\n${program}`);
      assert.is(checked.uncheckedRecursion, undefined, `${checked.uncheckedRecursion} in\n${program}`);
    }),
    { numRuns: 30 },
  );
});

UncoveredCallsProperties.run();
