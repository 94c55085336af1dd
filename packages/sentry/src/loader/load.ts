// The loader's entry point: from a path or bytes to a compiled, instrumented module.
// validate (cheap, always) -> cache lookup -> instrument on a miss (slow, once) -> compile.
import { readFile } from 'node:fs/promises';
import { ModuleCache, cacheKey } from './cache.js';
import { LoaderError } from './errors.js';
import { type InstrumentMode, type InstrumentedModuleInfo, instrumentModule, sha256Hex } from './instrument.js';
import { type ValidatedModule, validateModule } from './validate.js';

/** LoadOptions configure loading one program. */
export interface LoadOptions {
  /** How to name the program in messages (default: the path, or `<module bytes>`). */
  readonly program?: string;
  readonly mode: InstrumentMode;
  /** Function imports the sentry provides, as `module.name`. */
  readonly providedImports: ReadonlySet<string>;
  /** Cache directory, or false to neither read nor write a cache. */
  readonly cacheDir?: string | false;
}

/** LoadedProgram is a program ready to be instantiated by a Machine. */
export interface LoadedProgram {
  readonly program: string;
  readonly module: WebAssembly.Module;
  /** The instrumented bytes (a checkpoint carries them; a restore compiles them again). */
  readonly bytes: Uint8Array;
  readonly info: InstrumentedModuleInfo;
  readonly validated: ValidatedModule;
  /** Whether the instrumented module came from the cache. */
  readonly cached: boolean;
  /** A cache write failure, if any (the program still loaded). */
  readonly cacheError?: Error;
}

/** ProgramReadError: the program file could not be read. */
export class ProgramReadError extends LoaderError {
  override name = 'ProgramReadError';
  constructor(program: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(program, code === 'ENOENT' ? `${program}: no such file` : `cannot read ${program}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** loadProgram validates, instruments (or fetches from the cache) and compiles a program. */
export async function loadProgram(source: Uint8Array | string, options: LoadOptions): Promise<LoadedProgram> {
  const program = options.program ?? (typeof source === 'string' ? source : '<module bytes>');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = new Uint8Array(await readFile(source));
    } catch (cause) {
      throw new ProgramReadError(program, cause);
    }
  } else {
    bytes = source;
  }
  const validated = validateModule(bytes, { program, providedImports: options.providedImports });
  const cache = options.cacheDir === false ? undefined : new ModuleCache(options.cacheDir);
  const key = cacheKey(sha256Hex(bytes), options.mode);
  const hit = await cache?.get(key);
  if (hit) {
    return { program, module: await WebAssembly.compile(hit.bytes), bytes: hit.bytes, info: hit.info, validated, cached: true };
  }
  validateModule(bytes, { program, providedImports: options.providedImports, validateCode: true });
  const instrumented = await instrumentModule(bytes, { program, mode: options.mode });
  const cacheError = await cache?.put(key, instrumented);
  const module = await WebAssembly.compile(instrumented.bytes);
  return { program, module, bytes: instrumented.bytes, info: instrumented.info, validated, cached: false, ...(cacheError ? { cacheError } : {}) };
}
