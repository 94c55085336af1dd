// WebAssembly.Memory for tests: the shared tsconfig has no DOM or WebAssembly lib types.

/** TestWasmMemory is the part of WebAssembly.Memory the tests use. */
export interface TestWasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** createWasmMemory makes a WebAssembly.Memory of `initial` pages (of 64 KiB). */
export function createWasmMemory(initial: number, maximum?: number): TestWasmMemory {
  const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum?: number }) => TestWasmMemory } }).WebAssembly;
  return new Memory(maximum === undefined ? { initial } : { initial, maximum });
}
