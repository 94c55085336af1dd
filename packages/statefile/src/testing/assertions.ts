// Helpers for uvu's assert.throws, which takes a predicate, not a class.

/** instanceOf is a predicate for assert.throws: the error is an instance of `Class`. */
export function instanceOf(Class: abstract new (...args: never[]) => unknown): (error: unknown) => boolean {
  return (error: unknown) => error instanceof Class;
}
