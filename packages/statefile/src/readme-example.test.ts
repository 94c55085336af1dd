import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTemporaryDirectory } from './testing/images.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));

const ReadmeExample = suite('README example');

ReadmeExample('runs as written', async () => {
  const readme = await readFile(README, 'utf8');
  const example = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example !== undefined, 'README.md has no ## Example code block');
  await withTemporaryDirectory(async (directory) => {
    const script = fileURLToPath(new URL(`./readme-example.${process.pid}.tmp.ts`, import.meta.url));
    const logged: unknown[][] = [];
    const log = console.log;
    try {
      await writeFile(
        script,
        example!.replaceAll("'@stasis/statefile'", JSON.stringify(INDEX)).replaceAll("'/tmp/stasis-example'", JSON.stringify(`${directory}/image`)),
      );
      console.log = (...values: unknown[]) => logged.push(values);
      await import(pathToFileURL(script).href);
    } finally {
      console.log = log;
      await rm(script, { force: true });
    }
    assert.equal(logged.at(-1), [true], 'the example shows the shared open file');
    assert.equal(logged[0]?.[0], '1.0');
  });
});

ReadmeExample.run();
