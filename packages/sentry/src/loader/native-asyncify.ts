// Asyncify with a native `wasm-opt` (Binaryen's command-line tool, e.g. Debian's package
// `binaryen`) in a child process. On the 1 MB SQLite shell the pass takes binaryen.js (one
// thread, compiled to wasm) about half a minute; the native tool is several times faster and
// uses every core, and while it runs the sandbox's event loop keeps serving. The preparation
// (scan, preemption checks, exports) stays in binaryen.js, so both paths instrument the same
// input with the same lists; only the Asyncify step moves.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
 * `wasm-opt` on PATH; undefined when there is none or it is older than 108. Probed once per
 * path per process.
 */
export function findWasmOpt(path?: string): Promise<NativeWasmOpt | undefined> {
  const candidate = path ?? process.env.STASIS_WASM_OPT ?? 'wasm-opt';
  let probe = probes.get(candidate);
  if (!probe) {
    probe = run(candidate, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => {
        const version = Number(/version (\d+)/.exec(stdout)?.[1]);
        return Number.isInteger(version) && version >= MINIMUM_WASM_OPT_VERSION ? { path: candidate, version, tool: `wasm-opt ${version}` } : undefined;
      },
      () => undefined,
    );
    probes.set(candidate, probe);
  }
  return probe;
}

/** asyncifyWithWasmOpt runs the Asyncify pass on `prepared` and returns the output bytes; a failure rejects. */
export async function asyncifyWithWasmOpt(
  tool: NativeWasmOpt,
  prepared: Uint8Array,
  asyncImports: readonly string[],
  onlyList: readonly string[],
  optimizeLevel: number,
): Promise<Uint8Array> {
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
