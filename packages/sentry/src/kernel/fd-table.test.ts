import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Errno } from '../abi/wasi/errno.js';
import { Rights } from '../abi/wasi/rights.js';
import { isSysError } from '../errors/sys-error.js';
import { CaptureSink } from '../testing.js';
import { FdTable, type OpenFileCount } from './fd-table.js';

function entry(rights = Rights.FD_READ | Rights.FD_WRITE) {
  return { description: new CaptureSink(), rightsBase: rights, rightsInheriting: 0n };
}

function errnoOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (isSysError(error)) return error.errno;
    throw error;
  }
}

const FdTableSuite = suite('FdTable');

FdTableSuite('allocates the lowest free fd', () => {
  const table = new FdTable(16, { open: 0, limit: 100 });
  assert.is(table.insert(entry(), 3), 3);
  assert.is(table.insert(entry(), 3), 4);
  table.close(3);
  assert.is(table.insert(entry(), 3), 3, 'table.insert after close(3): got another fd, want 3');
});

FdTableSuite('get of a missing fd is EBADF', () => {
  const table = new FdTable(16, { open: 0, limit: 100 });
  assert.is(errnoOf(() => table.get(100)), Errno.BADF, 'fdTable.get(100): want BADF');
});

FdTableSuite('a missing access right is EBADF and a missing path right is ENOTCAPABLE', () => {
  const table = new FdTable(16, { open: 0, limit: 100 });
  const fd = table.insert(entry(Rights.FD_READ));
  assert.is(table.get(fd, Rights.FD_READ).rightsBase, Rights.FD_READ);
  assert.is(errnoOf(() => table.get(fd, Rights.FD_WRITE)), Errno.BADF);
  assert.is(errnoOf(() => table.get(fd, Rights.PATH_OPEN)), Errno.NOTCAPABLE);
});

FdTableSuite('the per-task limit is EMFILE and the kernel-wide limit is ENFILE', () => {
  const count: OpenFileCount = { open: 0, limit: 5 };
  const small = new FdTable(3, count);
  for (let index = 0; index < 3; index++) small.insert(entry());
  assert.is(errnoOf(() => small.insert(entry())), Errno.MFILE);
  const other = new FdTable(10, count);
  other.insert(entry());
  other.insert(entry());
  assert.is(errnoOf(() => other.insert(entry())), Errno.NFILE);
  small.close(0);
  assert.is(other.insert(entry()), 2, 'closing in one table frees room in the kernel');
});

FdTableSuite('the description is released when its last fd closes', () => {
  const table = new FdTable(16, { open: 0, limit: 100 });
  let released = 0;
  const description = new CaptureSink();
  description.release = () => {
    released += 1;
  };
  const first = table.insert({ description, rightsBase: 0n, rightsInheriting: 0n });
  const second = table.insert({ description, rightsBase: 0n, rightsInheriting: 0n });
  table.close(first);
  assert.is(released, 0);
  table.close(second);
  assert.is(released, 1);
});

FdTableSuite('renumber moves an fd over another and closes what it held', () => {
  const table = new FdTable(16, { open: 0, limit: 100 });
  const a = table.insert(entry(Rights.FD_READ));
  const b = table.insert(entry(Rights.FD_WRITE));
  table.renumber(a, b);
  assert.is(table.get(b).rightsBase, Rights.FD_READ);
  assert.not.ok(table.has(a));
  assert.is(errnoOf(() => table.renumber(b, 9)), Errno.BADF, 'renumber to a closed fd: want BADF');
  assert.is(table.size, 1);
});

FdTableSuite.run();

const FdTableProperties = suite('FdTable properties');

FdTableProperties('fds are always the lowest free slot', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant<'open'>('open'), fc.nat(20)), { maxLength: 60 }), (operations) => {
      const table = new FdTable(64, { open: 0, limit: 1000 });
      const open = new Set<number>();
      for (const operation of operations) {
        if (operation === 'open') {
          let lowest = 0;
          while (open.has(lowest)) lowest += 1;
          const fd = table.insert(entry());
          if (fd !== lowest) return false;
          open.add(fd);
        } else if (open.has(operation)) {
          table.close(operation);
          open.delete(operation);
        }
      }
      return table.size === open.size;
    }),
    { verbose: true },
  );
});

FdTableProperties.run();
