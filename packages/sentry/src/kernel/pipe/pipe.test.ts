import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../../abi/wasi/errno.js';
import { Fdflags } from '../../abi/wasi/flags.js';
import { isSysError } from '../../errors/sys-error.js';
import { WouldBlock } from '../task-block.js';
import { Pipe, PipeReadEnd, PipeWriteEnd } from './pipe.js';

const text = (value: string) => new TextEncoder().encode(value);

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

function pipe(capacity = 16) {
  const shared = new Pipe(1n, 0n, 0n, capacity);
  return { shared, reader: new PipeReadEnd(shared), writer: new PipeWriteEnd(shared) };
}

const PipeSuite = suite('Pipe');

PipeSuite('bytes written are read in order', () => {
  const { reader, writer } = pipe();
  assert.is(writer.write([text('abc'), text('de')]), 5);
  const buffer = new Uint8Array(4);
  assert.is(reader.read([buffer]), 4);
  assert.equal([...buffer], [...text('abcd')]);
  assert.is(reader.read([buffer]), 1);
  assert.is(buffer[0], 'e'.charCodeAt(0));
});

PipeSuite('an empty pipe with a writer blocks the reader before any side effect', async () => {
  const { reader, writer } = pipe();
  const error = thrown(() => reader.read([new Uint8Array(4)]));
  assert.instance(error, WouldBlock);
  let woken = false;
  void (error as WouldBlock).ready.then(() => {
    woken = true;
  });
  writer.write([text('x')]);
  await Promise.resolve();
  assert.ok(woken, 'a write settles the blocked reader');
  assert.ok(reader.readiness('read').ready);
});

PipeSuite('NONBLOCK turns waiting into EAGAIN', () => {
  const { reader } = pipe();
  reader.flags = Fdflags.NONBLOCK;
  const error = thrown(() => reader.read([new Uint8Array(1)]));
  assert.ok(isSysError(error, Errno.AGAIN), `read on an empty non-blocking pipe: got ${String(error)}, want EAGAIN`);
});

PipeSuite('the reader sees end of file once every writer is gone', () => {
  const { reader, writer } = pipe();
  writer.write([text('z')]);
  writer.release();
  assert.is(reader.read([new Uint8Array(4)]), 1, 'buffered bytes are still read');
  assert.is(reader.read([new Uint8Array(4)]), 0);
  assert.ok(reader.readiness('read').hangup);
});

PipeSuite('a writer without readers gets EPIPE', () => {
  const { reader, writer } = pipe();
  reader.release();
  const error = thrown(() => writer.write([text('x')]));
  assert.ok(isSysError(error, Errno.PIPE), `write with no reader: got ${String(error)}, want EPIPE`);
});

PipeSuite('a full pipe takes what fits, then blocks the writer', () => {
  const { reader, writer } = pipe(4);
  assert.is(writer.write([text('abcdef')]), 4);
  assert.instance(thrown(() => writer.write([text('g')])), WouldBlock);
  assert.not.ok(writer.readiness('write').ready);
  reader.read([new Uint8Array(2)]);
  assert.ok(writer.readiness('write').ready);
  assert.is(writer.write([text('gh')]), 2);
});

PipeSuite.run();
