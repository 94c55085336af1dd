// Why the loader refuses a program. Each refusal is its own class with structured fields, so
// the CLI and tests compare classes and fields, never message text; the messages are written
// for the person who ran the program.

/** LoaderError is the base class of every refusal to load a program. */
export class LoaderError extends Error {
  override name = 'LoaderError';
  /** The program as the user named it (a path, or `<module bytes>`). */
  readonly program: string;
  constructor(program: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.program = program;
  }
}

/** NotWebAssemblyError: the file is not a WebAssembly binary (a native executable, a script, text). */
export class NotWebAssemblyError extends LoaderError {
  override name = 'NotWebAssemblyError';
  /** What the file looks like instead. */
  readonly detected: 'elf' | 'mach-o' | 'pe' | 'wat' | 'script' | 'empty' | 'unknown';
  constructor(program: string, detected: NotWebAssemblyError['detected']) {
    super(program, notWasmMessage(program, detected));
    this.detected = detected;
  }
}

function notWasmMessage(program: string, detected: NotWebAssemblyError['detected']): string {
  const what = {
    elf: 'an ELF executable',
    'mach-o': 'a Mach-O executable',
    pe: 'a Windows PE executable',
    wat: 'WebAssembly text format (compile it to a binary .wasm first)',
    script: 'a script',
    empty: 'empty',
    unknown: 'not a WebAssembly binary',
  }[detected];
  return `stasis runs WebAssembly programs; ${program} is ${what}`;
}

/** ComponentModelError: the file is a WebAssembly component, not a core module. */
export class ComponentModelError extends LoaderError {
  override name = 'ComponentModelError';
  constructor(program: string) {
    super(program, `${program} is a WebAssembly component (component model / WASI preview 2); stasis runs core modules built for WASI preview 1 (wasm32-wasi, wasm32-wasip1)`);
  }
}

/** MalformedModuleError: a structural error found while reading module bytes (before compiling). */
export class MalformedModuleError extends Error {
  override name = 'MalformedModuleError';
  /** Byte offset in the file where reading failed. */
  readonly offset: number;
  constructor(message: string, options: { offset: number; cause?: unknown }) {
    super(`${message} at byte ${options.offset}`, { cause: options.cause });
    this.offset = options.offset;
  }
}

/** InvalidModuleError: the module is malformed or does not validate. */
export class InvalidModuleError extends LoaderError {
  override name = 'InvalidModuleError';
  readonly reason: string;
  constructor(program: string, reason: string, options?: { cause?: unknown }) {
    super(program, `${program} is not a valid WebAssembly module: ${reason}`, options);
    this.reason = reason;
  }
}

/** UnknownImportsError: the module imports things the sentry does not provide. */
export class UnknownImportsError extends LoaderError {
  override name = 'UnknownImportsError';
  /** Each unprovided import as `module.name`. */
  readonly imports: readonly string[];
  constructor(program: string, imports: readonly string[]) {
    const shown = imports.slice(0, 12).join(', ') + (imports.length > 12 ? `, and ${imports.length - 12} more` : '');
    super(program, `${program} imports functions the sentry does not provide: ${shown} (stasis provides wasi_snapshot_preview1)`);
    this.imports = imports;
  }
}

/** UnsupportedFeatureError: the module needs a WebAssembly feature stasis cannot run or checkpoint. */
export class UnsupportedFeatureError extends LoaderError {
  override name = 'UnsupportedFeatureError';
  /** The feature, e.g. 'exception handling', 'tail calls', 'threads'. */
  readonly feature: string;
  constructor(program: string, feature: string, detail: string) {
    super(program, `${program} needs ${feature}, which stasis does not support: ${detail}`);
    this.feature = feature;
  }
}

/** MissingEntryPointError: the module is not a WASI command (it exports no `_start`). */
export class MissingEntryPointError extends LoaderError {
  override name = 'MissingEntryPointError';
  constructor(program: string) {
    super(program, `${program} exports no _start function; stasis runs WASI commands (a reactor module with only _initialize cannot be run)`);
  }
}

/** InstrumentationError: Binaryen failed on a module that passed validation (a loader bug or a Binaryen limit). */
export class InstrumentationError extends LoaderError {
  override name = 'InstrumentationError';
  constructor(program: string, message: string, options?: { cause?: unknown }) {
    super(program, `instrumenting ${program} failed: ${message}`, options);
  }
}
