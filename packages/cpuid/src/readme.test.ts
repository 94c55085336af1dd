// Runs the README's TypeScript examples against this package's source, so they stay true.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const Readme = suite('README');

Readme('every ts example runs', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  assert.ok(blocks.length > 0, 'no ts example in README.md');
  const directory = mkdtempSync(join(tmpdir(), 'cpuid-readme-'));
  try {
    for (const [index, block] of blocks.entries()) {
      const file = join(directory, `example-${index}.ts`);
      writeFileSync(file, block.replaceAll("from '@stasis/cpuid'", `from '${new URL('./index.ts', import.meta.url).href}'`));
      await import(pathToFileURL(file).href);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

Readme.run();
