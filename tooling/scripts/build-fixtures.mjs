#!/usr/bin/env node
// Usage: node tooling/scripts/build-fixtures.mjs [--check]
//
// Compiles every C guest fixture the project registers (FIXTURE_DIRECTORIES) to
// wasm32-wasi with Debian's clang and wasi-libc, using the pinned flags below.
//   default   rebuild each `<dir>/c/<name>.c` into `<dir>/wasm/<name>.wasm`
//   --check   rebuild into a temporary directory and compare byte for byte with
//             the committed `.wasm`; exit 1 with the list of stale files
// Without the pinned toolchain `--check` says so and exits 0: the committed
// `.wasm` files are what tests run, the sources are there to rebuild them.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every directory pair of C sources and committed `.wasm` outputs. One list. */
const FIXTURE_DIRECTORIES = [
  { source: 'tooling/fixtures/c', output: 'tooling/fixtures/wasm' },
  { source: 'packages/sentry/test/conformance/c', output: 'packages/sentry/test/conformance/wasm' },
  { source: 'apps/cli/test/integration/fixtures/c', output: 'apps/cli/test/integration/fixtures/wasm' },
];

/**
 * The flags every fixture is built with. Debug info is stripped so the output
 * does not depend on the checkout's path; the name section stays, so a trap's
 * stack trace still names the C functions.
 */
const CLANG_FLAGS = ['--target=wasm32-wasi', '-O2', '-Wl,--strip-debug'];

/**
 * A fixture may ask for more flags (an emulation library, a bigger stack) with a
 * line `// fixture-flags: -Wl,-z,stack-size=2097152` among its first lines.
 */
const FIXTURE_FLAGS_PATTERN = /^\s*(?:\/\/|\/\*)\s*fixture-flags:\s*(.*?)\s*(?:\*\/)?\s*$/m;

/** The toolchain the committed `.wasm` files were built with. */
const PINNED_CLANG = 'Debian clang version 14.0.6';
const PINNED_WASI_LIBC = '0.0~git20220510.9886d3d-2';
const INSTALL_HINT = 'apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32';

/**
 * toolchainProblem says why this machine cannot reproduce the committed
 * fixtures, or returns undefined when it can.
 * @returns {Promise<string | undefined>}
 */
async function toolchainProblem() {
  let version;
  try {
    version = (await run('clang', ['--version'])).stdout.split('\n')[0] ?? '';
  } catch {
    return 'clang not found';
  }
  if (!version.startsWith(PINNED_CLANG)) return `found "${version}", the fixtures are pinned to "${PINNED_CLANG}"`;
  try {
    const { stdout } = await run('dpkg-query', ['--show', `--showformat=\${Version}`, 'wasi-libc']);
    if (stdout.trim() !== PINNED_WASI_LIBC) return `found wasi-libc ${stdout.trim()}, the fixtures are pinned to ${PINNED_WASI_LIBC}`;
  } catch {
    return 'wasi-libc not installed';
  }
  const probeDirectory = await mkdtemp(join(tmpdir(), 'stasis-toolchain-'));
  try {
    const source = join(probeDirectory, 'probe.c');
    await writeFile(source, '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n');
    await run('clang', [...CLANG_FLAGS, source, '-o', join(probeDirectory, 'probe.wasm')]);
  } catch (error) {
    return `clang cannot build a wasm32-wasi program: ${firstLine(error)}`;
  } finally {
    await rm(probeDirectory, { recursive: true, force: true });
  }
  return undefined;
}

/**
 * firstLine extracts a one-line reason from a failed child process.
 * @param {unknown} error
 */
function firstLine(error) {
  const text = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr) : String(error);
  return text.trim().split('\n')[0] ?? '';
}

/**
 * listFixtures finds every `.c` file of the registered directories.
 * @returns {Promise<{ source: string, output: string, name: string }[]>}
 */
async function listFixtures() {
  const fixtures = [];
  for (const directory of FIXTURE_DIRECTORIES) {
    let entries;
    try {
      entries = await readdir(join(root, directory.source));
    } catch (error) {
      if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries.filter((name) => name.endsWith('.c')).sort()) {
      const name = entry.slice(0, -2);
      fixtures.push({
        name,
        source: join(root, directory.source, entry),
        output: join(root, directory.output, `${name}.wasm`),
      });
    }
  }
  return fixtures;
}

/**
 * compileFixture builds one C file into `outputPath`.
 * @param {string} sourcePath
 * @param {string} outputPath
 */
async function compileFixture(sourcePath, outputPath) {
  const text = await readFile(sourcePath, 'utf8');
  const head = text.split('\n').slice(0, 20).join('\n');
  const extra = FIXTURE_FLAGS_PATTERN.exec(head)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
  await mkdir(dirname(outputPath), { recursive: true });
  try {
    await run('clang', [...CLANG_FLAGS, ...extra, sourcePath, '-o', outputPath]);
  } catch (error) {
    const stderr = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr) : String(error);
    throw new FixtureBuildError(relative(root, sourcePath), stderr);
  }
}

/**
 * mapLimited runs `work` over `items`, at most `limit` at a time.
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<void>} work
 */
async function mapLimited(items, limit, work) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(/** @type {T} */ (item));
    }
  });
  await Promise.all(workers);
}

/**
 * sameBytes compares a freshly built file with the committed one; a missing
 * committed file counts as different.
 * @param {string} fresh
 * @param {string} committed
 */
async function sameBytes(fresh, committed) {
  let old;
  try {
    old = await readFile(committed);
  } catch {
    return false;
  }
  return Buffer.compare(await readFile(fresh), old) === 0;
}

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((argument) => argument !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`build-fixtures: unknown argument ${unknown[0]}\nusage: build-fixtures.mjs [--check]\n`);
    return 2;
  }
  const check = args.includes('--check');
  const problem = await toolchainProblem();
  if (problem !== undefined) {
    if (check) {
      process.stdout.write(`build-fixtures: toolchain not present (${problem}), skipping the fixture freshness check (install: ${INSTALL_HINT})\n`);
      return 0;
    }
    process.stderr.write(`build-fixtures: ${problem}; install the pinned toolchain: ${INSTALL_HINT}\n`);
    return 1;
  }

  const fixtures = await listFixtures();
  const scratch = await mkdtemp(join(tmpdir(), 'stasis-fixtures-'));
  try {
    /** @type {string[]} */
    const stale = [];
    /** @type {string[]} */
    const written = [];
    await mapLimited(fixtures, 2, async (fixture) => {
      const fresh = join(scratch, relative(root, fixture.output));
      await compileFixture(fixture.source, fresh);
      if (await sameBytes(fresh, fixture.output)) return;
      if (check) {
        stale.push(relative(root, fixture.output));
      } else {
        await mkdir(dirname(fixture.output), { recursive: true });
        await rename(fresh, fixture.output).catch(async () => writeFile(fixture.output, await readFile(fresh)));
        written.push(relative(root, fixture.output));
      }
    });
    if (check) {
      if (stale.length > 0) {
        process.stderr.write(
          `build-fixtures: ${stale.length} fixture(s) out of date with their C source:\n${stale
            .sort()
            .map((path) => `  ${path}\n`)
            .join('')}rebuild them with: node tooling/scripts/build-fixtures.mjs\n`,
        );
        return 1;
      }
      process.stdout.write(`build-fixtures: all ${fixtures.length} fixtures match their C sources\n`);
      return 0;
    }
    process.stdout.write(
      `build-fixtures: built ${fixtures.length} fixtures, ${written.length} changed${written
        .sort()
        .map((path) => `\n  ${path}`)
        .join('')}\n`,
    );
    return 0;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** FixtureBuildError is a compiler failure on one fixture, reported without a stack. */
class FixtureBuildError extends Error {
  /**
   * @param {string} source the fixture's path, relative to the repository
   * @param {string} compilerOutput what clang printed
   */
  constructor(source, compilerOutput) {
    super(`clang failed on ${source}:\n${compilerOutput}`);
    this.name = 'FixtureBuildError';
    this.source = source;
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!(error instanceof FixtureBuildError)) throw error;
  process.stderr.write(`build-fixtures: ${error.message}`);
  process.exitCode = 1;
}
