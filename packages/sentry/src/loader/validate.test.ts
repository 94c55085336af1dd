import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturePath } from '../../test/machine/fixtures.js';
import { MINIMAL_WASI_IMPORTS } from '../../test/machine/minimal-wasi.js';
import { WASI_COMMAND_TAIL, wat } from '../../test/machine/wat.js';
import {
  ComponentModelError,
  InvalidModuleError,
  LoaderError,
  MissingEntryPointError,
  NotWebAssemblyError,
  UnknownImportsError,
  UnsupportedFeatureError,
} from './errors.js';
import { classifyBinary, validateModule } from './validate.js';
import { SectionId, readSections } from './wasm-binary.js';

const options = { program: 'prog.wasm', providedImports: MINIMAL_WASI_IMPORTS };

function refusal(bytes: Uint8Array, validateCode = false): LoaderError {
  try {
    validateModule(bytes, { ...options, validateCode });
  } catch (error) {
    if (error instanceof LoaderError) return error;
    throw error;
  }
  throw new Error('validateModule accepted the module; want a refusal');
}

const Validate = suite('validateModule');

Validate('refuses a native ELF executable by name', () => {
  const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const error = refusal(elf);
  assert.instance(error, NotWebAssemblyError);
  assert.is((error as NotWebAssemblyError).detected, 'elf');
  assert.is(error.message, 'stasis runs WebAssembly programs; prog.wasm is an ELF executable');
});

Validate('tells apart other things that are not WebAssembly binaries', () => {
  const cases: [string | Uint8Array, NotWebAssemblyError['detected']][] = [
    ['#!/bin/sh\necho hi\n', 'script'],
    ['(module (func))', 'wat'],
    ['', 'empty'],
    ['MZ\x90\x00', 'pe'],
    ['hello world', 'unknown'],
  ];
  for (const [content, detected] of cases) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    assert.is(classifyBinary(bytes), detected, `classifyBinary(${JSON.stringify(content)})`);
    assert.instance(refusal(bytes), NotWebAssemblyError);
  }
});

Validate('refuses a component-model binary', () => {
  const component = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  const error = refusal(component);
  assert.instance(error, ComponentModelError);
  assert.match(error.message, /component/);
});

Validate('names every import the sentry does not provide', async () => {
  const bytes = await wat(`(module
    (import "env" "foo" (func))
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "wasi_unstable" "fd_read" (func (param i32 i32 i32 i32) (result i32)))
    (import "env" "table" (table 1 funcref))
    ${WASI_COMMAND_TAIL})`);
  const error = refusal(bytes);
  assert.instance(error, UnknownImportsError);
  assert.equal([...(error as UnknownImportsError).imports].sort(), ['env.foo', 'env.table (table)', 'wasi_unstable.fd_read']);
  assert.match(error.message, /env\.foo/);
});

Validate('refuses modules needing features stasis cannot run or checkpoint', async () => {
  const cases: [string, string][] = [
    ['(module (memory 1 2 shared) (func (export "_start")))', 'threads (shared memory)'],
    ['(module (memory i64 1) (func (export "_start")))', '64-bit memory (memory64)'],
    ['(module (memory 1) (memory 1) (func (export "_start")))', 'multiple memories'],
    ['(module (memory 1) (func $init) (start $init) (func (export "_start")))', 'a start function'],
  ];
  for (const [text, feature] of cases) {
    const error = refusal(await wat(text));
    assert.instance(error, UnsupportedFeatureError, text);
    assert.is((error as UnsupportedFeatureError).feature, feature);
  }
});

Validate('requires a _start entry point and a memory', async () => {
  assert.instance(refusal(await wat('(module (memory 1) (func (export "_initialize")))')), MissingEntryPointError);
  assert.instance(refusal(await wat('(module (func (export "_start")))')), InvalidModuleError);
});

Validate('accepts a WASI command and reports its memory and imports', () => {
  const validated = validateModule(readFileSync(fixturePath('spin')), { ...options, validateCode: true });
  assert.is(validated.memory.minimum, 2);
  assert.ok(validated.functionImports.includes('wasi_snapshot_preview1.fd_write'));
});

Validate('refuses code V8 rejects, with its reason', async () => {
  const bytes = await wat('(module (memory 1) (func (export "_start") nop))');
  // The code section holds: function count, body size, local count, `nop`, `end`. Make the
  // `nop` an undefined opcode.
  const code = readSections(bytes).find((section) => section.id === SectionId.CODE);
  assert.is(bytes[(code?.start ?? 0) + 3], 0x01, 'the first instruction is nop');
  bytes[(code?.start ?? 0) + 3] = 0xff;
  const error = refusal(bytes, true);
  assert.instance(error, InvalidModuleError);
  assert.match(error.message, /^prog\.wasm is not a valid WebAssembly module: /);
});

Validate.run();

const ValidateProperties = suite('validateModule properties');

ValidateProperties('arbitrary bytes are accepted or refused with a LoaderError, never a crash', () => {
  const header = fc.constantFrom(new Uint8Array(0), new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  fc.assert(
    fc.property(header, fc.uint8Array({ maxLength: 200 }), (prefix, body) => {
      const bytes = new Uint8Array([...prefix, ...body]);
      try {
        validateModule(bytes, options);
      } catch (error) {
        if (!(error instanceof LoaderError)) throw error;
      }
    }),
    { numRuns: 2000, seed: Number(process.env.FC_SEED ?? 7) },
  );
});

ValidateProperties('every truncation of a real module is refused with a LoaderError', () => {
  const bytes = new Uint8Array(readFileSync(fixturePath('exit-code')));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (length) => {
      try {
        validateModule(bytes.subarray(0, length), { ...options, validateCode: true });
        return false;
      } catch (error) {
        return error instanceof LoaderError;
      }
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? 8) },
  );
});

ValidateProperties.run();
