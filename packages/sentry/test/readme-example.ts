// Runs a code block of this package's README as a module, so the README's examples stay true:
// its /tmp/ paths pointed at a scratch directory, '@stasis/sentry' at this package's source,
// the program names it uses at fixture files, and its console output silenced.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** readmeExample returns the first `ts` code block under the README heading given. */
function readmeExample(heading: string): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)));
  if (match === null) throw new Error(`README.md has no code block under "${heading}"`);
  return match[1]!;
}

/**
 * runReadmeExample runs the code block under heading with each quoted program name in
 * `programs` ('counter.wasm') replaced by its fixture path, then hands the scratch directory
 * the example wrote its /tmp/ files to to `check`; both are removed afterwards.
 */
export async function runReadmeExample(heading: string, programs: Readonly<Record<string, string>>, check: (scratch: string) => Promise<void> | void): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'stasis-readme-'));
  // The example lives in the package's git-ignored cache so it resolves this package's modules.
  const file = join(PACKAGE_ROOT, '.cache', `readme-example-${process.pid}-${Date.now()}.ts`);
  try {
    // The example's /tmp/ paths are rewritten first: the checkout itself may live under /tmp.
    let code = readmeExample(heading)
      .replaceAll('/tmp/', `${scratch}/`)
      .replaceAll("'@stasis/sentry'", `'${pathToFileURL(join(PACKAGE_ROOT, 'src/index.ts')).href}'`)
      .replaceAll('console.log(', '(() => {})(');
    for (const [name, path] of Object.entries(programs)) code = code.replaceAll(`'${name}'`, `'${path}'`);
    writeFileSync(file, `${code}\nexport {};\n`);
    await import(pathToFileURL(file).href);
    await check(scratch);
  } finally {
    rmSync(file, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}
