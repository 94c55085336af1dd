// The loader's first gate: decide whether a file is a WASI preview 1 command the sentry can
// run, before spending any time instrumenting it. Everything here reads the file's structure
// only; features hidden in function bodies (exception handling, tail calls, atomics) are found
// by the instrumenter's walk over the code (instrument.ts).
import {
  ComponentModelError,
  InvalidModuleError,
  LoaderError,
  MalformedModuleError,
  MissingEntryPointError,
  NotWebAssemblyError,
  UnknownImportsError,
  UnsupportedFeatureError,
} from './errors.js';
import { type MemoryLimits, type ModuleLayout, readModuleLayout } from './wasm-binary.js';

/** ValidateOptions say what the sentry provides and how to name the program in errors. */
export interface ValidateOptions {
  /** The program as the user named it, for messages. */
  readonly program: string;
  /** Function imports the sentry provides, as `module.name` (e.g. `wasi_snapshot_preview1.fd_write`). */
  readonly providedImports: ReadonlySet<string>;
  /** Also validate the code with V8 (slow for big modules; the instrumenter's input needs it). */
  readonly validateCode?: boolean;
}

/** ValidatedModule is a module that passed the loader's structural checks. */
export interface ValidatedModule {
  readonly layout: ModuleLayout;
  /** The module's single linear memory, whether it defines or imports it. */
  readonly memory: MemoryLimits;
  /** The function imports, as `module.name`, in import order. */
  readonly functionImports: readonly string[];
}

const CORE_VERSION = [0x01, 0x00, 0x00, 0x00] as const;

/** classifyBinary names what a file is from its first bytes: a core module, a component, or something else. */
export function classifyBinary(bytes: Uint8Array): 'core' | 'component' | 'unknown-version' | NotWebAssemblyError['detected'] {
  if (bytes.length === 0) return 'empty';
  const at = (index: number): number => bytes[index] ?? -1;
  if (at(0) === 0x00 && at(1) === 0x61 && at(2) === 0x73 && at(3) === 0x6d) {
    if (CORE_VERSION.every((byte, index) => at(4 + index) === byte)) return 'core';
    // Component binaries carry version 0x0d and layer 1 (component-model Binary.md).
    if (at(6) === 0x01 && at(7) === 0x00) return 'component';
    return 'unknown-version';
  }
  if (at(0) === 0x7f && at(1) === 0x45 && at(2) === 0x4c && at(3) === 0x46) return 'elf';
  const magic32 = ((at(0) << 24) | (at(1) << 16) | (at(2) << 8) | at(3)) >>> 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic32)) return 'mach-o';
  if (at(0) === 0x4d && at(1) === 0x5a) return 'pe';
  if (at(0) === 0x23 && at(1) === 0x21) return 'script';
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart();
  if (head.startsWith('(module') || head.startsWith(';;') || head.startsWith('(component')) return 'wat';
  return 'unknown';
}

/** validateModule checks that `bytes` is a WASI preview 1 command the sentry can run, or throws a LoaderError. */
export function validateModule(bytes: Uint8Array, options: ValidateOptions): ValidatedModule {
  const { program } = options;
  const kind = classifyBinary(bytes);
  if (kind === 'component') throw new ComponentModelError(program);
  if (kind === 'unknown-version') throw new InvalidModuleError(program, `unsupported binary format version ${Array.from(bytes.subarray(4, 8)).join(',')}`);
  if (kind !== 'core') throw new NotWebAssemblyError(program, kind);

  let layout: ModuleLayout;
  try {
    layout = readModuleLayout(bytes);
  } catch (error) {
    if (error instanceof MalformedModuleError) throw new InvalidModuleError(program, error.message, { cause: error });
    throw error;
  }

  const unknown: string[] = [];
  const functionImports: string[] = [];
  const memories: MemoryLimits[] = [];
  for (const entry of layout.imports) {
    const qualified = `${entry.module}.${entry.name}`;
    if (entry.kind === 'function') {
      functionImports.push(qualified);
      if (!options.providedImports.has(qualified)) unknown.push(qualified);
    } else if (entry.kind === 'memory' && entry.memory) {
      // Whatever the module calls its memory import, the sandbox supplies the memory.
      memories.push(entry.memory);
    } else {
      unknown.push(`${qualified} (${entry.kind})`);
    }
  }
  if (unknown.length > 0) throw new UnknownImportsError(program, unknown);

  memories.push(...layout.memories);
  if (memories.length === 0) throw new InvalidModuleError(program, 'it has no linear memory, which every WASI program needs');
  if (memories.length > 1) throw new UnsupportedFeatureError(program, 'multiple memories', `it declares ${memories.length} memories`);
  const memory = memories[0] as MemoryLimits;
  if (memory.memory64) throw new UnsupportedFeatureError(program, '64-bit memory (memory64)', 'build for wasm32-wasi');
  if (memory.shared) throw new UnsupportedFeatureError(program, 'threads (shared memory)', 'build without -pthread / wasi-threads');
  if (layout.hasStart) {
    throw new UnsupportedFeatureError(program, 'a start function', 'code that runs during instantiation could not be checkpointed; WASI commands start at _start');
  }
  const entry = layout.exports.find((candidate) => candidate.name === '_start');
  if (!entry || entry.kind !== 'function') throw new MissingEntryPointError(program);

  if (options.validateCode && !WebAssembly.validate(bytes)) {
    try {
      new WebAssembly.Module(bytes);
    } catch (error) {
      throw new InvalidModuleError(program, error instanceof Error ? error.message.replace(/^WebAssembly\.Module\(\): /, '') : String(error), { cause: error });
    }
    throw new InvalidModuleError(program, 'V8 rejects it');
  }
  return { layout, memory, functionImports };
}

/** isLoaderError reports whether `error` is a refusal by the loader (as opposed to a bug). */
export function isLoaderError(error: unknown): error is LoaderError {
  return error instanceof LoaderError;
}
