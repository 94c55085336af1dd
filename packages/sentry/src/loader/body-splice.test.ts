import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturePath } from '../../test/machine/fixtures.js';
import { wat } from '../../test/machine/wat.js';
import type { Binaryen } from './binaryen-api.js';
import { BodySpliceError, codeEntries, spliceBodies, withStubBodies } from './body-splice.js';
import { WASM_OPT_FEATURES, asyncifyWithWasmOpt, findWasmOpt } from './native-asyncify.js';
import { remapTypeIndices } from './type-index-remap.js';
import { ByteReader, SectionId, readSections } from './wasm-binary.js';

const run = promisify(execFile);
const CORPUS = join(import.meta.dirname, '../../../../tooling/corpus/wasm');

/** bodies returns every code-section entry's body of a module. */
function bodies(bytes: Uint8Array): Uint8Array[] {
  return codeEntries(bytes).map((entry) => bytes.subarray(entry.start, entry.end));
}

/** typeKeys lists a module's function types as hex strings, by index. */
function typeKeys(bytes: Uint8Array): string[] {
  const section = readSections(bytes).find((candidate) => candidate.id === SectionId.TYPE);
  if (!section) return [];
  const reader = new ByteReader(bytes, section.start, section.end);
  const keys: string[] = [];
  for (let count = reader.u32(); count > 0; count--) {
    const start = reader.offset;
    reader.byte();
    reader.take(reader.u32());
    reader.take(reader.u32());
    keys.push(Buffer.from(bytes.subarray(start, reader.offset)).toString('hex'));
  }
  return keys;
}

/** bodiesIn returns the bodies of `bytes` with type indices renumbered to `reference`'s, so bodies of two modules compare. */
function bodiesIn(bytes: Uint8Array, reference: Uint8Array): Uint8Array[] {
  const index = new Map(typeKeys(reference).map((key, position) => [key, position]));
  const map = typeKeys(bytes).map((key) => index.get(key) ?? -1);
  return bodies(bytes).map((body) => remapTypeIndices(body, map));
}

/** normalized round-trips a module through wasm-opt without passes: the same module written by Binaryen 108. */
async function normalized(tool: string, bytes: Uint8Array): Promise<Uint8Array> {
  const directory = await mkdtemp(join(tmpdir(), 'stasis-splice-test-'));
  try {
    await writeFile(join(directory, 'in.wasm'), bytes);
    await run(tool, [join(directory, 'in.wasm'), ...WASM_OPT_FEATURES, '--debuginfo', '-o', join(directory, 'out.wasm')]);
    return new Uint8Array(await readFile(join(directory, 'out.wasm')));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const Remap = suite('type-index-remap');

Remap('decodes every body of the corpus programs and leaves them unchanged under the identity map', () => {
  for (const name of ['sqlite3.wasm', 'qjs.wasm']) {
    const all = bodies(new Uint8Array(readFileSync(join(CORPUS, name))));
    assert.ok(all.length > 500, `${name}: ${all.length} bodies`);
    const identity = Array.from({ length: 4096 }, (_, index) => index);
    for (const body of all) assert.is(remapTypeIndices(body, identity), body);
  }
});

Remap('renumbers call_indirect and block types, and the inverse map restores the body', async () => {
  const bytes = await wat(`(module
    (type $a (func (param i32) (result i32)))
    (table 1 funcref)
    (func $f (param i32) (result i32) (call_indirect (type $a) (local.get 0) (i32.const 0)))
    (func (export "_start")))`);
  // Binaryen lowers multi-value blocks to locals, so the block type is written by hand: no
  // locals, \`block (type 1)\`, end, end.
  const cases = [bodies(bytes)[0] as Uint8Array, Uint8Array.from([0x00, 0x02, 0x01, 0x0b, 0x0b])];
  // Every type moves up by 200: two-byte LEBs (and 201 needs the s33 sign bit clear: 0xc9 0x01).
  const up = Array.from({ length: 2 }, (_, index) => index + 200);
  const down = Array.from({ length: 202 }, (_, index) => index - 200);
  for (const body of cases) {
    const moved = remapTypeIndices(body, up);
    assert.is(moved.length, body.length + 1, 'one more byte for the larger index');
    assert.equal(Array.from(remapTypeIndices(moved, down)), Array.from(body));
  }
  assert.equal(Array.from(remapTypeIndices(cases[1] as Uint8Array, up)), [0x00, 0x02, 0xc9, 0x01, 0x0b, 0x0b]);
  assert.throws(() => remapTypeIndices(Uint8Array.from([0x00, 0xff, 0x0b]), up), /unknown opcode 0xff/);
});

Remap.run();

const Splice = suite('body-splice');

Splice('stubbing some bodies and splicing them back gives the module back, byte for byte', () => {
  const source = new Uint8Array(readFileSync(join(CORPUS, 'sqlite3.wasm')));
  const keep = (index: number): boolean => index % 3 === 0;
  const stubbed = withStubBodies(source, keep);
  assert.ok(WebAssembly.validate(stubbed));
  const stubbedBodies = bodies(stubbed);
  const sourceBodies = bodies(source);
  assert.is(stubbedBodies.length, sourceBodies.length);
  stubbedBodies.forEach((body, index) => {
    if (keep(index)) assert.equal(body, sourceBodies[index]);
    else assert.equal(Array.from(body.subarray(-2)), [0x00, 0x0b], `function ${index} is a stub`);
  });
  assert.equal(spliceBodies(stubbed, source, (index) => !keep(index)), source);
  assert.equal(spliceBodies(source, stubbed, () => false), source);
});

Splice('refuses a donor that is not the same module up to the code', async () => {
  const module = (imports: string): Promise<Uint8Array> =>
    wat(`(module ${imports}
      (memory 1)
      (func $f (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "_start") (drop (call $f (i32.const 2)))))`);
  const plain = await module('');
  const withImport = await module('(import "env" "g" (func $g))');
  assert.throws(
    () => spliceBodies(plain, withImport, () => true),
    (error: unknown) => error instanceof BodySpliceError,
  );
});

Splice.run();

const Stubbed = suite('asyncify with stubs');

Stubbed('Asyncify over stubs, prepared bodies spliced back: the instrumented functions are what a whole run gives', async () => {
  const native = await findWasmOpt();
  if (!native) {
    console.log('  (no wasm-opt >= 108 on this machine: the stubbed run is not checked)');
    return;
  }
  const binaryen = (await import('binaryen')).default as unknown as Binaryen;
  const source = new Uint8Array(readFileSync(fixturePath('indirect')));
  const module = binaryen.readBinary(source, binaryen.Features.All);
  try {
    const onlyList: string[] = [];
    const asyncImports: string[] = [];
    const instrumented: boolean[] = [];
    for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
      const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
      if (info.module) {
        asyncImports.push(`${info.module}.${info.base}`);
        continue;
      }
      // Not a sound only-list (callers of listed functions are left out): the splice must not care.
      instrumented.push(index % 3 !== 0);
      if (index % 3 !== 0) onlyList.push(info.name);
    }
    assert.ok(instrumented.includes(true) && instrumented.includes(false));
    const features = binaryen.Features;
    // What the instrumenter emits (instrument.ts, outputFeatures): what wasm-opt 108 reads.
    module.setFeatures(features.MutableGlobals | features.NontrappingFPToInt | features.SIMD128 | features.BulkMemory | features.SignExt | features.ReferenceTypes | features.Multivalue | features.BulkMemoryOpt);
    binaryen.setDebugInfo(true);
    const prepared = module.emitBinary();
    const whole = await normalized(native.path, await asyncifyWithWasmOpt(native, prepared, asyncImports, onlyList, 1));
    const spliced = await asyncifyWithWasmOpt(native, prepared, asyncImports, onlyList, 1, (index) => instrumented[index] === true);
    assert.ok(WebAssembly.validate(spliced));
    // Binaryen numbers types by use, so each module's bodies are compared in the whole run's numbering.
    const splicedBodies = bodiesIn(await normalized(native.path, spliced), whole);
    const wholeBodies = bodies(whole);
    const preparedBodies = bodiesIn(await normalized(native.path, prepared), whole);
    assert.is(splicedBodies.length, wholeBodies.length, 'Asyncify added its functions in both');
    splicedBodies.forEach((body, index) => {
      // Instrumented functions and Asyncify's own as in the whole run; the others as prepared.
      const expected = index >= instrumented.length || instrumented[index] ? wholeBodies[index] : preparedBodies[index];
      assert.equal(Array.from(body), Array.from(expected as Uint8Array), `function ${index}`);
    });
  } finally {
    module.dispose();
  }
});

Stubbed.run();
