import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordRegistry } from './graph/records.js';
import { ImageReader } from './reader.js';
import { FIXTURE_CASES, FIXTURE_KEY, FIXTURE_METADATA, FIXTURE_MODULE, fixtureChildMemory, fixtureGraph, fixtureMemory } from './testing/fixture-content.js';
import { findGraphDifference } from './testing/graph-difference.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Inode is today's record: version 2 added `nlink`, with an upgrade from the version 1 the fixtures hold. */
class Inode {}
const registry = new RecordRegistry().register({ type: 'Inode', version: 2, Class: Inode, upgrade: { 1: (fields) => ({ ...fields, nlink: 1 }) } });

const Fixtures = suite('format fixtures');

Fixtures('every released format version has fixtures', async () => {
  const versions = (await readdir(FIXTURES)).sort();
  assert.equal(versions, Object.keys(FIXTURE_CASES).sort());
});

for (const [version, cases] of Object.entries(FIXTURE_CASES)) {
  for (const fixture of cases) {
    Fixtures(`${version}/${fixture.name} still decodes exactly`, async () => {
      const root = join(FIXTURES, version);
      const expected = JSON.parse(await readFile(join(root, 'expected.json'), 'utf8')) as { digests: Record<string, string> };
      const reader = await ImageReader.open(join(root, fixture.name), fixture.keyed ? { key: FIXTURE_KEY } : {});
      try {
        assert.is(reader.digest, expected.digests[fixture.name], 'digest: the committed fixture changed');
        assert.is(reader.authenticated, fixture.keyed);
        assert.is(reader.metadata.createdAt, FIXTURE_METADATA.createdAt.toISOString());
        assert.equal(reader.metadata.labels, FIXTURE_METADATA.labels);
        const graph = await reader.readGraph('kernel', { registry });
        const difference = findGraphDifference(graph, fixtureGraph(Inode, { nlink: 1 }));
        assert.is(difference, undefined, `${version}/${fixture.name} graph: ${difference}`);
        const memory = fixture.parent === undefined ? fixtureMemory() : fixtureChildMemory();
        assert.is(reader.memoryInfo('memory/0').byteLength, memory.byteLength);
        const target = new Uint8Array(memory.byteLength);
        await reader.readMemoryInto('memory/0', target);
        assert.ok(Buffer.from(target).equals(Buffer.from(memory)), `${version}/${fixture.name}: memory differs`);
        assert.equal([...(await reader.readBlob('module'))], [...FIXTURE_MODULE]);
        await reader.verify();
      } finally {
        await reader.close();
      }
    });
  }
}

Fixtures.run();
