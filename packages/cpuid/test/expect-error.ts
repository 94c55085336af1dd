// expectError calls fn, asserts that it throws an instance of the given class, and returns
// the error so a test can check its fields (uvu's assert.throws takes no class).
import * as assert from 'uvu/assert';

export function expectError<E extends Error>(fn: () => unknown, ErrorClass: abstract new (...args: never[]) => E, what = fn.toString()): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof ErrorClass) return error;
    assert.unreachable(`${what}: got ${String(error)}, want ${ErrorClass.name}`);
  }
  return assert.unreachable(`${what}: returned normally, want ${ErrorClass.name}`) as never;
}
