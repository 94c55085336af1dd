import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, RecordUpgradeError, RecordVersionError, UnknownRecordTypeError } from '../errors.js';
import { instanceOf } from '../testing/assertions.js';
import { decodeGraph } from './decode.js';
import { encodeGraph } from './encode.js';
import { RecordRegistry, UnknownRecord } from './records.js';

class FdTableV1 {}
class FdTable {
  fds: unknown[] = [];
  cloexec: number[] = [];
}

const Records = suite('RecordRegistry');

Records('upgrades an old record through every step to the registered version', () => {
  const old = new RecordRegistry().register({ type: 'FdTable', version: 1, Class: FdTableV1 });
  const stored = encodeGraph(Object.assign(new FdTableV1(), { fds: ['stdin'], flags: 3 }), { registry: old }).bytes;
  const current = new RecordRegistry().register({
    type: 'FdTable',
    version: 3,
    Class: FdTable,
    upgrade: {
      1: ({ flags, ...rest }) => ({ ...rest, cloexecMask: flags }),
      2: ({ cloexecMask, ...rest }) => ({ ...rest, cloexec: [(cloexecMask as number) & 1] }),
    },
  });
  const decoded = decodeGraph(stored, { registry: current }) as FdTable;
  assert.instance(decoded, FdTable);
  assert.equal({ ...decoded }, { fds: ['stdin'], cloexec: [1] });
});

Records('upgrade functions see filled children and keep shared references', () => {
  const registry = new RecordRegistry().register({ type: 'Task', version: 1, Class: FdTableV1 });
  const shared = { offset: 1 };
  const bytes = encodeGraph(Object.assign(new FdTableV1(), { a: shared, b: shared }), { registry }).bytes;
  const seen: unknown[] = [];
  const upgraded = new RecordRegistry().register({
    type: 'Task',
    version: 2,
    Class: FdTable,
    upgrade: {
      1: (fields) => {
        seen.push(fields['a']);
        return fields;
      },
    },
  });
  const decoded = decodeGraph(bytes, { registry: upgraded }) as unknown as { a: unknown; b: unknown };
  assert.equal(seen, [{ offset: 1 }]);
  assert.ok(decoded.a === decoded.b);
});

Records('refuses a newer record version, a missing upgrade, an unknown type, and reports a throwing upgrade', () => {
  const writer = new RecordRegistry().register({ type: 'FdTable', version: 2, Class: FdTable });
  const bytes = encodeGraph(new FdTable(), { registry: writer }).bytes;
  assert.throws(() => decodeGraph(bytes, { registry: new RecordRegistry().register({ type: 'FdTable', version: 1, Class: FdTable }) }), (error: unknown) => error instanceof RecordVersionError && error.found === 2 && error.supported === 1);
  const gap = new RecordRegistry().register({ type: 'FdTable', version: 4, Class: FdTable, upgrade: { 3: (fields) => fields } });
  assert.throws(() => decodeGraph(bytes, { registry: gap }), (error: unknown) => error instanceof RecordVersionError && error.found === 2);
  assert.throws(() => decodeGraph(bytes, { registry: new RecordRegistry() }), (error: unknown) => error instanceof UnknownRecordTypeError && error.type === 'FdTable');
  const throwing = new RecordRegistry().register({
    type: 'FdTable',
    version: 3,
    Class: FdTable,
    upgrade: {
      2: () => {
        throw new Error('boom');
      },
    },
  });
  assert.throws(() => decodeGraph(bytes, { registry: throwing }), (error: unknown) => error instanceof RecordUpgradeError && error.fromVersion === 2);
});

Records('keeps unregistered records as UnknownRecord when asked', () => {
  const writer = new RecordRegistry().register({ type: 'FdTable', version: 2, Class: FdTable });
  const decoded = decodeGraph(encodeGraph(Object.assign(new FdTable(), { fds: [1] }), { registry: writer }).bytes, { unknownRecords: 'keep' });
  assert.instance(decoded, UnknownRecord);
  assert.is((decoded as UnknownRecord).type, 'FdTable');
  assert.is((decoded as UnknownRecord).version, 2);
  assert.equal((decoded as UnknownRecord).fields, { fds: [1], cloexec: [] });
});

Records('refuses malformed registrations', () => {
  const registry = new RecordRegistry().register({ type: 'A', version: 1, Class: FdTable });
  assert.throws(() => registry.register({ type: 'A', version: 1, Class: FdTableV1 }), instanceOf(InvalidArgumentError));
  assert.throws(() => registry.register({ type: 'B', version: 1, Class: FdTable }), instanceOf(InvalidArgumentError));
  assert.throws(() => registry.register({ type: 'C', version: 0, Class: FdTableV1 }), instanceOf(InvalidArgumentError));
  assert.throws(() => registry.register({ type: 'C', version: 2, Class: FdTableV1, upgrade: { 2: (fields) => fields } }), instanceOf(InvalidArgumentError));
  assert.throws(() => registry.register({ type: '', version: 1, Class: FdTableV1 }), instanceOf(InvalidArgumentError));
});

Records.run();
