import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectImage } from './inspect.js';
import { ImageReader } from './reader.js';
import { TEST_METADATA, withTemporaryDirectory } from './testing/images.js';
import { ImageWriter } from './writer.js';

const Inspect = suite('inspectImage');

Inspect('lists header, metadata and sections without decoding, and finds the damaged section on verify', async () => {
  await withTemporaryDirectory(async (directory) => {
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA, compression: 'deflate' });
    await writer.addGraph('kernel', { tasks: Array.from({ length: 100 }, () => 'runnable') });
    const memory = new Uint8Array(20 * 65536);
    memory.fill(1, 0, 100);
    memory.fill(2, 5 * 65536, 7 * 65536);
    await writer.addMemory('memory', memory);
    await writer.addBlob('module', new Uint8Array(300).fill(9));
    const { path } = await writer.commit();

    const summary = await inspectImage(directory);
    assert.is(summary.format, '1.0');
    assert.is(summary.authenticated, false);
    assert.equal(summary.metadata.labels, TEST_METADATA.labels);
    assert.equal(
      summary.sections.map((section) => [section.name, section.kind, section.compression, section.checksum]),
      [
        ['kernel', 'graph', 'deflate', 'unchecked'],
        ['memory', 'memory', 'deflate', 'unchecked'],
        ['module', 'blob', 'deflate', 'unchecked'],
      ],
    );
    assert.equal(summary.sections[1]!.memory, { pageSize: 65536, pages: 20, extents: 2, storedPages: 3, parentPages: 0, zeroPages: 17, storedPagesByCompression: { deflate: 3 } });
    assert.is(summary.sections[0]!.graphNodes, 2);

    const reader = await ImageReader.open(directory);
    const blob = reader.section('module')!;
    await reader.close();
    const bytes = await readFile(path);
    bytes[blob.offset + 1]! ^= 0xff;
    await writeFile(path, bytes);
    const verified = await inspectImage(directory, { verify: true });
    assert.equal(
      verified.sections.map((section) => section.checksum),
      ['ok', 'ok', 'mismatch'],
    );
    assert.match(verified.sections[2]!.problem ?? '', 'module');
  });
});

Inspect('dumps a graph as JSON without the record registry', async () => {
  await withTemporaryDirectory(async (directory) => {
    const writer = await ImageWriter.create(join(directory, 'image'), { metadata: TEST_METADATA });
    await writer.addGraph('kernel', { pid: 1n });
    await writer.commit();
    const reader = await ImageReader.open(join(directory, 'image'));
    assert.equal(await reader.readGraphDump('kernel'), { root: { $ref: 0 }, nodes: [{ kind: 'object', fields: { pid: { $bigint: '1' } } }] });
    await reader.close();
  });
});

Inspect.run();
