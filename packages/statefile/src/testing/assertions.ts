// Helpers for uvu's assert.throws, which takes a predicate, not a class.

/** instanceOf is a predicate for assert.throws: the error is an instance of `Class`. */
export function instanceOf(Class: abstract new (...args: never[]) => unknown): (error: unknown) => boolean {
  return (error: unknown) => error instanceof Class;
}

/** rejects awaits `promise` and throws unless it rejects with an error `check` accepts. */
export async function rejects(promise: Promise<unknown>, check: (error: unknown) => boolean, what = 'the call'): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (check(error)) return;
    throw new Error(`${what}: got ${String(error)}, want another error`);
  }
  throw new Error(`${what}: got success, want an error`);
}
