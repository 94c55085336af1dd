// Writes the committed fixtures of the current format version into fixtures/v<major>.<minor>/,
// with their digests in expected.json. Run it once per released format version (`pnpm fixtures`);
// it refuses to overwrite, since a reader must keep reading the bytes a release wrote.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORMAT_VERSION } from '../src/header.js';
import {
  FIXTURE_CASES,
  FIXTURE_KEY,
  FIXTURE_METADATA,
  FIXTURE_MODULE,
  fixtureChildMemory,
  fixtureGraph,
  fixtureMemory,
  fixtureWriteRegistry,
  InodeV1,
} from '../src/testing/fixture-content.js';
import { ImageWriter } from '../src/writer.js';

const version = `v${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}`;
const root = fileURLToPath(new URL(`../fixtures/${version}/`, import.meta.url));
if (existsSync(root)) {
  console.error(`${root} exists: fixtures of a released version are never rewritten`);
  process.exit(1);
}
await mkdir(root, { recursive: true });
const digests: Record<string, string> = {};
for (const fixture of FIXTURE_CASES[version] ?? []) {
  const key = fixture.keyed ? FIXTURE_KEY : undefined;
  const writer = await ImageWriter.create(join(root, fixture.name), { metadata: FIXTURE_METADATA, compression: fixture.compression, ...(key === undefined ? {} : { key }) });
  await writer.addGraph('kernel', fixtureGraph(InodeV1), { registry: fixtureWriteRegistry });
  if (fixture.parent === undefined) await writer.addMemory('memory/0', fixtureMemory());
  else await writer.addMemory('memory/0', fixtureChildMemory(), { parent: join(root, fixture.parent) });
  await writer.addBlob('module', FIXTURE_MODULE);
  digests[fixture.name] = (await writer.commit()).digest;
}
await writeFile(join(root, 'expected.json'), `${JSON.stringify({ format: version, digests }, null, 2)}\n`);
console.log(`wrote ${Object.keys(digests).length} fixtures to ${root}`);
