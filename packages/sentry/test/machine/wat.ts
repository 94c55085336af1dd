// TEST HARNESS ONLY: building small modules from WebAssembly text with binaryen.js, for
// loader tests that need a precise shape (a start function, a tail call, a shared memory).
import type { Binaryen } from '../../src/loader/binaryen-api.js';

let binaryen: Binaryen | undefined;

/** wat compiles WebAssembly text to a binary with every Binaryen feature enabled except the compact-imports encoding, which V8 and the loader do not read. */
export async function wat(text: string): Promise<Uint8Array> {
  binaryen ??= (await import('binaryen')).default as unknown as Binaryen;
  const module = (binaryen as unknown as { parseText(text: string): ReturnType<Binaryen['readBinary']> }).parseText(text);
  try {
    module.setFeatures(binaryen.Features.All & ~(binaryen.Features as unknown as { CompactImports: number }).CompactImports);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/** WASI_COMMAND_TAIL is the memory and entry point every test module needs to be a WASI command. */
export const WASI_COMMAND_TAIL = '(memory (export "memory") 1) (func (export "_start"))';
