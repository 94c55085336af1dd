// Runs the README's checkpoint example, so it stays true: the code block under "Checkpoint and
// restore" with its paths pointed at a scratch directory, the fixture program and this source.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COUNTER = resolve(PACKAGE_ROOT, '../../tooling/fixtures/wasm/counter.wasm');

function example(): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Checkpoint and restore'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README.md has no code block under "Checkpoint and restore"');
  return match[1]!;
}

const Readme = suite('README checkpoint example');

Readme('runs: checkpoint, stop, restore, and the output continues in the same log', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'stasis-readme-'));
  // The example lives in the package's git-ignored cache so it resolves this package's modules.
  const file = join(PACKAGE_ROOT, '.cache', `readme-example-${process.pid}.ts`);
  try {
    // The example's /tmp/ paths are rewritten first: the checkout itself may live under /tmp.
    const code = example()
      .replaceAll('/tmp/', `${scratch}/`)
      .replaceAll("'@stasis/sentry'", `'${pathToFileURL(join(PACKAGE_ROOT, 'src/index.ts')).href}'`)
      .replaceAll("'counter.wasm'", `'${COUNTER}'`)
      .replaceAll('console.log(', '(() => {})(');
    writeFileSync(file, `${code}\nexport {};\n`);
    await import(pathToFileURL(file).href);
    const log = readFileSync(join(scratch, 'web-1.log'), 'utf8');
    const lines = log.trimEnd().split('\n');
    assert.is(lines.length, 7, `the log holds every step once and "done": ${log}`);
    assert.match(lines[0]!, /^counter step 1\/6 /);
    assert.is(lines[6], 'counter done');
  } finally {
    rmSync(file, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});

Readme.run();
