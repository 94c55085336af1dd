// Structural comparison of two object graphs for tests: equal values, equal prototypes, and the
// same sharing (a bijection between the objects of both graphs), so that a decoded graph which
// duplicated a shared object or broke a cycle is told apart from the original.

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return (value.constructor as { name?: string } | undefined)?.name ?? 'Object(null)';
  return Object.is(value, -0) ? '-0' : String(value);
}

/** findGraphDifference is undefined when `actual` and `expected` are the same graph up to object identity, else where they differ. */
export function findGraphDifference(actual: unknown, expected: unknown): string | undefined {
  const forward = new Map<object, object>();
  const backward = new Map<object, object>();
  const pending: [unknown, unknown, string][] = [[actual, expected, 'root']];
  while (pending.length > 0) {
    const [left, right, path] = pending.pop()!;
    if (typeof left !== 'object' || left === null || typeof right !== 'object' || right === null) {
      if (!Object.is(left, right)) return `${path}: got ${describe(left)}, want ${describe(right)}`;
      continue;
    }
    const mapped = forward.get(left);
    if (mapped !== undefined || backward.has(right)) {
      if (mapped !== right) return `${path}: object sharing differs`;
      continue;
    }
    forward.set(left, right);
    backward.set(right, left);
    if (Object.getPrototypeOf(left) !== Object.getPrototypeOf(right)) return `${path}: got a ${describe(left)}, want a ${describe(right)}`;
    if (left instanceof Uint8Array) {
      if (!Buffer.from(left).equals(Buffer.from(right as Uint8Array))) return `${path}: bytes differ`;
    } else if (Array.isArray(left)) {
      const rightArray = right as unknown[];
      if (left.length !== rightArray.length) return `${path}: length ${left.length}, want ${rightArray.length}`;
      for (let index = 0; index < left.length; index++) pending.push([left[index], rightArray[index], `${path}[${index}]`]);
    } else if (left instanceof Map) {
      const leftEntries = [...left];
      const rightEntries = [...(right as Map<unknown, unknown>)];
      if (leftEntries.length !== rightEntries.length) return `${path}: map size ${leftEntries.length}, want ${rightEntries.length}`;
      for (const [index, [key, value]] of leftEntries.entries()) {
        pending.push([key, rightEntries[index]![0], `${path}<key ${index}>`], [value, rightEntries[index]![1], `${path}<value ${index}>`]);
      }
    } else if (left instanceof Set) {
      const leftItems = [...left];
      const rightItems = [...(right as Set<unknown>)];
      if (leftItems.length !== rightItems.length) return `${path}: set size ${leftItems.length}, want ${rightItems.length}`;
      for (const [index, item] of leftItems.entries()) pending.push([item, rightItems[index], `${path}<item ${index}>`]);
    } else {
      const leftKeys = Object.keys(left);
      const rightKeys = Object.keys(right);
      if (leftKeys.join('\0') !== rightKeys.join('\0')) return `${path}: keys [${leftKeys}], want [${rightKeys}]`;
      for (const key of leftKeys) {
        pending.push([(left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key], `${path}.${key}`]);
      }
    }
  }
  return undefined;
}
