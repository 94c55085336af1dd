import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturePath } from '../../test/machine/fixtures.js';
import { MINIMAL_WASI_IMPORTS } from '../../test/machine/minimal-wasi.js';
import { ModuleCache, cacheKey, defaultCacheDirectory } from './cache.js';
import type { InstrumentedModule } from './instrument.js';
import { INSTRUMENT_PHASES, sha256Hex } from './instrument.js';
import { INSTRUMENTER_VERSION } from './instrumented-abi.js';
import { ProgramReadError, loadProgram } from './load.js';

function entry(bytes: Uint8Array, instrumenterVersion: number = INSTRUMENTER_VERSION): InstrumentedModule {
  return {
    bytes,
    info: {
      instrumenterVersion,
      mode: 'safepoint',
      sourceHash: '0'.repeat(64),
      hash: sha256Hex(bytes),
      memory: { minimum: 1 },
      globals: ['stasis:global:0'],
      stats: { milliseconds: 1, inputBytes: 1, outputBytes: 1, functions: 1, asyncifiedFunctions: 1, loops: 0, recursiveFunctions: 0, preemptionChecks: 0 },
    },
  };
}

let directory = '';
const Cache = suite('ModuleCache', {});
Cache.before.each(() => {
  directory = mkdtempSync(join(tmpdir(), 'stasis-cache-test-'));
});
Cache.after.each(() => {
  rmSync(directory, { recursive: true, force: true });
});

Cache('stores and returns an entry, leaving no temporary files', async () => {
  const cache = new ModuleCache(directory);
  const stored = entry(new Uint8Array([1, 2, 3]));
  assert.is(await cache.put('k', stored), undefined);
  const got = await cache.get('k');
  assert.equal(got?.bytes, stored.bytes);
  assert.equal(got?.info, stored.info);
  assert.equal(readdirSync(cache.directory).sort(), ['k.json', 'k.wasm']);
});

Cache('treats a damaged or missing entry as a miss', async () => {
  const cache = new ModuleCache(directory);
  assert.is(await cache.get('absent'), undefined);
  await cache.put('k', entry(new Uint8Array([1, 2, 3])));
  writeFileSync(join(cache.directory, 'k.wasm'), new Uint8Array([9, 9, 9]));
  assert.is(await cache.get('k'), undefined, 'bytes that do not match the recorded hash');
  writeFileSync(join(cache.directory, 'k.json'), '{"not":"an entry"}');
  assert.is(await cache.get('k'), undefined, 'a description that does not parse');
});

Cache('never reuses the output of another instrumenter version or optimization level', async () => {
  const cache = new ModuleCache(directory);
  await cache.put('old', entry(new Uint8Array([1, 2, 3]), INSTRUMENTER_VERSION - 1));
  assert.is(await cache.get('old'), undefined, 'an entry written by the previous instrumenter version');
  const hash = 'a'.repeat(64);
  assert.ok(cacheKey(hash, 'anywhere').includes(`-v${INSTRUMENTER_VERSION}-`), `cacheKey(${hash}, anywhere): got ${cacheKey(hash, 'anywhere')}, want the version in it`);
  assert.is.not(cacheKey(hash, 'anywhere', 1), cacheKey(hash, 'anywhere', 2), 'cacheKey at optimization levels 1 and 2');
  assert.is.not(cacheKey(hash, 'anywhere'), cacheKey(hash, 'safepoint'), 'cacheKey in the two modes');
});

Cache('reports, without throwing, a cache it cannot write', async () => {
  const blocker = join(directory, 'file');
  writeFileSync(blocker, 'not a directory');
  const error = await new ModuleCache(blocker).put('k', entry(new Uint8Array([1])));
  assert.instance(error, Error);
});

Cache('defaults to $STASIS_CACHE_DIR, then the XDG cache directory', () => {
  assert.is(defaultCacheDirectory({ STASIS_CACHE_DIR: '/x' }), '/x');
  assert.is(defaultCacheDirectory({ XDG_CACHE_HOME: '/y' }), '/y/stasis');
});

Cache('loadProgram instruments once, then loads from the cache', async () => {
  const options = { mode: 'safepoint' as const, providedImports: MINIMAL_WASI_IMPORTS, cacheDir: directory };
  const first = await loadProgram(fixturePath('exit-code'), options);
  const second = await loadProgram(fixturePath('exit-code'), options);
  assert.is(first.cached, false);
  assert.is(second.cached, true);
  assert.is(second.info.hash, first.info.hash);
  assert.is(second.info.sourceHash, sha256Hex(readFileSync(fixturePath('exit-code'))));
  assert.ok(readdirSync(join(directory, 'modules')).includes(`${cacheKey(first.info.sourceHash, 'safepoint')}.wasm`));
});

Cache('an instrumentation records the time of each step, and the cache keeps it', async () => {
  const options = { mode: 'anywhere' as const, providedImports: MINIMAL_WASI_IMPORTS, cacheDir: directory };
  const first = await loadProgram(fixturePath('exit-code'), options);
  const phases = first.info.stats.phases ?? {};
  for (const phase of INSTRUMENT_PHASES) {
    const value = phases[phase];
    assert.ok(value !== undefined && value >= 0, `stats.phases.${phase}: got ${value}, want a duration`);
  }
  const timed = INSTRUMENT_PHASES.filter((phase) => phase !== 'import').reduce((sum, phase) => sum + (phases[phase] ?? 0), 0);
  // Each phase is rounded to 0.1 ms and `milliseconds` to 1 ms: allow for that, nothing more.
  assert.ok(Math.abs(timed - first.info.stats.milliseconds) <= 2, `sum of the phases but import: got ${timed}, want stats.milliseconds ${first.info.stats.milliseconds}`);
  const second = await loadProgram(fixturePath('exit-code'), options);
  assert.is(second.cached, true);
  assert.equal(second.info.stats.phases, phases, 'the phases read back from the cache');
});

Cache('loadProgram names a program that cannot be read', async () => {
  try {
    await loadProgram(join(directory, 'missing.wasm'), { program: 'missing.wasm', mode: 'safepoint', providedImports: MINIMAL_WASI_IMPORTS, cacheDir: false });
    assert.unreachable('loading a missing file should fail');
  } catch (error) {
    assert.instance(error, ProgramReadError);
    assert.is((error as Error).message, 'missing.wasm: no such file');
  }
});

Cache.run();
