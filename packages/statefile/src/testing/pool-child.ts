// A child process for the hash pool's lifetime test: it writes the same image of `megabytes` MiB
// twice (the hash workers start with the first write and take batches of the second), then lets
// its event loop empty without closing the pool. At 'beforeExit', which Node.js emits only once
// nothing keeps the loop alive, it reports whether the workers were still running then: if they
// kept the process alive, 'beforeExit' would come only after the pool's idle stop, with none left.

import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedSha256Pool } from '../sha256-pool.js';
import { ImageWriter } from '../writer.js';

const megabytes = Number(process.argv[2]);
const memory = new Uint8Array(megabytes * 2 ** 20);
for (let at = 0; at < memory.byteLength; at += 2 * 65536) randomFillSync(memory, at, 65536);
const scratch = mkdtempSync(join(tmpdir(), 'stasis-pool-child-'));
const pool = sharedSha256Pool();
try {
  for (const name of ['first', 'second']) {
    const writer = await ImageWriter.create(join(scratch, name), { metadata: { producer: 'pool-child', producerVersion: '0' } });
    await writer.addMemory('memory', memory);
    await writer.commit();
    // Give the workers started by the first write the time to come online (bounded).
    for (let attempt = 0; attempt < 3000 && pool.workersOnline < pool.workersStarted; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.once('beforeExit', () => {
  console.log(JSON.stringify({ workersAtExit: pool.workersStarted, offThreadBatches: pool.offThreadBatches }));
});
