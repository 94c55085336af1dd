// Runs the README's pipe example, so it stays true: the code block under "Pipes between tasks"
// with its paths pointed at a scratch directory, the fixture program and this source. The
// pipeline, checkpointed mid-stream and restored, must print exactly what an uninterrupted
// run of the same pipeline prints.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox } from '../../src/index.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PIPES = resolve(PACKAGE_ROOT, '../../tooling/fixtures/wasm/pipes.wasm');

function example(): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Pipes between tasks'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README.md has no code block under "Pipes between tasks"');
  return match[1]!;
}

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
  const scratch = mkdtempSync(join(tmpdir(), 'stasis-readme-pipes-'));
  const file = join(PACKAGE_ROOT, '.cache', `readme-pipes-${process.pid}.ts`);
  try {
    const code = example()
      .replaceAll('/tmp/', `${scratch}/`)
      .replaceAll("'@stasis/sentry'", `'${pathToFileURL(join(PACKAGE_ROOT, 'src/index.ts')).href}'`)
      .replaceAll("'pipes.wasm'", `'${PIPES}'`)
      .replaceAll('console.log(', '(() => {})(');
    writeFileSync(file, `${code}\nexport {};\n`);
    await import(pathToFileURL(file).href);
    const checkpointed = readFileSync(join(scratch, 'rot13.txt'), 'utf8');
    const lines = checkpointed.trimEnd().split('\n');
    assert.is(lines.length, 40001, `every line once and the summary: got ${lines.length} lines`);
    assert.match(lines[40000]!, /^pipes read 40000 lines, \d+ bytes, checksum=[0-9a-f]{8}$/);
    assert.ok(checkpointed === (await uninterrupted(join(scratch, 'plain.txt'))), 'the restored pipeline printed something else than an uninterrupted run');
  } finally {
    rmSync(file, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});

Readme.run();
