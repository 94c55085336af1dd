// Runs the README's checkpoint example, so it stays true: the code block under "Checkpoint and
// restore" with its paths pointed at a scratch directory, the fixture program and this source.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runReadmeExample } from '../../test/readme-example.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COUNTER = resolve(PACKAGE_ROOT, '../../tooling/fixtures/wasm/counter.wasm');

const Readme = suite('README checkpoint example');

Readme('runs: checkpoint, stop, restore, and the output continues in the same log', async () => {
  await runReadmeExample('## Checkpoint and restore', { 'counter.wasm': COUNTER }, (scratch) => {
    const log = readFileSync(join(scratch, 'web-1.log'), 'utf8');
    const lines = log.trimEnd().split('\n');
    assert.is(lines.length, 7, `the log holds every step once and "done": ${log}`);
    assert.match(lines[0]!, /^counter step 1\/6 /);
    assert.is(lines[6], 'counter done');
  });
});

Readme.run();
