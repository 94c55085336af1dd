import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isCompressionAvailable } from './compression.js';
import {
  CompressionUnavailableError,
  GraphEncodeError,
  ImageExistsError,
  ImageNotFoundError,
  InvalidArgumentError,
  InvalidStateError,
  LimitExceededError,
  TruncatedError,
} from './errors.js';
import { IMAGE_FILE_NAME, isImageDirectory, TEMPORARY_PREFIX } from './image-directory.js';
import { ImageReader } from './reader.js';
import { instanceOf, rejects } from './testing/assertions.js';
import { TEST_METADATA, withTemporaryDirectory } from './testing/images.js';
import { ImageWriter, type WriteProgress } from './writer.js';

const CHILD = fileURLToPath(new URL('./testing/write-child.ts', import.meta.url));

function runChild(directory: string, mode: 'report' | 'crash', megabytes: number, fileSizeLimitKiB?: number) {
  const command = `${fileSizeLimitKiB === undefined ? '' : `ulimit -f ${fileSizeLimitKiB}; `}exec "$0" --import tsx "$1" "$2" "$3" "$4"`;
  const child = spawnSync('/bin/sh', ['-c', command, process.execPath, CHILD, directory, mode, String(megabytes)], { encoding: 'utf8' });
  return { signal: child.signal, report: child.stdout.trim() === '' ? undefined : (JSON.parse(child.stdout) as { outcome: string; systemCode?: string; files: string[] }), stderr: child.stderr };
}

const Writer = suite('ImageWriter');

Writer('writes an image into a new directory, reporting progress, readable after commit', async () => {
  await withTemporaryDirectory(async (root) => {
    const directory = join(root, 'nested', 'image');
    const progress: WriteProgress[] = [];
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA, onProgress: (event) => progress.push(event) });
    assert.is(await isImageDirectory(directory), false, 'isImageDirectory before commit');
    await writer.addGraph('kernel', { pid: 1 });
    const memory = new Uint8Array(40 * 65536).fill(1);
    await writer.addMemory('memory', memory);
    const result = await writer.commit();
    assert.is(await isImageDirectory(directory), true);
    assert.equal(await readdir(directory), [IMAGE_FILE_NAME]);
    assert.is((await stat(result.path)).size, result.bytes);
    assert.is((await stat(result.path)).mode & 0o777, 0o600);
    const memoryEvents = progress.filter((event) => event.section === 'memory');
    assert.ok(memoryEvents.every((event, index) => index === 0 || event.bytes >= memoryEvents[index - 1]!.bytes));
    assert.equal(memoryEvents.at(-1), { section: 'memory', bytes: memory.byteLength, total: memory.byteLength });
    const reader = await ImageReader.open(directory);
    assert.is(reader.digest, result.digest);
    assert.equal(await reader.readGraph('kernel'), { pid: 1 });
    await reader.close();
  });
});

Writer('refuses a directory that already holds an image', async () => {
  await withTemporaryDirectory(async (directory) => {
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA });
    await writer.commit();
    await rejects(ImageWriter.create(directory, { metadata: TEST_METADATA }), instanceOf(ImageExistsError));
  });
});

Writer('lets only one of two racing writers publish, and removes the loser', async () => {
  await withTemporaryDirectory(async (directory) => {
    const first = await ImageWriter.create(directory, { metadata: { ...TEST_METADATA, labels: { writer: 'first' } } });
    const second = await ImageWriter.create(directory, { metadata: { ...TEST_METADATA, labels: { writer: 'second' } } });
    await first.commit();
    await rejects(second.commit(), instanceOf(ImageExistsError));
    assert.equal(await readdir(directory), [IMAGE_FILE_NAME]);
    const reader = await ImageReader.open(directory);
    assert.is(reader.metadata.labels['writer'], 'first');
    await reader.close();
  });
});

Writer('abort removes the partial file; the writer then refuses calls', async () => {
  await withTemporaryDirectory(async (directory) => {
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA });
    await writer.addBlob('blob', new Uint8Array(1000));
    assert.is((await readdir(directory)).length, 1);
    await writer.abort();
    assert.equal(await readdir(directory), []);
    await rejects(writer.addBlob('again', new Uint8Array(1)), instanceOf(InvalidStateError));
    await rejects(writer.commit(), instanceOf(InvalidStateError));
  });
});

Writer('refuses overlapping calls, duplicate names and bad arguments without losing the image', async () => {
  await withTemporaryDirectory(async (directory) => {
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA });
    const pending = writer.addMemory('memory', new Uint8Array(4 * 65536).fill(2));
    await rejects(writer.addBlob('blob', new Uint8Array(1)), instanceOf(InvalidStateError), 'addBlob during addMemory');
    await pending;
    await rejects(writer.addBlob('memory', new Uint8Array(1)), instanceOf(InvalidArgumentError), 'duplicate name');
    await rejects(writer.addGraph('kernel', { run: () => 1 }), instanceOf(GraphEncodeError), 'unencodable graph');
    await rejects(writer.addBlob('blob', new Uint8Array(1), { compression: 'lz4' as never }), instanceOf(InvalidArgumentError), 'unknown compression');
    await writer.addGraph('kernel', { ok: true });
    await writer.commit();
    const reader = await ImageReader.open(directory);
    assert.equal(
      reader.sections.map((section) => section.name),
      ['memory', 'kernel'],
    );
    await reader.close();
    await rejects(writer.addBlob('late', new Uint8Array(1)), instanceOf(InvalidStateError), 'add after commit');
  });
});

Writer('refuses a short key and a compression this Node.js lacks', async () => {
  await withTemporaryDirectory(async (directory) => {
    await rejects(ImageWriter.create(directory, { metadata: TEST_METADATA, key: new Uint8Array(8) }), instanceOf(InvalidArgumentError));
    if (!isCompressionAvailable('zstd')) await rejects(ImageWriter.create(directory, { metadata: TEST_METADATA, compression: 'zstd' }), instanceOf(CompressionUnavailableError));
    assert.equal(await readdir(directory), []);
  });
});

Writer('refuses what readers with the same limits would refuse, before writing it', async () => {
  await withTemporaryDirectory(async (directory) => {
    const limits = { maxMetadataBytes: 4096, maxBlobBytes: 10, maxGraphNodes: 2, maxSections: 2 };
    await rejects(ImageWriter.create(directory, { metadata: { ...TEST_METADATA, labels: { big: 'x'.repeat(5000) } }, limits }), instanceOf(LimitExceededError), 'large metadata');
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA, limits });
    await rejects(writer.addBlob('blob', new Uint8Array(11)), (error) => error instanceof LimitExceededError && error.limit === 'maxBlobBytes');
    await rejects(writer.addGraph('kernel', [[], []]), (error) => error instanceof LimitExceededError && error.limit === 'maxGraphNodes');
    await writer.addBlob('one', new Uint8Array(10));
    await writer.addGraph('two', [[]]);
    await rejects(writer.addBlob('three', new Uint8Array(1)), (error) => error instanceof LimitExceededError && error.limit === 'maxSections');
    await writer.commit();
    const reader = await ImageReader.open(directory, { limits });
    assert.is((await reader.verify()).sections, 2);
    await reader.close();
  });
});

Writer('a write error (file size limit: EFBIG) removes the partial file and reports ImageWriteError', async () => {
  await withTemporaryDirectory(async (directory) => {
    const { report, stderr } = runChild(directory, 'report', 4, 1024);
    assert.ok(report !== undefined, `child wrote no report: ${stderr}`);
    assert.equal(report, { outcome: 'ImageWriteError', systemCode: 'EFBIG', files: [] });
    assert.is(await isImageDirectory(directory), false);
  });
});

Writer('a crash in the middle of a write leaves no image, and the directory stays usable', async () => {
  await withTemporaryDirectory(async (directory) => {
    const { signal, report, stderr } = runChild(directory, 'crash', 16);
    assert.is(signal, 'SIGKILL', `child was not killed: ${JSON.stringify(report)} ${stderr}`);
    const files = await readdir(directory);
    assert.is(files.length, 1);
    assert.ok(files[0]!.startsWith(TEMPORARY_PREFIX), `leftover ${files[0]}: want a temporary name`);
    assert.is(await isImageDirectory(directory), false);
    await rejects(ImageReader.open(directory), instanceOf(ImageNotFoundError));
    // The leftover does not pass as an image even under the image's name.
    await mkdir(join(directory, 'probe'));
    await copyFile(join(directory, files[0]!), join(directory, 'probe', IMAGE_FILE_NAME));
    await rejects(ImageReader.open(join(directory, 'probe')), instanceOf(TruncatedError));
    const writer = await ImageWriter.create(directory, { metadata: TEST_METADATA });
    await writer.commit();
    assert.is(await isImageDirectory(directory), true);
  });
});

Writer.run();
