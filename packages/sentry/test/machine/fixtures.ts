// TEST HARNESS ONLY: loading the machine fixtures (test/machine/wasm, built from c/ by the
// Makefile) through the real loader, with a cache under the package's .cache/ so repeated
// test runs do not instrument again.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstrumentMode } from '../../src/loader/instrument.js';
import { type LoadedProgram, loadProgram } from '../../src/loader/load.js';
import { Machine, type MachineResult } from '../../src/machine/machine.js';
import { MINIMAL_WASI_IMPORTS, MinimalWasi } from './minimal-wasi.js';

const here = dirname(fileURLToPath(import.meta.url));

/** FIXTURE_DIR holds the compiled fixtures. */
export const FIXTURE_DIR = join(here, 'wasm');

/** TEST_CACHE_DIR is the instrumented-module cache the tests share (git-ignored). */
export const TEST_CACHE_DIR = join(here, '..', '..', '.cache', 'test');

const loaded = new Map<string, Promise<LoadedProgram>>();

/** fixturePath returns the path of a fixture by name (`spin` -> .../wasm/spin.wasm). */
export function fixturePath(name: string): string {
  return join(FIXTURE_DIR, `${name}.wasm`);
}

/** loadFixture loads (once per process) a fixture instrumented for `mode`. */
export function loadFixture(name: string, mode: InstrumentMode): Promise<LoadedProgram> {
  const key = `${name}:${mode}`;
  let program = loaded.get(key);
  if (!program) {
    program = loadProgram(fixturePath(name), { program: `${name}.wasm`, mode, providedImports: MINIMAL_WASI_IMPORTS, cacheDir: TEST_CACHE_DIR });
    loaded.set(key, program);
  }
  return program;
}

/** startFixture creates a machine for a fixture with a MinimalWasi harness. */
export async function startFixture(
  name: string,
  mode: InstrumentMode,
  args: string[] = [],
  options: { memoryLimitPages?: number; asyncifyBufferBytes?: number; stackSwitching?: boolean } = {},
): Promise<{ machine: Machine; wasi: MinimalWasi; program: LoadedProgram }> {
  const program = await loadFixture(name, mode);
  const wasi = new MinimalWasi([`${name}.wasm`, ...args]);
  const machine = await Machine.create({ module: program.module, info: program.info, imports: (memory) => wasi.imports(memory), ...options });
  return { machine, wasi, program };
}

/** RunLog counts how a machine got to its end. */
export interface RunLog {
  readonly result: MachineResult;
  readonly stops: number;
  readonly blocks: number;
}

/**
 * runUntilDone runs a machine slice after slice until it finishes; `deadline(slice)` picks each
 * slice's deadline, and a blocked machine has its promise awaited (after `onBlock`).
 */
export async function runUntilDone(machine: Machine, deadline: (slice: number) => number, onBlock?: () => void): Promise<RunLog> {
  let stops = 0;
  let blocks = 0;
  for (let slice = 0; ; slice++) {
    const result = await machine.run(deadline(slice));
    if (result.kind !== 'stopped') return { result, stops, blocks };
    stops++;
    if (result.stop.kind === 'blocked') {
      blocks++;
      onBlock?.();
      await result.stop.ready;
    }
  }
}

/**
 * runPlain runs a fixture's original, uninstrumented bytes straight through with the same
 * harness: the oracle that instrumented runs are compared with. Stdin must be fed up front,
 * since an uninstrumented module cannot wait.
 */
export async function runPlain(name: string, args: string[] = [], stdin?: string): Promise<{ stdout: string; code: number }> {
  const { readFile } = await import('node:fs/promises');
  const { ProcExit } = await import('../../src/kernel/task-exit.js');
  const wasi = new MinimalWasi([`${name}.wasm`, ...args]);
  if (stdin !== undefined) {
    wasi.feed(stdin);
    wasi.feed(null);
  }
  let instance: WebAssembly.Instance | undefined;
  const memory = {
    get buffer(): ArrayBuffer {
      return (instance?.exports.memory as WebAssembly.Memory).buffer;
    },
  } as WebAssembly.Memory;
  instance = await WebAssembly.instantiate(await WebAssembly.compile(await readFile(fixturePath(name))), wasi.imports(memory) as WebAssembly.Imports);
  try {
    (instance.exports._start as () => void)();
    return { stdout: wasi.stdout, code: 0 };
  } catch (error) {
    if (error instanceof ProcExit) return { stdout: wasi.stdout, code: error.code };
    throw error;
  }
}
