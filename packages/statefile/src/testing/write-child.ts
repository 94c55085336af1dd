// A child process for the writer's failure tests: it writes an image of `megabytes` MiB of memory
// into `directory`, and either reports the outcome as one JSON line or, in `crash` mode, kills
// itself with SIGKILL halfway through the memory section, as a power cut or an OOM kill would.

import { randomFillSync } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { isStatefileError } from '../errors.js';
import { ImageWriter } from '../writer.js';

const [directory, mode, megabytes] = process.argv.slice(2) as [string, 'report' | 'crash', string];
const memory = randomFillSync(new Uint8Array(Number(megabytes) * 2 ** 20));
try {
  const writer = await ImageWriter.create(directory, {
    metadata: { producer: 'write-child', producerVersion: '0' },
    onProgress: ({ bytes, total }) => {
      if (mode === 'crash' && bytes >= total / 2) process.kill(process.pid, 'SIGKILL');
    },
  });
  await writer.addMemory('memory', memory);
  await writer.commit();
  console.log(JSON.stringify({ outcome: 'committed', files: await readdir(directory) }));
} catch (error) {
  const systemCode = (error as { systemCode?: unknown }).systemCode;
  console.log(JSON.stringify({ outcome: isStatefileError(error) ? error.name : String(error), systemCode, files: await readdir(directory) }));
}
