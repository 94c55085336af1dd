// The instrumented-module cache: instrumenting a big program takes seconds, so its output is
// kept on disk, keyed by the hash of the original bytes, the mode, the optimization level and
// the instrumenter version. Entries are written atomically (temporary file + rename), so concurrent sandboxes
// never read half an entry; every read is verified against the hash recorded beside it, and a
// bad entry is treated as a miss. A cache that cannot be written is not an error: the program
// still runs, it is just instrumented again next time.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_OPTIMIZE_LEVEL, INSTRUMENT_PHASES, type InstrumentMode, type InstrumentedModule, type InstrumentedModuleInfo, sha256Hex } from './instrument.js';
import { INSTRUMENTER_VERSION } from './instrumented-abi.js';

/** defaultCacheDirectory is `$STASIS_CACHE_DIR`, else `$XDG_CACHE_HOME/stasis`, else `~/.cache/stasis`. */
export function defaultCacheDirectory(environment: NodeJS.ProcessEnv = process.env): string {
  if (environment.STASIS_CACHE_DIR) return environment.STASIS_CACHE_DIR;
  return join(environment.XDG_CACHE_HOME || join(homedir(), '.cache'), 'stasis');
}

/**
 * cacheKey names the cache entry of a module instrumented in a mode, at an optimization level,
 * by this instrumenter version: everything that changes the output is in the key, so a changed
 * instrumenter never reuses stale bytes.
 */
export function cacheKey(sourceHash: string, mode: InstrumentMode, optimizeLevel: number = DEFAULT_OPTIMIZE_LEVEL): string {
  return `${sourceHash}-${mode}-v${INSTRUMENTER_VERSION}-O${optimizeLevel}`;
}

const InstrumentedModuleInfoSchema = z.object({
  instrumenterVersion: z.literal(INSTRUMENTER_VERSION),
  mode: z.enum(['anywhere', 'safepoint']),
  sourceHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  memory: z.object({ minimum: z.number().int().nonnegative(), maximum: z.number().int().nonnegative().optional() }),
  globals: z.array(z.string()),
  stats: z.object({
    milliseconds: z.number(),
    inputBytes: z.number(),
    outputBytes: z.number(),
    functions: z.number(),
    asyncifiedFunctions: z.number(),
    loops: z.number(),
    recursiveFunctions: z.number(),
    preemptionChecks: z.number(),
    boundedLoops: z.number().optional(),
    versionedLoops: z.number().optional(),
    asyncifyTool: z.string().optional(),
    phases: z.record(z.enum(INSTRUMENT_PHASES), z.number()).optional(),
    fastFunctions: z.number().optional(),
  }),
});

/** ModuleCache stores instrumented modules in a directory. */
export class ModuleCache {
  readonly directory: string;

  constructor(directory: string = defaultCacheDirectory()) {
    this.directory = join(directory, 'modules');
  }

  /** get returns the entry for `key`, or undefined when absent or damaged. */
  async get(key: string): Promise<InstrumentedModule | undefined> {
    let info: InstrumentedModuleInfo;
    let bytes: Uint8Array;
    try {
      const parsed = InstrumentedModuleInfoSchema.safeParse(JSON.parse(await readFile(join(this.directory, `${key}.json`), 'utf8')));
      if (!parsed.success) return undefined;
      info = parsed.data;
      bytes = new Uint8Array(await readFile(join(this.directory, `${key}.wasm`)));
    } catch {
      return undefined;
    }
    if (sha256Hex(bytes) !== info.hash) return undefined;
    return { bytes, info };
  }

  /** put stores an entry atomically; failures are returned, not thrown, since the cache is optional. */
  async put(key: string, entry: InstrumentedModule): Promise<Error | undefined> {
    const suffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const wasmPath = join(this.directory, `${key}.wasm`);
    const infoPath = join(this.directory, `${key}.json`);
    try {
      await mkdir(this.directory, { recursive: true });
      // The bytes land first and the description last: a reader that finds the description
      // finds the bytes it describes (and checks their hash anyway).
      await writeFile(wasmPath + suffix, entry.bytes);
      await rename(wasmPath + suffix, wasmPath);
      await writeFile(infoPath + suffix, `${JSON.stringify(entry.info, null, 2)}\n`);
      await rename(infoPath + suffix, infoPath);
      return undefined;
    } catch (error) {
      await rm(wasmPath + suffix, { force: true }).catch(() => undefined);
      await rm(infoPath + suffix, { force: true }).catch(() => undefined);
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
