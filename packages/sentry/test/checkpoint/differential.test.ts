// Differential tests of checkpoint/restore: every fixture, checkpointed at moments fast-check
// chooses and restored in a new process (again and again, in a chain), prints byte for byte
// what an uninterrupted run prints and exits with the same code.
//
// Sizes: STASIS_CHECKPOINT_RUNS (default 2) chains per fixture of up to STASIS_CHECKPOINT_HOPS
// (default 2) checkpoints each, plus a fixed chain of five, keep the suite near two to three
// minutes. For a local soak run:
//   STASIS_CHECKPOINT_RUNS=50 STASIS_CHECKPOINT_HOPS=8 pnpm --filter @stasis/sentry test
// A failure prints fast-check's seed and path; replay with STASIS_CHECKPOINT_SEED=<seed>.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CHECKPOINT_FIXTURES, type CheckpointFixtureName } from './fixtures.js';
import { createWorkspace, describeDifference, type Fixture, type Hop, type RunOutput, runChain, runUninterrupted } from './harness.js';

const RUNS = Number(process.env.STASIS_CHECKPOINT_RUNS ?? 2);
const MAX_HOPS = Number(process.env.STASIS_CHECKPOINT_HOPS ?? 2);
const SEED = process.env.STASIS_CHECKPOINT_SEED === undefined ? undefined : Number(process.env.STASIS_CHECKPOINT_SEED);

const DIFFERENTIAL: readonly CheckpointFixtureName[] = ['counter', 'fileio-overlay', 'fileio-tmpfs', 'fileio-safepoint', 'pipes', 'sleeper', 'recursion', 'grow', 'sqlite', 'qjs'];

/** hopsArbitrary draws up to `maxHops` checkpoint moments: a stdout size (unless the output is buffered to the end) and a delay after it. */
function hopsArbitrary(fixture: Fixture, stdoutLength: number, maxHops: number): fc.Arbitrary<Hop[]> {
  const bytes = fixture.bufferedOutput ? fc.constant(0) : fc.integer({ min: 0, max: Math.max(0, Math.floor(stdoutLength * 0.6)) });
  const hop = fc.record({
    afterStdoutBytes: bytes,
    afterMs: fc.integer({ min: 0, max: fixture.windowMs }),
    compression: fc.constantFrom<Hop['compression']>(undefined, undefined, 'gzip'),
    incremental: fc.boolean(),
  });
  return fc.array(hop, { minLength: 1, maxLength: maxHops }).map((hops) => [...hops].sort((left, right) => left.afterStdoutBytes - right.afterStdoutBytes));
}

function assertSameRun(got: RunOutput, want: RunOutput, context: string): void {
  const difference = describeDifference('stdout', got.stdout, want.stdout) ?? describeDifference('stderr', got.stderr, want.stderr);
  if (difference !== undefined) assert.unreachable(`${context}: ${difference}`);
  assert.is(got.code, want.code, `${context}: exit code ${got.code}, want ${want.code}`);
}

const Differential = suite('checkpoint differential');

const references = new Map<string, RunOutput>();

async function reference(name: CheckpointFixtureName): Promise<RunOutput> {
  let output = references.get(name);
  if (output === undefined) {
    const workspace = await createWorkspace(`${name}-reference`);
    try {
      output = await runUninterrupted(CHECKPOINT_FIXTURES[name], workspace);
    } finally {
      await workspace.dispose();
    }
    references.set(name, output);
  }
  return output;
}

for (const name of DIFFERENTIAL) {
  Differential(`${name}: checkpoints at random moments, restored in new processes, give the uninterrupted output`, async () => {
    const want = await reference(name);
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(hopsArbitrary(CHECKPOINT_FIXTURES[name], want.stdout.length, MAX_HOPS), async (hops) => {
        const workspace = await createWorkspace(name);
        try {
          const got = await runChain(CHECKPOINT_FIXTURES[name], workspace, hops);
          taken += got.checkpoints.length;
          assertSameRun(got, want, `${name} with checkpoints ${JSON.stringify(hops)} (${got.checkpoints.length} taken)`);
        } finally {
          await workspace.dispose();
        }
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true, includeErrorInReport: true },
    );
    // Each run asks for at least one checkpoint within the first 60% of the output, but on a
    // busy machine every drawn moment can still fall after the guest's exit (SQLite's output
    // comes late in its run). Then one checkpoint at its first output byte must be taken and
    // give the same output; otherwise the test would pass without testing anything.
    if (taken === 0) {
      const workspace = await createWorkspace(`${name}-early`);
      try {
        const got = await runChain(CHECKPOINT_FIXTURES[name], workspace, [{ afterStdoutBytes: 0, afterMs: 0 }]);
        assert.ok(got.checkpoints.length > 0, `${name}: no checkpoint was taken in ${RUNS} runs, nor at the first output (the guest always exited first)`);
        assertSameRun(got, want, `${name} with a checkpoint at its first output`);
      } finally {
        await workspace.dispose();
      }
    }
  });
}

Differential('counter: a chain of five checkpoints, each restored image checkpointed again', async () => {
  const want = await reference('counter');
  const workspace = await createWorkspace('counter-chain');
  try {
    const step = Math.floor(want.stdout.length / 6);
    const hops: Hop[] = [1, 2, 3, 4, 5].map((index) => ({ afterStdoutBytes: step * index, afterMs: 3 * index }));
    const got = await runChain(CHECKPOINT_FIXTURES.counter, workspace, hops);
    assert.is(got.checkpoints.length, 5, `checkpoints taken: ${got.checkpoints.length}, want 5`);
    assertSameRun(got, want, 'counter chain of 5');
  } finally {
    await workspace.dispose();
  }
});

Differential.run();
