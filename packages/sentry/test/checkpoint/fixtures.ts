// The programs the checkpoint differential tests run, as data: one entry per workload of the
// issue (compute loops, file I/O on the overlay and on tmpfs, pipes between two tasks, sleeps,
// deep recursion, memory growth, SQLite, QuickJS). Sizes are chosen so each run lasts about a
// second under the sentry: long enough for checkpoints to land mid-run, short enough for CI
// (sized up when instrumenter version 3 and the faster system-call path made them finish early).
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Fixture, REPOSITORY_ROOT, type Workspace } from './harness.js';

const FIXTURES = join(REPOSITORY_ROOT, 'tooling/fixtures/wasm');
const CORPUS = join(REPOSITORY_ROOT, 'tooling/corpus/wasm');
const INPUT = join(REPOSITORY_ROOT, 'packages/sentry/test/checkpoint/input');
const PACKAGE_WASM = join(REPOSITORY_ROOT, 'packages/sentry/test/checkpoint/wasm');

function program(name: string): string {
  return join(FIXTURES, `${name}.wasm`);
}

// A rootfs for the overlay: a host directory the guest sees read-only, with writes kept in the
// sandbox's memory (so they must travel in the image).
async function rootfs(workspace: Workspace, ...directories: string[]): Promise<string> {
  const root = join(workspace.directory, 'rootfs');
  for (const directory of ['', ...directories]) await mkdir(join(root, directory), { recursive: true });
  return root;
}

/** simple is a fixture that needs nothing but its arguments. */
function simple(name: string, windowMs: number, module: string, args: string[], env: string[] = []): Fixture {
  return { name, windowMs, prepare: async () => ({ recipe: { module, args, env } }) };
}

const WORKLOADS = {
  /** A pure compute loop: no syscall for stretches of millions of rounds. */
  counter: simple('counter', 300, program('counter'), ['counter', '10', '30000000']),
  /** File I/O on the overlay's in-memory upper layer, over a host rootfs. */
  'fileio-overlay': {
    name: 'fileio-overlay',
    windowMs: 250,
    async prepare(workspace) {
      const root = await rootfs(workspace, 'work');
      return { recipe: { module: program('fileio'), args: ['fileio', '/work', '10000'], env: [], rootfs: root }, restore: { rootfs: root } };
    },
  },
  /** File I/O on a tmpfs mount. */
  'fileio-tmpfs': {
    name: 'fileio-tmpfs',
    windowMs: 120,
    async prepare(workspace) {
      const root = await rootfs(workspace, 'scratch');
      const mounts = [{ type: 'tmpfs' as const, destination: '/scratch' }];
      return {
        recipe: { module: program('fileio'), args: ['fileio', '/scratch', '10000'], env: [], rootfs: root, mounts },
        restore: { rootfs: root, mounts },
      };
    },
  },
  /** `pipes gen | pipes rot13`: two tasks and a kernel pipe whose buffered bytes must survive (200,000 lines: at 40,000 a quiet machine could finish before every checkpoint trigger). */
  pipes: {
    name: 'pipes',
    windowMs: 200,
    prepare: async () => ({
      recipe: { module: program('pipes'), args: ['pipes', 'rot13'], env: [], pipeline: { args: ['pipes', 'gen', '200000'] } },
    }),
  },
  /** Sleeps of every kind (nanosleep, clock_nanosleep, poll, poll_oneoff): a checkpoint mid-sleep keeps the remaining time. */
  sleeper: simple('sleeper', 120, program('sleeper'), ['sleeper', '16', '30']),
  /** The file I/O workload instrumented in safepoint mode: tasks stop only at system calls. */
  'fileio-safepoint': {
    name: 'fileio-safepoint',
    windowMs: 250,
    async prepare(workspace) {
      const root = await rootfs(workspace, 'work');
      return { recipe: { module: program('fileio'), args: ['fileio', '/work', '10000'], env: [], rootfs: root, mode: 'safepoint' }, restore: { rootfs: root } };
    },
  },
  /** 4000 C frames deep with 100 steps of compute at the bottom: the Asyncify stack is large. */
  recursion: simple('recursion', 250, program('recursion'), ['recursion', '4000', '100']),
  /** Memory grows to ~48 MiB: restore brings back memory of the grown size. */
  grow: simple('grow', 80, program('grow'), ['grow', '24', '2']),
  /** The SQLite shell building and querying a database in memory, its SQL read from the rootfs. */
  sqlite: {
    name: 'sqlite',
    // With stack switching the workload runs in ~0.8 s after its first output; a checkpoint
    // up to 600 ms after 60% of it could miss every run.
    windowMs: 250,
    async prepare(workspace) {
      const root = await rootfs(workspace, 'input');
      await cp(join(INPUT, 'sqlite-work.sql'), join(root, 'input/sqlite-work.sql'));
      return {
        recipe: { module: join(CORPUS, 'sqlite3.wasm'), args: ['sqlite3', ':memory:', '.read /input/sqlite-work.sql'], env: ['HOME=/'], rootfs: root },
        restore: { rootfs: root },
      };
    },
  },
  /** QuickJS running a script read from the rootfs: 3 rounds (~1.6 s quiet), since its output comes at the end and the checkpoint falls within the first 700 ms. */
  qjs: {
    name: 'qjs',
    windowMs: 700,
    bufferedOutput: true,
    async prepare(workspace) {
      const root = await rootfs(workspace, 'input');
      await cp(join(INPUT, 'qjs-work.js'), join(root, 'input/qjs-work.js'));
      return { recipe: { module: join(CORPUS, 'qjs.wasm'), args: ['qjs', '/input/qjs-work.js', '3'], env: [], rootfs: root }, restore: { rootfs: root } };
    },
  },
  /** Reads /proc/stasis/checkpoint: differs across a checkpoint on purpose (used by the fork tests, not the differential ones). */
  'checkpoint-aware': {
    name: 'checkpoint-aware',
    windowMs: 250,
    prepare: async () => ({ recipe: { module: program('checkpoint-aware'), args: ['checkpoint-aware', '12', '25'], env: [], preopens: [{ guest: '/' }] } }),
  },
  /** Prints /proc/stasis/checkpoint and kernel random bytes each round, and counts lines of a log in a tmpfs: the fork tests' probe. */
  'fork-probe': {
    name: 'fork-probe',
    windowMs: 150,
    prepare: async () => ({
      recipe: {
        module: join(PACKAGE_WASM, 'fork-probe.wasm'),
        args: ['fork-probe', '10', '30'],
        env: [],
        mounts: [{ type: 'tmpfs' as const, destination: '/tmp' }],
        preopens: [{ guest: '/' }],
      },
    }),
  },
} satisfies Record<string, Fixture>;

/** CheckpointFixtureName names a fixture. */
export type CheckpointFixtureName = keyof typeof WORKLOADS;

/** CHECKPOINT_FIXTURES are the workloads of the checkpoint tests, by name. */
export const CHECKPOINT_FIXTURES: Readonly<Record<CheckpointFixtureName, Fixture>> = WORKLOADS;
