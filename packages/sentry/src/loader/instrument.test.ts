import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturePath, runPlain } from '../../test/machine/fixtures.js';
import { MinimalWasi } from '../../test/machine/minimal-wasi.js';
import { WASI_COMMAND_TAIL, wat } from '../../test/machine/wat.js';
import { Machine } from '../machine/machine.js';
import type { Binaryen } from './binaryen-api.js';
import { UnsupportedFeatureError } from './errors.js';
import { type InstrumentMode, instrumentModule } from './instrument.js';
import { INSTRUMENTED_ABI } from './instrumented-abi.js';
import { findWasmOpt } from './native-asyncify.js';

/**
 * A module with one function per role: `io` reaches fd_write, `pure` only loops, `viaTable`
 * reaches `io` through the table (same signature), `otherTable` makes an indirect call of a
 * signature no I/O function has, and `rec` is recursive without a loop.
 */
const ROLES = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (type $nullary (func))
  (memory (export "memory") 2 100)
  (global $sp (mut i32) (i32.const 4096))
  (global $constant i32 (i32.const 7))
  (table 2 2 funcref)
  (elem (i32.const 0) $io $quiet)
  (func $io (param i32) (result i32) (call $fd_write (local.get 0) (i32.const 0) (i32.const 0) (i32.const 0)))
  (func $quiet)
  (func $pure (param i32) (result i32)
    (loop $again (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $again (local.get 0)))
    (local.get 0))
  (func $viaTable (param i32) (result i32) (call_indirect (type $unary) (local.get 0) (i32.const 0)))
  (func $otherTable (call_indirect (type $nullary) (i32.const 1)))
  (func $rec (param i32) (result i32)
    (if (result i32) (local.get 0) (then (call $rec (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 0))))
  (func (export "_start")
    (drop (call $viaTable (i32.const 1)))
    (drop (call $pure (i32.const 3)))
    (call $otherTable)
    (drop (call $rec (i32.const 2)))
    (global.set $sp (i32.const 8))))`;

async function instrumentRoles(mode: InstrumentMode) {
  return instrumentModule(await wat(ROLES), { program: 'roles.wasm', mode });
}

async function text(bytes: Uint8Array): Promise<string> {
  const binaryen = (await import('binaryen')).default as unknown as Binaryen;
  const module = binaryen.readBinary(bytes, binaryen.Features.All);
  try {
    return module.emitText();
  } finally {
    module.dispose();
  }
}

const Instrument = suite('instrumentModule');

Instrument('safepoint mode asyncifies only the functions that can reach an import', async () => {
  const { info } = await instrumentRoles('safepoint');
  // _start, viaTable (indirect, signature of io) and io; not pure, quiet, otherTable, rec.
  assert.is(info.stats.asyncifiedFunctions, 3, `asyncified ${info.stats.asyncifiedFunctions} functions, want 3`);
  assert.is(info.stats.preemptionChecks, 0);
  assert.is(info.stats.functions, 7);
});

Instrument('anywhere mode adds checks at loops and recursive entries, and asyncifies their callers', async () => {
  const { bytes, info } = await instrumentRoles('anywhere');
  assert.is(info.stats.loops, 1);
  assert.is(info.stats.recursiveFunctions, 1);
  assert.is(info.stats.preemptionChecks, 2);
  // Now pure and rec can stop too: _start, viaTable, io, pure, rec.
  assert.is(info.stats.asyncifiedFunctions, 5, `asyncified ${info.stats.asyncifiedFunctions} functions, want 5`);
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((entry) => `${entry.module}.${entry.name}:${entry.kind}`);
  assert.ok(imports.includes('stasis.preempt:function'), `imports ${imports.join(' ')}`);
});

Instrument('anywhere mode leaves a counted loop without a check, and its function out of Asyncify', async () => {
  const source = await wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func $sum (result i32) (local $i i32) (local $total i32)
      (loop $again
        (local.set $total (i32.add (local.get $total) (local.get $i)))
        (br_if $again (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16))))
      (local.get $total))
    (func $spin (param $n i32)
      (loop $again (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (func (export "_start") (drop (call $sum)) (call $spin (i32.const 3))
      (drop (call $fd_write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))))`);
  const { info } = await instrumentModule(source, { program: 'counted.wasm', mode: 'anywhere' });
  assert.is(info.stats.loops, 2);
  assert.is(info.stats.boundedLoops, 1, `boundedLoops: got ${info.stats.boundedLoops}, want 1 (sum's)`);
  assert.is(info.stats.preemptionChecks, 1, `preemptionChecks: got ${info.stats.preemptionChecks}, want 1 (spin's)`);
  // _start (fd_write) and spin (its check); not sum.
  assert.is(info.stats.asyncifiedFunctions, 2, `asyncified ${info.stats.asyncifiedFunctions} functions, want 2`);
});

Instrument('safepoint mode adds no preemption import or counter', async () => {
  const { bytes } = await instrumentRoles('safepoint');
  const module = new WebAssembly.Module(bytes);
  assert.not.ok(WebAssembly.Module.imports(module).some((entry) => entry.name === INSTRUMENTED_ABI.preemptImport));
  assert.not.ok(WebAssembly.Module.exports(module).some((entry) => entry.name === INSTRUMENTED_ABI.counterExport));
});

Instrument('exports mutable globals, imports the memory with its limits, and exports Asyncify controls', async () => {
  const { bytes, info } = await instrumentRoles('anywhere');
  const module = new WebAssembly.Module(bytes);
  const exports = WebAssembly.Module.exports(module).map((entry) => entry.name);
  assert.equal(info.globals, [`${INSTRUMENTED_ABI.globalExportPrefix}0`], 'only the mutable global is saved');
  for (const name of [...info.globals, INSTRUMENTED_ABI.counterExport, INSTRUMENTED_ABI.startUnwind, INSTRUMENTED_ABI.stopRewind, '_start']) {
    assert.ok(exports.includes(name), `export ${name} missing from ${exports.join(' ')}`);
  }
  assert.equal(info.memory, { minimum: 2, maximum: 100 });
  assert.match(await text(bytes), /\(import "stasis" "memory" \(memory \$\S+ 2 100\)\)/);
});

Instrument('is deterministic: the same input gives the same bytes', async () => {
  const first = await instrumentRoles('anywhere');
  const second = await instrumentRoles('anywhere');
  assert.is(first.info.hash, second.info.hash);
});

Instrument('refuses what Asyncify cannot unwind, naming the feature', async () => {
  const cases: [string, string][] = [
    ['(func $f (return_call $f))', 'tail calls'],
    ['(tag $oops) (func $f (throw $oops))', 'exception handling'],
    ['(func $f (drop (i32.atomic.load (i32.const 0))))', 'threads (atomics)'],
    ['(table $t 1 funcref) (func $f (table.set $t (i32.const 0) (ref.null func)))', 'table mutation'],
  ];
  for (const [body, feature] of cases) {
    try {
      await instrumentModule(await wat(`(module ${body} ${WASI_COMMAND_TAIL})`), { program: 'x.wasm', mode: 'safepoint' });
      assert.unreachable(`${feature} should be refused`);
    } catch (error) {
      assert.instance(error, UnsupportedFeatureError, body);
      assert.is((error as UnsupportedFeatureError).feature, feature);
      assert.match((error as Error).message, /^x\.wasm needs /);
    }
  }
});

Instrument('falls back to index names when function names cannot go in a pass argument', async () => {
  const binaryen = (await import('binaryen')).default as unknown as Binaryen;
  const module = binaryen.readBinary(await wat(ROLES), binaryen.Features.All);
  // Give a function a name with a comma and a space (C++ demangled names look like this).
  const renamed = module.emitText().replaceAll('$viaTable', '$"via,Table (int)"');
  module.dispose();
  const parsed = (binaryen as unknown as { parseText(text: string): typeof module }).parseText(renamed);
  binaryen.setDebugInfo(true);
  const bytes = parsed.emitBinary();
  parsed.dispose();
  const { info } = await instrumentModule(bytes, { program: 'names.wasm', mode: 'safepoint' });
  assert.is(info.stats.asyncifiedFunctions, 3);
});

Instrument('both Asyncify back ends (binaryen.js, native wasm-opt) give modules that stop and resume correctly', async () => {
  const source = new Uint8Array(readFileSync(fixturePath('indirect')));
  const native = await findWasmOpt();
  const backEnds: (string | false)[] = [false];
  if (native) backEnds.push(native.path);
  else console.log('  (no wasm-opt >= 108 on this machine: only binaryen.js is checked)');
  const oracle = await runPlain('indirect', ['150']);
  for (const wasmOpt of backEnds) {
    const { bytes, info } = await instrumentModule(source, { program: 'indirect.wasm', mode: 'anywhere', wasmOpt });
    assert.is(info.stats.asyncifyTool, wasmOpt === false ? 'binaryen.js' : native?.tool);
    const wasi = new MinimalWasi(['indirect.wasm', '150']);
    const machine = await Machine.create({ module: new WebAssembly.Module(bytes), info, imports: (memory) => wasi.imports(memory) });
    let result = await machine.run(Number.NEGATIVE_INFINITY);
    let stops = 0;
    while (result.kind === 'stopped') {
      stops++;
      result = await machine.run(Number.NEGATIVE_INFINITY);
    }
    assert.equal(result, { kind: 'exited', code: 0 }, `${info.stats.asyncifyTool}: exit`);
    assert.is(wasi.stdout, oracle.stdout, `${info.stats.asyncifyTool}: output after ${stops} stops`);
  }
});

Instrument.run();
