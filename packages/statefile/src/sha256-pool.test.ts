import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256, toHex } from './checksum.js';
import { idleCoresBeside, Sha256Pool } from './sha256-pool.js';

// Workers start at once and take every batch, in slots small enough that batches are split.
function eagerPool(options: ConstructorParameters<typeof Sha256Pool>[0] = {}): Sha256Pool {
  const pool = new Sha256Pool({ workers: 2, slotBytes: 64 * 1024, slotsPerWorker: 2, inlineBelowBytes: 0, startAtBytes: 0, ...options });
  pool.prepare(0);
  return pool;
}

async function online(pool: Sha256Pool): Promise<void> {
  // A worker takes batches once it is online; until then the calling thread hashes them.
  for (let attempt = 0; attempt < 3000 && pool.workersOnline < pool.workersStarted; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (pool.workersOnline === 0) throw new Error(`no hash worker came online in 30 s (${pool.workersStarted} started)`);
}

const hex = (digests: readonly Uint8Array[]) => digests.map(toHex);

const Pool = suite('Sha256Pool');

Pool('hashes on its workers exactly as on the calling thread, in order, splitting batches larger than a slot', async () => {
  const pool = eagerPool();
  try {
    await online(pool);
    const parts = [randomBytes(10), randomBytes(64 * 1024), randomBytes(100 * 1024), new Uint8Array(0), randomBytes(30 * 1024), randomBytes(30 * 1024)];
    assert.equal(hex(await pool.digestAll(parts)), hex(parts.map((part) => sha256(part))));
    assert.ok(pool.offThreadBatches >= 2, `batches hashed by workers: got ${pool.offThreadBatches}, want at least 2`);
  } finally {
    pool.close();
  }
});

Pool('keeps up with more batches at once than it has slots', async () => {
  const pool = eagerPool();
  try {
    await online(pool);
    const batches = Array.from({ length: 40 }, (_, index) => [randomBytes(20 * 1024 + index), randomBytes(40 * 1024)]);
    const results = await Promise.all(batches.map((batch) => pool.digestAll(batch)));
    for (const [index, batch] of batches.entries()) assert.equal(hex(results[index]!), hex(batch.map((part) => sha256(part))), `batch ${index}`);
    // Four slots for 40 batches sent at once: the workers took at least the first four (and more if
    // they finished some before the calling thread looked for a slot again), the calling thread the rest.
    assert.ok(pool.offThreadBatches >= 4, `batches hashed by workers: got ${pool.offThreadBatches}, want at least 4`);
  } finally {
    pool.close();
  }
});

Pool('copies the bytes before returning: the caller may reuse its buffer at once', async () => {
  const pool = eagerPool();
  try {
    await online(pool);
    const buffer = randomBytes(50 * 1024);
    const want = toHex(sha256(buffer));
    const pending = pool.digest(buffer);
    buffer.fill(0);
    assert.is(toHex(await pending), want);
  } finally {
    pool.close();
  }
});

Pool('a worker that dies loses no digest, and a closed pool still hashes', async () => {
  // This worker exits on its first job, with the job's bytes still in its slot.
  const pool = eagerPool({ workers: 1, workerSource: "require('node:worker_threads').parentPort.on('message', () => process.exit(3));" });
  try {
    const parts = [randomBytes(20 * 1024), randomBytes(30 * 1024)];
    await online(pool);
    assert.equal(hex(await pool.digestAll(parts)), hex(parts.map((part) => sha256(part))));
    assert.is(pool.workersStarted, 0, 'the dead worker is gone');
    assert.is(pool.offThreadBatches, 0);
    assert.equal(hex(await pool.digestAll(parts)), hex(parts.map((part) => sha256(part))), 'after the worker died');
  } finally {
    pool.close();
  }
  assert.equal(hex(await pool.digestAll([Uint8Array.of(1, 2, 3)])), [toHex(sha256(Uint8Array.of(1, 2, 3)))]);
});

Pool('uses no more workers than an operation allows', async () => {
  const pool = new Sha256Pool({ workers: 2, slotBytes: 64 * 1024, inlineBelowBytes: 0, startAtBytes: 0 });
  try {
    pool.prepare(0, { workers: 1 });
    assert.is(pool.workersStarted, 1, 'workers started for an operation allowed one');
    await online(pool);
    const parts = [randomBytes(50 * 1024), randomBytes(50 * 1024)];
    assert.equal(hex(await pool.digestAll(parts, { workers: 0 })), hex(parts.map((part) => sha256(part))));
    assert.is(pool.offThreadBatches, 0, 'batches hashed by workers for an operation allowed none');
    assert.equal(hex(await pool.digestAll(parts, { workers: 1 })), hex(parts.map((part) => sha256(part))));
    assert.ok(pool.offThreadBatches >= 1, `batches hashed by workers: got ${pool.offThreadBatches}, want at least 1`);
  } finally {
    pool.close();
  }
});

Pool('hashes small batches on the calling thread and starts no worker for little work', async () => {
  const pool = new Sha256Pool({ workers: 1, startAtBytes: 1 << 20 });
  pool.prepare(1000);
  assert.is(pool.workersStarted, 0);
  const small = randomBytes(100);
  assert.is(toHex(await pool.digest(small)), toHex(sha256(small)));
  pool.prepare(1 << 20);
  assert.is(pool.workersStarted, 1);
  pool.close();
  assert.is(pool.workersStarted, 0);
});

Pool('its workers never keep a process alive: a child leaves its event loop with them still started', () => {
  const child = fileURLToPath(new URL('./testing/pool-child.ts', import.meta.url));
  // The timeout only turns a hang into a failure; the pool's idle stop (10 s) comes earlier.
  const run = spawnSync(process.execPath, ['--import', 'tsx', child, '40'], { encoding: 'utf8', timeout: 120_000 });
  assert.is(run.status, 0, `pool-child 40: exit ${run.status} (signal ${run.signal}), stderr ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { workersAtExit: number; offThreadBatches: number };
  if (idleCoresBeside(1) === 0) return;
  assert.ok(report.offThreadBatches > 0, `pool-child 40: batches hashed by workers: got ${report.offThreadBatches}, want some`);
  assert.ok(report.workersAtExit > 0, `pool-child 40: workers started when the event loop emptied: got ${report.workersAtExit}, want some (they kept the process alive until the idle stop)`);
});

Pool.run();

const PoolProperties = suite('Sha256Pool properties');

PoolProperties('digestAll equals sha256 of each part, whatever the sizes and batching', async () => {
  const pool = eagerPool({ slotBytes: 8 * 1024 });
  try {
    await online(pool);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 12 * 1024 }), { maxLength: 12 }), async (parts) => {
        assert.equal(hex(await pool.digestAll(parts)), hex(parts.map((part) => sha256(part))));
      }),
      { numRuns: 150 },
    );
  } finally {
    pool.close();
  }
});

PoolProperties.run();
