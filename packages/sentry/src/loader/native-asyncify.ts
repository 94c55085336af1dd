// Asyncify with a native `wasm-opt` (Binaryen's command-line tool, e.g. Debian's package
// `binaryen`) in a child process. On the 1 MB SQLite shell the pass takes binaryen.js (one
// thread, compiled to wasm) about half a minute; the native tool is several times faster and
// uses every core, and while it runs the sandbox's event loop keeps serving. The preparation
// (scan, preemption checks, exports) stays in binaryen.js, so both paths instrument the same
// input with the same lists; only the Asyncify step moves.
import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { BodySpliceError, spliceBodies, withStubBodies } from './body-splice.js';

const run = promisify(execFile);

/**
 * MINIMUM_WASM_OPT_VERSION: the oldest wasm-opt used. 108 (Debian 12) has everything needed:
 * asyncify-onlylist, response files (`@@file`), the feature flags below.
 */
export const MINIMUM_WASM_OPT_VERSION = 108;

/** WASM_OPT_FEATURES are the features the prepared module may use (those Node 20 runs). */
export const WASM_OPT_FEATURES = [
  '--enable-mutable-globals',
  '--enable-nontrapping-float-to-int',
  '--enable-simd',
  '--enable-bulk-memory',
  '--enable-sign-ext',
  '--enable-reference-types',
  '--enable-multivalue',
] as const;

/** NativeWasmOpt is a usable wasm-opt executable. */
export interface NativeWasmOpt {
  readonly path: string;
  readonly version: number;
  /** How it is named in stats, e.g. `wasm-opt 108`. */
  readonly tool: string;
}

const probes = new Map<string, Promise<NativeWasmOpt | undefined>>();

/**
 * findWasmOpt returns a usable native wasm-opt: `path` if given, else `$STASIS_WASM_OPT`, else
 * the first `wasm-opt` on PATH that is a native executable, else the first other one (a script,
 * such as npm binaryen's, which runs Binaryen compiled to wasm on one thread: about 3x slower on
 * SQLite; under pnpm scripts it comes first on PATH); undefined when none is 108 or later.
 * Probed once per path per process.
 */
export async function findWasmOpt(path?: string): Promise<NativeWasmOpt | undefined> {
  const explicit = path ?? process.env.STASIS_WASM_OPT;
  if (explicit !== undefined) return probe(explicit);
  const found = wasmOptsOnPath();
  for (const candidate of [...found.filter(isNativeExecutable), ...found.filter((file) => !isNativeExecutable(file))]) {
    const tool = await probe(candidate);
    if (tool) return tool;
  }
  return undefined;
}

function probe(candidate: string): Promise<NativeWasmOpt | undefined> {
  let probed = probes.get(candidate);
  if (!probed) {
    probed = run(candidate, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => {
        const version = Number(/version (\d+)/.exec(stdout)?.[1]);
        return Number.isInteger(version) && version >= MINIMUM_WASM_OPT_VERSION ? { path: candidate, version, tool: `wasm-opt ${version}` } : undefined;
      },
      () => undefined,
    );
    probes.set(candidate, probed);
  }
  return probed;
}

/** wasmOptsOnPath lists the executable `wasm-opt` files on PATH, in PATH order. */
function wasmOptsOnPath(): string[] {
  const files: string[] = [];
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const file = join(directory, 'wasm-opt');
    try {
      accessSync(file, constants.X_OK);
      if (!files.includes(file)) files.push(file);
    } catch {
      // Not there, or not executable.
    }
  }
  return files;
}

/** isNativeExecutable says whether a file is a compiled program rather than a script (`#!`). */
function isNativeExecutable(file: string): boolean {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, 'r');
    const head = Buffer.alloc(2);
    return readSync(descriptor, head, 0, 2, 0) === 2 && head.toString('latin1') !== '#!';
  } catch {
    return false;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/**
 * asyncifyWithWasmOpt runs the Asyncify pass on `prepared` and returns the output bytes; a
 * failure rejects. With `instrumented` (by index among the defined functions), the functions
 * Asyncify leaves alone go to wasm-opt as stubs and keep their prepared bodies (body-splice.ts):
 * wasm-opt 108 would otherwise flatten and optimise them for nothing (newer Binaryen limits its
 * passes to the instrumented functions). Should the splice refuse, the whole module is run.
 */
export async function asyncifyWithWasmOpt(
  tool: NativeWasmOpt,
  prepared: Uint8Array,
  asyncImports: readonly string[],
  onlyList: readonly string[],
  optimizeLevel: number,
  instrumented?: (definedIndex: number) => boolean,
): Promise<Uint8Array> {
  if (!instrumented) return runAsyncify(tool, prepared, asyncImports, onlyList, optimizeLevel);
  const output = await runAsyncify(tool, withStubBodies(prepared, instrumented), asyncImports, onlyList, optimizeLevel);
  try {
    return spliceBodies(output, prepared, (definedIndex) => !instrumented(definedIndex));
  } catch (cause) {
    if (!(cause instanceof BodySpliceError)) throw cause;
    return runAsyncify(tool, prepared, asyncImports, onlyList, optimizeLevel);
  }
}

async function runAsyncify(tool: NativeWasmOpt, prepared: Uint8Array, asyncImports: readonly string[], onlyList: readonly string[], optimizeLevel: number): Promise<Uint8Array> {
  const directory = await mkdtemp(join(tmpdir(), 'stasis-asyncify-'));
  try {
    const input = join(directory, 'input.wasm');
    const output = join(directory, 'output.wasm');
    const imports = join(directory, 'imports.txt');
    const only = join(directory, 'only.txt');
    await Promise.all([writeFile(input, prepared), writeFile(imports, asyncImports.join(',')), writeFile(only, onlyList.join(','))]);
    await run(
      tool.path,
      [
        input,
        ...WASM_OPT_FEATURES,
        '--optimize-level',
        String(optimizeLevel),
        '--asyncify',
        `--pass-arg=asyncify-imports@@${imports}`,
        `--pass-arg=asyncify-onlylist@@${only}`,
        '--debuginfo',
        '-o',
        output,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    return new Uint8Array(await readFile(output));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
