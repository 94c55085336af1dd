// Runs the README's pipe example, so it stays true: the code block under "Pipes between tasks"
// with its paths pointed at a scratch directory, the fixture program and this source. The
// pipeline, checkpointed mid-stream and restored, must print exactly what an uninterrupted
// run of the same pipeline prints.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox } from '../../src/index.js';
import { runReadmeExample } from '../readme-example.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PIPES = resolve(PACKAGE_ROOT, '../../tooling/fixtures/wasm/pipes.wasm');

async function uninterrupted(path: string): Promise<string> {
  const out = openSync(path, 'w');
  try {
    const sandbox = await Sandbox.create({ module: PIPES, args: ['pipes', 'rot13'], env: [], stdio: { stdin: { pipe: 'lines' }, stdout: out, stderr: 2 } });
    sandbox.start();
    await sandbox.exec({ args: ['pipes', 'gen', '40000'], stdio: { stdin: 'null', stdout: { pipe: 'lines' }, stderr: 2 } });
    assert.equal(await sandbox.wait(), { code: 0 });
  } finally {
    closeSync(out);
  }
  return readFileSync(path, 'utf8');
}

const Readme = suite('README pipe example');

Readme('runs: a pipeline through a kernel pipe, checkpointed and restored, prints what an uninterrupted run prints', async () => {
  await runReadmeExample('## Pipes between tasks', { 'pipes.wasm': PIPES }, async (scratch) => {
    const checkpointed = readFileSync(join(scratch, 'rot13.txt'), 'utf8');
    const lines = checkpointed.trimEnd().split('\n');
    assert.is(lines.length, 40001, `every line once and the summary: got ${lines.length} lines`);
    assert.match(lines[40000]!, /^pipes read 40000 lines, \d+ bytes, checksum=[0-9a-f]{8}$/);
    assert.ok(checkpointed === (await uninterrupted(join(scratch, 'plain.txt'))), 'the restored pipeline printed something else than an uninterrupted run');
  });
});

Readme.run();
