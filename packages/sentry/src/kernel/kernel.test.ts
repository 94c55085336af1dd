// Kernel.namedPipeEnd: the pipes a sandbox's stdio bindings (`{ pipe: name }`) connect tasks with.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestKernel } from '../testing.js';
import type { FileDescription } from '../vfs/file-description.js';
import { WouldBlock } from './task-block.js';

const text = (value: string) => new TextEncoder().encode(value);

function readText(description: FileDescription, size = 64): string {
  const buffer = new Uint8Array(size);
  const count = description.read([buffer]);
  return new TextDecoder().decode(buffer.subarray(0, count));
}

const NamedPipes = suite('Kernel named pipes');

NamedPipes('a reader bound before any writer waits for one instead of reading end of file', () => {
  const harness = createTestKernel();
  try {
    const consumer = harness.createTask({ stdio: [harness.kernel.namedPipeEnd('lines', 'read'), harness.stdout, harness.stderr] });
    assert.throws(
      () => readText(consumer.fdTable.get(0).description),
      (error: unknown) => error instanceof WouldBlock,
      'read(0) with no writer task yet: got no WouldBlock, want a wait',
    );
  } finally {
    harness.dispose();
  }
});

NamedPipes('tasks bound to one side share one end; the reader sees end of file after the last writer exits', () => {
  const harness = createTestKernel();
  try {
    const { kernel } = harness;
    const consumer = harness.createTask({ stdio: [kernel.namedPipeEnd('lines', 'read'), harness.stdout, harness.stderr] });
    const first = harness.createTask({ stdio: ['null', kernel.namedPipeEnd('lines', 'write'), harness.stderr] });
    const second = harness.createTask({ stdio: ['null', kernel.namedPipeEnd('lines', 'write'), harness.stderr] });
    assert.is(first.fdTable.get(1).description, second.fdTable.get(1).description, 'both writers hold one description');
    first.fdTable.get(1).description.write([text('one ')]);
    first.exit(0);
    second.fdTable.get(1).description.write([text('two')]);
    second.exit(0);
    const input = consumer.fdTable.get(0).description;
    assert.is(readText(input), 'one two');
    assert.is(readText(input), '', 'read after both writers exited: got data or a wait, want end of file');
  } finally {
    harness.dispose();
  }
});

NamedPipes('a closed end is opened again on the same pipe; a pipe with both ends closed is replaced', () => {
  const harness = createTestKernel();
  try {
    const { kernel } = harness;
    const reader = kernel.namedPipeEnd('p', 'read');
    const consumer = harness.createTask({ stdio: [reader, harness.stdout, harness.stderr] });
    const writer = harness.createTask({ stdio: ['null', kernel.namedPipeEnd('p', 'write'), harness.stderr] });
    writer.fdTable.get(1).description.write([text('kept')]);
    writer.exit(0);
    const again = kernel.namedPipeEnd('p', 'write');
    assert.ok(!again.released, 'a new write end');
    assert.is(again.pipe, reader.pipe, 'on the same pipe, whose bytes are still there');
    assert.is(readText(consumer.fdTable.get(0).description), 'kept');
    const late = harness.createTask({ stdio: ['null', again, harness.stderr] });
    late.exit(0);
    consumer.exit(0);
    const fresh = kernel.namedPipeEnd('p', 'read');
    assert.is.not(fresh.pipe, reader.pipe, 'both ends were closed: a new pipe');
    assert.is(fresh.pipe.buffered, 0);
  } finally {
    harness.dispose();
  }
});

NamedPipes.run();
